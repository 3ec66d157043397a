import Foundation
import XCTest

/// Golden files: expected output beside each input. `REHEARSE_RECORD=1 swift test` rewrites the
/// expected files from what the tool prints now, and fails so a recording is never taken for a pass.
enum Golden {
    static let directory: String = {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return here.appendingPathComponent("Golden").path
    }()

    static var recording: Bool { ProcessInfo.processInfo.environment["REHEARSE_RECORD"] != nil }

    /// Compares `actual` with the file at `expectedPath` (or records it).
    static func check(_ actual: String, against expectedPath: String, file: StaticString = #filePath, line: UInt = #line) {
        if recording {
            try? actual.write(toFile: expectedPath, atomically: true, encoding: .utf8)
            XCTFail("recorded \(expectedPath); run again without REHEARSE_RECORD", file: file, line: line)
            return
        }
        guard let expected = try? String(contentsOfFile: expectedPath, encoding: .utf8) else {
            XCTFail("missing golden file \(expectedPath); record it with REHEARSE_RECORD=1", file: file, line: line)
            return
        }
        if expected != actual {
            XCTFail("output differs from \(expectedPath)\n--- expected\n\(expected)\n--- actual\n\(actual)", file: file, line: line)
        }
    }

    /// Paths of files in `dir` with `suffix`, sorted.
    static func files(in dir: String, suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasSuffix(suffix) }.sorted().map { dir + "/" + $0 }
    }
}
