import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Rehearse
import RehearseCompiler
import RehearseDiagnostics
import RehearseModel
import RehearseReport
import RehearseResults
/// `rehearse version`: the version, commit and build date, as text or JSON for tools.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version, the commit and the build date.")

    @Option(help: "Output format: text or json.")
    var format: Pipeline.ListFormat = .text

    func run() throws {
        switch format {
        case .text: Console.standard().out("rehearse \(RehearseVersion.long)\n")
        case .json: Console.standard().out(RehearseVersion.json.prettyText() + "\n")
        }
    }
}
