@testable import DemoServer
import Foundation
import XCTest

/// The demo's own JSON coding (FoundationEssentials has no JSONSerialization), checked against
/// JSONSerialization, which the tests may still link.
final class DemoJSONCodingTests: XCTestCase {
    private func oracle(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    private func oracleText(_ object: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    func testParsedValuesWriteBackAsJSONSerializationWritesThem() {
        let texts = [
            #"{"b":1,"a":[true,false,null,"x\/y"],"c":{"d":-2.5,"e":"\u00e9\ud83d\ude00"}}"#,
            #"[1, 2.0, 3e2, -0.125, 12345678901234]"#,
            #""just a string with \"quotes\" and \\ and \n""#,
            "42", "true", "null", "[]", "{}", #"{"nested":{"deeper":[[{"k":"v"}]]}}"#,
        ]
        for text in texts {
            guard let ours = DemoJSON.parse(Data(text.utf8)) else { return XCTFail("not parsed: \(text)") }
            let theirs = oracle(text)!
            XCTAssertEqual(String(decoding: DemoJSON.serialize(ours), as: UTF8.self), oracleText(theirs), text)
        }
    }

    func testInvalidJSONIsRefused() {
        // JSONSerialization lets a trailing comma through; RFC 8259 does not, nor do we.
        XCTAssertNil(DemoJSON.parse(Data("[1,]".utf8)))
        for text in ["", "{", #"{"a":}"#, "tru", #""unterminated"#, "{\"a\":1} x", #""\ud83d""#, "\"\u{01}\""] {
            XCTAssertNil(DemoJSON.parse(Data(text.utf8)), text)
            XCTAssertNil(oracle(text), "the oracle agrees: \(text)")
        }
    }

    func testHandlersValuesAreWrittenSortedAndEscaped() {
        let body: [String: Any] = ["z": "a/b", "a": ["n": DemoJSON.null, "t": true], "m": [1, 2.5, "\u{7}"], "i": Int64(7)]
        XCTAssertEqual(String(decoding: DemoJSON.serialize(body), as: UTF8.self),
                       #"{"a":{"n":null,"t":true},"i":7,"m":[1,2.5,"\u0007"],"z":"a/b"}"#)
    }

    func testNumbersFollowRFC8259AndBigIntegersKeepTheirDigits() {
        for text in ["+1", "01", "-01", "1.", ".5", "1e", "1e+", "-", "--1", "0x10"] {
            XCTAssertNil(DemoJSON.parse(Data(text.utf8)), text)
        }
        for (text, written) in [("0", "0"), ("-0", "0"), ("10", "10"), ("-12", "-12"), ("1.5e2", "150"), ("2.5E-1", "0.25"),
                                ("12345678901234567890", "12345678901234567890")] {
            let value = DemoJSON.parse(Data(text.utf8))
            XCTAssertNotNil(value, text)
            XCTAssertEqual(value.map { String(decoding: DemoJSON.serialize($0), as: UTF8.self) }, written, text)
        }
    }

    func testFormDecodingRefusesSignedOrShortEscapes() {
        XCTAssertEqual(DemoText.formDecoded("a%20b+c", plusIsSpace: true), "a b c")
        XCTAssertEqual(DemoText.formDecoded("a+b", plusIsSpace: false), "a+b")
        XCTAssertEqual(DemoText.formDecoded("%C3%A4", plusIsSpace: false), "ä")
        for bad in ["%+F", "%-1", "%4", "%", "%zz", "%FF"] {
            XCTAssertNil(DemoText.formDecoded(bad, plusIsSpace: false), bad)
        }
    }
}
