import Foundation
import Testing

@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseParser
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import RehearseReport

/// Small value formats and helpers, in Swift Testing.
@Suite struct ValueFormatTests {
    @Test(arguments: [("250ms", 250.0), ("1.5s", 1500.0), ("15m", 900_000.0), ("1h", 3_600_000.0), ("0s", 0.0)])
    func durationsParse(text: String, ms: Double) throws {
        let d = try #require(DurationParser.parse(text))
        #expect(d.milliseconds == ms)
    }

    @Test(arguments: ["10", "10 seconds", "s", ".5s", "5.s", "-1s", "1d", "ms"])
    func badDurationsAreRejected(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test func durationsFormatShort() {
        #expect(DurationParser.format(.milliseconds(250)) == "250ms")
        #expect(DurationParser.format(.milliseconds(1500)) == "1.5s")
        #expect(DurationParser.format(.seconds(180)) == "3m")
    }

    @Test func globsMatchPlanAndCaseIDs() {
        #expect(Glob.matches("critical/*", "critical/health/health"))
        #expect(Glob.matches("*/health", "critical/health/health"))
        #expect(Glob.matches("health", "critical/health/health"), "a pattern without '/' matches the case id")
        #expect(!Glob.matches("high/*", "critical/health/health"))
        #expect(Glob.matches("me-?-token", "a/b/me-x-token"))
    }

    @Test func suggestionsPreferPrefixesThenEditDistance() {
        #expect(Suggestions.closest(to: "reqest", in: ["request", "websocket"]) == "request")
        #expect(Suggestions.closest(to: "create", in: ["read", "create-thread"]) == "create-thread")
        #expect(Suggestions.closest(to: "zzzzzz", in: ["request"]) == nil)
    }

    @Test func statusSpecsMatchCodesAndClasses() {
        let spec = StatusSpec([.exact(401), .classOf(5)])
        #expect(spec.matches(401) && spec.matches(503))
        #expect(!spec.matches(403))
        #expect(spec.description == "401 or 5xx")
    }
}

/// Retry decisions of spec §5, without a network or a clock.
@Suite struct RetryDecisionTests {
    func policy(_ configure: (inout RetryPolicy) -> Void = { _ in }) -> RetryPolicy {
        var p = RetryPolicy()
        p.attempts = 3
        p.on = [.connect, .timeout, .status(503)]
        p.backoff.jitter = false
        configure(&p)
        return p
    }

    let random = RandomSource(seed: 1)

    @Test func listedStatusesRetryWithExponentialBackoff() {
        let p = policy()
        #expect(RetryDecision.delay(policy: p, method: "GET", observed: .status(503, retryAfter: nil), attempt: 1, random: random) == .milliseconds(200))
        #expect(RetryDecision.delay(policy: p, method: "GET", observed: .status(503, retryAfter: nil), attempt: 2, random: random) == .milliseconds(400))
        #expect(RetryDecision.delay(policy: p, method: "GET", observed: .status(503, retryAfter: nil), attempt: 3, random: random) == nil,
                "attempts counts the first try")
        #expect(RetryDecision.delay(policy: p, method: "GET", observed: .status(500, retryAfter: nil), attempt: 1, random: random) == nil)
    }

    @Test func nonIdempotentMethodsRetryOnlyWhatWasNeverSent() {
        let p = policy()
        #expect(RetryDecision.delay(policy: p, method: "POST", observed: .transport(.connect), attempt: 1, random: random) != nil)
        #expect(RetryDecision.delay(policy: p, method: "POST", observed: .transport(.timeout), attempt: 1, random: random) == nil)
        #expect(RetryDecision.delay(policy: p, method: "PATCH", observed: .status(503, retryAfter: nil), attempt: 1, random: random) == nil)
        let unsafe = policy { $0.unsafe = true }
        #expect(RetryDecision.delay(policy: unsafe, method: "POST", observed: .transport(.timeout), attempt: 1, random: random) != nil)
    }

    @Test func retryAfterSecondsAndDatesAreHonoured() {
        let p = policy()
        #expect(RetryDecision.delay(policy: p, method: "GET", observed: .status(503, retryAfter: "3"), attempt: 1, random: random) == .seconds(3))
        let now = Date(timeIntervalSince1970: 1_000_000_000)
        let wait = RetryDecision.parseRetryAfter("Sun, 09 Sep 2001 01:46:50 GMT", now: now)
        #expect(wait == .seconds(10))
    }

    @Test func backoffIsCappedAndJitterStaysInItsBand() {
        var b = Backoff()
        b.initial = .seconds(1); b.max = .seconds(3); b.factor = 10; b.jitter = false
        #expect(RetryDecision.backoff(b, attempt: 4, random: random) == .seconds(3))
        b.jitter = true
        for attempt in 1...20 {
            let d = RetryDecision.backoff(b, attempt: 2, random: RandomSource(seed: UInt64(attempt)))
            #expect(d >= .milliseconds(1500) && d <= .seconds(3))
        }
    }

    @Test func theSameSeedRepeatsTheSameJitter() {
        var b = Backoff()
        b.jitter = true
        let a = (1...5).map { RetryDecision.backoff(b, attempt: $0, random: RandomSource(seed: 7)) }
        let c = (1...5).map { RetryDecision.backoff(b, attempt: $0, random: RandomSource(seed: 7)) }
        #expect(a == c)
    }
}

/// The byte-level JSON reader agrees with Foundation's and rejects what is not JSON.
@Suite struct JSONParserTests {
    @Test(arguments: [
        #"{"a": [1, 2.5, -3e2, null, 1e-3], "b": {"c": "d"}}"#,
        #""\u00e9\ud83d\ude00 \"q\" \\ \/ \n\t""#, "[]", "{}", "0", "-0.5", #"[[[[]]]]"#, #"{"é": "ü"}"#,
    ])
    func agreesWithFoundation(text: String) throws {
        let ours = try JSONValue.parse(text)
        let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        #expect(ours == Self.convert(theirs))
    }

    @Test(arguments: ["{not json", "[1,]", "{\"a\" 1}", "tru", "01x", "\"unterminated", "[1] 2", "", "{\"a\":\u{01}}"])
    func rejectsInvalid(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func distinguishesBooleansFromNumbers() throws {
        // Foundation on Linux returns booleans as plain NSNumbers, so it cannot be the oracle here.
        #expect(try JSONValue.parse("[1, true, false]") == .array([.number(1), .bool(true), .bool(false)]))
    }

    static func convert(_ any: Any) -> JSONValue {
        switch any {
        case is NSNull: return .null
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(convert))
        case let o as [String: Any]: return .object(o.mapValues(convert))
        case let b as Bool where type(of: any) == Bool.self: return .bool(b)
        case let n as NSNumber: return .number(n.doubleValue)
        default: return .null
        }
    }
}
