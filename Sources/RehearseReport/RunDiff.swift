import RehearseModel
import RehearseCompiler
import RehearseResults

/// `rehearse diff BASE.json NEW.json`: what changed between two runs of a suite (spec §11).
public struct RunDiff: Sendable {
    /// One case in a list of the diff.
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var before: Outcome?
        public var after: Outcome?
        /// The cause now (or, for a removed case, then), in a few words; nil for a pass.
        public var cause: String?
        /// The failed attempts of a flaky case.
        public var attempts: [String] = []
    }

    /// A row of a pass-rate table, before and after.
    public struct RateRow: Sendable, Equatable {
        public var label: String
        public var before: PassRate?
        public var after: PassRate?
        public var change: String { PassRate.change(from: before, to: after) }
    }

    public var fixed: [Entry] = []
    /// Passed (or skipped, or xfailed) before, failing now.
    public var regressions: [Entry] = []
    public var stillFailing: [Entry] = []
    public var newlyFlaky: [Entry] = []
    public var added: [Entry] = []
    public var removed: [Entry] = []
    public var totals: RateRow
    public var byPriority: [RateRow]
    public var byTag: [RateRow]

    /// Exit 1 when anything that worked broke (spec §11).
    public var exitStatus: ExitStatus { regressions.isEmpty ? .ok : .failed }

    /// Compares two runs by case id. Cases an interrupt cut short say nothing either way and are
    /// left out of fixed, regressions and still failing.
    public static func compare(_ base: RunReport, _ new: RunReport) -> RunDiff {
        let old = Dictionary(base.results.map { ($0.fullID, $0) }, uniquingKeysWith: { a, _ in a })
        let now = Set(new.results.map(\.fullID))
        let a = RunSummary(base.results), b = RunSummary(new.results)
        var d = RunDiff(totals: RateRow(label: "all", before: a.totals.passRate, after: b.totals.passRate),
                        byPriority: rows(a.byPriority, b.byPriority), byTag: rows(a.byTag, b.byTag))
        for r in new.results {
            guard let was = old[r.fullID] else {
                d.added.append(entry(nil, r))
                continue
            }
            if r.isFlaky && !was.isFlaky { d.newlyFlaky.append(entry(was, r)) }
            guard !r.wasInterrupted, !was.wasInterrupted else { continue }
            switch (failing(was), failing(r)) {
            case (true, true): d.stillFailing.append(entry(was, r))
            case (false, true): d.regressions.append(entry(was, r))
            case (true, false) where r.outcome == .passed || r.outcome == .xfailed: d.fixed.append(entry(was, r))
            default: break
            }
        }
        d.removed = base.results.filter { !now.contains($0.fullID) }.map { Entry(id: $0.fullID, before: $0.outcome, after: nil,
                                                                                 cause: failing($0) ? NextSteps.cause(of: $0) : nil) }
        return d
    }

    static func failing(_ r: CaseResult) -> Bool { !r.outcome.isSuccess }

    static func entry(_ was: CaseResult?, _ r: CaseResult) -> Entry {
        Entry(id: r.fullID, before: was?.outcome, after: r.outcome, cause: failing(r) ? NextSteps.cause(of: r) : nil,
              attempts: r.isFlaky ? r.failedAttempts.map(\.summary) : [])
    }

    /// Rows of both tables, joined by label: in the order of the new run, then rows that only
    /// the base had.
    static func rows(_ before: [SummaryRow], _ after: [SummaryRow]) -> [RateRow] {
        let old = Dictionary(before.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        let labels = after.map(\.label) + before.map(\.label).filter { l in !after.contains { $0.label == l } }
        let new = Dictionary(after.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        return labels.map { RateRow(label: $0, before: old[$0]?.passRate, after: new[$0]?.passRate) }
    }
}
