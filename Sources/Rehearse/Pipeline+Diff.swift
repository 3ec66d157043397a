#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseDiagnostics
import RehearseModel
import RehearseReport
import RehearseResults

extension Pipeline {
    /// `rehearse diff BASE.json NEW.json`: two JSON reports (of `run` or `merge`) compared.
    public struct DiffRequest: Sendable {
        public enum Format: String, Sendable, CaseIterable { case text, json }
        public var base: String
        public var new: String
        public var format: Format = .text
        /// `markdown:PATH` (a pull-request comment), `html:PATH` or `json:PATH`.
        public var reports: [ReportTarget] = []

        public init(base: String, new: String) {
            self.base = base
            self.new = new
        }
    }

    /// Prints the diff and writes its reports; exit 1 when there is a regression, 2 when a
    /// report cannot be read or written.
    public static func diff(_ request: DiffRequest, console: Console) -> ExitStatus {
        var problems = ReportTarget.problems(request.reports, inputs: [request.base, request.new])
        problems += request.reports.filter { $0.format == .junit }.map { "--report junit:\($0.path): diff writes json, markdown or html reports" }
        if !problems.isEmpty {
            console.report(problems.map { .commandLine(.reportTarget, $0) })
            return .invalid
        }
        guard let base = readReport(request.base, flag: "diff", console: console),
              let new = readReport(request.new, flag: "diff", console: console) else { return .invalid }
        let diff = RunDiff.compare(base, new)
        switch request.format {
        case .text: console.out(diff.text(base: request.base, new: request.new))
        case .json: console.out(diff.json(base: request.base, new: request.new).prettyText() + "\n")
        }
        for target in request.reports {
            let text: String
            switch target.format {
            case .markdown: text = diff.markdown(base: request.base, new: request.new)
            case .html: text = diff.html(base: request.base, new: request.new)
            case .json, .junit: text = diff.json(base: request.base, new: request.new).prettyText() + "\n"
            }
            do { try ReportWriter.write(text, to: target.path) } catch {
                console.report([.commandLine(.reportWrite, "\(target.format.rawValue):\(target.path): \(error)")])
                return .invalid
            }
            if request.format == .text { console.out("wrote \(target.format.rawValue) diff \(target.path)\n") }
        }
        return diff.exitStatus
    }
}
