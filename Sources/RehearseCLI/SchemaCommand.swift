import ArgumentParser
import Rehearse
import RehearseModel
import RehearseDiagnostics
import RehearseParser
import RehearseCompiler
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO
import RehearseReport

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
        Output.out(RehearseSchemas.document(for: kind.rawValue)!.prettyText() + "\n")
    }
}
