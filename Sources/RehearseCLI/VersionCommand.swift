import ArgumentParser
import Rehearse
import RehearseModel
import RehearseDiagnostics
import RehearseParser
import RehearseCompiler
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO
import RehearseReport

/// `rehearse version`: the version, commit and build date, as text or JSON for tools.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version, the commit and the build date.")

    @Option(help: "Output format: text or json.")
    var format: ListCommand.ListFormat = .text

    func run() throws {
        switch format {
        case .text: Output.out("rehearse \(RehearseVersion.long)\n")
        case .json: Output.out(RehearseVersion.json.prettyText() + "\n")
        }
    }
}
