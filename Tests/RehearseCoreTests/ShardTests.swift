import XCTest

@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseParser
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import RehearseReport

final class ShardTests: XCTestCase {
    /// Nine plans of different sizes with every outcome, a login, needs and captures: the suite the
    /// shard and merge tests split.
    static let plans: [String: String] = {
        var plans: [String: String] = [:]
        plans["a/big"] = """
        priority: critical
        tags: [smoke]
        auth: none
        cases:
          - {id: create, request: {method: POST, url: "{{ base_url }}/things", json: {n: 1}}, expect: {status: 201}, capture: {id: $.id}}
          - {id: read, request: "GET {{ base_url }}/things/{{ create.id }}", expect: {status: 200}}
          - {id: broken, request: "GET {{ base_url }}/broken", expect: {status: 200}}
          - {id: after-broken, needs: [broken], request: "GET {{ base_url }}/ok", expect: {status: 200}}
          - {id: five, request: "GET {{ base_url }}/ok", expect: {status: 200}}
          - {id: six, tags: [slow], request: "GET {{ base_url }}/ok", expect: {status: 200}}
        """
        plans["b/session"] = """
        priority: high
        auth: session
        tags: [api]
        cases:
          - {id: one, request: "GET {{ base_url }}/ok", expect: {status: 200}}
          - {id: two, request: "GET {{ base_url }}/ok", expect: {status: 200}}
          - {id: three, request: "GET {{ base_url }}/broken", expect: {status: 200}}
          - {id: four, xfail: BUG-1, request: "GET {{ base_url }}/broken", expect: {status: 200}}
        """
        plans["c/jwt"] = """
        priority: high
        auth: jwt
        tags: [api]
        cases:
          - {id: one, request: "GET {{ base_url }}/ok", expect: {status: 200}}
          - {id: two, xfail: BUG-2, request: "GET {{ base_url }}/ok", expect: {status: 200}}
          - {id: three, skip: later, request: "GET {{ base_url }}/ok", expect: {status: 200}}
        """
        for (i, size) in [3, 2, 2, 1, 1, 1].enumerated() {
            let cases = (0..<size).map { j in
                "  - {id: c\(j), \(j == 1 ? "tags: [slow], " : "")request: \"GET {{ base_url }}/\(j == 2 ? "broken" : "ok")\", expect: {status: 200}}"
            }
            plans["d/plan\(i)"] = "priority: \(["normal", "low"][i % 2])\nauth: none\ncases:\n" + cases.joined(separator: "\n")
        }
        return plans
    }()

