#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics

/// What plans need from the suite for spec §9: its case templates and its folder.
public struct AuthoringInputs: Sendable {
    public var templates: CaseTemplates
    /// The suite folder: `each` data files stay inside it.
    public var suiteDir: String

    public init(templates: CaseTemplates = CaseTemplates(), suiteDir: String = ".") {
        self.templates = templates
        self.suiteDir = suiteDir
    }
}

/// `templates:` of `rehearse.yaml`: name → partial case, kept as positioned nodes so a case's
/// `extends` merges nodes, not parsed values, and every later check sees one merged case.
public struct CaseTemplates: Sendable {
    public var file: String
    public private(set) var names: [String] = []
    var byName: [String: YAMLNode] = [:]
    /// The line each template's name is written on, for diagnostics.
    var lines: [String: Int] = [:]

    public init(file: String = "rehearse.yaml") { self.file = file }

    /// Reads `templates:` from the suite config's root node; problems go to the suite's bag.
    public static func parse(_ root: YAMLNode, file: String, bag: DiagnosticBag) -> CaseTemplates {
        var out = CaseTemplates(file: file)
        guard let node = root["templates"] else { return out }
        let ctx = ParseContext(bag: bag)
        guard let pairs = ctx.mapping(node, what: "templates", hint: "templates: {NAME: {headers: ..., expect: ...}}") else { return out }
        for p in pairs {
            guard let name = ctx.string(p.key, what: "a template name") else { continue }
            guard let keys = p.value.pairs else {
                ctx.typeError(p.value, expected: "a mapping of case keys", what: "template '\(name)'")
                continue
            }
            if let id = keys.first(where: { $0.key.scalar == "id" }) {
                ctx.error(.unknownTemplate, "template '\(name)' has an `id`", id.key,
                          hint: "a template holds any case keys but `id`; each case that extends it has its own id")
                continue
            }
            if let nested = keys.first(where: { $0.key.scalar == "extends" }) {
                ctx.error(.unknownTemplate, "template '\(name)' uses `extends`", nested.key,
                          hint: "a case may extend several templates in order: `extends: [base, \(name)]`")
                continue
            }
            out.names.append(name)
            out.byName[name] = p.value
            out.lines[name] = p.key.position.line
        }
        return out
    }
}

/// The templates applied to the cases of the plan being parsed.
final class OriginCollector {
    var planFile = ""
    var items: [TemplateOrigin] = []
}

extension PlanParser {
    /// The case's node with its templates merged in (spec §9): maps deeply, the case's own keys
    /// win, lists are replaced, several templates in order. Keys from a template take the position
    /// of the template's name in `extends:`, so any diagnostic about them points into the plan;
    /// `noteTemplateOrigins` then names the template's line.
    func applyExtends(_ node: YAMLNode) -> YAMLNode {
        guard let ext = node["extends"] else { return node }
        var names: [YAMLNode] = []
        if ext.items != nil {
            names = ext.items ?? []
        } else if ext.scalar != nil, ext.resolved != .null {
            names = [ext]
        } else {
            ctx.typeError(ext, expected: "a template name or a list of names", what: "extends")
            return node
        }
        let templates = authoring.templates
        var merged: YAMLNode?
        for n in names {
            guard let name = ctx.string(n, what: "a template name") else { continue }
            guard let template = templates.byName[name] else {
                ctx.error(.unknownTemplate, "unknown template '\(name)'", n,
                          hint: Suggestions.hint(for: name, in: templates.names)
                              ?? (templates.names.isEmpty ? "define it under `templates:` in rehearse.yaml"
                                  : "templates: \(templates.names.joined(separator: ", "))"))
                continue
            }
            let moved = template.relocated(to: n.position)
            merged = merged.map { Self.merge($0, over: moved) } ?? moved
            origins.items.append(TemplateOrigin(position: n.position, name: name, file: templates.file,
                                                line: templates.lines[name] ?? template.position.line))
        }
        guard let merged else { return node }
        return Self.merge(merged, over: node)
    }

    /// `over` merged onto `base`: mappings key by key (recursively), anything else replaced.
    static func merge(_ base: YAMLNode, over: YAMLNode) -> YAMLNode {
        guard let basePairs = base.pairs, let overPairs = over.pairs else { return over }
        var out = basePairs
        for p in overPairs {
            if let i = out.firstIndex(where: { $0.key.scalar != nil && $0.key.scalar == p.key.scalar }) {
                out[i] = YAMLPair(key: p.key, value: merge(out[i].value, over: p.value))
            } else {
                out.append(p)
            }
        }
        return YAMLNode(.mapping(out), at: over.position, tag: over.tag)
    }

    /// Adds the template's file and line to diagnostics that point at a template's name.
    func noteTemplateOrigins(from start: Int) {
        let applied = origins.items
        guard !applied.isEmpty else { return }
        let file = origins.planFile
        ctx.bag.annotate(from: start) { d in
            guard d.location.file == file, d.code != .unknownTemplate,
                  let moved = TemplateOrigin.relocate(d.location.position, hint: d.hint, in: applied) else { return nil }
            var out = d
            out.location = SourceLocation(file: file, position: moved.position, length: moved.length)
            out.hint = moved.hint
            return out
        }
    }
}

extension YAMLNode {
    /// The same tree with every node at `position`.
    func relocated(to position: SourcePosition) -> YAMLNode {
        switch value {
        case .scalar: return YAMLNode(value, at: position, tag: tag)
        case .sequence(let items): return YAMLNode(.sequence(items.map { $0.relocated(to: position) }), at: position, tag: tag)
        case .mapping(let pairs):
            return YAMLNode(.mapping(pairs.map { YAMLPair(key: $0.key.relocated(to: position), value: $0.value.relocated(to: position)) }),
                            at: position, tag: tag)
        }
    }
}

extension SuiteLoader {
    /// Each case of a plan file as it runs, its templates merged in, as JSON by case id
    /// (`rehearse list --format json --resolved`). Problems were reported by lint already.
    public static func resolvedCases(planFile: String, suiteFile: String?) -> [String: JSONValue] {
        var parser = PlanParser(diagnostics: DiagnosticBag(file: planFile))
        if let suiteFile, let bytes = FileManager.default.contents(atPath: suiteFile),
           let node = YAMLLoader.load(Array(bytes), diagnostics: DiagnosticBag(file: suiteFile)) {
            parser.authoring.templates = CaseTemplates.parse(node, file: suiteFile, bag: DiagnosticBag(file: suiteFile))
        }
        guard let bytes = FileManager.default.contents(atPath: planFile),
              let root = YAMLLoader.load(Array(bytes), diagnostics: DiagnosticBag(file: planFile)) else { return [:] }
        var out: [String: JSONValue] = [:]
        for item in (root["cases"]?.items ?? []) + (root["teardown"]?.items ?? []) {
            guard let id = item["id"]?.scalar, case .object(var o) = parser.applyExtends(item).json else { continue }
            o["extends"] = nil
            out[id] = .object(o)
        }
        return out
    }
}
