import RehearseModel
import RehearseDiagnostics
import RehearseParser

/// What every case inherits, worked out per plan (in parallel, with the name checks).
struct CaseResolver {
    let suite: Suite
    /// The suite's default retry policy, applied once rather than per case.
    let baseRetry: RetryPolicy

    init(suite: Suite) {
        self.suite = suite
        baseRetry = suite.defaults.retryPolicy
    }

    /// The auth a case runs with: its own, else its plan's, else the suite default, else none.
    func effectiveAuth(_ c: Case, _ plan: Plan) -> AuthUse {
        c.auth ?? plan.auth ?? suite.defaults.auth ?? .none
    }

    func resolve(_ ref: CaseRef, plan: Plan) -> ResolvedCase {
        let c = plan.cases[ref.index]
        var tags = plan.tags
        for t in c.tags where !tags.contains(t) { tags.append(t) }
        if c.isTeardown, !tags.contains("teardown") { tags.append("teardown") }
        let retry = c.retry.map { $0.applied(to: baseRetry) } ?? baseRetry
        var requestTimeout: Duration?
        if case .http(let r) = c.kind { requestTimeout = r.timeout }
        if case .sse(let s) = c.kind { requestTimeout = s.request.timeout }
        return ResolvedCase(ref: ref, planID: plan.id, priority: c.priority ?? plan.priority, tags: tags,
                            auth: effectiveAuth(c, plan), retry: retry,
                            timeout: c.timeout ?? requestTimeout ?? suite.defaults.requestTimeout)
    }

    /// Resolved settings and in-plan edges (case index, reason) of every case of plan `p`.
    func resolvePlan(_ p: Int, _ plan: Plan, into analysis: inout PlanAnalysis) {
        var index: [String: Int] = [:]
        for (i, c) in plan.cases.enumerated() where index[c.id] == nil { index[c.id] = i }
        analysis.resolved.reserveCapacity(plan.cases.count)
        for (i, c) in plan.cases.enumerated() {
            analysis.resolved.append(resolve(CaseRef(plan: p, index: i), plan: plan))
            var edges: [(Int, EdgeReason)] = []
            func add(_ j: Int, _ reason: EdgeReason) {
                if j != i && !edges.contains(where: { $0.0 == j }) { edges.append((j, reason)) }
            }
            for n in c.needs { if let j = index[n.value] { add(j, .needs) } }
            for (j, name) in analysis.captureDependencies[i] { add(j, .capture(name)) }
            if plan.serial, i > 0, !c.isTeardown { add(i - 1, .serial) }
            analysis.edges.append(edges)
            analysis.instances.append(Self.instances(of: c))
        }
    }
}

