import Foundation
import XCTest

@testable import RehearseCore

/// `SuiteLoader.read` sizes its buffer from fstat and reads in place; these pin down the edges:
/// empty files, files larger than one read, files that are not regular (no size), missing files.
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

    func testReadsAPipeWhoseSizeIsUnknown() throws {
        let path = dir + "/fifo.yaml"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        let text = Array(String(repeating: "- id: a\n", count: 20_000).utf8)  // 160 KB, several pipe buffers
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            text.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { break }
                    offset += n
                }
            }
            close(fd)
        }
        writer.start()
        let bag = DiagnosticBag(file: path)
        XCTAssertEqual(SuiteLoader.read(path, bag: bag), text)
    }

    func testMissingFileIsADiagnosticNotACrash() {
        let path = dir + "/missing.yaml"
        let bag = DiagnosticBag(file: path)
        XCTAssertNil(SuiteLoader.read(path, bag: bag))
        XCTAssertEqual(bag.items.count, 1)
        XCTAssertTrue(bag.items[0].message.hasPrefix("cannot read \(path)"), bag.items[0].message)
    }
}
