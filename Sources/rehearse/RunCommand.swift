import ArgumentParser
import Foundation
import RehearseCore

/// Flags that shape how a run executes and reports; shared by `run` and `demo`.
struct ExecutionOptions: ParsableArguments {
    @Option(name: .customLong("env-file"), help: ArgumentHelp("Load variables from a dotenv file (repeatable; the real environment wins).", valueName: "file"))
    var envFiles: [String] = []

    // `.unconditional`: `--jobs -1` is a value to reject with its range, not a missing value.
    @Option(parsing: .unconditional, help: "Cases run at the same time (1 or more).")
    var jobs: Int = 8

    @Flag(name: .customLong("fail-fast"), help: "Stop starting cases after the first failure.")
    var failFast = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Timeout for every request and WebSocket handshake, replacing the plans'; also the wait of receive steps without `within` (above zero, e.g. 5s).", valueName: "duration"))
    var timeout: String?

    @Flag(name: .customLong("dry-run"), help: "Print what would be sent; send nothing.")
    var dryRun = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed for jitter and random ids: the same seed repeats a run (0 to \(UInt64.max)).", valueName: "seed"))
    var seed: String?

    @Flag(help: "Do not verify TLS certificates.")
    var insecure = false

    @Flag(help: "Show every case and the request headers of failures.")
    var verbose = false

    @Flag(help: "Only the summary.")
    var quiet = false

    @Flag(name: .customLong("no-color"), help: "No ANSI colours (also with NO_COLOR set).")
    var noColor = false

    @Option(name: .customLong("report"), help: ArgumentHelp("Write a report: json, junit, markdown or html, as FORMAT:PATH (repeatable).", valueName: "format:path"))
    var reports: [String] = []

    @Option(name: .customLong("gate"), help: ArgumentHelp("Least pass rate of a priority, e.g. critical=100 (repeatable). With gates, they decide the exit code.", valueName: "priority=percent"))
    var gates: [String] = []

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs takes a whole number of 1 or more, found \(jobs)") }
        if let timeout {
            if DurationParser.exceedsMaximum(timeout) {
                throw ValidationError("--timeout takes a duration of at most \(DurationParser.maximumHours)h, found '\(timeout)'")
            }
            guard let d = DurationParser.parse(timeout), d > .zero else {
                throw ValidationError("--timeout takes a duration above zero such as 500ms or 10s, found '\(timeout)'")
            }
        }
        _ = try parsedSeed()
        _ = try reportTargets()
        _ = try parsedGates()
        if verbose && quiet { throw ValidationError("--verbose and --quiet exclude each other") }
    }

    func reportTargets() throws -> [ReportTarget] {
        try reports.map { s in
            do { return try ReportTarget.parse(s) } catch { throw ValidationError("\(error)") }
        }
    }

    func parsedSeed() throws -> UInt64? {
        guard let seed else { return nil }
        guard let n = UInt64(seed) else {
            throw ValidationError("--seed takes a whole number from 0 to \(UInt64.max), found '\(seed)'")
        }
        return n
    }

    func parsedGates() throws -> [Gate] {
        try gates.map { s in
            do { return try Gate.parse(s) } catch { throw ValidationError("\(error)") }
        }
    }

    /// The process environment with dotenv files filling in what it lacks.
    func environment() throws -> [String: String] {
        do { return try DotEnv.environment(ProcessInfo.processInfo.environment, filledFrom: envFiles) } catch {
            throw ValidationError(error.message)
        }
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run plans against an environment and report what works.")

    @OptionGroup var selection: SelectionOptions
    @OptionGroup var execution: ExecutionOptions

    func run() async throws {
        let graph = try compiledGraph(selection, noColor: execution.noColor)
        if let problem = graph.emptyRunProblem {
            Output.err("error: \(problem)\n")
            throw ExitCode(ExitStatus.invalid.rawValue)
        }
        let code = await Execution.run(graph, execution: execution, cliVars: try selection.cliVars(),
                                       environment: try execution.environment())
        if code != 0 { throw ExitCode(code) }
    }
}