extension Compiler {
    /// Every case of every plan, plus a node per login profile in use, with all edges. The
    /// per-case work was done per plan in parallel; this only numbers nodes and adds logins.
    func buildFullGraph() -> ExecutableGraph {
        // Login nodes come first, in order of first use: the scheduler starts lower indices first,
        // and every case of a session waits on its login.
        var logins: [String] = []
        var isLogin: [String: Bool] = [:]
        for a in analyses {
            for r in a.resolved {
                guard case .profile(let name, _) = r.auth else { continue }
                if isLogin[name.value] == nil {
                    let login = suite.profile(name.value)?.isSession ?? false
                    isLogin[name.value] = login
                    if login { logins.append(name.value) }
                }
            }
        }
        var nodes = logins.map { GraphNode(kind: .auth($0), name: "auth:\($0)", dependencies: [], selected: false) }
        nodes.reserveCapacity(logins.count + loaded.plans.reduce(0) { $0 + $1.cases.count })
        let loginNode = Dictionary(uniqueKeysWithValues: logins.enumerated().map { ($1, $0) })
        var resolved: [Int: ResolvedCase] = [:]
        resolved.reserveCapacity(nodes.capacity)
        // Case nodes are numbered plan by plan, in file order; a case repeated by a static `each`
        // has one node per element, and whatever depends on it waits for all of them (spec §9).
        for (p, plan) in loaded.plans.enumerated() {
            let analysis = analyses[p]
            let caseNodes = Self.nodeRanges(plan, analysis, from: nodes.count)
            for (i, c) in plan.cases.enumerated() {
                let r = analysis.resolved[i]
                var deps: [GraphEdge] = []
                for (j, reason) in analysis.edges[i] { for k in caseNodes[j] { deps.append(GraphEdge(from: k, reason: reason)) } }
                if c.isTeardown {
                    for (j, other) in plan.cases.enumerated() where !other.isTeardown && !analysis.edges[i].contains(where: { $0.0 == j }) {
                        for k in caseNodes[j] { deps.append(GraphEdge(from: k, reason: .teardown)) }
                    }
                }
                if case .profile(let name, _) = r.auth, let login = loginNode[name.value] {
                    deps.append(GraphEdge(from: login, reason: .auth))
                }
                let kind = GraphNode.Kind.testCase(CaseRef(plan: p, index: i))
                guard let instances = analysis.instances[i] else {
                    resolved[nodes.count] = r
                    nodes.append(GraphNode(kind: kind, name: plan.id + "/" + c.id, dependencies: deps, selected: false))
                    continue
                }
                for instance in instances {
                    var ri = r
                    ri.instance = instance
                    resolved[nodes.count] = ri
                    nodes.append(GraphNode(kind: kind, name: plan.id + "/" + ri.resultID(c), dependencies: deps, selected: false))
                }
            }
        }
        return ExecutableGraph(suite: suite, plans: loaded.plans, environment: envName, nodes: nodes,
                               order: [], cases: resolved, environmentReferences: [:])
    }

    /// Kahn's algorithm, lowest index first so the order follows the files; nil on a cycle.
    func topologicalOrder(_ nodes: [GraphNode]) -> [Int]? {
        var indegree = nodes.map(\.dependencies.count)
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() { for e in n.dependencies { dependents[e.from].append(i) } }
        var ready = Heap(indegree.indices.filter { indegree[$0] == 0 })
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while let n = ready.popMin() {
            order.append(n)
            for d in dependents[n] {
                indegree[d] -= 1
                if indegree[d] == 0 { ready.insert(d) }
            }
        }
        return order.count == nodes.count ? order : nil
    }

    /// Reports each dependency cycle once, naming every case on it.
    mutating func reportCycles(_ graph: ExecutableGraph) {
        let nodes = graph.nodes
        var color = [UInt8](repeating: 0, count: nodes.count)  // 0 new, 1 on stack, 2 done
        var reported = Set<Int>()
        for start in nodes.indices where color[start] == 0 {
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            color[start] = 1
            while !stack.isEmpty {
                let (n, k) = stack[stack.count - 1]
                if k < nodes[n].dependencies.count {
                    stack[stack.count - 1].next += 1
                    let m = nodes[n].dependencies[k].from
                    if color[m] == 0 {
                        color[m] = 1
                        stack.append((m, 0))
                    } else if color[m] == 1, !reported.contains(m) {
                        let path = stack.map(\.node)
                        let cycle = Array(path[path.firstIndex(of: m)!...])
                        reported.formUnion(cycle)
                        reportCycle(cycle, graph: graph)
                    }
                } else {
                    color[n] = 2
                    stack.removeLast()
                }
            }
        }
    }

    private mutating func reportCycle(_ cycle: [Int], graph: ExecutableGraph) {
        // The DFS walks from a case to what it depends on; show it in run order instead.
        let ordered = Array(cycle.reversed())
        let names = ordered.map { graph.nodes[$0].name } + [graph.nodes[ordered[0]].name]
        var reasons: [String] = []
        for (a, b) in zip(ordered, ordered.dropFirst() + [ordered[0]]) {
            if let e = graph.nodes[b].dependencies.first(where: { $0.from == a }) {
                reasons.append("\(graph.nodes[b].name) \(e.reason.phrase) \(graph.nodes[a].name)")
            }
        }
        guard case .testCase(let ref) = graph.nodes[ordered[0]].kind else { return }
        let plan = loaded.plans[ref.plan]
        let c = plan.cases[ref.index]
        report(.cycle, "dependency cycle: \(names.joined(separator: " → "))", file: plan.file, at: c.position,
               length: c.id.count, hint: "break one of these links: " + reasons.joined(separator: "; "))
    }

