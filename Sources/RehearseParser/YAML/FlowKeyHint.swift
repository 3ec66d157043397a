#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
/// Advice for a flow mapping that breaks on an unquoted JSONPath key.
///
/// In flow style (`{...}`) the characters `[`, `]`, `{`, `}` and `,` end a plain scalar, so
/// `json: {$.items[0].id: 1}` stops at `[` and libyaml only says it did not find ',' or '}'.
enum FlowKeyHint {
    /// A hint to quote the key when the error at `position` is inside a key starting with `$`.
    static func quoteJSONPathKey(at position: SourcePosition, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let line = line(position.line, in: bytes) else { return nil }
        let chars = Array(line)
        let at = position.column - 1
        guard at > 0, at <= chars.count else { return nil }
        // Back from the error to where the scalar began: a '$' right after '{', ',' or a space.
        var start = at
        while start > 0, !" \t{,".contains(chars[start - 1]) { start -= 1 }
        guard start < at, chars[start] == "$", chars[..<start].contains("{") else { return nil }
        // The key runs to the first ': ' (or ':' before the end of the mapping) after the error.
        var end = at
        while end < chars.count {
            if chars[end] == ":", end + 1 == chars.count || " ,}".contains(chars[end + 1]) { break }
            end += 1
        }
        guard end < chars.count else { return nil }
        let key = String(chars[start..<end])
        var valueEnd = end + 1
        var depth = 0
        while valueEnd < chars.count {
            let c = chars[valueEnd]
            if c == "[" || c == "{" { depth += 1 }
            if c == "]" || c == "}" { if depth == 0 { break } else { depth -= 1 } }
            if c == ",", depth == 0 { break }
            valueEnd += 1
        }
        let value = String(chars[(end + 1)..<valueEnd]).trimmingSpaces()
        let quoted = key.contains("\"") ? "'\(key.replacingAll("'", with: "''"))'" : "\"\(key)\""
        return "quote the JSONPath key: in a flow mapping '[', ']', ',', '{' and '}' end an unquoted key, so write `\(quoted): \(value.isEmpty ? "..." : value)`"
    }

    /// Line `n` (1-based) of the text.
    private static func line(_ n: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var line = 1, start = 0
        for (i, b) in bytes.enumerated() where b == 10 {
            if line == n { return String(decoding: bytes[start..<i], as: UTF8.self) }
            line += 1
            start = i + 1
        }
        return line == n ? String(decoding: bytes[start...], as: UTF8.self) : nil
    }
}
