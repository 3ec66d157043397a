#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import RehearseCompiler
import RehearseModel
import RehearseResults
import RehearseRuntime
import Synchronization

/// Passes progress on to the console and keeps every finished case, for the reports of a run
/// that is quit before it can finish.
final class FinishedCases: RunObserver, @unchecked Sendable {
    private let inner: any RunObserver
    private let results = Mutex<[CaseResult]>([])
    private let started = ContinuousClock.now

    init(forwardingTo inner: any RunObserver) { self.inner = inner }

    func runStarted(total: Int) { inner.runStarted(total: total) }

    func caseFinished(_ result: CaseResult, done: Int, total: Int) {
        results.withLock { $0.append(result) }
        inner.caseFinished(result, done: done, total: total)
    }

    /// The cases finished so far, as an interrupted run.
    func report(graph: ExecutableGraph, seed: UInt64) -> RunReport {
        var report = RunReport(results: results.withLock { $0 }, duration: ContinuousClock.now - started,
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
        let quitting = FirstTime()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if context.isCancelled {
                    // A second Ctrl-C means now; only the first of several writes the reports.
                    guard quitting.claim() else { return }
                    StandardStream.error.write("\ninterrupted again: writing the reports of the cases that finished, then quitting\n")
                    onQuit()
                    exit(ExitStatus.interrupted.rawValue)
                }
                context.cancel()
                StandardStream.error.write("\ninterrupted: cancelling the requests in flight, then reporting (Ctrl-C again to quit now)\n")
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

/// True for the first caller of `claim` only (the one of several signals that writes the reports).
private final class FirstTime: Sendable {
    private let claimed = Mutex(false)

    func claim() -> Bool {
        claimed.withLock { taken in
            defer { taken = true }
            return !taken
        }
    }
}
