#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Console output of `rehearse run`: progress while it runs, then failures, totals and tables.
public final class ConsoleReporter: RunObserver, Sendable {
    public enum Verbosity: Sendable { case quiet, normal, verbose }

    let write: @Sendable (String) -> Void
    let live: Bool
    let color: Bool
    let verbosity: Verbosity
    /// `--curl`: each failure's last request as a `curl` command.
    let curl: Bool
    private let failuresSoFar = Mutex(0)

    /// `live`: a terminal, so progress is one line rewritten in place.
    public init(live: Bool, color: Bool, verbosity: Verbosity = .normal, curl: Bool = false, write: @escaping @Sendable (String) -> Void) {
        self.live = live
        self.color = color
        self.verbosity = verbosity
        self.curl = curl
        self.write = write
    }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    func word(_ o: Outcome) -> String {
        let w = Text.padded(o.rawValue, to: 7)
        switch o {
        case .passed: return paint(w, "32")
        case .failed, .errored, .xpassed: return paint(w, "1;31")
        case .skipped: return paint(w, "33")
        case .xfailed: return paint(w, "36")
        }
    }

    public func runStarted(total: Int) {
        if verbosity != .quiet, !live { write("running \(total) case\(total == 1 ? "" : "s")\n") }
    }

    public func caseFinished(_ r: CaseResult, done: Int, total: Int) {
        let r = r.mapText(VisibleText.escape)
        let failures = failuresSoFar.withLock { n in
            if !r.outcome.isSuccess { n += 1 }
            return n
        }
        guard verbosity != .quiet else { return }
        if live {
            let failText = failures > 0 ? paint(", \(failures) failed", "1;31") : ""
            var line = "\r\u{1B}[2K[\(done)/\(total)\(failText)] \(r.fullID)"
            if !r.outcome.isSuccess || verbosity == .verbose { line = "\r\u{1B}[2K" + caseLine(r) + "\n" + "[\(done)/\(total)\(failText)]" }
            write(line)
        } else {
            write(caseLine(r) + "\n")
        }
    }

    func caseLine(_ r: CaseResult) -> String {
        var line = "\(word(r.outcome)) \(r.fullID)"
        var notes: [String] = []
        if r.outcome != .skipped { notes.append(DurationParser.format(r.duration)) }
        if r.attempts > 1 && r.load == nil { notes.append("\(r.attempts) attempts") }
        if r.isFlaky { notes.append("flaky") }
        if let load = r.load { notes.append(load.summaryLine) }
        // The last stream step that saw messages: usually the `collect` of the answer.
        if let stream = r.streams.last(where: { $0.messages > 0 }) { notes.append(stream.summary) }
        if let reason = r.reason, r.outcome == .skipped || r.outcome == .xfailed { notes.append(reason) }
        if !notes.isEmpty { line += "  (" + notes.joined(separator: ", ") + ")" }
        return line
    }

    /// Everything after the run: failure details, totals, tables and the exit code.
    public func finalText(_ report: RunReport, exitCode: Int32) -> String {
        // Server bytes are shown, never obeyed by the terminal (also without colour).
        let report = report.visible()
        var out = live ? "\r\u{1B}[2K" : ""
        let bad = report.results.filter { !$0.outcome.isSuccess }
        let failedLogins = report.logins.filter { !$0.succeeded }
        if !bad.isEmpty || !failedLogins.isEmpty { out += "\n" + paint("Failures", "1") + "\n" }
        for l in failedLogins {
            out += "\n" + paint("✗ auth:\(l.profile)", "1;31") + "  login failed after \(l.attempts) attempt\(l.attempts == 1 ? "" : "s")\n"
            out += "    \(l.failure ?? "failed")\n"
        }
        for r in bad { out += "\n" + details(r, insecure: report.insecureTLS) }
        out += betweenRuns(report, bad: bad)
        let s = RunSummary(report.results)
        let t = s.totals
        out += "\n\(t.total) case\(t.total == 1 ? "" : "s"): \(report.outcomeCounts) in \(DurationParser.format(report.duration))"
        if let env = report.environment { out += " (environment \(env), seed \(report.seed))" }
        out += "\n\n" + RunSummary.table("priority", s.byPriority)
        if !s.byTag.isEmpty { out += "\n" + RunSummary.table("tag", s.byTag) }
        let gates = report.gateResults
        if !gates.isEmpty {
            out += "\ngates\n"
            for g in gates { out += "  " + (g.passed ? paint("✓", "32") : paint("✗", "1;31")) + " \(g.summary)\n" }
        }
        let hints = NextSteps.runHints(report).filter { !$0.hasPrefix("the run was interrupted") }
        if !hints.isEmpty { out += "\n" + hints.map { "hint: \($0)\n" }.joined() }
        if report.insecureTLS { out += "\n" + paint("warning: TLS certificates were not verified (--insecure)", "1;33") + "\n" }
        if report.interrupted { out += "\ninterrupted: the results above are complete for what ran\n" }
        out += "\nexit \(exitCode)\n"
        return out
    }

    /// One failure: the case, what was expected and what came back, and the attempts.
    func details(_ r: CaseResult, insecure: Bool = false) -> String {
        var out = paint("✗ \(r.fullID)", "1;31") + "  \(r.outcome.rawValue)"
        if r.attempts > 0 { out += " after \(r.attempts) attempt\(r.attempts == 1 ? "" : "s")" }
        out += " (\(DurationParser.format(r.duration)))\n"
        if let name = r.name { out += "    \(name)\n" }
        for f in r.failures {
            out += "    \(f.message)\n"
            if let l = f.location, let p = l.position { out += paint("      at \(l.file):\(p.line):\(p.column)", "2") + "\n" }
        }
        if let e = r.exchange {
            out += "    > \(e.requestLine)\n"
            if verbosity == .verbose { for h in e.requestHeaders { out += "    > \(h.name): \(h.value)\n" } }
            if let status = e.status {
                var line = "    < \(status)"
                for h in e.responseHeaders { line += "  \(h.name): \(h.value)" }
                out += line + "\n"
            }
            if let body = e.bodyExcerpt {
                for l in body.split(separator: "\n", omittingEmptySubsequences: false).prefix(8) { out += "    < \(l)\n" }
            }
        }
        if curl, let command = CurlCommand.of(r, insecure: insecure) {
            out += command.text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 + "\n" }.joined()
        }
        return out
    }
}
