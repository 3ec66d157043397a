import RehearseModel
import RehearseCompiler
import RehearseParser
import RehearseReport

extension Pipeline {
    /// `rehearse list --format json --resolved`: each row also holds its case as it runs, with
    /// the suite templates it extends merged in (spec §9).
    static func resolvedList(_ graph: ExecutableGraph) -> JSONValue {
        guard case .array(var rows) = CaseListRenderer.json(graph) else { return CaseListRenderer.json(graph) }
        var byPlan: [Int: [String: JSONValue]] = [:]
        var row = 0
        for i in graph.nodes.indices {
            guard let r = graph.cases[i] else { continue }
            defer { row += 1 }
            let plan = graph.plans[r.ref.plan]
            if byPlan[r.ref.plan] == nil {
                byPlan[r.ref.plan] = SuiteLoader.resolvedCases(planFile: plan.file, suiteFile: graph.suite.file)
            }
            let c = graph.testCase(r.ref)
            guard row < rows.count, case .object(var o) = rows[row], var resolved = byPlan[r.ref.plan]?[c.id] else { continue }
            if let instance = r.instance, case .object(var fields) = resolved {
                fields["each"] = nil
                fields["item"] = instance.item
                fields["index"] = .number(Double(instance.index))
                resolved = .object(fields)
            }
            o["case"] = resolved
            rows[row] = .object(o)
        }
        return .array(rows)
    }
}
