#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseCompiler
import RehearseDiagnostics
import RehearseModel
import RehearseReport
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO

extension Pipeline {
    /// Everything `rehearse run` (and `demo`) takes: what to run, how, and what to write.
    public struct RunRequest: Sendable {
        public var plan: PlanRequest
        /// The process environment; dotenv files fill in what it lacks.
        public var environment: [String: String]
        public var envFiles: [String] = []
        public var jobs = 8
        public var failFast = false
        /// Replaces every request's timeout.
        public var timeout: Duration?
        public var dryRun = false
        public var seed: UInt64?
        public var insecure = false
        public var verbosity: ConsoleReporter.Verbosity = .normal
        public var reports: [ReportTarget] = []
        public var gates: [Gate] = []
        /// Ctrl-C and SIGTERM cancel the run and still write the reports (the CLI sets it; a
        /// test or an embedding program leaves the process's signals alone).
        public var trapSignals = false
        /// `--rerun-failed`: the JSON report whose failed, errored and xpassed cases to run again.
        public var rerunFailed: String?
        /// `--curl`: print each failure's last request as a `curl` command.
        public var curl = false

        public init(plan: PlanRequest, environment: [String: String]) {
            self.plan = plan
            self.environment = environment
        }
    }

    /// What a run came to: the exit status, and the report when cases ran.
    public struct RunOutcome: Sendable {
        public var status: ExitStatus
        public var report: RunReport?
    }

    /// Compile, check the report targets and the environment, run, print and write the reports.
    public static func run(_ request: RunRequest, console: Console) async -> RunOutcome {
        let environment: [String: String]
        do { environment = try DotEnv.environment(request.environment, filledFrom: request.envFiles) } catch {
            console.error(error.message, hint: error.hint)
            return RunOutcome(status: .invalid)
        }
        var request = request
        if let path = request.rerunFailed {
            guard let ids = rerunSelection(path, console: console) else { return RunOutcome(status: .invalid) }
            if ids.isEmpty {
                console.out("nothing to rerun: \(path) has no failed, errored or xpassed case\n")
                return RunOutcome(status: .ok)
            }
            request.plan.options.selection.ids = Set(ids)
        }
        guard let graph = plan(request.plan, console: console) else { return RunOutcome(status: .invalid) }
        if let path = request.rerunFailed, let ids = request.plan.options.selection.ids,
           !rerunIDsExist(ids, in: graph, report: path, console: console) {
            return RunOutcome(status: .invalid)
        }
        if let problem = graph.emptyRunProblem {
            console.error(problem, code: .emptySelection)
            return RunOutcome(status: .invalid)
        }
        return await execute(graph, request, environment: environment, console: console)
    }

