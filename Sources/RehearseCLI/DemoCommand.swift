import ArgumentParser
import DemoServer
import Foundation
import Rehearse
import RehearseModel
import RehearseDiagnostics
import RehearseParser
import RehearseCompiler
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO
import RehearseReport

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
        var selection = selection
        if selection.paths.isEmpty {
            guard FileManager.default.fileExists(atPath: "plans") else {
                Output.err("error: no ./plans directory here\nhelp: run `swift run rehearse demo` from the repository root, or pass the plan directory\n")
                throw ExitCode(ExitStatus.invalid.rawValue)
            }
            selection.paths = ["plans"]
        }
        var config = DemoServerConfiguration(jwtSecret: Self.demoSecret)
        config.issuer = "example-auth-service"
        let server: DemoServer
        do { server = try await DemoServer.start(config) } catch {
            Output.err("error: cannot start the demo server: \(error)\n")
            throw ExitCode(ExitStatus.failed.rawValue)
        }
        let quiet = execution.quiet
        if !quiet { Output.out("demo server listening on \(server.baseURL)\n") }
        var cliVars = try selection.cliVars()
        cliVars["base_url"] = server.baseURL
        cliVars["ws_url"] = server.webSocketURL
        var options = try selection.compileOptions()
        options.cliVars = cliVars
        if options.environment == nil { options.environment = "demo" }
        let result = Lint.run(paths: selection.paths, options: options)
        guard let graph = result.graph else {
            Output.err(result.renderText())
            await server.stop()
            throw ExitCode(ExitStatus.invalid.rawValue)
        }
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        environment["HOME"] = ProcessInfo.processInfo.environment["HOME"]
        let code = await Execution.run(graph, execution: execution, cliVars: cliVars, environment: environment)
        await server.stop()
        if code != 0 { throw ExitCode(code) }
    }
}
