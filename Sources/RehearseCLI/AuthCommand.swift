import ArgumentParser
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

struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Explain each auth profile: which secret is used, and what a token carries.",
        discussion: "Run this when every protected case gets 401/403. Secret values are never shown.")

    @Argument(help: "Plan directory (its rehearse.yaml is read).")
    var paths: [String] = []

    @Option(help: "Environment from rehearse.yaml (default: its default_env).")
    var env: String?

    @Option(help: "Only this profile.")
    var profile: String?

    @Option(name: .customLong("env-file"), help: "Load variables from a dotenv file (the real environment wins).")
    var envFiles: [String] = []

    @Option(help: "Output format: text or json.")
    var format: ListCommand.ListFormat = .text

    func run() async throws {
        let loaded = SuiteLoader.load(paths: paths)
        let errors = loaded.diagnostics.filter { $0.severity == .error && $0.location.file == loaded.suite.file }
        if !errors.isEmpty {
            let renderer = DiagnosticRenderer(sources: loaded.sources)
            Output.err(errors.map { renderer.text($0) + "\n" }.joined())
            throw ExitCode(ExitStatus.invalid.rawValue)
        }
        if let profile, loaded.suite.profile(profile) == nil {
            Output.err("error: no auth profile '\(profile)'; profiles: \(loaded.suite.auth.map(\.0).joined(separator: ", "))\n")
            throw ExitCode(ExitStatus.invalid.rawValue)
        }
        let environment: [String: String]
        do { environment = try DotEnv.environment(ProcessInfo.processInfo.environment, filledFrom: envFiles) } catch {
            throw ValidationError(error.message)
        }
        let doc = await AuthInspection.inspect(suite: loaded.suite, environmentName: env ?? loaded.suite.defaultEnv?.value,
                                               processEnvironment: environment, profile: profile)
        Output.out(format == .json ? doc.prettyText() + "\n" : AuthInspection.text(doc))
        // A profile that cannot be made is what pre-flight calls a missing environment (exit 3).
        if !AuthInspection.allUsable(doc) { throw ExitCode(ExitStatus.environment.rawValue) }
    }
}
