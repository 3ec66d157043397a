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

final class JSONPathTests: XCTestCase {
    /// A small bookshop, in the spirit of the RFC's examples but not its text.
    static let shop: JSONValue = try! JSONValue.parse(#"""
    {
      "shop": {
        "name": "Corner Books",
        "items": [
          {"kind": "novel", "title": "Rain Over Lisbon", "author": "M. Duarte", "price": 12.5,
           "tags": ["fiction"], "state": "ready"},
          {"kind": "guide", "title": "Field Mosses", "author": "K. Ito", "price": 8,
           "state": "draft", "isbn": "0-111"},
          {"kind": "novel", "title": "The Quiet Canal", "author": "A. Berg", "price": 21.99,
           "tags": [], "state": "ready", "isbn": "0-222"},
          {"kind": "poetry", "title": "Salt", "author": "L. Okafor", "price": 9.75, "state": "ready"}
        ],
        "bike": {"color": "green", "price": 250}
      },
      "limit": 10,
      "wanted": ["fiction"],
      "content-type": "application/json"
    }
    """#)

    static let digits: JSONValue = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]

    private func select(_ path: String, in root: JSONValue = JSONPathTests.shop,
                        file: StaticString = #filePath, line: UInt = #line) -> [JSONValue] {
        do {
            return try JSONPath(path).select(in: root)
        } catch {
            XCTFail("'\(path)' did not parse: \(error.message) at \(error.offset)", file: file, line: line)
            return []
        }
    }

    private func titles(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        select(path + ".title", file: file, line: line).compactMap(\.stringValue)
    }

    private func assertError(_ path: String, at offset: Int, _ fragment: String, hint: String? = nil,
                             file: StaticString = #filePath, line: UInt = #line) {
        do {
            let parsed = try JSONPath(path)
            XCTFail("'\(path)' parsed as \(parsed), expected an error", file: file, line: line)
        } catch {
            XCTAssertEqual(error.offset, offset, "offset for '\(path)': \(error.message)", file: file, line: line)
            XCTAssertTrue(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", file: file, line: line)
            XCTAssertFalse(error.message.first?.isUppercase ?? true, "starts lower-case: \(error.message)", file: file, line: line)
            if let hint { XCTAssertEqual(error.hint, hint, file: file, line: line) }
        }
    }

    private func assertValid(_ paths: [String], file: StaticString = #filePath, line: UInt = #line) {
        for path in paths {
            do { _ = try JSONPath(path) } catch {
                XCTFail("'\(path)' should parse: \(error.message) at \(error.offset)", file: file, line: line)
            }
        }
    }

    // MARK: Basic selectors

    func testRootSelectsTheDocument() {
        XCTAssertEqual(select("$", in: Self.digits), [Self.digits])
        XCTAssertEqual(select("$", in: "scalar"), ["scalar"])
    }

    func testNameSelectors() {
        XCTAssertEqual(select("$.shop.name"), ["Corner Books"])
        XCTAssertEqual(select("$['shop']['name']"), ["Corner Books"])
        XCTAssertEqual(select(#"$["shop"]["name"]"#), ["Corner Books"])
        XCTAssertEqual(select("$.shop.missing"), [])
        XCTAssertEqual(select("$.shop.items.name"), [], "names select nothing from arrays")
        XCTAssertEqual(select("$.limit.x"), [])
    }

    func testNameEscapesAndUnicode() {
        let doc: JSONValue = ["a'b": 1, "a\"b": 2, "é": 3, "😀": 4, "line\nbreak": 5, "a b": 6, "/\\": 7]
        XCTAssertEqual(select(#"$['a\'b']"#, in: doc), [1])
        XCTAssertEqual(select(#"$["a'b"]"#, in: doc), [1])
        XCTAssertEqual(select(#"$["a\"b"]"#, in: doc), [2])
        XCTAssertEqual(select(#"$['a"b']"#, in: doc), [2])
        XCTAssertEqual(select(#"$['\u00e9']"#, in: doc), [3])
        XCTAssertEqual(select(#"$['\u00E9']"#, in: doc), [3])
        XCTAssertEqual(select("$.é", in: doc), [3])
        XCTAssertEqual(select(#"$["\uD83D\uDE00"]"#, in: doc), [4])
        XCTAssertEqual(select("$.😀", in: doc), [4])
        XCTAssertEqual(select(#"$['line\nbreak']"#, in: doc), [5])
        XCTAssertEqual(select("$['a b']", in: doc), [6])
        XCTAssertEqual(select(#"$['\/\\']"#, in: doc), [7])
    }

    func testNamesCompareByScalarsNotCanonicalEquivalence() {
        let doc: JSONValue = ["e\u{301}": 1]
        XCTAssertEqual(select("$['e\u{301}']", in: doc), [1])
        XCTAssertEqual(select("$['\u{e9}']", in: doc), [])
    }

    func testDashInDotShorthandIsAnExtension() {
        XCTAssertEqual(select("$.content-type"), ["application/json"])
        XCTAssertEqual(select("$..content-type"), ["application/json"])
        assertError("$.-a", at: 2, "expected a member name")
    }

    func testWildcard() {
        XCTAssertEqual(select("$.shop.bike.*"), ["green", 250], "object members in key order")
        XCTAssertEqual(select("$[*]", in: Self.digits), Self.digits.arrayElements)
        XCTAssertEqual(select("$.shop.bike[*]"), ["green", 250])
        XCTAssertEqual(select("$.limit.*"), [])
        XCTAssertEqual(select("$.shop.items[*].author"), ["M. Duarte", "K. Ito", "A. Berg", "L. Okafor"])
    }

    func testIndexSelectors() {
        XCTAssertEqual(select("$[0]", in: Self.digits), [0])
        XCTAssertEqual(select("$[9]", in: Self.digits), [9])
        XCTAssertEqual(select("$[-1]", in: Self.digits), [9])
        XCTAssertEqual(select("$[-10]", in: Self.digits), [0])
        XCTAssertEqual(select("$[10]", in: Self.digits), [])
        XCTAssertEqual(select("$[-11]", in: Self.digits), [])
        XCTAssertEqual(select("$.shop[0]"), [], "indices select nothing from objects")
        XCTAssertEqual(select("$[9007199254740991]", in: Self.digits), [])
        XCTAssertEqual(select("$[-9007199254740991]", in: Self.digits), [])
    }

    func testSlices() {
        func slice(_ s: String) -> [JSONValue] { select("$[\(s)]", in: Self.digits) }
        XCTAssertEqual(slice("1:3"), [1, 2])
        XCTAssertEqual(slice("::2"), [0, 2, 4, 6, 8])
        XCTAssertEqual(slice("::-1"), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
        XCTAssertEqual(slice("5:1:-2"), [5, 3])
        XCTAssertEqual(slice("::-3"), [9, 6, 3, 0])
        XCTAssertEqual(slice("-3:"), [7, 8, 9])
        XCTAssertEqual(slice(":-7"), [0, 1, 2])
        XCTAssertEqual(slice("-1:-4:-1"), [9, 8, 7])
        XCTAssertEqual(slice("-100:100"), Self.digits.arrayElements)
        XCTAssertEqual(slice("100:"), [])
        XCTAssertEqual(slice("3:3"), [])
        XCTAssertEqual(slice("3:1"), [])
        XCTAssertEqual(slice("1:2:0"), [], "step 0 selects nothing")
        XCTAssertEqual(slice(":"), Self.digits.arrayElements)
        XCTAssertEqual(slice("::"), Self.digits.arrayElements)
        XCTAssertEqual(slice(" 1 : 3 : 1 "), [1, 2])
        XCTAssertEqual(select("$.a[1:2:0]", in: ["a": [1, 2, 3]]), [])
        XCTAssertEqual(select("$[0:2]", in: ["a": 1]), [], "slices select nothing from objects")
        XCTAssertEqual(select("$[1:]", in: []), [])
        XCTAssertEqual(select("$[::-1]", in: []), [])
    }

    func testUnions() {
        XCTAssertEqual(select("$[0,1]", in: Self.digits), [0, 1])
        XCTAssertEqual(select("$[0,0]", in: Self.digits), [0, 0], "duplicates are kept")
        XCTAssertEqual(select("$[-1,0:2,5]", in: Self.digits), [9, 0, 1, 5])
        XCTAssertEqual(select("$.shop.bike['price','color']"), [250, "green"], "selector order, not key order")
        XCTAssertEqual(select("$.shop.bike['price',*]"), [250, "green", 250])
        XCTAssertEqual(select("$.shop.items[0,'x'].kind"), ["novel"])
    }

    // MARK: Descendants

    func testDescendantSegments() {
        XCTAssertEqual(select("$..author"), ["M. Duarte", "K. Ito", "A. Berg", "L. Okafor"])
        XCTAssertEqual(select("$.shop..price"), [250, 12.5, 8, 21.99, 9.75])
        XCTAssertEqual(select("$..items[2].title"), ["The Quiet Canal"])
        XCTAssertEqual(select("$..items[2].publisher"), [])
        XCTAssertEqual(select("$..items[-1].title"), ["Salt"])
        XCTAssertEqual(select("$..items[:2].title"), ["Rain Over Lisbon", "Field Mosses"])
        XCTAssertEqual(select("$..items[0,1].title"), ["Rain Over Lisbon", "Field Mosses"])
        XCTAssertEqual(select("$..nothing"), [])
    }

    func testDescendantOrderIsPreOrder() {
        let doc: JSONValue = ["b": [4], "a": [[1, 2], [3]]]
        XCTAssertEqual(select("$..[0]", in: doc), [[1, 2], 1, 3, 4])
        // Each visited node contributes all its children before the next node is visited.
        XCTAssertEqual(select("$..*", in: doc), [[[1, 2], [3]], [4], [1, 2], [3], 1, 2, 3, 4])
        XCTAssertEqual(select("$..[*]", in: doc), select("$..*", in: doc))
        XCTAssertEqual(select("$..*", in: 5), [])
    }

    func testDescendantWildcardCountsEveryNode() {
        // 4 top-level members + shop's 3 + bike's 2 + items' 4 + their members and tags.
        let items = Self.shop["shop"]!["items"]!.arrayElements
        let itemNodes = items.reduce(0) { total, item in
            total + item.objectCount + (item["tags"]?.arrayElements.count ?? 0)
        }
        XCTAssertEqual(select("$..*").count, 4 + 1 + 3 + 2 + 4 + itemNodes)
    }

    // MARK: Filters

    func testFilterComparisons() {
        XCTAssertEqual(titles("$.shop.items[?@.state == 'ready']"), ["Rain Over Lisbon", "The Quiet Canal", "Salt"])
        XCTAssertEqual(titles("$.shop.items[?@.price < 10]"), ["Field Mosses", "Salt"])
        XCTAssertEqual(titles("$.shop.items[?@.price <= 8]"), ["Field Mosses"])
        XCTAssertEqual(titles("$.shop.items[?@.price > 20]"), ["The Quiet Canal"])
        XCTAssertEqual(titles("$.shop.items[?@.price >= 12.5]"), ["Rain Over Lisbon", "The Quiet Canal"])
        XCTAssertEqual(titles("$.shop.items[?@.kind != 'novel']"), ["Field Mosses", "Salt"])
        XCTAssertEqual(titles("$.shop.items[?@.price < $.limit]"), ["Field Mosses", "Salt"])
        XCTAssertEqual(titles("$.shop.items[?'novel' == @.kind]"), ["Rain Over Lisbon", "The Quiet Canal"])
        XCTAssertEqual(titles("$.shop.items[?@.title > 'S']"), ["The Quiet Canal", "Salt"])
    }

    func testFilterLogic() {
        XCTAssertEqual(titles("$.shop.items[?@.price < 10 && @.isbn]"), ["Field Mosses"])
        XCTAssertEqual(titles("$.shop.items[?@.price < 10 || @.isbn]"), ["Field Mosses", "The Quiet Canal", "Salt"])
        XCTAssertEqual(titles("$.shop.items[?!@.isbn]"), ["Rain Over Lisbon", "Salt"])
        XCTAssertEqual(titles("$.shop.items[?!(@.price < 10)]"), ["Rain Over Lisbon", "The Quiet Canal"])
        XCTAssertEqual(titles("$.shop.items[?(@.kind == 'novel' || @.kind == 'poetry') && @.price < 15]"),
                       ["Rain Over Lisbon", "Salt"])
        XCTAssertEqual(titles("$.shop.items[?@.kind == 'novel' || @.kind == 'poetry' && @.price > 15]"),
                       ["Rain Over Lisbon", "The Quiet Canal"], "&& binds tighter than ||")
        XCTAssertEqual(titles("$.shop.items[?@.price < 10 && @.tags]"), [])
        XCTAssertEqual(titles("$.shop.items[?@.tags]"), ["Rain Over Lisbon", "The Quiet Canal"], "an empty array exists")
    }

    func testExistenceAndAbsoluteQueriesInFilters() {
        XCTAssertEqual(titles("$.shop.items[?@.isbn]"), ["Field Mosses", "The Quiet Canal"])
        XCTAssertEqual(titles("$.shop.items[?@.tags[0]]"), ["Rain Over Lisbon"])
        XCTAssertEqual(titles("$.shop.items[?@..fiction]"), [])
        XCTAssertEqual(select("$.shop.items[?$.limit].kind").count, 4)
        XCTAssertEqual(select("$.shop.items[?$.absent].kind"), [])
        XCTAssertEqual(titles("$.shop.items[?@.tags == $.wanted]"), ["Rain Over Lisbon"], "deep array equality")
        XCTAssertEqual(select("$[?@]", in: Self.digits).count, 10)
        XCTAssertEqual(select("$[?@ > 6]", in: Self.digits), [7, 8, 9])
    }

    func testFiltersOverObjectMembers() {
        XCTAssertEqual(select("$.shop.bike[?@ == 'green']"), ["green"])
        XCTAssertEqual(select("$.shop[?@.price > 100].color"), ["green"])
        XCTAssertEqual(select("$[?@.a]", in: ["z": ["a": 1], "m": ["a": 2], "q": ["b": 3]]), [["a": 2], ["a": 1]])
        XCTAssertEqual(select("$.limit[?@]"), [], "filters select nothing from scalars")
    }

    func testLiterals() {
        let doc: JSONValue = [
            ["n": 8, "b": true, "z": nil, "s": "x"],
            ["n": -150, "b": false, "s": "it's"],
            ["n": 0, "s": #"say "hi""#],
        ]
        XCTAssertEqual(select("$[?@.n == 8.0].n", in: doc), [8])
        XCTAssertEqual(select("$[?@.n == 80e-1].n", in: doc), [8])
        XCTAssertEqual(select("$[?@.n == -1.5E+2].n", in: doc), [-150])
        XCTAssertEqual(select("$[?@.n == -0].n", in: doc), [0])
        XCTAssertEqual(select("$[?@.n == 0.0e0].n", in: doc), [0])
        XCTAssertEqual(select("$[?@.b == true].n", in: doc), [8])
        XCTAssertEqual(select("$[?@.b == false].n", in: doc), [-150])
        XCTAssertEqual(select("$[?@.z == null].n", in: doc), [8])
        XCTAssertEqual(select("$[?@.z != null].n", in: doc), [-150, 0], "Nothing is not null")
        XCTAssertEqual(select(#"$[?@.s == "it's"].n"#, in: doc), [-150])
        XCTAssertEqual(select(#"$[?@.s == 'it\'s'].n"#, in: doc), [-150])
        XCTAssertEqual(select(#"$[?@.s == 'say "hi"'].n"#, in: doc), [0])
        XCTAssertEqual(select("$[?@.b == 1].n", in: doc), [], "booleans are not numbers")
        XCTAssertEqual(select("$[?@.n == '8'].n", in: doc), [], "strings are not numbers")
    }

    /// The comparison table of RFC 9535 section 2.3.5.2.2, restated over a document of our own.
    func testComparisonSemantics() {
        let doc: JSONValue = ["obj": ["x": "y"], "arr": [2, 3], "probe": [0]]
        let cases: [(String, Bool)] = [
            ("$.absent1 == $.absent2", true), ("$.absent1 <= $.absent2", true),
            ("$.absent == 'g'", false), ("$.absent1 != $.absent2", false), ("$.absent != 'g'", true),
            ("1 <= 2", true), ("1 > 2", false), ("13 == '13'", false),
            ("'a' <= 'b'", true), ("'a' > 'b'", false),
            ("$.obj == $.arr", false), ("$.obj != $.arr", true),
            ("$.obj == $.obj", true), ("$.obj != $.obj", false),
            ("$.arr == $.arr", true), ("$.arr != $.arr", false),
            ("$.obj == 17", false), ("$.obj != 17", true),
            ("$.obj <= $.arr", false), ("$.obj < $.arr", false),
            ("$.obj <= $.obj", true), ("$.arr <= $.arr", true),
            ("1 <= $.arr", false), ("1 >= $.arr", false), ("1 > $.arr", false), ("1 < $.arr", false),
            ("true <= true", true), ("true > true", false), ("null == null", true), ("null < null", false),
        ]
        for (expression, expected) in cases {
            XCTAssertEqual(!select("$.probe[?\(expression)]", in: doc).isEmpty, expected, expression)
        }
    }

    func testStringOrderingIsByCodePoint() {
        let doc: JSONValue = ["Z", "a", "é", "ab", "\u{FFFF}", "😀"]
        XCTAssertEqual(select("$[?@ > 'a']", in: doc), ["é", "ab", "\u{FFFF}", "😀"])
        XCTAssertEqual(select("$[?@ < 'a']", in: doc), ["Z"])
        XCTAssertEqual(select("$[?@ > '\u{FFFF}']", in: doc), ["😀"], "astral scalars sort after the BMP")
    }

    func testDeepObjectEquality() {
        let doc: JSONValue = ["want": ["a": [1, ["b": nil]]], "list": [["a": [1, ["b": nil]]], ["a": [1]], ["a": [1, ["b": 0]]]]]
        XCTAssertEqual(select("$.list[?@ == $.want]", in: doc), [["a": [1, ["b": nil]]]])
        XCTAssertEqual(select("$.list[?@ != $.want]", in: doc).count, 2)
    }

    // MARK: Functions

    func testLength() {
        XCTAssertEqual(titles("$.shop.items[?length(@.title) > 12]"), ["Rain Over Lisbon", "The Quiet Canal"])
        XCTAssertEqual(titles("$.shop.items[?length(@.tags) == 1]"), ["Rain Over Lisbon"])
        XCTAssertEqual(select("$[?length(@) == 2]", in: [["a": 1, "b": 2], "ab", "e\u{301}", [1], 22]),
                       [["a": 1, "b": 2], "ab", "e\u{301}"], "string length counts scalars")
        XCTAssertEqual(select("$[?length(@) == $.absent]", in: [1, true]), [1, true], "length of a number is Nothing")
        XCTAssertEqual(select("$[?length('abc') == 3]", in: [1]), [1])
    }

    func testCountAndValue() {
        XCTAssertEqual(titles("$.shop.items[?count(@.tags[*]) == 1]"), ["Rain Over Lisbon"])
        XCTAssertEqual(titles("$.shop.items[?count(@.*) == 6]"), ["Rain Over Lisbon", "Field Mosses"])
        XCTAssertEqual(titles("$.shop.items[?value(@..kind) == 'poetry']"), ["Salt"])
        XCTAssertEqual(select("$[?value(@.*) == 1]", in: [["a": 1], ["a": 1, "b": 1]]), [["a": 1]],
                       "value() of several nodes is Nothing")
        XCTAssertEqual(select("$.shop.items[?count($..tags[*]) == 1]").count, 4, "$ is the document root")
        XCTAssertEqual(select("$[?length(value(@.a)) == 2]", in: [["a": "xy"], ["a": "x"]]), [["a": "xy"]])
    }

    func testMatchAndSearch() {
        XCTAssertEqual(titles("$.shop.items[?match(@.title, 'S.*')]"), ["Salt"])
        XCTAssertEqual(titles("$.shop.items[?match(@.title, 'Canal')]"), [], "match is anchored")
        XCTAssertEqual(titles("$.shop.items[?search(@.title, 'Canal')]"), ["The Quiet Canal"])
        XCTAssertEqual(titles(#"$.shop.items[?search(@.author, '[A-K]\\.')]"#), ["Field Mosses", "The Quiet Canal"])
        XCTAssertEqual(titles("$.shop.items[?!search(@.title, 'a')]"), ["Field Mosses"])
        XCTAssertEqual(titles("$.shop.items[?match(@.kind, $.shop.items[0].kind)]"), ["Rain Over Lisbon", "The Quiet Canal"])
        XCTAssertEqual(titles("$.shop.items[?match(@.price, '.*')]"), [], "non-strings never match")
    }

    func testInvalidRegexIsLogicalFalse() {
        XCTAssertEqual(titles("$.shop.items[?match(@.title, '(')]"), [])
        XCTAssertEqual(titles("$.shop.items[?search(@.title, '[')]"), [])
        XCTAssertEqual(titles("$.shop.items[?!match(@.title, '(')]").count, 4)
    }

    func testRegexDotAndCodePointSemantics() {
        let doc: JSONValue = ["a\nb", "a\rb", "a\u{2028}b", "axb", "e\u{301}"]
        XCTAssertEqual(select("$[?match(@, 'a.b')]", in: doc), ["a\u{2028}b", "axb"])
        XCTAssertEqual(select("$[?match(@, 'a[.]b')]", in: doc), [])
        XCTAssertEqual(select("$[?match(@, '..')]", in: doc), ["e\u{301}"], "two scalars, one grapheme")
        XCTAssertEqual(select(#"$[?match(@, 'a\\.b')]"#, in: ["a.b", "axb"]), ["a.b"])
    }

    func testRegexCacheUnderConcurrency() throws {
        let path = try JSONPath("$[?search(@, 'b+')]")
        let doc: JSONValue = ["abc", "xyz", "bb"]
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            XCTAssertEqual(path.select(in: doc), ["abc", "bb"])
        }
    }

    // MARK: Type checking

    func testFunctionTypeErrors() {
        assertError("$[?length(@.x)]", at: 3, "length() returns a value")
        assertError("$[?count(@.x)]", at: 3, "count() returns a value")
        assertError("$[?value(@.x)]", at: 3, "value() returns a value")
        assertError("$[?@.a && length(@.x)]", at: 10, "must be compared")
        assertError("$[?match(@.x, 'a') == true]", at: 3, "cannot be compared")
        assertError("$[?length(@.*) > 1]", at: 10, "needs a single value")
        assertError("$[?length(@.a == 1) > 1]", at: 10, "not a logical expression")
        assertError("$[?length(match(@.a, 'x')) > 1]", at: 10, "returns a logical result")
        assertError("$[?count(1) > 0]", at: 9, "expects a query")
        assertError("$[?count(@.a && @.b) > 0]", at: 9, "expects a query")
        assertError("$[?length(@.a, @.b) > 1]", at: 15, "takes 1 argument, got 2")
        assertError("$[?length() > 1]", at: 10, "takes 1 argument, got 0")
        assertError("$[?match(@.a)]", at: 12, "takes 2 arguments, got 1")
        assertError("$[?foo(@.x)]", at: 3, "unknown function 'foo()'")
        assertError("$[?length (@.a) > 1]", at: 9, "no space is allowed")
        assertError("$[?@.* == 1]", at: 3, "only singular queries")
        assertError("$[?1 == @..a]", at: 8, "only singular queries")
        assertError("$[?1]", at: 3, "a literal cannot be a test")
        assertError("$[?true]", at: 3, "a literal cannot be a test")
        assertError("$[?!'x']", at: 4, "'!' must be followed by")
        assertError("$[?!length(@.a)]", at: 4, "must be compared")
        assertValid([
            "$[?length(@.x) == 1]", "$[?count(@..x) >= 2]", "$[?value(@..x) == 'y']",
            "$[?match(@.x, 'a')]", "$[?!search(@.x, 'a')]", "$[?length(value(@.*)) > 0]",
            "$[?match(@.x, $.pattern)]", "$[?count(@[?@.a]) > 0]", "$[?@.a == $.b[0]]", "$[?@ == @]",
        ])
    }

    func testOperatorErrors() {
        assertError("$[?!@.a == 1]", at: 8, "cannot negate a comparison", hint: "use parentheses: !(@.a == 1)")
        assertError("$[?@.a == 1 == 2]", at: 12, "cannot be chained")
        assertError("$[?@.a = 1]", at: 7, "use '=='")
        assertError("$[?@.a & @.b]", at: 7, "expected '&&'")
        assertError("$[?@.a | @.b]", at: 7, "expected '||'")
        assertError("$[?(@.a == 1]", at: 12, "expected ')'")
        assertError("$[?(@.a)==1]", at: 8, "expected ',' or ']'")
        assertError("$[?@.a == x]", at: 10, "unknown name 'x'")
        assertError("$[?@.a == True]", at: 10, "expected a query, literal or function")
        assertError("$[?@.a == 01]", at: 10, "leading zeros")
        assertError("$[?@.a == 1.]", at: 12, "expected a digit after '.'")
        assertError("$[?@.a == 1e]", at: 12, "exponent")
        assertError("$[?@.a == -]", at: 11, "expected a digit after '-'")
        assertError("$[?]", at: 3, "after '?', found ']'")
        assertError("$[?@.a &&]", at: 9, "after '&&'")
    }

    // MARK: Syntax errors and offsets

    func testMalformedPathOffsets() {
        assertError("$.", at: 2, "expected a member name or '*' after '.'")
        assertError("$[", at: 2, "expected a selector after '['")
        assertError("$['a", at: 2, "unterminated string", hint: "close it with a matching '")
        assertError("a.b", at: 0, "expected '$'", hint: "JSONPath starts with `$`, e.g. `$.id`")
        assertError("", at: 0, "empty path", hint: "JSONPath starts with `$`, e.g. `$.id`")
        assertError(".a", at: 0, "expected '$'")
        assertError("$[?@.a ==]", at: 9, "expected a query, literal or function after '=='")
        assertError("$.a b", at: 4, "unexpected 'b'", hint: "quote member names that contain spaces: $['a b']")
        assertError("$.a ", at: 3, "whitespace at the end")
        assertError(" $.a", at: 0, "expected '$'")
        assertError("$a", at: 1, "expected '.' or '['")
        assertError("$]", at: 1, "without a matching '['")
        assertError("$..", at: 3, "after '..'")
        assertError("$...a", at: 3, "after '..'")
        assertError("$. a", at: 2, "after '.'", hint: "no space is allowed after '.'")
        assertError("$.1a", at: 2, "after '.'")
        assertError("$.[0]", at: 2, "after '.'", hint: "drop the '.' before '['")
        assertError("$[0", at: 3, "expected ']' to close the bracket selector")
        assertError("$[0 1]", at: 4, "expected ',' or ']'")
        assertError("$[0,]", at: 4, "expected a selector after ','")
        assertError("$[]", at: 2, "expected a selector")
        assertError("$[a]", at: 2, "must be quoted")
        assertError("$[01]", at: 2, "leading zeros")
        assertError("$[-0]", at: 2, "'-0'")
        assertError("$[-]", at: 3, "expected a digit after '-'")
        assertError("$[1.0]", at: 3, "expected ',' or ']'")
        assertError("$[9007199254740992]", at: 2, "out of range")
        assertError("$[0:9007199254740992]", at: 4, "out of range")
        assertError("$[1:2:a]", at: 6, "expected ',' or ']'")
        assertError(#"$['\q']"#, at: 3, "invalid escape")
        assertError(#"$["\'"]"#, at: 3, "invalid escape")
        assertError(#"$['\"']"#, at: 3, "invalid escape")
        assertError(#"$['\u12']"#, at: 3, "four hex digits")
        assertError(#"$['\uD800']"#, at: 3, "high surrogate")
        assertError(#"$['\uD800\u0041']"#, at: 9, "low surrogate")
        assertError(#"$['\uDC00']"#, at: 3, "unpaired low surrogate")
        assertError("$['a\u{1}']", at: 4, "control characters")
        assertError("$['a\nb']", at: 4, "control characters")
        assertError("$['a']]", at: 6, "without a matching '['")
    }

    func testOffsetsCountCharactersNotBytes() {
        assertError("$['é'].", at: 7, "after '.'")
        assertError("$.日本 x", at: 5, "unexpected 'x'")
        assertError("$['😀', x]", at: 7, "must be quoted")
    }

    func testWhitespaceWhereTheRFCAllowsIt() {
        XCTAssertEqual(select("$ [ 0 , 1 ]", in: Self.digits), [0, 1])
        XCTAssertEqual(select("$\n[\t0\r]", in: Self.digits), [0])
        XCTAssertEqual(select("$ .shop .name"), ["Corner Books"])
        XCTAssertEqual(select("$ ..author").count, 4)
        XCTAssertEqual(titles("$.shop.items[?  @.price  <  10  &&  @.isbn ]"), ["Field Mosses"])
        XCTAssertEqual(titles("$.shop.items[? ( @.price<10 ) ]"), ["Field Mosses", "Salt"])
        XCTAssertEqual(titles("$.shop.items[?! @.isbn]"), ["Rain Over Lisbon", "Salt"])
        XCTAssertEqual(titles("$.shop.items[?length( @.title )>12]"), ["Rain Over Lisbon", "The Quiet Canal"])
        XCTAssertEqual(titles("$.shop.items[?match(@.title , 'S.*')]"), ["Salt"])
        XCTAssertEqual(titles("$.shop.items[?@ .kind=='poetry']"), ["Salt"])
        XCTAssertEqual(titles("$.shop.items[?@.price<10||@.isbn]"), ["Field Mosses", "The Quiet Canal", "Salt"])
        assertError("$.shop. name", at: 7, "after '.'")
        assertError("$.. author", at: 3, "after '..'")
    }

    func testGrammarRejects() {
        let invalid = [
            " $", "$ ", "$.&", "$.1", "$..", "$[]", "$[0 2]", "$[+1]", "$[- 1]", "$[-01]", "$[1.0]", "$[true]",
            "$[1:2:3:4]", "$[:-0]", "$[0:3:-0]", "$[231584178474632390847141970017375815706539969331281128078915168]",
            "$[\"\"\"]", #"$["\"]"#, #"$["\?"]"#, #"$["\x12"]"#, #"$["\U1234"]"#, #"$["\u{1234}"]"#,
            #"$["\uD800\uD800"]"#, #"$["\uDC00\uDC00"]"#, "$[\"\u{0}\"]", "$['\t']",
            "$[?'a']", "$[?null]", "$[?@.a===1]", "$[?@.a<>1]", "$[?@.a=~'x']", "$[?@.a==[]]", "$[?@.a=={}]",
            "$[?@.a==+1]", "$[?@.a==.1]", "$[?@.a==-01]", "$[?@.a==1e+]", "$[?@.a==0x1]",
            "$[?(@.a == 1) == true]", "$[?search(@.a, 'x') == false]", "$[?match(@.a, match(@.b, 'x'))]",
            "$[?count(value(@.a)) == 1]", "$[?value(count(@.a)) == 1]", "$[?@[0:0]==0]", "$[?@['a','a']==1]",
            "$[?$[0, '0']==42]", "$[?@.a=='b'", "$[?(@.a=='b')", "$[?@.a==1]]", "$[?count (@.*)==1]",
            "$[?length(@.a==@.b)>2]", "$[?match(@.a,@.b,@.c)]", "$[?@.a == null()]", "$[?@.a && ]", "$[?&&@.a]",
        ]
        for path in invalid {
            XCTAssertThrowsError(try JSONPath(path), "should reject '\(path)'")
        }
    }

    func testGrammarAccepts() {
        assertValid([
            "$.true", "$.null", "$._", "$.☺", "$[1::]", "$[::]", "$[1 :2]", "$['a' ,'b']", "$['a']\n['b']",
            "$[?@.true == 1]", "$[?@['a'] == 1]", "$..['a']", "$..a..b", "$[?@..*]", "$[?@[?@>1]]",
            "$[?@.a==1E2]", "$[?@.a==1.0e-1]", "$[?true == false]", "$[?null == @.a]", "$[?@ == @]",
            "$[?!(@.a) ]", "$[?! (@.a)]", "$[?count(@.*) == count(@.*)]", "$[?value(@.a) == value(@.b)]",
            "$[?length(length(@.a)) == 1]", "$[?match(@.a, 'x') && match(@.b, 'y')]", "$[?@.a,?@.b]",
            "$[1, ?@.a=='b', 1:]", "$..[?length(@)==length($ [0] .a)]", "$[?length(@\n.a\n.b) == 3]",
            "$[0:3:9007199254740991]", "$[-9007199254740991:]", #"$["\u263a"]"#, "$['\u{7f}']",
        ])
    }

    func testValueOfSeveralNodesIsNothingNotNull() {
        let doc: JSONValue = [["a": nil], ["a": nil, "b": nil], [:]]
        XCTAssertEqual(select("$[?value(@.*) == null]", in: doc), [["a": nil]])
        XCTAssertEqual(select("$[?@.a == null]", in: doc).count, 2)
    }

    // MARK: API

    func testIsSingular() throws {
        for path in ["$", "$.a", "$['a'][0]", "$[-1].b", "$.a.b.c", "$ ['a'] [1]", "$.content-type"] {
            XCTAssertTrue(try JSONPath(path).isSingular, path)
        }
        for path in ["$[*]", "$.*", "$..a", "$['a','b']", "$[0,1]", "$[0:1]", "$[?@.a]", "$.a..b", "$.a[*].b"] {
            XCTAssertFalse(try JSONPath(path).isSingular, path)
        }
    }

    func testTextDescriptionAndHashable() throws {
        let path = try JSONPath("$.shop['name']")
        XCTAssertEqual(path.text, "$.shop['name']")
        XCTAssertEqual(path.description, "$.shop['name']")
        XCTAssertEqual(path, try JSONPath("$.shop['name']"))
        XCTAssertNotEqual(path, try JSONPath("$.shop.name"))
        XCTAssertEqual(Set([path, try JSONPath("$.shop['name']"), try JSONPath("$")]).count, 2)
        XCTAssertEqual(JSONPathError(message: "m", offset: 1, hint: nil).description, "m")
    }
}

private extension JSONValue {
    var arrayElements: [JSONValue] {
        if case .array(let a) = self { return a }
        return []
    }

    var objectCount: Int {
        if case .object(let o) = self { return o.count }
        return 0
    }
}
