import ArgumentParser
import Foundation
import Rehearse
import RehearseModel
import RehearseDiagnostics
import RehearseParser
import RehearseCompiler
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO
import RehearseReport

/// The `rehearse` command: parse flags, call RehearseCore, map outcomes to exit codes.
@main
struct RehearseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rehearse",
        abstract: "Run declarative YAML test plans against a deployed backend.",
        version: RehearseVersion.long,
        subcommands: [DemoCommand.self, RunCommand.self, MergeCommand.self, AuthCommand.self, LintCommand.self, ListCommand.self,
                      GraphCommand.self, SchemaCommand.self, VersionCommand.self, ManualCommand.self]
    )

    /// Like ArgumentParser's `main()`, but a bad command line exits 2 (spec §6), not 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.invalid.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// Exit codes of spec §6.
enum ExitStatus: Int32 {
    case ok = 0
    case failed = 1
    case invalid = 2
    case environment = 3
    case interrupted = 130

    var exitCode: ExitCode { ExitCode(rawValue) }
}

/// Writes to standard output without Foundation's buffering surprises between print and FileHandle.
enum Output {
    static func out(_ s: String) { FileHandle.standardOutput.write(Data(s.utf8)) }
    static func err(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    /// Colour only on a terminal, and never with NO_COLOR or --no-color.
    static func useColor(noColor: Bool, handle: Int32 = STDOUT_FILENO) -> Bool {
        !noColor && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && isatty(handle) == 1
    }
}
