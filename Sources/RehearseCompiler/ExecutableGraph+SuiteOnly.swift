import RehearseModel

extension ExecutableGraph {
    /// A graph with the suite and no case: what `rehearse auth --probe` runs its probes in
    /// (the suite's vars, headers, retry policy and profiles, without reading any plan).
    package static func suiteOnly(_ suite: Suite, environment: String?) -> ExecutableGraph {
        ExecutableGraph(suite: suite, plans: [], environment: environment, nodes: [], order: [], cases: [:],
                        environmentReferences: [:])
    }
}
