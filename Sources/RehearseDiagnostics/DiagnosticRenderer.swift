import RehearseModel

/// Draws diagnostics for people (text), for tools (JSON) and for GitHub Actions annotations.
/// The one place that turns a `Diagnostic` into characters.
public struct DiagnosticRenderer {
    public enum Format: String, CaseIterable, Sendable { case text, json, github }

    /// File text by path, to show the offending line; files not in it are shown without source.
    public var sources: [String: [UInt8]]
    public var color: Bool

    public init(sources: [String: [UInt8]], color: Bool = false) {
        self.sources = sources
        self.color = color
    }

    private func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    /// `path:line:col: error[code]: message`, the source line with carets, then `help:`.
    public func text(_ d: Diagnostic) -> String {
        let loc = d.location
        var head = loc.file
        if let p = loc.position { head += ":\(p.line):\(p.column)" }
        let sev = paint("\(d.severity.rawValue)[\(d.code.rawValue)]", d.severity == .error ? "1;31" : d.severity == .warning ? "1;33" : "1;36")
        // A command-line problem has no file: the line starts with its severity.
        var out = head.isEmpty ? "\(sev): \(Self.visible(d.message))\n" : "\(head): \(sev): \(Self.visible(d.message))\n"
        if let p = loc.position, let line = sourceLine(loc.file, p.line) {
            let number = String(p.line)
            let pad = String(repeating: " ", count: number.count)
            // Credentials written in the plan are starred first (same length, so columns hold).
            let (shown, column) = Self.window(Array(Self.visible(Self.maskingCredentials(line), tabs: true)), around: p.column)
            let width = max(1, min(loc.length, shown.count - column + 1))
            out += " \(pad) |\n"
            out += " \(number) | \(String(shown))\n"
            out += " \(pad) | " + String(repeating: " ", count: column - 1) + paint(String(repeating: "^", count: width), "1;31") + "\n"
        }
        if let hint = d.hint { out += " " + paint("help", "1;36") + ": \(Self.visible(hint))\n" }
        return out
    }

    /// How many characters of a source line are shown; a longer line is cut around the column.
    static let lineWidth = 160

    /// The part of `line` to show so that `column` is on screen, and the column within it.
    /// A cut is marked with '…' at that end.
    static func window(_ line: [Character], around column: Int) -> (shown: [Character], column: Int) {
        let column = min(max(column, 1), line.count + 1)
        guard line.count > lineWidth else { return (line, column) }
        // Keep a third of the width before the column, so what led up to the problem shows too.
        let start = max(0, min(column - 1 - lineWidth / 3, line.count - lineWidth))
        let end = min(line.count, start + lineWidth)
        var shown = Array(line[start..<end])
        var at = column - start
        if start > 0 {
            shown.insert("…", at: 0)
            at += 1
        }
        if end < line.count { shown.append("…") }
        return (shown, at)
    }

    /// Text safe to print on a terminal: control characters (a NUL, an escape sequence from
    /// the file) become their visible Unicode pictures, one column each. Newlines stay; tabs
    /// become spaces when `tabs` is set, so carets line up.
    static func visible(_ s: String, tabs: Bool = false) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u.value {
            case 0x0A: out.append(u)
            case 0x09: out.append(tabs ? " " : u)
            case 0..<0x20: out.append(Unicode.Scalar(0x2400 + u.value)!)  // ␀ … ␟
            case 0x7F: out.append("\u{2421}")  // ␡
            case 0x80...0x9F: out.append("\u{FFFD}")
            default: out.append(u)
            }
        }
        return String(out)
    }

    /// Keys whose value is a credential: secrets of auth profiles, the `value` of a `header`
    /// profile, and the headers `SecretMasker.isCredentialHeader` names. A value written in the
    /// plan is shown as `*`s of the same length (so carets still point at the right column);
    /// `{{ env.X }}` stays readable.
    static let credentialValue = try! Regex(
        #"(?i)(^|[\s{,"'])(password|secret|secret_default|client_secret|bearer|value|authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)["']?[ \t]*:[ \t]*("[^"]*"|'[^']*'|[^,}#\s][^,}#]*)"#)

    static func maskingCredentials(_ line: String) -> String {
        var out = line
        for m in line.matches(of: credentialValue).reversed() {
            guard let range = m.output[3].range else { continue }
            var value = line[range]
            while value.last?.isWhitespace == true { value = value.dropLast() }
            let quote = value.first == "\"" || value.first == "'" ? 1 : 0
            let inner = value.dropFirst(quote).dropLast(quote)
            if inner.hasPrefix("{{") || inner.isEmpty { continue }
            out.replaceSubrange(inner.startIndex..<inner.endIndex, with: String(repeating: "*", count: inner.count))
        }
        return out
    }

    /// One line of the file (1-based), if the file's text is known.
    func sourceLine(_ file: String, _ n: Int) -> String? {
        guard let bytes = sources[file], n >= 1 else { return nil }
        var line = 1, start = 0
        var i = 0
        while i < bytes.count, line < n {
            if bytes[i] == 10 { line += 1; start = i + 1 }
            i += 1
        }
        guard line == n, start <= bytes.count else { return nil }
        var end = start
        while end < bytes.count, bytes[end] != 10 { end += 1 }
        if end > start, bytes[end - 1] == 13 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    public func json(_ d: Diagnostic) -> JSONValue {
        var o: [String: JSONValue] = [
            "file": .string(d.location.file), "severity": .string(d.severity.rawValue),
            "code": .string(d.code.rawValue), "message": .string(d.message),
        ]
        if let p = d.location.position {
            o["line"] = .number(Double(p.line))
            o["column"] = .number(Double(p.column))
        }
        if let h = d.hint { o["hint"] = .string(h) }
        return .object(o)
    }

    /// `::error file=…,line=…,col=…,title=…::message` (GitHub workflow commands, escaped).
    public func github(_ d: Diagnostic) -> String {
        func escapeData(_ s: String) -> String {
            s.replacingAll("%", with: "%25").replacingAll("\r", with: "%0D")
                .replacingAll("\n", with: "%0A")
        }
        func escapeProperty(_ s: String) -> String {
            escapeData(s).replacingAll(":", with: "%3A").replacingAll(",", with: "%2C")
        }
        let level = d.severity == .error ? "error" : d.severity == .warning ? "warning" : "notice"
        var props = ["file=\(escapeProperty(d.location.file))"]
        if let p = d.location.position { props += ["line=\(p.line)", "col=\(p.column)"] }
        props.append("title=\(escapeProperty("rehearse \(d.code.rawValue)"))")
        var message = Self.visible(d.message)
        if let h = d.hint { message += "\nhelp: \(Self.visible(h))" }
        return "::\(level) \(props.joined(separator: ","))::\(escapeData(message))"
    }
}
