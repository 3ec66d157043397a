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

final class MergeTests: XCTestCase {
    /// The JSON a shard writes, read back: what `rehearse merge` sees.
    func roundTrip(_ report: RunReport, masker: SecretMasker = SecretMasker()) throws -> RunReport {
        try JSONReport.decode(ReportWriter.render(.json, report, masker: masker))
    }

    func testFourShardsMergeIntoTheUnshardedRun() async throws {
        let (whole, _) = try await EngineFixtures.run(try EngineFixtures.graph(ShardTests.plans), transport: ShardTests.transport())
        var shards: [(name: String, report: RunReport)] = []
        for i in 1...4 {
            let graph = try EngineFixtures.graph(ShardTests.plans, options: CompileOptions(shard: Shard(index: i, count: 4)))
            let (report, _) = try await EngineFixtures.run(graph, transport: ShardTests.transport())
            XCTAssertEqual(report.shard, Shard(index: i, count: 4))
            shards.append(("shard-\(i).json", try roundTrip(report)))
        }
        let (merged, warnings) = try ReportMerge.merge(shards.reversed())
        XCTAssertEqual(warnings, [])
        let a = RunSummary(whole.results), b = RunSummary(merged.results)
        XCTAssertEqual(b.totals, a.totals)
        XCTAssertEqual(b.byPriority, a.byPriority)
        XCTAssertEqual(b.byTag, a.byTag)
        XCTAssertEqual(merged.results.map(\.fullID), whole.results.map(\.fullID), "file order, as unsharded")
        XCTAssertEqual(merged.results.map(\.outcome), whole.results.map(\.outcome))
        XCTAssertEqual(merged.results.map(\.reason), whole.results.map(\.reason))
        XCTAssertEqual(merged.exitCode, whole.exitCode)
        // Every outcome shows up, so the equality above is not trivially about passes.
        XCTAssertEqual(Set(whole.results.map(\.outcome)), [.passed, .failed, .skipped, .xfailed, .xpassed])
        // The tables every report prints are the same text.
        let unshardedTables = RunSummary.table("priority", a.byPriority) + RunSummary.table("tag", a.byTag)
        XCTAssertEqual(RunSummary.table("priority", b.byPriority) + RunSummary.table("tag", b.byTag), unshardedTables)
        XCTAssertEqual(merged.logins.map(\.profile), ["session"])
        XCTAssertEqual(merged.shard, nil)
    }

    func testJSONRoundTripKeepsWhatReportsShow() throws {
        let report = try ReportFixtures.small()
        let again = try roundTrip(report)
        XCTAssertEqual(again.results.map(\.fullID), report.results.map(\.fullID))
        XCTAssertEqual(MarkdownReport.render(again), MarkdownReport.render(report))
        XCTAssertEqual(JUnitReport.render(again), JUnitReport.render(report))
        XCTAssertEqual(again.results.first { $0.caseID == "health-under-load" }?.load?.percentiles.map(\.label), ["p50", "p95", "max"])
        XCTAssertEqual(again.results.first { $0.caseID == "create-thread" }?.auth, "jwt")
        XCTAssertEqual(again.seed, 42)
    }

    func testMergeRefusesOverlapsAndMixedEnvironments() throws {
        let a = RunReport(results: [ReportFixtures.result("p/a", .passed)], environment: "staging")
        let b = RunReport(results: [ReportFixtures.result("p/a", .failed)], environment: "staging")
        XCTAssertThrowsError(try ReportMerge.merge([("one.json", a), ("two.json", b)])) { error in
            XCTAssertTrue("\(error)".contains("p/a is in both one.json and two.json"), "\(error)")
        }
        let c = RunReport(results: [ReportFixtures.result("q/a", .passed)], environment: "prod")
        XCTAssertThrowsError(try ReportMerge.merge([("one.json", a), ("three.json", c)])) { error in
            XCTAssertTrue("\(error)".contains("different environments"), "\(error)")
        }
        XCTAssertThrowsError(try ReportMerge.merge([]))
    }

    func testMergeWarnsAboutMissingShards() throws {
        var one = RunReport(results: [ReportFixtures.result("p/a", .passed)])
        one.shard = Shard(index: 1, count: 3)
        var three = RunReport(results: [ReportFixtures.result("q/a", .failed)])
        three.shard = Shard(index: 3, count: 3)
        three.duration = .seconds(4)
        let (merged, warnings) = try ReportMerge.merge([("1.json", one), ("3.json", three)])
        XCTAssertEqual(warnings, ["missing shard 2/3: the merged report covers only the shards given"])
        XCTAssertEqual(merged.results.count, 2)
        XCTAssertEqual(merged.duration, .seconds(4), "shards run side by side")
        XCTAssertEqual(merged.exitCode, 1)
    }

    func testDecodeRejectsWhatIsNotAReport() {
        XCTAssertThrowsError(try JSONReport.decode("[]"))
        XCTAssertThrowsError(try JSONReport.decode(#"{"format_version": 2, "results": []}"#)) {
            XCTAssertTrue("\($0)".contains("format_version 2"))
        }
        XCTAssertThrowsError(try JSONReport.decode(#"{"format_version": 1, "results": [{"plan": "p", "case": "c", "outcome": "maybe", "priority": "high"}]}"#)) {
            XCTAssertTrue("\($0)".contains("results[0]: unknown outcome"), "\($0)")
        }
    }

    func testEveryFormatIsMaskedAndWrittenAtomically() throws {
        let masker = SecretMasker()
        masker.add("s3cr&t<tok")
        var r = ReportFixtures.result("p/leak", .failed, status: 500, failure: Failure(.assertion, "got s3cr&t<tok back"))
        r.exchange?.bodyExcerpt = #"{"token":"s3cr&t<tok"}"#
        r.name = "uses s3cr&t<tok"
        let report = RunReport(results: [r])
        let dir = NSTemporaryDirectory() + "rehearse-reports-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for format in ReportFormat.allCases {
            let path = "\(dir)/nested/report.\(format.rawValue)"
            try ReportWriter.write(ReportTarget(format: format, path: path), report, masker: masker)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertFalse(text.contains("s3cr"), "\(format) leaks the secret")
            XCTAssertTrue(text.contains("***"), "\(format) shows the mask")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir + "/nested")
        XCTAssertEqual(left.sorted(), ReportFormat.allCases.map { "report.\($0.rawValue)" }.sorted(), "no temp files left")
    }

    func testReportTargetParse() throws {
        XCTAssertEqual(try ReportTarget.parse("junit:out/r.xml"), ReportTarget(format: .junit, path: "out/r.xml"))
        XCTAssertEqual(try ReportTarget.parse("html:C:/x.html").path, "C:/x.html")
        for bad in ["pdf:x", "junit:", "junit", ":x"] { XCTAssertThrowsError(try ReportTarget.parse(bad), bad) }
    }
}
