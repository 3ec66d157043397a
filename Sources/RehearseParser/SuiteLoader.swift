import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics

/// The plans and suite config found under the paths given on the command line, parsed.
public struct LoadedSuite: Sendable {
    /// The directory plan ids are relative to.
    public var root: String
    public var suite: Suite
    public var plans: [Plan]
    public var diagnostics: [Diagnostic]
    /// File text by display path, kept so diagnostics can show the offending line.
    public var sources: [String: [UInt8]]
}

/// Load stage: finds plan files (spec §1), reads them and parses them in parallel.
public enum SuiteLoader {
    static let suiteNames = ["rehearse.yaml", "rehearse.yml"]

    /// A plan file to read: its id and the path shown to users.
    struct PlanFile {
        var id: String
        var path: String
    }

    /// The paths given (or the default folder), grouped by the suite each belongs to, each group
    /// loaded on its own: every path is checked against the nearest `rehearse.yaml` at or above it.
    public static func loadSuites(paths: [String]) -> [LoadedSuite] {
        var groups: [(key: String, paths: [String])] = []
        for input in defaultInputs(paths) {
            var config: String?
            if let kind = FilePaths.kind(of: input) {
                config = configFolder(for: input, isDirectory: kind == .directory).map(absolute)
            }
            // A path without a suite config at or above it joins the first group, as all paths
            // did before suites were told apart; so does a missing path, whose load reports it.
            let key = config ?? groups.first?.key ?? ""
            if let i = groups.firstIndex(where: { $0.key == key }) {
                groups[i].paths.append(input)
            } else {
                groups.append((key, [input]))
            }
        }
        return groups.map { load(paths: $0.paths) }
    }

    /// Loads the paths as one suite, the one the first path belongs to.
    public static func load(paths: [String]) -> LoadedSuite {
        let inputs = defaultInputs(paths)
        var diagnostics: [Diagnostic] = []
        var root: String?
        var walker = PlanWalker()
        for input in inputs {
            guard let kind = FilePaths.kind(of: input) else {
                diagnostics.append(Diagnostic(.io, .error, "no such file or directory: \(input)",
                                              at: SourceLocation(file: input, position: nil)))
                continue
            }
            if root == nil { root = suiteRoot(for: input, isDirectory: kind == .directory) }
            if kind == .directory {
                walker.walk(input, root: root!)
            } else if !suiteNames.contains(FilePaths.lastComponent(input)) {
                walker.add(file: input, root: root!)
            }
        }
        let files = walker.finish()
        diagnostics += walker.diagnostics
        let rootDir = root ?? "."

        var suite = Suite()
        var sources: [String: [UInt8]] = [:]
        var authoring = AuthoringInputs(suiteDir: rootDir)
        if let suitePath = suiteNames.map({ join(rootDir, $0) }).first(where: { FileManager.default.fileExists(atPath: $0) }) {
            let bag = DiagnosticBag(file: suitePath)
            if let bytes = read(suitePath, bag: bag) {
                sources[suitePath] = bytes
                if let node = YAMLLoader.load(bytes, diagnostics: bag) {
                    suite = SuiteParser(diagnostics: bag).parseSuite(node, file: suitePath)
                    authoring.templates = CaseTemplates.parse(node, file: suitePath, bag: bag)
                }
            }
            diagnostics += bag.items
        }

        let results = parsePlans(files, authoring: authoring)
        var plans: [Plan] = []
        for r in results {
            diagnostics += r.diagnostics
            if let bytes = r.bytes { sources[r.path] = bytes }
            if let plan = r.plan { plans.append(plan) }
        }
        if files.isEmpty && diagnostics.errorCount == 0 {
            diagnostics.append(Diagnostic(.noPlans, .error, "no plans found under \(inputs.joined(separator: ", "))",
                                          at: SourceLocation(file: inputs[0], position: nil),
                                          hint: "plans are *.yaml or *.yml files; names starting with '_' or '.' are skipped"))
        }
        return LoadedSuite(root: rootDir, suite: suite, plans: plans, diagnostics: diagnostics, sources: sources)
    }

    struct ParseResult: Sendable {
        var path: String
        var plan: Plan?
        var diagnostics: [Diagnostic]
        var bytes: [UInt8]?
    }

    /// Parses every file, spread over the machine's cores; order follows `files`.
    static func parsePlans(_ files: [PlanFile], authoring: AuthoringInputs = AuthoringInputs()) -> [ParseResult] {
        // A raw buffer, not an array in a class: two threads writing distinct slots of one array
        // property would trip Swift's dynamic exclusivity checks.
        let slots = UnsafeMutableBufferPointer<ParseResult?>.allocate(capacity: files.count)
        slots.initialize(repeating: nil)
        defer { slots.deallocate() }
        let workers = min(files.count, ProcessInfo.processInfo.activeProcessorCount)
        nonisolated(unsafe) let shared = slots
        // Each worker takes every n-th file: no shared counter, each slot written by one thread.
        DispatchQueue.concurrentPerform(iterations: max(workers, 1)) { w in
            var i = w
            while i < files.count {
                shared[i] = parseOne(files[i], authoring: authoring)
                i += workers
            }
        }
        return slots.map { $0! }
    }

    static func parseOne(_ file: PlanFile, authoring: AuthoringInputs = AuthoringInputs()) -> ParseResult {
        let bag = DiagnosticBag(file: file.path)
        guard let bytes = read(file.path, bag: bag) else {
            return ParseResult(path: file.path, plan: nil, diagnostics: bag.items, bytes: nil)
        }
        return parse(bytes, file: file, bag: bag, authoring: authoring)
    }

    /// Parses plan text held in memory (tests, and tools that generate plans).
    public static func parsePlan(_ bytes: [UInt8], id: String, path: String,
                                 authoring: AuthoringInputs = AuthoringInputs()) -> (plan: Plan?, diagnostics: [Diagnostic]) {
        let r = parse(bytes, file: PlanFile(id: id, path: path), bag: DiagnosticBag(file: path), authoring: authoring)
        return (r.plan, r.diagnostics)
    }

    /// Parses suite-config text held in memory.
    public static func parseSuite(_ bytes: [UInt8], path: String) -> (suite: Suite, diagnostics: [Diagnostic]) {
        let bag = DiagnosticBag(file: path)
        guard let node = YAMLLoader.load(bytes, diagnostics: bag) else { return (Suite(), bag.items) }
        return (SuiteParser(diagnostics: bag).parseSuite(node, file: path), bag.items)
    }

    static func parse(_ bytes: [UInt8], file: PlanFile, bag: DiagnosticBag, authoring: AuthoringInputs = AuthoringInputs()) -> ParseResult {
        var plan: Plan?
        if let node = YAMLLoader.load(bytes, diagnostics: bag) {
            var parser = PlanParser(diagnostics: bag)
            parser.authoring = authoring
            plan = parser.parsePlan(node, id: file.id, file: file.path)
        }
        // Source text is kept only when there is something to show from it.
        return ParseResult(path: file.path, plan: plan, diagnostics: bag.items, bytes: bag.items.isEmpty ? nil : bytes)
    }

    package static func join(_ a: String, _ b: String) -> String {
        if a == "." { return b }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }
}
