import Foundation
@testable import RehearseModel
@testable import RehearseReport
@testable import RehearseRuntime
import XCTest

/// The helpers that stand in for swift-corelibs-foundation in the shipped binary, checked against
/// Foundation itself (which the tests may link) wherever Foundation has the same operation.
final class EssentialsHelpersTests: XCTestCase {
    func testTrimmingMatchesFoundationsWhitespaces() {
        let samples = ["", " ", "\t a b \t", "\u{00A0}x\u{2003}", " \nx\n ", "é ", "  \u{3000}mid dle\u{3000}", "x"]
        for s in samples {
            XCTAssertEqual(s.trimmingSpaces(), s.trimmingCharacters(in: .whitespaces), "trimming \(s.debugDescription)")
        }
    }

    func testReplacingIsByteWiseAndFindsALineFeedInsideCRLF() {
        // A Character-wise search sees "\r\n" as one character and would not find "\n" in it.
        XCTAssertEqual("a\r\nb".replacingAll("\n", with: " "), "a\r b")
        XCTAssertEqual("a\r\nb".replacingAll("\r", with: " ").replacingAll("\n", with: " "), "a  b")
        for (s, t, r) in [("aaa", "aa", "b"), ("x|y|", "|", "\\|"), ("", "a", "b"), ("abc", "", "z"), ("é", "e", "x"),
                          ("~1~0~01", "~1", "/"), ("secret s3cr3t secret", "secret", "***")] {
            XCTAssertEqual(s.replacingAll(t, with: r), t.isEmpty ? s : s.replacingOccurrences(of: t, with: r, options: .literal),
                           "\(s) / \(t)")
        }
    }

    func testPaddingCountsCharactersAndCutsLikeFoundation() {
        XCTAssertEqual(Text.padded("ab", to: 5), "ab   ")
        XCTAssertEqual(Text.padded("abcdef", to: 3), "abc")
        XCTAssertEqual(Text.padded("passed", to: 7), "passed".padding(toLength: 7, withPad: " ", startingAt: 0))
        XCTAssertEqual(Text.padded("é✓", to: 4).count, 4)
    }

    func testFixedAndHexMatchStringFormat() {
        for v in [0.0, 0.05, 0.15, 1.25, 2.5, 12.345, 999.95, -3.14159, 1e9 + 0.5, 123456.789] {
            for digits in [0, 1, 2, 3] {
                XCTAssertEqual(Text.fixed(v, digits: digits), String(format: "%.\(digits)f", v), "\(v) to \(digits)")
            }
        }
        XCTAssertEqual(Text.fixed(.nan, digits: 1), "nan")
        for v: UInt32 in [0, 0xA, 0xFF, 0x1F600, 0xFEFF] {
            XCTAssertEqual(Text.hex(v, width: 4), String(format: "%04X", v))
            XCTAssertEqual(Text.hex(UInt8(truncatingIfNeeded: v), width: 2), String(format: "%02X", UInt8(truncatingIfNeeded: v)))
        }
    }

    func testPercentEncodingMatchesFoundation() {
        var unreserved = CharacterSet()
        unreserved.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        for s in ["", "a b", "ä/ö?x=1&y=2#z", "100%", "~-._", "😀 +", "line\nbreak"] {
            XCTAssertEqual(Text.percentEncoded(s, keeping: Text.isUnreserved), s.addingPercentEncoding(withAllowedCharacters: unreserved))
            XCTAssertEqual(Text.percentDecoded(Text.percentEncoded(s, keeping: Text.isUnreserved)), s)
        }
        for s in ["%41%42", "a%2fb", "%", "%4", "%zz", "%C3%A4", "%C3", "%FF", "plain"] {
            XCTAssertEqual(Text.percentDecoded(s), s.removingPercentEncoding, s)
        }
    }

    func testPathsTakenApartLikeNSString() {
        // Not "a": swift-corelibs-foundation traps on the one-character relative path (its bug);
        // NSString on Apple platforms answers "" for its directory, as FilePaths does.
        XCTAssertEqual(FilePaths.directory(of: "a"), "")
        XCTAssertEqual(FilePaths.lastComponent("a"), "a")
        // Slashes by byte: "/\u{301}" is one Character that is not "/".
        XCTAssertEqual(FilePaths.directory(of: "plans/\u{301}a.yaml"), "plans")
        XCTAssertEqual(FilePaths.lastComponent("plans/\u{301}a.yaml"), "\u{301}a.yaml")
        XCTAssertEqual(FilePaths.pathExtension("x.\u{301}csv"), "\u{301}csv")
        let paths = ["", "/", "ab", "/a", "a/b", "/a/b/", "a/b//", "plans/smoke.yaml", "/x/y/data.CSV", ".env", "dir/.hidden",
                     "a.b/c", "rehearse.yaml", "./x", "../up/file.tar.gz"]
        for p in paths {
            let ns = p as NSString
            XCTAssertEqual(FilePaths.directory(of: p), ns.deletingLastPathComponent, "directory of \(p)")
            XCTAssertEqual(FilePaths.lastComponent(p), ns.lastPathComponent, "last component of \(p)")
            XCTAssertEqual(FilePaths.pathExtension(p), ns.pathExtension, "extension of \(p)")
        }
        for (d, n) in [("", "x"), ("a", "b"), ("a/", "b"), ("/", "b")] {
            XCTAssertEqual(FilePaths.join(d, n), (d as NSString).appendingPathComponent(n), "\(d) + \(n)")
        }
    }

