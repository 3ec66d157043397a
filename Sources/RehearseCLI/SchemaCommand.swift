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
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of plan files or of rehearse.yaml, for editors.",
        discussion: """
            Save it and point your editor at it from the YAML file:
              rehearse schema plan > docs/schema/plan.schema.json
              # yaml-language-server: $schema=../docs/schema/plan.schema.json
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable { case plan, suite }

    @Argument(help: "plan (a plan file) or suite (rehearse.yaml).")
    var kind: Kind = .plan

    func run() throws {
        try Pipeline.schema(kind.rawValue, console: .standard()).exit()
    }
}
