import RehearseModel
import RehearseResults

extension RunDiff {
    /// The lists of the diff, titled, in the order a reader wants them: what broke first.
    var sections: [(title: String, key: String, entries: [Entry])] {
        [("Regressions", "regressions", regressions), ("Fixed", "fixed", fixed), ("Still failing", "still_failing", stillFailing),
         ("Newly flaky", "newly_flaky", newlyFlaky), ("Added", "added", added), ("Removed", "removed", removed)]
    }

    /// "1 regression, 3 fixed, 5 still failing, 1 newly flaky, 2 added, 0 removed".
    public var counts: String {
        let r = regressions.count
        return "\(r) regression\(r == 1 ? "" : "s"), \(fixed.count) fixed, \(stillFailing.count) still failing, "
            + "\(newlyFlaky.count) newly flaky, \(added.count) added, \(removed.count) removed"
    }

    /// "failed → passed", "passed (new)", "failed (removed)".
    static func change(_ e: Entry) -> String {
        switch (e.before, e.after) {
        case let (b?, a?): return "\(b.rawValue) → \(a.rawValue)"
        case let (nil, a?): return a.rawValue
        case let (b?, nil): return b.rawValue
        default: return ""
        }
    }

    static func detail(_ e: Entry) -> String? {
        if !e.attempts.isEmpty { return e.attempts.joined(separator: "; ") }
        return e.cause
    }

    // MARK: text

    /// What `rehearse diff` prints.
    public func text(base: String, new: String) -> String {
        var out = "rehearse diff \(base) → \(new)\n"
        out += "pass rate \(PassRate.transition(from: totals.before, to: totals.after))\n\(counts)\n"
        for (title, _, entries) in sections where !entries.isEmpty {
            out += "\n\(title) (\(entries.count))\n"
            for e in entries {
                out += "  \(e.id)  \(Self.change(e))" + (Self.detail(e).map { "  (\($0))" } ?? "") + "\n"
            }
        }
        out += "\n" + Self.table("priority", byPriority)
        if !byTag.isEmpty { out += "\n" + Self.table("tag", byTag) }
        out += "\nexit \(exitStatus.rawValue)" + (regressions.isEmpty ? "" : ": \(regressions.count) regression\(regressions.count == 1 ? "" : "s")") + "\n"
        return out
    }

