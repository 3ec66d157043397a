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

/// `SuiteLoader.read` sizes its buffer from fstat and reads in place; these pin down the edges:
/// empty files, files larger than one read, files that are not regular, the size cap, missing files.
final class SuiteLoaderReadTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rehearse-read-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testReadsExactBytesOfEmptySmallAndLargeFiles() throws {
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }  // more than one 64 KiB read
        for bytes in [[], Array("cases: []\n".utf8), large] as [[UInt8]] {
            let path = dir + "/f.yaml"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let bag = DiagnosticBag(file: path)
            XCTAssertEqual(SuiteLoader.read(path, bag: bag), bytes)
            XCTAssertTrue(bag.items.isEmpty)
        }
    }

    /// A pipe is refused without waiting for a writer: plans are regular files, and reading a
    /// pipe named like a plan would block `lint` forever.
    func testRefusesAPipeWithoutBlocking() throws {
        let path = dir + "/fifo.yaml"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        let bag = DiagnosticBag(file: path)
        XCTAssertNil(SuiteLoader.read(path, bag: bag))
        XCTAssertEqual(bag.items.map(\.message), ["cannot read \(path): not a regular file (a pipe)"])
    }

    func testRefusesADevice() {
        let bag = DiagnosticBag(file: "/dev/zero")
        XCTAssertNil(SuiteLoader.read("/dev/zero", bag: bag))
        XCTAssertEqual(bag.items.map(\.message), ["cannot read /dev/zero: not a regular file (a character device)"])
    }

    func testReadsAFileOfExactlyTheCap() throws {
        let path = dir + "/cap.yaml"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        XCTAssertEqual(truncate(path, off_t(SuiteLoader.maxFileSize)), 0)
        let bag = DiagnosticBag(file: path)
        XCTAssertEqual(SuiteLoader.read(path, bag: bag)?.count, SuiteLoader.maxFileSize)
        XCTAssertEqual(truncate(path, off_t(SuiteLoader.maxFileSize + 1)), 0)
        XCTAssertNil(SuiteLoader.read(path, bag: bag))
    }

    func testMissingFileIsADiagnosticNotACrash() {
        let path = dir + "/missing.yaml"
        let bag = DiagnosticBag(file: path)
        XCTAssertNil(SuiteLoader.read(path, bag: bag))
        XCTAssertEqual(bag.items.count, 1)
        XCTAssertTrue(bag.items[0].message.hasPrefix("cannot read \(path)"), bag.items[0].message)
    }
}
