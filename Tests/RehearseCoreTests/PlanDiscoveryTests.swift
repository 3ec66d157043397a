import Foundation
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

/// A value handed back from another thread.
final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// Finding plans on disk when the disk is unkind: link loops, pipes and devices named like
/// plans, huge files, unreadable folders, several suites, and references leaving the suite.
final class PlanDiscoveryTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rehearse-discovery-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    static let plan = "cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 200}\n"

    func write(_ text: String, _ relative: String) throws {
        let path = dir + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func link(_ relative: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: dir + "/" + relative, withDestinationPath: destination)
    }

    /// Runs `body` on its own thread and fails (instead of hanging the test run) when it takes too long.
    func within<T>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () -> T) -> T? {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Thread { box.value = body(); done.signal() }.start()
        guard done.wait(timeout: .now() + seconds) == .success else {
            XCTFail("\(what) did not finish in \(seconds) s")
            return nil
        }
        return box.value
    }

    /// Lints `paths` with `cwd` as the working directory.
    func lint(_ paths: [String], in cwd: String? = nil) -> LintResult {
        let old = FileManager.default.currentDirectoryPath
        if let cwd { XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(cwd)) }
        defer { _ = FileManager.default.changeCurrentDirectoryPath(old) }
        return Lint.run(paths: paths)
    }

    // MARK: links

    func testDirectoryLinkLoopsEndAndAreWarnings() throws {
        try write(Self.plan, "a.yaml")
        try write(Self.plan, "sub/b.yaml")
        try link("sub/up", to: "..")
        try link("sub/self", to: "../sub")
        let root = dir!
        let loaded = try XCTUnwrap(within(10, "discovery with link loops") { SuiteLoader.load(paths: [root]) })
        XCTAssertEqual(loaded.plans.map(\.id).sorted(), ["a", "sub/b"])
        let warnings = loaded.diagnostics.filter { $0.severity == .warning }
        XCTAssertEqual(warnings.count, 2, "\(loaded.diagnostics)")
        XCTAssertEqual(loaded.diagnostics.errorCount, 0, "\(loaded.diagnostics)")
        XCTAssertTrue(warnings.contains { $0.message.contains("sub/up") }, "\(warnings)")
    }

    func testLinkToItsOwnFolderCountsEachPlanOnce() throws {
        try write(Self.plan, "p/a.yaml")
        try link("p/me", to: ".")
        let root = dir!
        let loaded = try XCTUnwrap(within(10, "discovery with p/me -> .") { SuiteLoader.load(paths: [root]) })
        XCTAssertEqual(loaded.plans.map(\.id), ["p/a"])
        XCTAssertEqual(loaded.diagnostics.warningCount, 1, "\(loaded.diagnostics)")
    }

    func testLinkedFolderOutsideIsSearchedOnceAndFileLinksAreNotCountedTwice() throws {
        try write(Self.plan, "suite/a.yaml")
        try write(Self.plan, "shared/s.yaml")
        try link("suite/shared", to: "../shared")
        try link("suite/again.yaml", to: "a.yaml")
        let loaded = SuiteLoader.load(paths: [dir + "/suite"])
        XCTAssertEqual(loaded.plans.map(\.id).sorted(), ["a", "shared/s"], "\(loaded.diagnostics)")
        XCTAssertEqual(loaded.diagnostics.warningCount, 1, "\(loaded.diagnostics)")
    }

    /// Overlapping folders on the command line read each plan once, without a warning.
    func testOverlappingPathsCountEachPlanOnce() throws {
        try write(Self.plan, "a.yaml")
        try write(Self.plan, "sub/b.yaml")
        for paths in [[".", "./sub"], [".", "sub/b.yaml", "./sub/b.yaml"], ["sub", "."]] {
            let result = lint(paths, in: dir)
            // Without a suite config the first path is the plan directory, so ids follow it.
            XCTAssertEqual(result.loaded.plans.map(\.id), paths[0] == "sub" ? ["a", "b"] : ["a", "sub/b"], "\(paths)")
            XCTAssertEqual(result.diagnostics.count, 0, "\(paths): \(result.renderText())")
        }
    }

    // MARK: files that are not plans

    func testFIFONamedLikeAPlanDoesNotBlock() throws {
        try write(Self.plan, "a.yaml")
        XCTAssertEqual(mkfifo(dir + "/x.yaml", 0o600), 0)
        let root = dir!
        defer {
            // Releases a reader stuck in open() on the old code, so the thread can end.
            let fd = open(root + "/x.yaml", O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        let loaded = try XCTUnwrap(within(10, "discovery with a FIFO") { SuiteLoader.load(paths: [root]) })
        XCTAssertEqual(loaded.plans.map(\.id), ["a"])
        let e = try XCTUnwrap(loaded.diagnostics.first { $0.location.file.hasSuffix("x.yaml") }, "\(loaded.diagnostics)")
        XCTAssertEqual(e.severity, .error)
        XCTAssertTrue(e.message.contains("not a regular file"), e.message)
    }

    func testFIFONamedOnTheCommandLineDoesNotBlock() throws {
        let fifo = dir + "/named.yaml"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer {
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        let loaded = try XCTUnwrap(within(10, "lint of a FIFO") { SuiteLoader.load(paths: [fifo]) })
        XCTAssertTrue(loaded.diagnostics.contains { $0.message.contains("not a regular file") }, "\(loaded.diagnostics)")
    }

    func testFileAboveTheSizeCapIsAClearError() throws {
        let path = dir + "/huge.yaml"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        let fd = open(path, O_WRONLY)
        XCTAssertEqual(ftruncate(fd, 64 << 20), 0)  // sparse: no disk used
        close(fd)
        let bag = DiagnosticBag(file: path)
        XCTAssertNil(SuiteLoader.read(path, bag: bag))
        XCTAssertEqual(bag.items.count, 1)
        XCTAssertTrue(bag.items.first?.message.contains("larger than") ?? false, "\(bag.items)")
    }

    // MARK: unreadable folders

    func testUnreadableSubfolderIsAnError() throws {
        guard geteuid() != 0 else { throw XCTSkip("running as root: permissions do not deny reads (the seam test covers it)") }
        try write(Self.plan, "a.yaml")
        try write(Self.plan, "locked/b.yaml")
        XCTAssertEqual(chmod(dir + "/locked", 0), 0)
        defer { chmod(dir + "/locked", 0o755) }
        let loaded = SuiteLoader.load(paths: [dir])
        XCTAssertTrue(loaded.diagnostics.contains { $0.severity == .error && $0.message.contains("locked") }, "\(loaded.diagnostics)")
    }

    /// The same through the walker's folder-opening seam, which fails as permissions would.
    func testFolderThatCannotBeOpenedIsAnError() throws {
        try write(Self.plan, "a.yaml")
        try write(Self.plan, "locked/b.yaml")
        var walker = PlanWalker()
        walker.openDirectory = { path in
            if path.hasSuffix("/locked") {
                errno = EACCES
                return nil
            }
            return opendir(path)
        }
        walker.walk(dir, root: dir)
        XCTAssertEqual(walker.finish().map(\.id), ["a"])
        let e = try XCTUnwrap(walker.diagnostics.first, "an unreadable folder is not skipped silently")
        XCTAssertEqual(e.severity, .error)
        XCTAssertEqual(e.code, .io)
        XCTAssertEqual(e.message, "cannot read folder \(dir!)/locked: \(String(cString: strerror(EACCES)))")
    }

    // MARK: suite roots

    func testPlanNamedRelativeToItsSuiteFolderFindsTheConfig() throws {
        try write("vars: {base_url: \"http://x\"}\n", "plans/rehearse.yaml")
        try write("cases:\n  - id: a\n    request: GET {{ base_url }}/\n    expect: {status: 200}\n", "plans/critical/health.yaml")
        for (cwd, path) in [("plans", "critical/health.yaml"), ("plans", "./critical/health.yaml"), ("plans/critical", "health.yaml")] {
            let result = lint([path], in: dir + "/" + cwd)
            XCTAssertEqual(result.errorCount, 0, "\(cwd) \(path): \(result.renderText())")
            XCTAssertEqual(result.loaded.plans.map(\.id), ["critical/health"], "\(cwd) \(path)")
        }
    }

    func testTwoSuitesOnOneCommandLineEachUseTheirOwnConfig() throws {
        try write("vars: {ws_url: \"ws://x\"}\n", "a/rehearse.yaml")
        try write("cases:\n  - id: a\n    websocket: {url: \"{{ ws_url }}\"}\n    expect: {status: 101}\n", "a/p.yaml")
        try write("vars: {base_url: \"http://x\"}\n", "b/rehearse.yaml")
        try write("cases:\n  - id: b\n    request: GET {{ base_url }}/\n    expect: {status: 200}\n", "b/q.yaml")
        let result = lint([dir + "/a/", dir + "/b/"])
        XCTAssertEqual(result.errorCount, 0, result.renderText())
        XCTAssertEqual(result.planCount, 2)
    }

    // MARK: references leaving the suite

    func testSchemaOutsideTheSuiteIsRefused() throws {
        try write("{\"type\": \"object\"}", "outside.json")
        try write("{\"type\": \"object\"}", "suite/schemas/in.json")
        try write("cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 200, schema: ../../outside.json}\n", "suite/p/a.yaml")
        try write("cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 200, schema: \(dir!)/outside.json}\n", "suite/p/b.yaml")
        try write("cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 200, schema: ../schemas/in.json}\n", "suite/p/c.yaml")
        try link("suite/schemas/sneaky.json", to: "../../outside.json")
        try write("cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 200, schema: ../schemas/sneaky.json}\n", "suite/p/d.yaml")
        try write("version: 1\n", "suite/rehearse.yaml")
        let result = lint([dir + "/suite"])
        let refused = result.diagnostics.filter { $0.code == .schemaFile }.map { ($0.location.file as NSString).lastPathComponent }
        XCTAssertEqual(refused.sorted(), ["a.yaml", "b.yaml", "d.yaml"], result.renderText())
        XCTAssertTrue(result.diagnostics.allSatisfy { !$0.message.contains("not found") }, result.renderText())
    }
}
