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
/// `rehearse generate-manual`: a man page (roff) made from the same help texts `--help` prints,
/// so it never drifts from the flags. Hidden: scripts/install.sh runs it.
struct ManualCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-manual", abstract: "Print the rehearse(1) man page.", shouldDisplay: false)

    func run() throws {
        Console.standard().out(Self.page(date: RehearseVersion.buildDate))
    }

    /// The page: name, synopsis, description, one section per subcommand with its help text.
    static func page(date: String) -> String {
        let day = date.count >= 10 ? String(date.prefix(10)) : date
        var out = ".TH REHEARSE 1 \"\(day)\" \"rehearse \(RehearseVersion.string)\" \"User Commands\"\n"
        out += ".SH NAME\nrehearse \\- \(roff(RehearseCommand.configuration.abstract))\n"
        out += ".SH SYNOPSIS\n.B rehearse\n.I command\n[\n.I options\n]\n"
        out += ".SH DESCRIPTION\n"
        out += roff("Rehearse runs declarative YAML test plans against a deployed backend and reports what works, with pass rates by priority and tag. Plans are linted before anything is sent.") + "\n"
        out += ".SH COMMANDS\n"
        for sub in RehearseCommand.configuration.subcommands where sub.configuration.shouldDisplay {
            out += ".SS \(sub.configuration.commandName ?? "")\n.nf\n"
            out += roff(RehearseCommand.helpMessage(for: sub, columns: 100)) + "\n.fi\n"
        }
        out += ".SH EXIT STATUS\n"
        out += ".TP\n0\nEvery selected case passed, xfailed or was skipped (or the gates were met).\n"
        out += ".TP\n1\nA case failed, errored or xpassed, or a gate was missed.\n"
        out += ".TP\n2\nInvalid plans or command line; nothing was sent.\n"
        out += ".TP\n3\nThe environment lacks what the plans need; nothing was sent.\n"
        out += ".TP\n130\nInterrupted; the reports written are complete for what ran.\n"
        out += ".SH SEE ALSO\nThe plan format and reports: docs/plan-format.md and docs/report-format.md in the source.\n"
        return out
    }

    /// Text safe in roff: backslashes escaped, and no line starting with a control character.
    static func roff(_ text: String) -> String {
        text.replacingAll("\\", with: "\\e").split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix(".") || line.hasPrefix("'") ? "\\&" + line : String(line)
        }.joined(separator: "\n")
    }
}
