import RehearseModel
import RehearseCompiler
import RehearseResults

extension Runner {
    /// How long teardown cases may run after an interrupt (spec §9).
    static let teardownAfterInterrupt: Duration = .seconds(5)

    /// After an interrupt, the teardown cases that were waiting run once, in file order, within
    /// `teardownAfterInterrupt`; a second signal or the limit ends them like any interrupted case.
    static func runTeardownAfterInterrupt(_ state: RunState, _ context: RunContext) async {
        let late = state.takeDeferredTeardown()
        guard !late.isEmpty else { return }
        context.reopenForTeardown()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for n in late {
                    if context.isCancelled {
                        var r = CaseExecutor(context: context, node: n).base(.skipped)
                        r.reason = "interrupted"
                        state.recordLate(n, .testCase(r))
                    } else {
                        state.recordLate(n, .testCases(await CaseExecutor(context: context, node: n).runNode()))
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: teardownAfterInterrupt)
                if !Task.isCancelled { context.cancel() }
            }
            _ = await group.next()
            group.cancelAll()
        }
        context.cancel()
    }
}

extension RunState {
    /// Whether `edge` keeps node `d` from running when what it points to did not pass: a teardown
    /// case runs whatever the outcomes, and waits only for its login.
    func blocks(_ edge: GraphEdge, _ d: Int) -> Bool {
        guard isTeardown[d] else { return true }
        return edge.reason == .auth
    }
}
