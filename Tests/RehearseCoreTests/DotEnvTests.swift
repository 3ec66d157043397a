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

final class DotEnvTests: XCTestCase {
    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        do {
            return try DotEnv.parse(text)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return [:]
        }
    }

    private func parseError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> DotEnv.ParseError? {
        do {
            let result = try DotEnv.parse(text)
            XCTFail("expected an error, got \(result)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testPlainPairsCommentsAndBlankLines() {
        let text = """
            # staging credentials

            BASE_URL=https://staging.example.test
              TOKEN = abc123\t
            EMPTY=
            \t# indented comment
            """
        XCTAssertEqual(
            parse(text), ["BASE_URL": "https://staging.example.test", "TOKEN": "abc123", "EMPTY": ""])
    }

    func testExportPrefix() {
        XCTAssertEqual(parse("export API_KEY=k1\nexport\tOTHER=2"), ["API_KEY": "k1", "OTHER": "2"])
        // Only a prefix when followed by whitespace: these are keys of their own.
        XCTAssertEqual(parse("export=1\nexported=2"), ["export": "1", "exported": "2"])
    }

    func testSingleQuotedValuesAreLiteral() {
        XCTAssertEqual(parse(#"A='  spaced # not a comment \n $HOME "x" '"#), ["A": #"  spaced # not a comment \n $HOME "x" "#])
        XCTAssertEqual(parse("A=''"), ["A": ""])
    }

    func testDoubleQuotedEscapes() {
        XCTAssertEqual(parse(#"A="line1\nline2""#), ["A": "line1\nline2"])
        XCTAssertEqual(parse(#"A="say \"hi\"""#), ["A": #"say "hi""#])
        XCTAssertEqual(parse(#"A="back\\slash\\n""#), ["A": #"back\slash\n"#])
        XCTAssertEqual(parse(#"A="tab\there""#), ["A": "tab\there"])
        // Unknown escapes keep their backslash, so Windows paths survive.
        XCTAssertEqual(parse(#"A="C:\Users\x""#), ["A": #"C:\Users\x"#])
        XCTAssertEqual(parse(#"A="  # kept  ""#), ["A": "  # kept  "])
    }

    func testQuotedValuesMaySpanLines() {
        let text = "KEY=\"-----BEGIN-----\nabc\n-----END-----\"\nNEXT=1"
        XCTAssertEqual(parse(text), ["KEY": "-----BEGIN-----\nabc\n-----END-----", "NEXT": "1"])
        XCTAssertEqual(parse("A='one\ntwo'\nB=3"), ["A": "one\ntwo", "B": "3"])
    }

    func testCommentAfterQuotedValue() {
        XCTAssertEqual(parse(#"A="v" # why"#), ["A": "v"])
        XCTAssertEqual(parse("A='v'   "), ["A": "v"])
    }

    func testUnquotedInlineComments() {
        XCTAssertEqual(parse("A=value # comment"), ["A": "value"])
        XCTAssertEqual(parse("A=value\t# comment"), ["A": "value"])
        XCTAssertEqual(parse("A=a#b"), ["A": "a#b"])
        XCTAssertEqual(parse("A=#b"), ["A": "#b"])
        XCTAssertEqual(parse("A= # only a comment"), ["A": ""])
        XCTAssertEqual(parse("A=x=y"), ["A": "x=y"])
        XCTAssertEqual(parse("A=it's \"fine\""), ["A": "it's \"fine\""])
    }

    func testLaterKeysWin() {
        XCTAssertEqual(parse("A=1\nB=2\nA=3"), ["A": "3", "B": "2"])
    }

    func testLineEndingsAndBOM() {
        XCTAssertEqual(parse("\u{FEFF}A=1\r\nB=2\r\n"), ["A": "1", "B": "2"])
        XCTAssertEqual(parse("A=1\rB=2"), ["A": "1", "B": "2"])
        XCTAssertEqual(parse(""), [:])
        XCTAssertEqual(parse("\n\n# nothing\n"), [:])
    }

    func testValuesKeepUnicode() {
        XCTAssertEqual(parse("GREETING=héllo wörld 👋"), ["GREETING": "héllo wörld 👋"])
    }

    func testMissingEqualsReportsLine() {
        let error = parseError("A=1\n\nJUST_A_WORD\nB=2")
        XCTAssertEqual(error, DotEnv.ParseError(line: 3, message: "expected KEY=value"))
        XCTAssertEqual(error?.description, "line 3: expected KEY=value")
    }

    func testInvalidKeysReportLine() {
        XCTAssertEqual(parseError("A=1\nBAD KEY=2")?.line, 2)
        XCTAssertEqual(parseError("1ABC=2")?.line, 1)
        XCTAssertEqual(parseError("=value")?.message, "missing key before '='")
        XCTAssertEqual(parse("export =1"), ["export": "1"], "key whitespace is trimmed, as in `A = 1`")
        XCTAssertEqual(parseError("A-B=1")?.line, 1)
    }

    func testUnterminatedQuotesReportTheOpeningLine() {
        XCTAssertEqual(
            parseError("A=1\nB=\"never closed\nC=3\n"),
            DotEnv.ParseError(line: 2, message: "unterminated double-quoted value"))
        XCTAssertEqual(
            parseError("A='open"), DotEnv.ParseError(line: 1, message: "unterminated single-quoted value"))
    }

    func testTextAfterClosingQuoteIsAnError() {
        XCTAssertEqual(
            parseError("A=\"x\ny\" trailing\nB=1"),
            DotEnv.ParseError(line: 2, message: "unexpected text after the closing quote"))
    }

    func testLineNumbersCountLinesInsideQuotedValues() {
        XCTAssertEqual(parseError("A=\"1\n2\n3\"\nBROKEN")?.line, 4)
        XCTAssertEqual(parseError("A=1\r\nB=2\r\nBROKEN\r\n")?.line, 3)
    }

    func testErrorsNeverQuoteTheFile() {
        let error = parseError("sk_live_SECRETVALUE")
        XCTAssertFalse(error?.message.contains("SECRET") ?? true)
    }
}
