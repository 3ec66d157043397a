import ArgumentParser
import Foundation
import RehearseCore

/// Flags that shape how a run executes and reports; shared by `run` and `demo`.
struct ExecutionOptions: ParsableArguments {
    @Option(name: .customLong("env-file"), help: ArgumentHelp("Load variables from a dotenv file (repeatable; the real environment wins).", valueName: "file"))
    var envFiles: [String] = []

    @Option(help: "Cases run at the same time.")
    var jobs: Int = 8

    @Flag(name: .customLong("fail-fast"), help: "Stop starting cases after the first failure.")
    var failFast = false

    @Option(help: ArgumentHelp("Timeout for every request and WebSocket handshake, replacing the plans'; also the wait of receive steps without `within` (e.g. 5s).", valueName: "duration"))
    var timeout: String?

    @Flag(name: .customLong("dry-run"), help: "Print what would be sent; send nothing.")
    var dryRun = false

    @Option(help: "Seed for jitter and random ids: the same seed repeats a run.")
    var seed: UInt64?

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
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let timeout, DurationParser.parse(timeout) == nil {
            throw ValidationError("--timeout takes a duration such as 500ms or 10s, found '\(timeout)'")
        }
        _ = try reportTargets()
        _ = try parsedGates()
        if verbose && quiet { throw ValidationError("--verbose and --quiet exclude each other") }
    }

    func reportTargets() throws -> [ReportTarget] {
        try reports.map { s in
            do { return try ReportTarget.parse(s) } catch { throw ValidationError("\(error)") }
        }
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
        if let seed = execution.seed { options.seed = seed }
        options.environment = environment
        options.cliVars = cliVars
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
        let signals = SignalTrap(context)
        timing.lap("run: set-up")
        var report = await Runner.run(context, observer: reporter)
        timing.lap("run: cases")
        signals.release()
        await webSocket.shutdown()
        await transport.shutdown()
        timing.lap("run: transport shutdown")
        report.gates = (try? execution.parsedGates()) ?? []
        let code = report.exitCode
        Output.out(reporter.finalText(report, exitCode: code))
        writeReports((try? execution.reportTargets()) ?? [], report, masker: context.masker, quiet: execution.quiet)
        timing.lap("run: summary and reports")
        return code
    }

    /// Every `--report`; one that cannot be written is an error message, not a change of exit code.
    static func writeReports(_ targets: [ReportTarget], _ report: RunReport, masker: SecretMasker, quiet: Bool) {
        for target in targets {
            do {
                try ReportWriter.write(target, report, masker: masker)
                if !quiet { Output.out("wrote \(target.format.rawValue) report \(target.path)\n") }
            } catch {
                Output.err("error: cannot write \(target.path): \(error.localizedDescription)\n")
            }
        }
    }
}

/// Ctrl-C and SIGTERM stop new sends and cancel the requests in flight; what ran is reported and
/// the run exits 130.
final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    init(_ context: RunContext) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if context.isCancelled {
                    // A second Ctrl-C means now.
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
