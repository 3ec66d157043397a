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
/// The flags every command that picks cases shares.
struct SelectionOptions: ParsableArguments {
    @Argument(help: "Plan directories or files (default: ./plans, else the current directory).")
    var paths: [String] = []

    @Option(help: ArgumentHelp("Only these priorities, comma-separated.", valueName: "critical,high"))
    var priority: [String] = []

    @Option(help: "Only cases with this tag (repeatable; any of them).")
    var tag: [String] = []

    @Option(name: .customLong("exclude-tag"), help: "Leave out cases with this tag (repeatable).")
    var excludeTag: [String] = []

    @Option(help: ArgumentHelp("Only cases whose plan-id/case-id matches this glob (repeatable).", valueName: "glob"))
    var filter: [String] = []

    @Option(help: "Environment from rehearse.yaml (default: its default_env).")
    var env: String?

    @Option(help: ArgumentHelp("Run only shard I of N: whole plans, balanced by case count, the same split on every machine.", valueName: "I/N"))
    var shard: String?

    @Option(name: .customLong("var"), help: ArgumentHelp("Set a template variable; wins over every other source.", valueName: "k=v"))
    var vars: [String] = []

    func validate() throws {
        _ = try priorities()
        _ = try cliVars()
        _ = try parsedShard()
    }

    func parsedShard() throws -> Shard? {
        guard let shard else { return nil }
        do { return try Shard.parse(shard) } catch { throw ValidationError("\(error)") }
    }

    func priorities() throws -> Set<Priority> {
        var out = Set<Priority>()
        for item in priority.flatMap({ $0.split(separator: ",") }) {
            let name = item.trimmingSpaces()
            guard let p = Priority(rawValue: name) else {
                throw ValidationError("unknown priority '\(name)'; use critical, high, normal or low")
            }
            out.insert(p)
        }
        return out
    }

    func cliVars() throws -> [String: String] {
        var out: [String: String] = [:]
        for v in vars {
            guard let eq = v.firstIndex(of: "="), eq != v.startIndex else {
                throw ValidationError("--var takes k=v, found '\(v)'")
            }
            out[String(v[..<eq])] = String(v[v.index(after: eq)...])
        }
        return out
    }

    /// The paths and the selection, as the façade takes them.
    func planRequest() throws -> Pipeline.PlanRequest {
        Pipeline.PlanRequest(paths: paths, options: try compileOptions())
    }

    func compileOptions() throws -> CompileOptions {
        CompileOptions(selection: Selection(priorities: try priorities(), tags: Set(tag), excludeTags: Set(excludeTag), filters: filter),
                       environment: env, cliVars: try cliVars(), shard: try parsedShard())
    }
}
