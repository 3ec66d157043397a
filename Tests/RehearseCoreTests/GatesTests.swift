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

final class GatesTests: XCTestCase {
    func testParse() throws {
        XCTAssertEqual(try Gate.parse("critical=100"), Gate(priority: .critical, percent: 100))
        XCTAssertEqual(try Gate.parse("high=99.5%"), Gate(priority: .high, percent: 99.5))
        XCTAssertEqual(try Gate.parse("high=90").description, "high=90")
        for bad in ["critical", "urgent=100", "high=101", "high=-1", "high=", "high=ninety"] {
            XCTAssertThrowsError(try Gate.parse(bad), bad)
        }
        XCTAssertThrowsError(try Gate.parse("urgent=1")) { error in
            XCTAssertTrue("\(error)".contains("unknown priority 'urgent'"))
        }
    }

    /// 9 of 10 high cases passed: 90 is met exactly, 91 is not; skipped cases do not count.
    func testGatesDecideTheExitCode() {
        var results = (0..<9).map { ReportFixtures.result("p/ok\($0)", .passed, priority: .high) }
        results.append(ReportFixtures.result("p/bad", .failed, priority: .high))
        results.append(ReportFixtures.result("p/skip", .skipped, priority: .high))
        results.append(ReportFixtures.result("p/low-bad", .failed, priority: .low))
        var report = RunReport(results: results)
        XCTAssertEqual(report.exitCode, 1, "without gates, any failure fails the run")

        report.gates = [Gate(priority: .high, percent: 90)]
        XCTAssertEqual(report.gateResults.map(\.passed), [true])
        XCTAssertEqual(report.gateResults.first?.summary, "high: 90% ≥ 90%")
        XCTAssertEqual(report.exitCode, 0, "the low failure has no gate: gates replace any-failure")

        report.gates = [Gate(priority: .high, percent: 91)]
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertEqual(report.gateResults.first?.summary, "high: 90% < 91%")

        report.gates = [Gate(priority: .high, percent: 90), Gate(priority: .low, percent: 0)]
        XCTAssertEqual(report.exitCode, 0)
        report.gates.append(Gate(priority: .low, percent: 50))
        XCTAssertEqual(report.gateResults.map(\.passed), [true, true, false])
        XCTAssertEqual(report.exitCode, 1)
    }

    /// Spec §7: a gate over a priority with no case run is missed, skipped or absent alike.
    func testAPriorityWhereNothingRanMissesItsGate() {
        var report = RunReport(results: [ReportFixtures.result("p/a", .passed, priority: .normal),
                                         ReportFixtures.result("p/b", .skipped, priority: .critical)])
        report.gates = [Gate(priority: .critical, percent: 100), Gate(priority: .high, percent: 100)]
        XCTAssertEqual(report.gateResults.map(\.passed), [false, false])
        XCTAssertEqual(report.gateResults.map(\.rate), [nil, nil])
        XCTAssertEqual(report.gateResults.first?.summary, "critical: no cases ran (gate 100%)")
        XCTAssertEqual(report.exitCode, 1)
        report.gates = [Gate(priority: .normal, percent: 100)]
        XCTAssertEqual(report.exitCode, 0)
    }

    func testXfailedCountsAsPassedAndInterruptWins() {
        var report = RunReport(results: [ReportFixtures.result("p/a", .xfailed, priority: .critical),
                                         ReportFixtures.result("p/b", .passed, priority: .critical)])
        report.gates = [Gate(priority: .critical, percent: 100)]
        XCTAssertEqual(report.exitCode, 0)
        report.interrupted = true
        XCTAssertEqual(report.exitCode, 130, "an interrupted run exits 130 whatever the gates say")
    }

    func testConsoleSummaryNamesTheGates() throws {
        let text = ConsoleReporter(live: false, color: false) { _ in }.finalText(try ReportFixtures.gated(), exitCode: 1)
        XCTAssertTrue(text.contains("gates\n  ✓ critical: 100% ≥ 100%\n  ✗ high: 25% < 90%\n"), text)
        XCTAssertTrue(text.contains("hint: 403 on every protected case: run `rehearse auth --probe --profile jwt`"), text)
    }
}
