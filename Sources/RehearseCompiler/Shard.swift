import RehearseModel
import RehearseDiagnostics
import RehearseParser

/// `--shard I/N`: this machine runs the I-th of N parts of the selected plans (1-based).
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `I/N` with 1 ≤ I ≤ N; the message says what is wrong.
    public static func parse(_ text: String) throws(ShardError) -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0].trimmingSpaces()),
              let n = Int(parts[1].trimmingSpaces()) else {
            throw ShardError(message: "--shard takes I/N such as 2/4, found '\(text)'")
        }
        guard n >= 1 else { throw ShardError(message: "--shard \(text): the number of shards must be at least 1") }
        guard (1...n).contains(i) else {
            throw ShardError(message: "--shard \(text): the shard index is 1-based and at most \(n) (a 0-based index such as JOB_COMPLETION_INDEX needs +1)")
        }
        return Shard(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }
}

public struct ShardError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Splits plans over shards: deterministic, so every machine computes the same split from the
/// same plans and flags without talking to the others.
public enum Sharding {
    /// Greedy longest-first: plans by case count (most first, ties by id), each to the shard with
    /// the fewest cases so far (ties to the lowest shard). Whole plans only, because `needs`,
    /// captures and `serial` link cases within a plan. Returns each shard's plan ids, sorted.
    public static func partition(_ plans: [(id: String, cases: Int)], into count: Int) -> [[String]] {
        precondition(count >= 1, "at least one shard")
        let ordered = plans.sorted { $0.cases != $1.cases ? $0.cases > $1.cases : $0.id < $1.id }
        var shards = [[String]](repeating: [], count: count)
        var load = [Int](repeating: 0, count: count)
        for plan in ordered {
            let target = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            shards[target].append(plan.id)
            load[target] += plan.cases
        }
        return shards.map { $0.sorted() }
    }
}

extension Compiler {
    /// The kept nodes that belong to `shard`: the cases of its plans and the logins they wait on.
    func restrict(_ keep: Set<Int>, of full: ExecutableGraph, to shard: Shard) -> Set<Int> {
        var counts: [Int: Int] = [:]
        for i in keep { if case .testCase(let ref) = full.nodes[i].kind { counts[ref.plan, default: 0] += 1 } }
        let plans = counts.map { (id: loaded.plans[$0.key].id, cases: $0.value) }
        let mine = Set(Sharding.partition(plans, into: shard.count)[shard.index - 1])
        var out = Set<Int>()
        for i in keep {
            guard case .testCase(let ref) = full.nodes[i].kind, mine.contains(loaded.plans[ref.plan].id) else { continue }
            out.insert(i)
            // Dependencies inside the plan are kept already; logins are shared and must come along.
            for e in full.nodes[i].dependencies where keep.contains(e.from) { out.insert(e.from) }
        }
        return out
    }
}
