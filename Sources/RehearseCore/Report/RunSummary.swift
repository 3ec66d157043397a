import Foundation

/// Counts for one row of a pass-rate table.
public struct SummaryRow: Sendable, Equatable {
    public var label: String
    public var total = 0
    public var passed = 0
    /// failed + errored + xpassed: everything that makes the run red.
    public var failed = 0
    public var skipped = 0
    public var xfailed = 0

    /// Passed (and expected failures) over the cases that ran; nil when none ran.
    public var passRate: Double? {
        let ran = total - skipped
        return ran > 0 ? Double(passed + xfailed) / Double(ran) : nil
    }

    mutating func add(_ o: Outcome) {
        total += 1
        switch o {
        case .passed: passed += 1
        case .failed, .errored, .xpassed: failed += 1
        case .skipped: skipped += 1
        case .xfailed: xfailed += 1
        }
    }
}

/// The tables every report shows: totals, by priority, by tag.
public struct RunSummary: Sendable {
    public var totals: SummaryRow
    public var byPriority: [SummaryRow]
    public var byTag: [SummaryRow]

    public init(_ results: [CaseResult]) {
        var totals = SummaryRow(label: "all")
        var priorities = Priority.allCases.map { SummaryRow(label: $0.rawValue) }
        var tags: [String: SummaryRow] = [:]
        for r in results {
            totals.add(r.outcome)
            priorities[r.priority.rank].add(r.outcome)
            for t in r.tags { tags[t, default: SummaryRow(label: t)].add(r.outcome) }
        }
        self.totals = totals
        self.byPriority = priorities.filter { $0.total > 0 }
        self.byTag = tags.values.sorted { $0.label < $1.label }
    }

    public static func format(rate: Double?) -> String {
        guard let rate else { return "-" }
        let pct = rate * 100
        return pct == pct.rounded() ? "\(Int(pct))%" : String(Double(Int(pct * 10)) / 10) + "%"
    }

    /// A plain-text table: label, total, passed, failed, skipped, pass rate.
    public static func table(_ title: String, _ rows: [SummaryRow]) -> String {
        let header = [title, "total", "passed", "failed", "skipped", "pass rate"]
        let body = rows.map { [$0.label, "\($0.total)", "\($0.passed + $0.xfailed)", "\($0.failed)", "\($0.skipped)", format(rate: $0.passRate)] }
        let widths = header.indices.map { i in ([header[i]] + body.map { $0[i] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ")
        }
        return ([line(header)] + body.map(line)).map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
}
