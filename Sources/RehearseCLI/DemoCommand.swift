import ArgumentParser
import DemoServer
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Rehearse
import RehearseModel
import RehearseCompiler

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the embedded demo backend on a free port, run the example plans against it, stop.",
        discussion: """
            Runs ./plans (or the directory given) with its `demo` environment; base_url and ws_url point at \
            the embedded server. The run sees a clean environment (PATH and HOME only), so secrets exported \
            in your shell do not change what the demo shows.
            """)

    @OptionGroup var selection: SelectionOptions
    @OptionGroup var execution: ExecutionOptions

    /// The secret the example suite falls back to (secret_default) and the demo server verifies with.
    static let demoSecret = "dev-only-secret"

    func run() async throws {
        let console = Console.standard(noColor: execution.noColor)
        var selection = selection
        if selection.paths.isEmpty {
            guard FileManager.default.fileExists(atPath: "plans") else {
                console.error("no ./plans directory here", hint: "run `swift run rehearse demo` from the repository root, or pass the plan directory")
                throw ExitStatus.invalid.exitCode
            }
            selection.paths = ["plans"]
        }
        var config = DemoServerConfiguration(jwtSecret: Self.demoSecret)
        config.issuer = "example-auth-service"
        let server: DemoServer
        do { server = try await DemoServer.start(config) } catch {
            console.error("cannot start the demo server: \(error)")
            throw ExitStatus.failed.exitCode
        }
        if !execution.quiet { console.out("demo server listening on \(server.baseURL)\n") }
        var plan = try selection.planRequest()
        plan.options.cliVars["base_url"] = server.baseURL
        plan.options.cliVars["ws_url"] = server.webSocketURL
        if plan.options.environment == nil { plan.options.environment = "demo" }
        // A clean environment: secrets exported in the shell do not change what the demo shows.
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        environment["HOME"] = ProcessInfo.processInfo.environment["HOME"]
        var request = try execution.request(plan, environment: environment)
        request.envFiles = []
        let outcome = await Pipeline.run(request, console: console)
        await server.stop()
        try outcome.status.exit()
    }
}
