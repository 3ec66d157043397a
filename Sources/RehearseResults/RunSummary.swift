#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseCompiler

/// A pass rate, and the one way every report writes it (spec §7): one decimal, rounded half-up,
/// computed on the counts so that 11/12 is 91.7% in the console, Markdown, HTML, JUnit and JSON
/// alike, never a binary-fraction artefact of one of them.
public struct PassRate: Sendable, Equatable, CustomStringConvertible {
    /// Passed and xfailed.
    public var good: Int
    /// The cases that ran: neither skipped nor cut short by an interrupt. Never 0.
    public var ran: Int

    public init?(good: Int, ran: Int) {
        guard ran > 0 else { return nil }
        self.good = good
        self.ran = ran
    }

    /// Tenths of a percent, rounded half-up on integers: 11/12 → 917, 41/46 → 891.
    public var permille: Int { (good * 2000 + ran) / (2 * ran) }
    /// The exact ratio, 0...1.
    public var ratio: Double { Double(good) / Double(ran) }
    /// The ratio as the JSON report keeps it: three decimals, the same rounding as the text.
    public var roundedRatio: Double { Double(permille) / 1000 }
    /// "91.7%", "100%", "0%".
    public var description: String {
        let p = permille
        return p % 10 == 0 ? "\(p / 10)%" : "\(p / 10).\(p % 10)%"
    }
    /// A rate, or "-" when nothing ran.
    public static func text(_ rate: PassRate?) -> String { rate?.description ?? "-" }
}

/// Counts for one row of a pass-rate table.
public struct SummaryRow: Sendable, Equatable {
    public var label: String
    public var total = 0
    public var passed = 0
    /// failed + errored + xpassed: everything that makes the run red.
    public var failed = 0
    public var skipped = 0
    public var xfailed = 0
    /// Cases an interrupt cut short or kept from starting: neither passes nor failures.
    public var interrupted = 0

    /// Passed (and expected failures) over the cases that ran; nil when none ran.
    public var passRate: PassRate? { PassRate(good: passed + xfailed, ran: total - skipped - interrupted) }

    mutating func add(_ r: CaseResult) {
        total += 1
        if r.wasInterrupted {
            interrupted += 1
            return
        }
        switch r.outcome {
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
            totals.add(r)
            priorities[r.priority.rank].add(r)
            for t in r.tags { tags[t, default: SummaryRow(label: t)].add(r) }
        }
        self.totals = totals
        self.byPriority = priorities.filter { $0.total > 0 }
        self.byTag = tags.values.sorted { $0.label < $1.label }
    }

    /// The columns of a pass-rate table; `interrupted` only when an interrupt cut cases short.
    package static func columns(_ rows: [SummaryRow]) -> (header: [String], cells: (SummaryRow) -> [String]) {
        let interrupted = rows.contains { $0.interrupted > 0 }
        var header = ["total", "passed", "failed", "skipped"]
        if interrupted { header.append("interrupted") }
        header.append("pass rate")
        return (header, { r in
            var cells = ["\(r.total)", "\(r.passed + r.xfailed)", "\(r.failed)", "\(r.skipped)"]
            if interrupted { cells.append("\(r.interrupted)") }
            cells.append(PassRate.text(r.passRate))
            return cells
        })
    }

    /// A plain-text table: label, total, passed, failed, skipped, (interrupted,) pass rate.
    public static func table(_ title: String, _ rows: [SummaryRow]) -> String {
        let (columns, cells) = columns(rows)
        let header = [title] + columns
        let body = rows.map { [$0.label] + cells($0) }
        let widths = header.indices.map { i in ([header[i]] + body.map { $0[i] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == 0 ? Text.padded(c, to: widths[i])
                    : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ")
        }
        return ([line(header)] + body.map(line)).map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
}

extension RunReport {
    /// "3 passed, 1 failed, 0 errored, 0 skipped, 0 xfailed, 0 xpassed", the counts line of the
    /// console and Markdown. Cases an interrupt cut short or kept from starting are counted once,
    /// as interrupted (", 2 interrupted"), never also as errored or skipped: the same numbers as
    /// the tables and the JSON totals.
    public var outcomeCounts: String {
        var parts = Outcome.allCases.map { "\(countApartFromInterrupts($0)) \($0.rawValue)" }
        if interruptedCount > 0 { parts.append("\(interruptedCount) interrupted") }
        // Flaky cases are among the passed ones: said beside the counts, never added to them.
        let flaky = flakyResults.count
        return parts.joined(separator: ", ") + (flaky > 0 ? " (\(flaky) flaky)" : "")
    }

    /// Cases with this outcome that an interrupt did not cut short or keep from starting.
    public func countApartFromInterrupts(_ o: Outcome) -> Int { results.filter { $0.outcome == o && !$0.wasInterrupted }.count }

    /// Cases an interrupt cut short or kept from starting.
    public var interruptedCount: Int { results.filter(\.wasInterrupted).count }
}