    /// The part after the plans compiled: pre-flight, run, reports, exit status.
    static func execute(_ graph: ExecutableGraph, _ request: RunRequest, environment: [String: String],
                        console: Console) async -> RunOutcome {
        let timing = StageTimer(enabled: environment["REHEARSE_TIMING"] != nil)
        // Every --report is checked before anything is sent: exit 2, like any bad command line.
        let inputs = graph.plans.map(\.file) + [graph.suite.file].compactMap { $0 } + request.envFiles
        let problems = ReportTarget.problems(request.reports, inputs: inputs)
        if !problems.isEmpty {
            console.report(problems.map { .commandLine(.reportTarget, $0) })
            return RunOutcome(status: .invalid)
        }
        let missing = Preflight.missing(graph, environment: environment)
        if !missing.isEmpty {
            console.report(Preflight.diagnostics(missing), sources: Pipeline.sources(of: graph, missing))
            return RunOutcome(status: .environment)
        }
        var options = RunOptions()
        options.jobs = request.jobs
        options.failFast = request.failFast
        options.timeout = request.timeout
        options.dryRun = request.dryRun
        if let seed = request.seed { options.seed = seed }
        options.environment = environment
        options.cliVars = request.plan.options.cliVars
        if request.insecure && !request.dryRun {
            console.warning("--insecure: TLS certificates are not verified, so anyone on the network path can read and change this run's traffic")
        }
        // One TLS value for every transport (HTTP, WebSocket, SSE), checked before anything is sent.
        guard let tls = clientTLS(graph.suite, environment: graph.environment, processEnvironment: environment,
                                  insecure: request.insecure, console: console) else { return RunOutcome(status: .environment) }
        var transportOptions = AsyncHTTPTransport.Options()
        transportOptions.insecureTLS = request.insecure
        transportOptions.tls = tls
        let transport = AsyncHTTPTransport(options: transportOptions)
        // Load cases send one request many times: a lean HTTP/1.1 client (docs/performance.md).
        let loadTransport = NIOHTTP1LoadTransport(options: transportOptions, fallback: transport)
        var webSocketOptions = WebSocketKitTransport.Options()
        webSocketOptions.insecureTLS = request.insecure
        webSocketOptions.tls = tls
        let webSocket = WebSocketKitTransport(options: webSocketOptions)
        let context: RunContext
        do {
            context = try RunContext(graph: graph, options: options, transport: transport, webSocket: webSocket, loadTransport: loadTransport)
        } catch {
            console.error("cannot render the suite's vars: \(error.message)")
            await transport.shutdown()
            return RunOutcome(status: .invalid)
        }
        if request.dryRun {
            console.out(await DryRun.describe(context))
            await transport.shutdown()
            return RunOutcome(status: .ok)
        }
        let out = console.out
        let reporter = ConsoleReporter(live: console.outIsTerminal, color: console.colorOut, verbosity: request.verbosity, curl: request.curl) { out($0) }
        let finished = FinishedCases(forwardingTo: reporter)
        let quiet = request.verbosity == .quiet
        let seed = options.seed
        // A second Ctrl-C quits at once, but still with reports of the cases that finished.
        let signals = request.trapSignals ? SignalTrap(context) {
            var partial = finished.report(graph: graph, seed: seed)
            partial.gates = request.gates
            partial.insecureTLS = request.insecure
            _ = writeReports(request.reports, partial, masker: context.masker, quiet: quiet, console: console)
        } : nil
        timing.lap("run: set-up")
        var report = await Runner.run(context, observer: finished)
        timing.lap("run: cases")
        // Spec §10: every case with a probed profile's valid credentials refused: ask the server why.
        report.authDiagnoses = await diagnoseRefusals(report, context)
        signals?.release()
        await webSocket.shutdown()
        await loadTransport.shutdown()
        await transport.shutdown()
        timing.lap("run: transport shutdown")
        report.gates = request.gates
        report.insecureTLS = request.insecure
        var status = report.exitStatus
        if !report.authDiagnoses.isEmpty { console.out(AuthDiagnosisText.console(report.authDiagnoses)) }
        console.out(reporter.finalText(report, exitCode: status.rawValue))
        if let warning = context.masker.tooShortWarning { console.err(warning + "\n") }
        // A run whose report is missing must not look green to CI.
        if !writeReports(request.reports, report, masker: context.masker, quiet: quiet, console: console), status == .ok {
            status = .failed
            // The summary above already said "exit 0"; the last line must be the code CI sees.
            console.out("exit \(status.rawValue): a report could not be written\n")
        }
        timing.lap("run: summary and reports")
        return RunOutcome(status: status, report: report)
    }

    /// The text of the files a pre-flight message points into, for its source lines.
    static func sources(of graph: ExecutableGraph, _ missing: [Preflight.Missing]) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for file in Set(missing.compactMap { $0.location?.file }) where !file.isEmpty {
            if let data = FileManager.default.contents(atPath: file) { out[file] = Array(data) }
        }
        return out
    }

    /// Every `--report`; false when one could not be written (each failure is an error).
    @discardableResult
    static func writeReports(_ targets: [ReportTarget], _ report: RunReport, masker: SecretMasker, quiet: Bool,
                             console: Console) -> Bool {
        let failures = ReportWriter.writeAll(targets, report, masker: masker) { target in
            if !quiet { console.out("wrote \(target.format.rawValue) report \(target.path)\n") }
        }
        console.report(failures.map { .commandLine(.reportWrite, "\($0)") })
        return failures.isEmpty
    }
}