    static func transport() -> FakeTransport {
        FakeTransport { req, _ in
            if req.url.hasSuffix("/login") { return FakeTransport.json(200, #"{"token":"tok-1"}"#) }
            if req.url.hasSuffix("/things") { return FakeTransport.json(201, #"{"id":"t-1"}"#) }
            if req.url.hasSuffix("/broken") { return FakeTransport.json(500, "{}") }
            return FakeTransport.json(200, "{}")
        }
    }

    func testParse() throws {
        XCTAssertEqual(try Shard.parse("2/4"), Shard(index: 2, count: 4))
        XCTAssertEqual(try Shard.parse("1/1"), Shard(index: 1, count: 1))
        for bad in ["0/4", "5/4", "2", "a/b", "1/0", "2/4/8", ""] { XCTAssertThrowsError(try Shard.parse(bad), bad) }
        XCTAssertThrowsError(try Shard.parse("0/4")) { XCTAssertTrue("\($0)".contains("1-based")) }
    }

    func testGreedyLongestFirstWithTiesByID() {
        let plans = [("e", 3), ("a", 10), ("b", 7), ("c", 5), ("d", 4), ("f", 2), ("g", 1), ("h", 1)].map { (id: $0.0, cases: $0.1) }
        let shards = Sharding.partition(plans, into: 3)
        // a→1 (10), b→2 (7), c→3 (5), d→3 (9), e→2 (10), f→3 (11), g→1 (11), h→2 (11).
        XCTAssertEqual(shards, [["a", "g"], ["b", "e", "h"], ["c", "d", "f"]])
        // Equal sizes go out in id order, one per shard, lowest shard first.
        XCTAssertEqual(Sharding.partition([("z", 1), ("y", 1), ("x", 1)].map { (id: $0.0, cases: $0.1) }, into: 2),
                       [["x", "z"], ["y"]])
        XCTAssertEqual(Sharding.partition([(id: "only", cases: 4)], into: 3), [["only"], [], []])
    }

    func testPartitionIsDeterministicAndBalanced() {
        var random = SeededRandom(seed: 7)
        for round in 0..<200 {
            let count = 1 + Int(random.next() % 6)
            let plans = (0..<Int(random.next() % 30)).map { (id: "p\($0)", cases: 1 + Int(random.next() % 20)) }
            let shards = Sharding.partition(plans, into: count)
            XCTAssertEqual(Sharding.partition(plans.reversed(), into: count), shards, "input order must not matter (round \(round))")
            XCTAssertEqual(shards.flatMap { $0 }.sorted(), plans.map(\.id).sorted(), "every plan exactly once")
            let size = Dictionary(uniqueKeysWithValues: plans.map { ($0.id, $0.cases) })
            let loads = shards.map { $0.reduce(0) { $0 + size[$1]! } }
            // The greedy bound: no shard is more than one plan above the lightest.
            XCTAssertLessThanOrEqual(loads.max()! - loads.min()!, plans.map(\.cases).max() ?? 0, "round \(round): \(loads)")
        }
    }

    func testShardsKeepPlansWholeAndCoverTheSelectionOnce() throws {
        let full = try EngineFixtures.graph(Self.plans)
        var seen: [String] = []
        var counts: [Int] = []
        for i in 1...4 {
            let graph = try EngineFixtures.graph(Self.plans, options: CompileOptions(shard: Shard(index: i, count: 4)))
            XCTAssertEqual(graph.shard, Shard(index: i, count: 4))
            let names = graph.nodes.filter { if case .testCase = $0.kind { true } else { false } }.map(\.name)
            seen += names
            counts.append(names.count)
            // A plan is all here or not at all.
            for planID in Set(graph.cases.values.map(\.planID)) {
                XCTAssertEqual(names.filter { $0.hasPrefix(planID + "/") }.count,
                               full.nodes.filter { $0.name.hasPrefix(planID + "/") }.count, planID)
            }
            // The login its cases wait for came along; nothing points outside the graph.
            for n in graph.nodes { for d in n.dependencies { XCTAssertLessThan(d.from, graph.nodes.count) } }
            if names.contains(where: { $0.hasPrefix("b/session/") }) {
                XCTAssertTrue(graph.nodes.contains { $0.name == "auth:session" })
            } else {
                XCTAssertFalse(graph.nodes.contains { $0.name == "auth:session" })
            }
        }
        let fullNames = full.nodes.filter { if case .testCase = $0.kind { true } else { false } }.map(\.name)
        XCTAssertEqual(seen.sorted(), fullNames.sorted())
        XCTAssertEqual(counts, [6, 6, 6, 5], "balanced by case count: 6 | 4+1+1 | 3+2+1 | 3+2")
    }

    func testShardingAppliesAfterSelectionAndKeepsNeeds() throws {
        // Only `after-broken` is selected; it brings `broken` along, and both land in one shard.
        let options = CompileOptions(selection: Selection(filters: ["after-broken", "d/plan0/*"]), shard: Shard(index: 1, count: 2))
        let first = try EngineFixtures.graph(Self.plans, options: options)
        var second = options
        second.shard = Shard(index: 2, count: 2)
        let other = try EngineFixtures.graph(Self.plans, options: second)
        XCTAssertEqual(first.nodes.map(\.name), ["d/plan0/c0", "d/plan0/c1", "d/plan0/c2"], "3 cases beat 2")
        XCTAssertEqual(other.nodes.map(\.name), ["a/big/broken", "a/big/after-broken"])
        XCTAssertEqual(other.nodes.map(\.selected), [false, true])
    }
}