    func testFileKindsAndSizes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("essentials-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("f.pem")
        try Data("12345".utf8).write(to: file)
        XCTAssertEqual(FilePaths.kind(of: dir.path), .directory)
        XCTAssertEqual(FilePaths.kind(of: file.path), .file)
        XCTAssertEqual(FilePaths.kind(of: "/dev/null"), .other)
        XCTAssertNil(FilePaths.kind(of: dir.appendingPathComponent("missing").path))
        XCTAssertEqual(FilePaths.read(file.path, upTo: 10), Array("12345".utf8))
        XCTAssertEqual(FilePaths.read(file.path, upTo: 3), Array("1234".utf8), "one byte past the limit, no more")
        XCTAssertNil(FilePaths.read(dir.path, upTo: 10), "a folder is not read")
        XCTAssertNil(FilePaths.read(dir.appendingPathComponent("missing").path, upTo: 10))
        XCTAssertEqual(FilePaths.read("/dev/null", upTo: 10), [], "a device is read")
    }

    func testHTTPDatesParseLikeDateFormatter() {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        for s in ["Sun, 06 Nov 1994 08:49:37 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "Tue, 29 Feb 2028 23:59:59 GMT",
                  "Sun, 29 Nov 2026 16:00:00 GMT", "Fri, 31 Dec 1999 23:59:59 GMT"] {
            XCTAssertEqual(HTTPDate.parse(s), f.date(from: s), s)
        }
        for bad in ["", "06 Nov 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 2026 10:00:00 GMT",
                    "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 PST", "Sunday, 06-Nov-94 08:49:37 GMT"] {
            XCTAssertNil(HTTPDate.parse(bad), bad)
        }
        let now = Date(timeIntervalSince1970: 1_000_000_000)
        XCTAssertEqual(RetryDecision.parseRetryAfter("Sun, 09 Sep 2001 01:47:10 GMT", now: now), .seconds(30))
    }

    func testISO8601TimestampsKeepTheirShape() {
        let d = Date(timeIntervalSince1970: 1_795_000_000.75)
        XCTAssertEqual(d.formatted(.iso8601), ISO8601DateFormatter().string(from: d))
    }

    func testConditionLockTimesOutAndWakes() {
        let lock = ConditionLock()
        lock.lock()
        let start = ContinuousClock.now
        XCTAssertFalse(lock.wait(until: ConditionLock.deadline(after: 0.05)), "nobody signals: the wait times out")
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(45))
        lock.unlock()
        let woke = expectation(description: "thread ran")
        ConditionLock.startThread(stackSize: 1 << 20) { woke.fulfill() }
        wait(for: [woke], timeout: 5)
    }
}

/// Masking compares bytes: a secret followed by a combining mark (one `Character` with the
/// secret's last letter) or inside "\r\n"-joined text is still found and hidden.
final class SecretMaskerBytesTests: XCTestCase {
    func testASecretFollowedByACombiningMarkIsStillMasked() {
        let masker = SecretMasker()
        masker.add("s3cr3t-value")
        let out = masker.mask("token=s3cr3t-value\u{301}")
        XCTAssertNil(out.utf8.firstRange(of: "s3cr3t-value".utf8), out)
        XCTAssertEqual(out, "token=***\u{301}")
    }

    func testASecretThatStartsWithALineFeedAfterACarriageReturnIsMasked() {
        let masker = SecretMasker()
        masker.add("\nsecret-after-cr")
        XCTAssertEqual(masker.mask("a\r\nsecret-after-cr b"), "a\r*** b")
    }
}

/// JSON Pointer tokens are escaped by bytes: a `~` or `/` followed by a combining mark is one
/// `Character` that is neither, but its `~` or `/` still has to be escaped.
final class JSONPointerEscapeTests: XCTestCase {
    func testTildeAndSlashAreEscapedEvenWhenACombiningMarkFollows() {
        XCTAssertEqual(SchemaCompiler.escape("a/b~c"), "a~1b~0c")
        XCTAssertEqual(SchemaCompiler.escape("x~\u{301}"), "x~0\u{301}")
        XCTAssertEqual(SchemaCompiler.escape("/\u{301}"), "~1\u{301}")
        XCTAssertEqual(SchemaCompiler.pointer(["properties", "a/\u{308}"]), "/properties/a~1\u{308}")
    }
}

/// The shell words of a curl reproduction are escaped by Unicode scalar: a backtick or quote
/// followed by a combining mark is one `Character` that is neither, and left bare it would run
/// a command when the reproduction is pasted.
final class CurlShellEscapeTests: XCTestCase {
    func testABacktickOrQuoteBeforeACombiningMarkIsStillEscaped() {
        let word = CurlCommand.doubleQuoted("Bearer `\u{301};id;`x", then: [.variable("REHEARSE_TOKEN"), .text("\"\u{308}$\u{301}")])
        XCTAssertEqual(word, "\"Bearer \\`\u{301};id;\\`x$REHEARSE_TOKEN\\\"\u{308}\\$\u{301}\"")
        // Every `, " and $ of the literal text has its backslash; only the variable's $ is bare.
        let bare = word.unicodeScalars.indices.filter { i in
            "`\"$".unicodeScalars.contains(word.unicodeScalars[i]) && i != word.unicodeScalars.startIndex
                && word.unicodeScalars[word.unicodeScalars.index(before: i)] != "\\"
        }
        XCTAssertEqual(bare.count, 2, "the closing quote and $REHEARSE_TOKEN only: \(word)")
    }
}
