#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Prints the compiled graph so a user sees what will run, in what order and why.
public enum GraphRenderer {
    public enum Format: String, CaseIterable, Sendable { case text, dot, mermaid }

    public static func render(_ g: ExecutableGraph, format: Format) -> String {
        switch format {
        case .text: return text(g)
        case .dot: return dot(g)
        case .mermaid: return mermaid(g)
        }
    }

    /// Waves: every node of a wave can run once the waves above it are done.
    public static func waves(_ g: ExecutableGraph) -> [[Int]] {
        var depth = [Int](repeating: 0, count: g.nodes.count)
        for n in g.order {
            depth[n] = (g.nodes[n].dependencies.map { depth[$0.from] + 1 }.max()) ?? 0
        }
        var out: [[Int]] = Array(repeating: [], count: (depth.max() ?? -1) + 1)
        for n in g.order { out[depth[n]].append(n) }
        return out.map { $0.sorted() }
    }

    static func text(_ g: ExecutableGraph) -> String {
        let caseCount = g.nodes.filter { if case .testCase = $0.kind { return true } else { return false } }.count
        let authCount = g.nodes.count - caseCount
        var out = "\(caseCount) case\(caseCount == 1 ? "" : "s")"
        if authCount > 0 { out += ", \(authCount) auth node\(authCount == 1 ? "" : "s")" }
        out += " in \(Set(g.cases.values.map(\.planID)).count) plan(s)"
        if let env = g.environment { out += ", environment \(env)" }
        out += "\n"
        for (w, wave) in waves(g).enumerated() {
            out += "wave \(w + 1):\n"
            for n in wave {
                let node = g.nodes[n]
                var line = "  \(node.name)"
                if !node.selected, case .testCase = node.kind { line += "  (needed by selection)" }
                if let note = CaseListRenderer.eachNote(g, n) { line += "  (\(note))" }
                if !node.dependencies.isEmpty {
                    line += "  <- " + node.dependencies.map { "\(g.nodes[$0.from].name) (\($0.reason))" }.joined(separator: ", ")
                }
                out += line + "\n"
            }
        }
        return out
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }

    static func dot(_ g: ExecutableGraph) -> String {
        var out = "digraph rehearse {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        for (i, n) in g.nodes.enumerated() {
            var attrs = "label=\(quote(n.name))"
            if case .auth = n.kind { attrs += ", shape=ellipse" }
            if !n.selected, case .testCase = n.kind { attrs += ", style=dashed" }
            out += "  n\(i) [\(attrs)];\n"
        }
        for (i, n) in g.nodes.enumerated() {
            for e in n.dependencies { out += "  n\(e.from) -> n\(i) [label=\(quote(e.reason.description))];\n" }
        }
        return out + "}\n"
    }

    static func mermaid(_ g: ExecutableGraph) -> String {
        var out = "flowchart LR\n"
        for (i, n) in g.nodes.enumerated() {
            let label = n.name.replacingAll("\"", with: "#quot;")
            if case .auth = n.kind { out += "  n\(i)([\"\(label)\"])\n" } else { out += "  n\(i)[\"\(label)\"]\n" }
        }
        for (i, n) in g.nodes.enumerated() {
            for e in n.dependencies { out += "  n\(e.from) -->|\(e.reason)| n\(i)\n" }
        }
        return out
    }
}

/// Prints the selected cases with priority and tags (`rehearse list`).
public enum CaseListRenderer {
    public static func rows(_ g: ExecutableGraph) -> [(name: String, priority: Priority, tags: [String], selected: Bool)] {
        g.nodes.indices.compactMap { i in
            guard let r = g.cases[i] else { return nil }
            return (g.nodes[i].name, r.priority, r.tags, g.nodes[i].selected)
        }
    }

    /// "expanded at run time from list-users.ids" for a case whose `each` list is a capture.
    public static func eachNote(_ g: ExecutableGraph, _ node: Int) -> String? {
        guard case .testCase(let ref) = g.nodes[node].kind, let each = g.testCase(ref).each, each.isRuntime else { return nil }
        return "expanded at run time from \(each.origin)"
    }

    static func notes(_ g: ExecutableGraph) -> [String?] {
        g.nodes.indices.compactMap { i in g.cases[i] == nil ? nil : .some(eachNote(g, i)) }
    }

    public static func text(_ g: ExecutableGraph) -> String {
        let rows = rows(g), notes = notes(g)
        let width = rows.map(\.name.count).max() ?? 0
        var out = ""
        for (r, note) in zip(rows, notes) {
            var line = Text.padded(r.name, to: width + 2)
            line += Text.padded(r.priority.rawValue, to: 10)
            line += r.tags.joined(separator: ",")
            if !r.selected { line += "  (needed by selection)" }
            if let note { line += "  (\(note))" }
            out += line.trimmingTrailingSpaces() + "\n"
        }
        let picked = rows.filter(\.selected).count
        out += "\(picked) case\(picked == 1 ? "" : "s") selected"
        if rows.count > picked { out += ", \(rows.count - picked) more needed as dependencies" }
        return out + "\n"
    }

    public static func json(_ g: ExecutableGraph) -> JSONValue {
        .array(zip(rows(g), notes(g)).map { row, note in
            var o: [String: JSONValue] = ["id": .string(row.name), "priority": .string(row.priority.rawValue),
                                          "tags": .array(row.tags.map { .string($0) }), "selected": .bool(row.selected)]
            if let note { o["each"] = .string(note) }
            return .object(o)
        })
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
