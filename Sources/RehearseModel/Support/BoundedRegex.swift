#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Regex matching with a time budget. Swift's `Regex` backtracks, has no step limit and does not
/// look at task cancellation, so `^(a+)+$` against 26 `a`s and a `!` runs for minutes. Each match
/// therefore runs on a worker thread while the caller waits at most the budget; a match that
/// takes longer is given up on: the case fails with a message that says so, and the run goes on
/// (and can be interrupted) while the abandoned match finishes on its own thread or the process ends.
package enum BoundedRegex {
    package enum Outcome {
        case found(Regex<AnyRegexOutput>.Match)
        case notFound
        /// Still matching when the budget ran out.
        case gaveUp(Duration)
    }

    private static let budgetNanoseconds = Atomic<Int64>(2_000_000_000)

    /// How long one match may take: 2 s, far above what a sane pattern needs on a 10 MiB body.
    package static var budget: Duration {
        get { .nanoseconds(budgetNanoseconds.load(ordering: .relaxed)) }
        set { budgetNanoseconds.store(Int64(newValue.components.seconds) * 1_000_000_000 + newValue.components.attoseconds / 1_000_000_000, ordering: .relaxed) }
    }

    /// Pattern and text pairs that already ran out of budget: a polled or retried case would give
    /// up on the same text again, each time leaving another thread busy.
    private static let hopeless = Mutex<Set<Int>>([])

    package static func firstMatch(_ pattern: String, _ regex: Regex<AnyRegexOutput>, in text: String) -> Outcome {
        // Handing a match to a worker costs about 20 µs; a short text and a pattern with at most one
        // choice point cannot take long (O(n²) on 1 KiB is under 0.1 s), so those run here.
        if text.utf8.count <= inlineTextLimit, choicePoints(in: pattern) <= 1 {
            return (try? regex.firstMatch(in: text)).map { Outcome.found($0) } ?? .notFound
        }
        let budget = self.budget
        var hasher = Hasher()
        hasher.combine(pattern)
        hasher.combine(text)
        let key = hasher.finalize()
        if hopeless.withLock({ $0.contains(key) }) { return .gaveUp(budget) }
        let result = RegexWorkers.shared.run(within: budget) { () -> MatchBox in
            MatchBox(match: try? regex.firstMatch(in: text))
        }
        guard let result else {
            hopeless.withLock { _ = $0.insert(key) }
            return .gaveUp(budget)
        }
        return result.match.map(Outcome.found) ?? .notFound
    }

    package static let inlineTextLimit = 1024

    /// `match` (a match of `pattern` against `text`) under the same budget as `firstMatch`: in
    /// place when it cannot take long, else on a worker; nil when it was given up. For callers
    /// such as JSONPath `match()`/`search()` that need other than a first match.
    package static func within(_ pattern: String, on text: String, _ match: @escaping () -> Bool) -> Bool? {
        if text.utf8.count <= inlineTextLimit, choicePoints(in: pattern) <= 1 { return match() }
        return RegexWorkers.shared.run(within: budget, match)
    }

    /// How many places the pattern can backtrack into: quantifiers and alternations. A quantified
    /// group, a backreference, a nested character class or extended mode count as many (whatever
    /// is not understood here runs on a worker, which is only slower).
    package static func choicePoints(in pattern: String) -> Int {
        let many = 100
        let chars = Array(pattern)
        var count = 0
        var inClass = false
        var i = 0
        // The previous character when it was plain: nil after an escape or inside a class.
        var previous: Character?
        while i < chars.count {
            let c = chars[i]
            let before = previous
            previous = nil
            i += 1
            if c == "\\" {
                guard i < chars.count else { break }
                let e = chars[i]
                i += 1
                if !inClass, e.isNumber || e == "k" || e == "g" { return many }
                continue
            }
            if inClass {
                if c == "[" { return many }
                if c == "]" { inClass = false }
                continue
            }
            previous = c
            switch c {
            case "[": inClass = true
            case "?" where before == "(":
                // `(?:`, `(?i)`, `(?<name>`: group syntax, not a quantifier, unless it sets extended mode.
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j] == "-" { j += 1 }
                if chars[i..<j].contains("x") { return many }
            case "*", "+", "?", "{":
                if before == ")" { return many }
                count += 1
            case "|": count += 1
            default: break
            }
        }
        return count
    }

    /// The failure text for a match that was given up on.
    package static func gaveUpMessage(_ pattern: String, after budget: Duration) -> String {
        "matching /\(pattern)/ was given up after \(DurationParser.format(budget)): the regex backtracks too much on this text "
            + "(nested quantifiers such as (a+)+ are the usual cause; anchor it or make the inner part match less)"
    }

    struct MatchBox: @unchecked Sendable { var match: Regex<AnyRegexOutput>.Match? }
}

/// Worker threads for `BoundedRegex`. A job waits for no other: when no worker is idle, a new one
/// starts, so a worker stuck in an abandoned match only costs its own thread.
final class RegexWorkers: @unchecked Sendable {
    static let shared = RegexWorkers()

    private final class Job: @unchecked Sendable {
        enum State { case pending, done, abandoned }
        let work: () -> Void
        let condition = ConditionLock()
        var state = State.pending
        init(_ work: @escaping () -> Void) { self.work = work }
    }

    private final class Box<T>: @unchecked Sendable { var value: T? }

    private let condition = ConditionLock()
    private var queue: [Job] = []
    private var idle = 0

    /// `body`'s result, or nil when it did not finish within `budget`.
    func run<T>(within budget: Duration, _ body: @escaping () -> T) -> T? {
        let box = Box<T>()
        let job = Job { box.value = body() }
        condition.lock()
        queue.append(job)
        if idle >= queue.count {
            condition.signal()
        } else {
            startWorker()
        }
        condition.unlock()

        let seconds = Double(budget.components.seconds) + Double(budget.components.attoseconds) / 1e18
        let deadline = ConditionLock.deadline(after: seconds)
        job.condition.lock()
        defer { job.condition.unlock() }
        while job.state == .pending {
            if !job.condition.wait(until: deadline) { break }
        }
        if job.state == .done { return box.value }
        job.state = .abandoned
        return nil
    }

    private func startWorker() {
        // At the system's thread limit no worker starts: the job waits in the queue for one that
        // frees up, and its caller gives up when its budget runs out (the match reports so).
        ConditionLock.startThread(stackSize: 4 << 20) { [self] in loop() }
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = queue.removeFirst()
            condition.unlock()
            job.condition.lock()
            let abandoned = job.state == .abandoned
            job.condition.unlock()
            if abandoned { continue }
            job.work()
            job.condition.lock()
            if job.state == .pending { job.state = .done }
            job.condition.signal()
            job.condition.unlock()
        }
    }
}
