import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Rehearse
import RehearseCompiler
import RehearseDiagnostics
import RehearseModel
import RehearseReport
import RehearseResults
/// The `rehearse` command: parse flags, make one façade call (`Pipeline`), map its outcome to the exit code.
@main
struct RehearseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rehearse",
        abstract: "Run declarative YAML test plans against a deployed backend.",
        version: RehearseVersion.long,
        subcommands: [DemoCommand.self, RunCommand.self, MergeCommand.self, DiffCommand.self, AuthCommand.self, LintCommand.self, ListCommand.self,
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
                // Through the diagnostic renderer like every other error, with the usage as the hint.
                let usage = fullMessage(for: error).split(separator: "\n").first { $0.hasPrefix("Usage:") }
                Console.standard().error(message(for: error).replacingAll("Error: ", with: ""),
                                         hint: usage.map { "\($0.dropFirst("Usage: ".count)) (see --help)" })
                LibC.exit(ExitStatus.invalid.rawValue)
            }
            exit(withError: error)
        }
    }
}

extension ExitStatus {
    var exitCode: ExitCode { ExitCode(rawValue) }

    /// Ends the command with this status (returns for `.ok`).
    func exit() throws {
        if self != .ok { throw exitCode }
    }
}

