import RehearseModel
import RehearseDiagnostics

/// `load:` with `rate` or `stages`: the open model (spec §12), and the lint of every load key.
extension PlanParser {
    static let loadKeys = ["requests", "concurrency", "rate", "duration", "max_in_flight", "stages", "connections"]

    /// The closed model (`requests` at `concurrency`) takes none of the open model's keys.
    func closedLoadKeysFit(_ node: YAMLNode) -> Bool {
        var fits = true
        for key in ["duration", "max_in_flight", "connections"] {
            if let v = node[key] {
                ctx.error(.invalidValue, "`\(key)` belongs to the open model, which needs `rate:` or `stages:`", v,
                          hint: "add `rate: 100/s` to start requests on a schedule, or remove `\(key)` to keep `requests` at a fixed `concurrency`")
                fits = false
            }
        }
        return fits
    }

    func openLoad(_ node: YAMLNode) -> LoadSpec? {
        guard let pairs = ctx.mapping(node, what: "load", allowed: Self.loadKeys) else { return nil }
        let before = ctx.bag.items.count
        var rate: Double?, duration: Duration?, requests: Int?, maxInFlight = OpenLoad.defaultMaxInFlight
        var stages: [LoadStage]?
        var connections: Int?
        for p in pairs {
            let v = p.value
            switch p.key.scalar {
            case "rate": rate = loadRate(v, what: "load.rate", allowZero: false)
            case "duration": duration = positiveDuration(v, what: "load.duration")
            case "requests": requests = ctx.int(v, what: "load.requests", min: 1)
            case "max_in_flight": maxInFlight = ctx.int(v, what: "load.max_in_flight", min: 1) ?? maxInFlight
            case "stages": stages = loadStages(v)
            case "connections": connections = ctx.int(v, what: "load.connections", min: 1)
            case "concurrency":
                ctx.error(.invalidValue, "`concurrency` belongs to the closed model; the open model starts requests at `rate`", v,
                          hint: "bound the requests waiting at once with `max_in_flight: \(ctx.intValue(v) ?? 100)`")
            default: break
            }
        }
        if let stagesNode = node["stages"] {
            for key in ["rate", "duration", "requests"] {
                if let v = node[key] {
                    ctx.error(.invalidValue, "`\(key)` cannot be used with `stages`", v,
                              hint: "`stages` sets the rate over time on its own: give each stage `{rate: 100/s, for: 10s}`, or drop `stages`")
                }
            }
            if let stages, !stages.isEmpty, LoadScheduleMath.totalRequests(stages, ramped: true) == 0 {
                ctx.error(.invalidValue, "these stages never start a request", stagesNode,
                          hint: "give a stage a rate above 0/s")
            }
        } else if node["rate"] != nil {
            if node["duration"] == nil && node["requests"] == nil {
                ctx.error(.missingKey, "load with `rate` needs `duration:` or `requests:`", node,
                          hint: "for example `load: {rate: 100/s, duration: 30s}`")
            } else if let d = node["duration"], node["requests"] != nil {
                ctx.error(.invalidValue, "give `duration` or `requests`, not both", d,
                          hint: "`duration` runs for a time at the rate; `requests` stops after that many starts")
            }
        }
        guard ctx.bag.items.count == before else { return nil }
        if let connections, connections > maxInFlight, let v = node["connections"] {
            ctx.warning(.invalidValue, "`connections: \(connections)` is more than `max_in_flight` (\(maxInFlight)): the extra connections are never used", v,
                        hint: "raise `max_in_flight` to at least \(connections), or lower `connections`")
        }
        var open: OpenLoad
        if let stages {
            open = OpenLoad(stages: stages, maxInFlight: maxInFlight, ramped: true)
        } else if let rate, let duration {
            open = OpenLoad(stages: [LoadStage(rate: rate, duration: duration)], maxInFlight: maxInFlight, ramped: false)
        } else if let rate, let requests {
            // The duration the requests take at the rate; the schedule stops at `requests` anyway.
            let seconds = Double(requests) / rate
            open = OpenLoad(stages: [LoadStage(rate: rate, duration: .nanoseconds(Int64(min(seconds, 1e9) * 1e9) + 1))],
                            requests: requests, maxInFlight: maxInFlight, ramped: false)
        } else {
            return nil
        }
        open.connections = connections
        return LoadSpec(requests: requests ?? 0, concurrency: maxInFlight, open: open)
    }