    static func table(_ title: String, _ rows: [RateRow]) -> String {
        let header = [title, "before", "after", "change"]
        let body = rows.map { [$0.label, PassRate.text($0.before), PassRate.text($0.after), $0.change] }
        let widths = header.indices.map { i in ([header[i]] + body.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == 0 ? Text.padded(c, to: widths[i]) : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ")
        }
        return ([line(header)] + body.map(line)).map { "  " + $0 }.joined(separator: "\n") + "\n"
    }

    // MARK: JSON

    /// `--format json`: the lists and the tables, rates as ratios (three decimals, as in reports).
    public func json(base: String, new: String) -> JSONValue {
        func rate(_ r: PassRate?) -> JSONValue { r.map { .number($0.roundedRatio) } ?? .null }
        func row(_ r: RateRow) -> JSONValue {
            ["label": .string(r.label), "before": rate(r.before), "after": rate(r.after), "change": .string(r.change)]
        }
        var doc: [String: JSONValue] = [
            "format_version": 1, "base": .string(base), "new": .string(new), "regression": .bool(!regressions.isEmpty),
            "pass_rate": row(totals), "by_priority": .array(byPriority.map(row)), "by_tag": .array(byTag.map(row)),
        ]
        for (_, key, entries) in sections {
            doc[key] = .array(entries.map { e in
                var o: [String: JSONValue] = ["id": .string(e.id), "before": e.before.map { .string($0.rawValue) } ?? .null,
                                              "after": e.after.map { .string($0.rawValue) } ?? .null]
                if let c = e.cause { o["cause"] = .string(c) }
                if !e.attempts.isEmpty { o["failed_attempts"] = .array(e.attempts.map { .string($0) }) }
                return .object(o)
            })
        }
        return .object(doc)
    }

    // MARK: Markdown

    /// `--report markdown:PATH`: a pull-request comment.
    public func markdown(base: String, new: String) -> String {
        typealias M = MarkdownReport
        let head = regressions.isEmpty
            ? "✅ Rehearse diff: " + (fixed.isEmpty ? "no regression" : "\(fixed.count) fixed, no regression")
            : "❌ Rehearse diff: \(M.plural(regressions.count, "regression"))"
        var out = "## \(head)\n\n"
        out += "**Pass rate** \(PassRate.transition(from: totals.before, to: totals.after)) · \(counts) · "
        out += "\(M.code(base)) → \(M.code(new))\n\n"
        for (title, _, entries) in sections where !entries.isEmpty {
            out += "### \(title) (\(entries.count))\n\n| case | outcome | cause |\n|:--|:--|:--|\n"
            for e in entries { out += "| \(M.code(e.id)) | \(Self.change(e)) | \(M.cell(Self.detail(e) ?? "")) |\n" }
            out += "\n"
        }
        out += "### Pass rate by priority\n\n" + Self.markdownTable("priority", byPriority)
        if !byTag.isEmpty { out += "\n### Pass rate by tag\n\n" + Self.markdownTable("tag", byTag) }
        return out
    }

    static func markdownTable(_ title: String, _ rows: [RateRow]) -> String {
        var out = "| \(title) | before | after | change |\n|:--|--:|--:|--:|\n"
        for r in rows {
            out += "| \(MarkdownReport.cell(r.label)) | \(PassRate.text(r.before)) | \(PassRate.text(r.after)) | \(r.change) |\n"
        }
        return out
    }

    // MARK: HTML

    /// `--report html:PATH`: one self-contained page.
    public func html(base: String, new: String) -> String {
        let e = HTMLReport.e
        let state = regressions.isEmpty ? "ok" : "bad"
        let title = regressions.isEmpty ? "Rehearse diff: no regression" : "Rehearse diff: \(MarkdownReport.plural(regressions.count, "regression"))"
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>\(e(title))</title>\n"
        out += "<style>\n\(HTMLAssets.css)</style>\n</head>\n<body>\n<header class=\"\(state)\">\n<h1>\(e(title))</h1>\n"
        out += "<p class=\"meta\">pass rate \(e(PassRate.transition(from: totals.before, to: totals.after))) · \(e(counts))</p>\n"
        out += "<p class=\"meta\"><code>\(e(base))</code> → <code>\(e(new))</code></p>\n</header>\n"
        for (title, _, entries) in sections where !entries.isEmpty {
            out += "<section>\n<h2>\(e(title)) (\(entries.count))</h2>\n<table>\n<thead><tr><th>case</th><th>outcome</th><th>cause</th></tr></thead>\n<tbody>\n"
            for x in entries {
                out += "<tr><td><code>\(e(x.id))</code></td><td>\(e(Self.change(x)))</td><td>\(e(Self.detail(x) ?? ""))</td></tr>\n"
            }
            out += "</tbody>\n</table>\n</section>\n"
        }
        for (name, rows) in [("priority", byPriority), ("tag", byTag)] where !rows.isEmpty {
            out += "<section>\n<h2>Pass rate by \(name)</h2>\n<table>\n<thead><tr><th>\(name)</th><th class=\"num\">before</th>"
            out += "<th class=\"num\">after</th><th class=\"num\">change</th></tr></thead>\n<tbody>\n"
            for r in rows {
                out += "<tr><td>\(e(r.label))</td><td class=\"num\">\(PassRate.text(r.before))</td>"
                out += "<td class=\"num\">\(PassRate.text(r.after))</td><td class=\"num\">\(e(r.change))</td></tr>\n"
            }
            out += "</tbody>\n</table>\n</section>\n"
        }
        return out + "</body>\n</html>\n"
    }
}
