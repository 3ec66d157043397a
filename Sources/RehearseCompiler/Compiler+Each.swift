import RehearseModel
import RehearseDiagnostics
import RehearseParser

extension CaseResolver {
    /// One instance per element of a static `each` list; nil for a case run once, or whose list
    /// is only known at run time. Instances share the parsed case and hold only their element.
    static func instances(of c: Case) -> [CaseInstance]? {
        guard let each = c.each, !each.isRuntime else { return nil }
        let keys = EachSpec.keys(of: each.items)
        return each.items.enumerated().map { i, item in
            CaseInstance(index: i, key: keys[i], item: item, count: each.items.count)
        }
    }
}

extension Compiler {
    /// The node indices of each case of a plan whose first node will be `start`.
    static func nodeRanges(_ plan: Plan, _ analysis: PlanAnalysis, from start: Int) -> [Range<Int>] {
        var next = start
        return plan.cases.indices.map { i in
            let n = analysis.instances[i]?.count ?? 1
            defer { next += n }
            return next..<(next + n)
        }
    }
}

extension NameChecker {
    /// `{{ item }}`, `{{ item.field }}` and `{{ index }}`: defined in a case with `each`, and a
    /// field must be one every element of a static list has (a CSV column, a key of each object).
    mutating func checkItem(_ segments: [String], scope: NameScope, file: String, at pos: SourcePosition) {
        let head = segments[0]
        guard let each = scope.each else {
            if segments.count == 1, scope.vars.contains(head) { return }
            if scope.objectVars.contains(head) { return }
            report(.unknownName, "'\(head)' is defined only in a case with `each`", file: file, at: pos, length: head.count,
                   hint: "add `each: [...]`, `each: {file: PATH}` or `each: \"{{ case-id.list }}\"` to repeat the case over a list")
            return
        }
        guard segments.count > 1, !each.isRuntime, !each.items.isEmpty else { return }
        let field = segments[1]
        if let fields = each.fields, fields.contains(field) { return }
        let length = head.count + field.count + 1
        let objects = each.items.filter { if case .object = $0 { return true } else { return false } }.count
        if objects == 0 {
            report(.itemField, "the elements of `each` are \(each.items[0].typeName) values, not objects: they have no field '\(field)'",
                   file: file, at: pos, length: length, hint: "write {{ item }} for the whole element")
            return
        }
        let having = each.items.firstIndex { $0[field] != nil }
        if having != nil, let missing = each.items.firstIndex(where: { $0[field] == nil }) {
            report(.itemField, "element \(missing) of `each` (\(sourceName(each))) has no field '\(field)'", file: file, at: pos,
                   length: length, hint: "every element needs the fields the case uses; element \(having!) has it")
            return
        }
        let known = each.fields ?? []
        let what: String
        if case .file(let path) = each.source, path.lowercased().hasSuffix(".csv") { what = "the CSV header of \(path) has no column '\(field)'" }
        else { what = "the elements of `each` (\(sourceName(each))) have no field '\(field)'" }
        report(.itemField, what, file: file, at: pos, length: length,
               hint: Suggestions.hint(for: field, in: known) ?? (known.isEmpty ? nil : "fields: \(known.joined(separator: ", "))"))
    }

    private func sourceName(_ each: EachSpec) -> String {
        if case .file(let path) = each.source { return path }
        return "the inline list"
    }

    /// Diagnostics about keys a case took from a suite template also name the template's line.
    static func noteTemplateOrigins(_ diagnostics: inout [Diagnostic], plan: Plan) {
        for i in diagnostics.indices where diagnostics[i].location.file == plan.file {
            let d = diagnostics[i]
            guard let moved = TemplateOrigin.relocate(d.location.position, hint: d.hint, in: plan.templateOrigins) else { continue }
            diagnostics[i].location = SourceLocation(file: plan.file, position: moved.position, length: moved.length)
            diagnostics[i].hint = moved.hint
        }
    }
}

extension Compiler {
    /// The names a selection glob is matched against: the node's, and for the instances of an
    /// `each` case also the case's own (`plan/case` picks every instance; `plan/case[*]` matches a
    /// list expanded at run time too).
    func selectionNames(_ n: GraphNode, _ r: ResolvedCase, _ graph: ExecutableGraph) -> [String] {
        let c = graph.testCase(r.ref)
        guard let each = c.each else { return [n.name] }
        let base = r.planID + "/" + c.id
        return each.isRuntime ? [n.name, base + "[*]"] : [n.name, base]
    }

    /// Teardown cases of every plan with a case in `keep`, with the logins they wait for: what
    /// was set up is torn down whatever part of the plan was selected (spec §9).
    func addTeardown(to keep: inout Set<Int>, of full: ExecutableGraph) {
        var plans = Set<Int>()
        for i in keep { if case .testCase(let ref) = full.nodes[i].kind { plans.insert(ref.plan) } }
        for (i, n) in full.nodes.enumerated() where !keep.contains(i) {
            guard case .testCase(let ref) = n.kind, plans.contains(ref.plan), full.testCase(ref).isTeardown else { continue }
            keep.insert(i)
            for e in n.dependencies where e.reason == .auth { keep.insert(e.from) }
        }
    }
}