    private func loadRate(_ node: YAMLNode, what: String, allowZero: Bool) -> Double? {
        let hint = "write requests per unit of time: `500/s`, `30/m` or `1000/h`"
        guard let text = node.scalar, node.pairs == nil else {
            ctx.typeError(node, expected: "a rate such as 500/s", what: what, hint: hint)
            return nil
        }
        if case .int(let n) = node.resolved {
            ctx.error(.invalidValue, "'\(text)' for \(what) has no unit of time", node, hint: "add one: `\(n)/s`")
            return nil
        }
        switch LoadRate.parse(text, allowZero: allowZero) {
        case .success(let r): return r
        case .failure(let e):
            ctx.error(.invalidValue, "invalid rate for \(what): \(e.message)", node, hint: hint)
            return nil
        }
    }

    private func positiveDuration(_ node: YAMLNode, what: String) -> Duration? {
        guard let d = ctx.duration(node, what: what) else { return nil }
        guard d > .zero else {
            ctx.error(.duration, "\(what) must be longer than 0", node, hint: "for example `10s`")
            return nil
        }
        return d
    }

    private func loadStages(_ node: YAMLNode) -> [LoadStage]? {
        let hint = "each stage is `{rate: 100/s, for: 10s}`; the rate ramps from the previous stage's (from 0 for the first)"
        guard let items = node.items else {
            ctx.typeError(node, expected: "a list of stages", what: "load.stages", hint: hint)
            return nil
        }
        guard !items.isEmpty else {
            ctx.error(.invalidValue, "`stages` is empty", node, hint: hint)
            return nil
        }
        var out: [LoadStage] = []
        for item in items {
            guard let pairs = ctx.mapping(item, what: "a stage", allowed: ["rate", "for"], hint: hint) else { continue }
            var rate: Double?, length: Duration?
            for p in pairs {
                switch p.key.scalar {
                case "rate": rate = loadRate(p.value, what: "a stage's rate", allowZero: true)
                case "for": length = positiveDuration(p.value, what: "a stage's `for`")
                default: break
                }
            }
            for key in ["rate", "for"] where item[key] == nil {
                ctx.error(.missingKey, "a stage needs `\(key):`", item, hint: hint)
            }
            if let rate, let length { out.append(LoadStage(rate: rate, duration: length)) }
        }
        return out.count == items.count ? out : nil
    }

    /// `errors: {max: 0.5%}` (a share of the requests) or `{max: 3}` (a number).
    func errorBudget(_ node: YAMLNode) -> ErrorBudget? {
        let hint = "write `errors: {max: 0.5%}` (a share of the requests) or `errors: {max: 3}` (a number)"
        guard let pairs = ctx.mapping(node, what: "errors", allowed: ["max"], hint: hint) else { return nil }
        guard let v = pairs.first(where: { $0.key.scalar == "max" })?.value else {
            ctx.error(.missingKey, "errors needs `max:`", node, hint: hint)
            return nil
        }
        if case .int(let n) = v.resolved, v.scalar != nil {
            guard n >= 0 else {
                ctx.error(.invalidValue, "errors.max must be at least 0, found \(n)", v, hint: hint)
                return nil
            }
            return .count(n)
        }
        if let text = v.scalar, text.hasSuffix("%"), let p = Double(text.dropLast()), p.isFinite {
            guard (0...100).contains(p) else {
                ctx.error(.invalidValue, "errors.max must be between 0% and 100%, found \(text)", v, hint: hint)
                return nil
            }
            return .percent(p)
        }
        ctx.error(.invalidValue, "invalid errors.max '\(v.scalar ?? v.kindName)'", v, hint: hint)
        return nil
    }

    /// `dropped: {max: 0}`.
    func droppedLimit(_ node: YAMLNode) -> Int? {
        let hint = "write `dropped: {max: 0}`: how many starts may be skipped at `max_in_flight`"
        guard let pairs = ctx.mapping(node, what: "dropped", allowed: ["max"], hint: hint) else { return nil }
        guard let v = pairs.first(where: { $0.key.scalar == "max" })?.value else {
            ctx.error(.missingKey, "dropped needs `max:`", node, hint: hint)
            return nil
        }
        return ctx.int(v, what: "dropped.max", min: 0)
    }

    /// `errors` and `dropped` need a load case (and `dropped` the open model).
    func checkLoadExpectations(_ c: Case, node: YAMLNode) {
        if c.load == nil {
            for key in ["errors", "dropped"] {
                if let e = node["expect"]?[key] {
                    ctx.warning(.unusedSetting, "`\(key)` limits apply only to cases with `load`", e,
                                hint: "a single request passes or fails on its own expectations")
                }
            }
        } else if c.load?.open == nil, let e = node["expect"]?["dropped"] {
            ctx.warning(.unusedSetting, "`dropped` applies to the open model (`rate` or `stages`); a closed load drops nothing", e)
        }
    }
}

extension ParseContext {
    /// The integer a scalar holds, without reporting anything (for hints).
    func intValue(_ node: YAMLNode) -> Int? {
        if node.scalar != nil, case .int(let i) = node.resolved { return i }
        return nil
    }
}
