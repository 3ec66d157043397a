import RehearseModel
import RehearseCompiler
import RehearseResults

/// What one graph node produced: one result, or one per instance of a list known only at run time.
struct NodeResults: Sendable {
    var results: [CaseResult]
    /// Whether the cases waiting for this node may run.
    var unblocks: Bool
}

extension CaseExecutor {
    /// An executor for one instance of an `each` case expanded at run time.
    init(context: RunContext, node: Int, resolved: ResolvedCase) {
        self.context = context
        self.node = node
        self.resolved = resolved
        self.testCase = context.graph.testCase(resolved.ref)
        self.plan = context.graph.plans[resolved.ref.plan]
    }

    /// Runs the node: the case once, one instance of a static `each`, or every element of a
    /// list captured earlier in the run (spec §9).
    func runNode() async -> NodeResults {
        if let each = testCase.each, each.isRuntime, resolved.instance == nil, testCase.skip == nil {
            return await runExpanded(each)
        }
        let r = await runOnce()
        if let instance = resolved.instance {
            context.instanceFinished(plan: resolved.ref.plan, caseID: testCase.id, index: instance.index, count: instance.count,
                                     names: testCase.capturedNames)
        }
        return NodeResults(results: [r], unblocks: r.outcome.unblocksDependents)
    }

    /// The case, or `skipped (capture X missing)` for a teardown case whose capture never came.
    func runOnce() async -> CaseResult {
        if testCase.skip == nil, testCase.isTeardown, let missing = missingCapture() {
            var r = base(.skipped)
            r.reason = "capture \(missing) missing"
            return r
        }
        return await run()
    }

    /// Captures go to the case, or to this instance of it.
    func storeCaptures(_ values: [String: JSONValue]) {
        if let instance = resolved.instance {
            context.store(captures: values, plan: resolved.ref.plan, caseID: testCase.id, instance: instance)
        } else {
            context.store(captures: values, plan: resolved.ref.plan, caseID: testCase.id)
        }
    }

    /// The first `case-id.name` the case uses that was not captured (a teardown case runs even
    /// when the case that should have captured it failed or never ran).
    func missingCapture() -> String? {
        for (t, _) in testCase.templates {
            for case .name(let s) in t.expressions where s.count == 2 && s[0] != "env" && s[0] != "item" {
                guard plan.caseIndex(s[0]) != nil else { continue }
                if !context.hasCapture(plan: resolved.ref.plan, caseID: s[0], name: s[1]) { return "\(s[0]).\(s[1])" }
            }
        }
        return nil
    }

    /// Renders the captured list and runs one instance per element, `--jobs` at a time.
    func runExpanded(_ each: EachSpec) async -> NodeResults {
        guard case .capture(let template) = each.source else { return NodeResults(results: [], unblocks: false) }
        if testCase.isTeardown, let missing = missingCapture() {
            var r = base(.skipped)
            r.reason = "capture \(missing) missing"
            return NodeResults(results: [r], unblocks: false)
        }
        let value: JSONValue
        do { value = try context.renderer(forPlan: resolved.ref.plan).render(template) } catch {
            let r = errored(.template, "each: cannot render \(template.source): \(error.message)")
            return NodeResults(results: [r], unblocks: false)
        }
        guard case .array(let items) = value else {
            let r = errored(.template, "each: \(each.origin) is \(value.typeName == "object" ? "an object" : "a " + value.typeName), not a list")
            return NodeResults(results: [r], unblocks: false)
        }
        if items.isEmpty {
            // Zero instances is an answer, not an error: the result says so, and what depends on
            // the case runs with empty arrays for its captures.
            var r = base(.skipped)
            r.reason = "each: \(each.origin) is an empty list: 0 instances"
            let names = testCase.capturedNames
            if !names.isEmpty {
                context.store(captures: Dictionary(names.map { ($0, JSONValue.array([])) }, uniquingKeysWith: { a, _ in a }),
                              plan: resolved.ref.plan, caseID: testCase.id)
            }
            return NodeResults(results: [r], unblocks: true)
        }
        let keys = EachSpec.keys(of: items)
        let instances = items.enumerated().map { i, item in
            CaseInstance(index: i, key: keys[i], item: item, count: items.count)
        }
        var results = [CaseResult?](repeating: nil, count: instances.count)
        let width = max(1, min(context.options.jobs, instances.count))
        let context = self.context, node = self.node, resolved = self.resolved
        await withTaskGroup(of: (Int, CaseResult).self) { group in
            var next = 0, running = 0
            while next < instances.count || running > 0 {
                while running < width && next < instances.count {
                    var r = resolved
                    r.instance = instances[next]
                    let i = next
                    next += 1
                    running += 1
                    group.addTask {
                        let executor = CaseExecutor(context: context, node: node, resolved: r)
                        if context.isCancelled {
                            var skipped = executor.base(.skipped)
                            skipped.reason = "interrupted"
                            return (i, skipped)
                        }
                        return (i, await executor.runNode().results[0])
                    }
                }
                guard let (i, r) = await group.next() else { break }
                results[i] = r
                running -= 1
            }
        }
        let all = results.compactMap { $0 }
        return NodeResults(results: all, unblocks: all.allSatisfy { $0.outcome.unblocksDependents })
    }
}