    /// Keeps the selected cases and everything they need, re-indexed in file order.
    mutating func select(from full: ExecutableGraph) -> ExecutableGraph {
        // With no selection flags every node stays: skip the re-indexing copy.
        let s = options.selection
        if s.priorities.isEmpty && s.tags.isEmpty && s.excludeTags.isEmpty && s.filters.isEmpty && s.ids == nil && options.shard == nil {
            var graph = full
            for i in graph.nodes.indices { graph.nodes[i].selected = true }
            graph.environmentReferences = environmentReferences(for: graph)
            return graph
        }
        var keep = Set<Int>()
        var picked = Set<Int>()
        var work: [Int] = []
        for (i, n) in full.nodes.enumerated() {
            guard case .testCase = n.kind, let r = full.cases[i] else { continue }
            if selectionNames(n, r, full).contains(where: { options.selection.includes(name: $0, priority: r.priority, tags: r.tags) }) {
                picked.insert(i)
                work.append(i)
            }
        }
        while let i = work.popLast() {
            guard keep.insert(i).inserted else { continue }
            work += full.nodes[i].dependencies.filter { $0.reason != .teardown }.map(\.from)
        }
        if let shard = options.shard { keep = restrict(keep, of: full, to: shard) }
        addTeardown(to: &keep, of: full)
        let kept = keep.sorted()
        var newIndex: [Int: Int] = [:]
        for (j, i) in kept.enumerated() { newIndex[i] = j }
        var nodes: [GraphNode] = []
        var cases: [Int: ResolvedCase] = [:]
        nodes.reserveCapacity(kept.count)
        cases.reserveCapacity(kept.count)
        for i in kept {
            var n = full.nodes[i]
            n.selected = picked.contains(i)
            // A teardown case kept with part of its plan waits only for the part that runs.
            n.dependencies = n.dependencies.compactMap { e in newIndex[e.from].map { GraphEdge(from: $0, reason: e.reason) } }
            if let r = full.cases[i] { cases[nodes.count] = r }
            nodes.append(n)
        }
        var graph = full
        graph.nodes = nodes
        graph.cases = cases
        graph.order = topologicalOrder(nodes) ?? []
        graph.shard = options.shard
        graph.environmentReferences = environmentReferences(for: graph)
        return graph
    }

    /// `{{ env.X }}` used by what will run: suite-level settings and the cases in the graph.
    private func environmentReferences(for graph: ExecutableGraph) -> [String: SourceLocation] {
        var refs = envRefs  // suite vars, headers and the chosen environment
        func collect(_ t: Template, _ file: String, _ fallback: SourcePosition) {
            for (e, pos) in t.locatedExpressions(fallback: fallback) {
                if case .name(let s) = e, s.count == 2, s[0] == "env", refs[s[1]] == nil {
                    refs[s[1]] = SourceLocation(file: file, position: pos)
                }
            }
        }
        func merge(_ more: [String: SourceLocation]) {
            for (k, v) in more where refs[k] == nil { refs[k] = v }
        }
        var profiles = Set<String>()
        var plansSeen = Set<Int>()
        for (i, n) in graph.nodes.enumerated() {
            if case .auth(let name) = n.kind { profiles.insert(name) }
            guard case .testCase(let ref) = n.kind else { continue }
            if plansSeen.insert(ref.plan).inserted { merge(analyses[ref.plan].varEnvironmentReferences) }
            merge(analyses[ref.plan].environmentReferences[ref.index])
            if case .profile(let name, _) = graph.cases[i]!.auth { profiles.insert(name.value) }
        }
        for name in profiles.sorted() {
            guard let p = suite.profile(name) else { continue }
            p.forEachTemplate { collect($0, suiteFile, p.position) }
        }
        return refs
    }
}
