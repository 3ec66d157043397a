#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The open model of `load` (spec §12): requests start on a schedule whether or not earlier ones
/// returned, at a `rate` for a `duration` (or until `requests` have started), or along `stages`
/// that each ramp from the previous rate.
public struct OpenLoad: Sendable, Hashable {
    /// The schedule as ramps; `rate` + `duration` is one stage that starts at its own rate.
    public var stages: [LoadStage]
    /// `rate` + `requests`: stop after this many starts.
    public var requests: Int?
    /// Starts beyond this many requests in flight are counted as dropped, not delayed.
    public var maxInFlight: Int
    /// True when written as `stages:` (the first ramps from 0), false for `rate:`.
    public var ramped: Bool
    /// `connections`: the most connections the case keeps to its host; a start that finds none
    /// idle waits for the next one free. Nil: up to `maxInFlight`.
    public var connections: Int?

    /// The connections the case may open: `connections`, else one per request in flight.
    public var connectionLimit: Int { min(connections ?? maxInFlight, maxInFlight) }

    public static let defaultMaxInFlight = 1000

    package init(stages: [LoadStage], requests: Int? = nil, maxInFlight: Int = OpenLoad.defaultMaxInFlight, ramped: Bool,
                 connections: Int? = nil) {
        self.stages = stages
        self.requests = requests
        self.maxInFlight = maxInFlight
        self.ramped = ramped
        self.connections = connections
    }
}

/// `{rate: 100/s, for: 10s}`: the rate reached (linearly) by the end of `duration`.
public struct LoadStage: Sendable, Hashable {
    /// Requests per second.
    public var rate: Double
    public var duration: Duration

    package init(rate: Double, duration: Duration) {
        self.rate = rate
        self.duration = duration
    }
}

/// `500/s`, `30/m`, `2.5/s`: a number of requests per second, minute or hour.
public enum LoadRate {
    /// The rate in requests per second, or a message saying what is wrong. A stage may ramp to
    /// `0/s` (`allowZero`); a `rate` may not.
    public static func parse(_ text: String, allowZero: Bool = false) -> Result<Double, RateError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .failure(RateError("'\(text)' is not a rate")) }
        let number = Text.trimmed(parts[0])
        let unit = Text.trimmed(parts[1])
        guard let value = Double(number), value.isFinite, !number.hasPrefix("+") else {
            return .failure(RateError("'\(number)' in '\(text)' is not a number"))
        }
        let per: Double
        switch unit {
        case "s": per = 1
        case "m", "min": per = 60
        case "h": per = 3600
        default: return .failure(RateError("'\(unit)' in '\(text)' is not a unit of time (s, m or h)"))
        }
        guard value > 0 || (allowZero && value == 0) else { return .failure(RateError("the rate must be more than 0, got '\(text)'")) }
        let perSecond = value / per
        guard perSecond <= maxPerSecond else {
            return .failure(RateError("'\(text)' is more than \(Int(maxPerSecond))/s, the most one load case can schedule"))
        }
        return .success(perSecond)
    }

    public static let maxPerSecond: Double = 1_000_000

    /// `500/s`; `0.5/s` for slow ones.
    public static func format(_ perSecond: Double) -> String {
        perSecond == perSecond.rounded() ? "\(Int(perSecond))/s" : "\(Double(Int((perSecond * 100).rounded())) / 100)/s"
    }

    public struct RateError: Error, Sendable {
        public let message: String
        init(_ message: String) { self.message = message }
    }
}
