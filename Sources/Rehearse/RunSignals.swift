import Foundation
import RehearseCompiler
import RehearseModel
import RehearseResults
import RehearseRuntime

/// Passes progress on to the console and keeps every finished case, for the reports of a run
/// that is quit before it can finish.
final class FinishedCases: RunObserver, @unchecked Sendable {
    private let inner: any RunObserver
    private let lock = NSLock()
    private var results: [CaseResult] = []
    private let started = ContinuousClock.now

    init(forwardingTo inner: any RunObserver) { self.inner = inner }

    func runStarted(total: Int) { inner.runStarted(total: total) }

    func caseFinished(_ result: CaseResult, done: Int, total: Int) {
        lock.withLock { results.append(result) }
        inner.caseFinished(result, done: done, total: total)
    }

    /// The cases finished so far, as an interrupted run.
    func report(graph: ExecutableGraph, seed: UInt64) -> RunReport {
        var report = RunReport(results: lock.withLock { results }, duration: ContinuousClock.now - started,
                               environment: graph.environment, seed: seed)
        report.interrupted = true
        report.shard = graph.shard
        return report
    }
}

/// Ctrl-C and SIGTERM stop new sends and cancel the requests in flight; what ran is reported and
/// the run exits 130. A second signal quits at once, after `onQuit` wrote what it could.
final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    init(_ context: RunContext, onQuit: @escaping @Sendable () -> Void) {
        let quitting = NSLock()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if context.isCancelled {
                    // A second Ctrl-C means now; only the first of several writes the reports.
                    guard quitting.try() else { return }
                    FileHandle.standardError.write(Data("\ninterrupted again: writing the reports of the cases that finished, then quitting\n".utf8))
                    onQuit()
                    Foundation.exit(ExitStatus.interrupted.rawValue)
                }
                context.cancel()
                FileHandle.standardError.write(Data("\ninterrupted: cancelling the requests in flight, then reporting (Ctrl-C again to quit now)\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }

    func release() {
        sources.forEach { $0.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
