import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Rehearse
import RehearseCompiler
import RehearseDiagnostics
import RehearseModel
import RehearseReport
import RehearseResults

struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Explain each auth profile: which secret is used, and what a token carries.",
        discussion: "Run this when every protected case gets 401/403; with --probe, ask the server which secret it accepts. Secret values are never shown.")

    @Argument(help: "Plan directory (its rehearse.yaml is read).")
    var paths: [String] = []

    @Option(help: "Environment from rehearse.yaml (default: its default_env).")
    var env: String?

    @Option(help: "Only this profile.")
    var profile: String?

    @Option(name: .customLong("env-file"), help: "Load variables from a dotenv file (the real environment wins).")
    var envFiles: [String] = []

    @Flag(help: "Send each profile's probe: which candidate credentials does the server accept? Exit 0 when the profile's own are, 1 when not, 3 when the environment lacks what a profile needs.")
    var probe = false

    @Flag(help: "With --probe: do not verify TLS certificates (prints a warning).")
    var insecure = false

    @Option(help: "Output format: text or json.")
    var format: Pipeline.ListFormat = .text

    func run() async throws {
        var request = Pipeline.AuthRequest(paths: paths, environment: ProcessInfo.processInfo.environment)
        request.environmentName = env
        request.profile = profile
        request.envFiles = envFiles
        request.json = format == .json
        request.probe = probe
        request.insecure = insecure
        try await Pipeline.auth(request, console: .standard()).exit()
    }
}
