#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics

extension PlanParser {
    /// The cases of a plan's `teardown:` list, marked as teardown (spec §9).
    func teardownItems(_ node: YAMLNode?) -> [(YAMLNode, Bool)] {
        guard let node else { return [] }
        guard let items = node.items else {
            ctx.typeError(node, expected: "a list of cases", what: "teardown",
                          hint: "teardown cases run after every other case of the plan: `teardown: [{id: ..., request: ...}]`")
            return []
        }
        return items.map { ($0, true) }
    }

    /// `each:` in its three forms: a list, `{file: PATH}`, or a capture reference (spec §9). A
    /// broken one (already reported) still makes `item` a known name, so it is not reported again.
    func each(_ node: YAMLNode) -> EachSpec {
        eachSpec(node) ?? EachSpec(source: .inline, position: node.position)
    }

    func eachSpec(_ node: YAMLNode) -> EachSpec? {
        switch node.value {
        case .sequence(let items):
            let values = items.map(\.json)
            if values.isEmpty {
                ctx.warning(.each, "`each` is an empty list: the case runs zero times", node,
                            hint: "add elements, or remove `each` to run the case once")
            }
            return EachSpec(source: .inline, items: values, fields: Self.commonFields(values), position: node.position)
        case .mapping:
            guard let pairs = ctx.mapping(node, what: "each", allowed: ["file"],
                                          hint: "write `each: {file: data/users.csv}` (CSV with a header row, or a JSON or YAML list)")
            else { return nil }
            guard let fileNode = pairs.first(where: { $0.key.scalar == "file" })?.value else {
                ctx.error(.missingKey, "`each` as a mapping needs `file:`", node, hint: "write `each: {file: data/users.csv}`")
                return nil
            }
            guard let path = ctx.string(fileNode, what: "each.file") else { return nil }
            return eachFile(path, node: fileNode, at: node.position)
        case .scalar:
            guard let text = ctx.string(node, what: "each") else { return nil }
            guard let t = ctx.template(text, node: node) else { return nil }
            guard t.isSingleExpression, case .name(let segs) = t.expressions.first, segs.count == 2, segs[0] != "env" else {
                ctx.error(.each, "`each` as text must be one capture reference, like \"{{ list-users.ids }}\"", node,
                          hint: "`each` takes a list, `{file: PATH}`, or a capture of a case that returns a list")
                return nil
            }
            return EachSpec(source: .capture(t), position: node.position)
        }
    }

    /// Reads a data file beside the plan: CSV with a header row, or a JSON or YAML list.
    func eachFile(_ written: String, node: YAMLNode, at position: SourcePosition) -> EachSpec? {
        let planDir = FilePaths.directory(of: origins.planFile)
        let path = written.hasPrefix("/") ? written : SuiteLoader.join(planDir.isEmpty ? "." : planDir, written)
        let suiteDir = authoring.suiteDir
        func fail(_ message: String, hint: String? = nil) -> EachSpec? {
            ctx.error(.eachFile, message, node, hint: hint)
            return nil
        }
        guard SuiteLoader.isInside(path, folder: suiteDir) else {
            return fail("data file '\(written)' is outside the suite folder",
                        hint: "files a plan refers to stay inside its suite folder (where rehearse.yaml is); copy the file there")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            return fail("data file '\(written)' not found", hint: "the path is relative to the plan's folder; looked for \(path)")
        }
        let bag = DiagnosticBag(file: path)
        guard let bytes = SuiteLoader.read(path, bag: bag) else {
            return fail("data file '\(written)': \(bag.items.first?.message ?? "cannot be read")", hint: bag.items.first?.hint)
        }
        let ext = FilePaths.pathExtension(path).lowercased()
        var items: [JSONValue] = [], fields: [String]?
        switch ext {
        case "csv":
            switch CSVReader.read(bytes) {
            case .success(let table): (items, fields) = (table.rows, table.header)
            case .failure(let p):
                return fail("data file '\(written)', line \(p.line): \(p.message)",
                            hint: "a CSV data file has a header row, then one row per instance (RFC 4180)")
            }
        case "json":
            guard let value = try? JSONValue.parse(bytes) else { return fail("data file '\(written)' is not valid JSON") }
            guard case .array(let a) = value else {
                return fail("data file '\(written)' holds \(value.typeName == "object" ? "an object" : "a " + value.typeName), not a list",
                            hint: "a JSON data file is a list: [{\"name\": \"a\"}, ...]")
            }
            items = a
        case "yaml", "yml":
            guard let root = YAMLLoader.load(bytes, diagnostics: bag) else {
                return fail("data file '\(written)' is not valid YAML: \(bag.items.first.map { "\($0.location.position?.description ?? ""): \($0.message)" } ?? "")")
            }
            guard case .array(let a) = root.json else {
                return fail("data file '\(written)' is not a list", hint: "a YAML data file is a list: `- {name: a}`")
            }
            items = a
        default:
            return fail("data file '\(written)' has an unknown format", hint: "use a .csv (with a header row), .json or .yaml file")
        }
        if items.isEmpty {
            ctx.warning(.each, "data file '\(written)' has no elements: the case runs zero times", node)
        }
        return EachSpec(source: .file(written), items: items, fields: fields ?? Self.commonFields(items), position: position)
    }

    /// The keys every element has, in the first element's order; nil unless all are objects.
    static func commonFields(_ items: [JSONValue]) -> [String]? {
        guard case .object(let first)? = items.first else { return nil }
        var common = Set(first.keys)
        for item in items.dropFirst() {
            guard case .object(let o) = item else { return nil }
            common.formIntersection(o.keys)
        }
        return first.keys.filter(common.contains).sorted()
    }
}