/// The part of `run` and `demo` after the plans compiled: pre-flight, run, reports, exit code.
enum Execution {
    static func run(_ graph: ExecutableGraph, execution: ExecutionOptions, cliVars: [String: String],
                    environment: [String: String]) async -> Int32 {
        let timing = StageTimer(enabled: environment["REHEARSE_TIMING"] != nil)
        // Every --report is checked before anything is sent: exit 2, like any bad command line.
        let targets = (try? execution.reportTargets()) ?? []
        let inputs = graph.plans.map(\.file) + [graph.suite.file].compactMap { $0 } + execution.envFiles
        let problems = ReportTarget.problems(targets, inputs: inputs)
        if !problems.isEmpty {
            Output.err(problems.map { "error: \($0)\n" }.joined())
            return ExitStatus.invalid.rawValue
        }
        let missing = Preflight.missing(graph, environment: environment)
        if !missing.isEmpty {
            Output.err(Preflight.message(missing))
            return ExitStatus.environment.rawValue
        }
        var options = RunOptions()
        options.jobs = execution.jobs
        options.failFast = execution.failFast
        options.timeout = execution.timeout.flatMap(DurationParser.parse)
        options.dryRun = execution.dryRun
        if let seed = try? execution.parsedSeed() { options.seed = seed }
        options.environment = environment
        options.cliVars = cliVars
        if execution.insecure && !execution.dryRun {
            Output.err("warning: --insecure: TLS certificates are not verified, so anyone on the network path can read and change this run's traffic\n")
        }
        var transportOptions = AsyncHTTPTransport.Options()
        transportOptions.insecureTLS = execution.insecure
        let transport = AsyncHTTPTransport(options: transportOptions)
        defer { Task { await transport.shutdown() } }
        var webSocketOptions = WebSocketKitTransport.Options()
        webSocketOptions.insecureTLS = execution.insecure
        let webSocket = WebSocketKitTransport(options: webSocketOptions)
        let context: RunContext
        do { context = try RunContext(graph: graph, options: options, transport: transport, webSocket: webSocket) } catch {
            Output.err("error: cannot render the suite's vars: \(error.message)\n")
            await transport.shutdown()
            return ExitStatus.invalid.rawValue
        }
        if execution.dryRun {
            Output.out(await DryRun.describe(context))
            await transport.shutdown()
            return ExitStatus.ok.rawValue
        }
        let color = Output.useColor(noColor: execution.noColor)
        let verbosity: ConsoleReporter.Verbosity = execution.quiet ? .quiet : execution.verbose ? .verbose : .normal
        let reporter = ConsoleReporter(live: isatty(STDOUT_FILENO) == 1, color: color, verbosity: verbosity) { Output.out($0) }
        let gates = (try? execution.parsedGates()) ?? []
        let finished = FinishedCases(forwardingTo: reporter)
        // A second Ctrl-C quits at once, but still with reports of the cases that finished.
        let seed = options.seed
        let signals = SignalTrap(context) {
            var partial = finished.report(graph: graph, seed: seed)
            partial.gates = gates
            partial.insecureTLS = execution.insecure
            _ = writeReports(targets, partial, masker: context.masker, quiet: execution.quiet)
        }
        timing.lap("run: set-up")
        var report = await Runner.run(context, observer: finished)
        timing.lap("run: cases")
        signals.release()
        await webSocket.shutdown()
        await transport.shutdown()
        timing.lap("run: transport shutdown")
        report.gates = gates
        report.insecureTLS = execution.insecure
        var code = report.exitCode
        Output.out(reporter.finalText(report, exitCode: code))
        if let warning = context.masker.tooShortWarning { Output.err(warning + "\n") }
        // A run whose report is missing must not look green to CI.
        if !writeReports(targets, report, masker: context.masker, quiet: execution.quiet), code == ExitStatus.ok.rawValue {
            code = ExitStatus.failed.rawValue
            // The summary above already said "exit 0"; the last line must be the code CI sees.
            Output.out("exit \(code): a report could not be written\n")
        }
        timing.lap("run: summary and reports")
        return code
    }

    /// Every `--report`; false when one could not be written (each failure is an error message).
    @discardableResult
    static func writeReports(_ targets: [ReportTarget], _ report: RunReport, masker: SecretMasker, quiet: Bool) -> Bool {
        let failures = ReportWriter.writeAll(targets, report, masker: masker) { target in
            if !quiet { Output.out("wrote \(target.format.rawValue) report \(target.path)\n") }
        }
        for f in failures { Output.err("error: \(f)\n") }
        return failures.isEmpty
    }
}

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
