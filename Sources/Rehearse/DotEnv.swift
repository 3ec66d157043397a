#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseParser
import RehearseCompiler
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO
import RehearseReport

/// Reads `.env` files: the variables a plan's environment can load besides the process's own.
///
/// Supported, and nothing else (no `${VAR}` expansion, no command substitution):
/// - `KEY=value` lines, with blank lines and `#` comment lines skipped; whitespace around the key
///   and before the value is ignored; `export KEY=value` is accepted for shell compatibility.
/// - Keys are letters, digits and `_`, not starting with a digit (what a shell accepts).
/// - Single-quoted values are literal and may span lines.
/// - Double-quoted values may span lines and understand `\n`, `\t`, `\r`, `\"` and `\\`; any
///   other backslash is kept as written, so Windows paths and regexes survive.
/// - Unquoted values run to the end of the line and are trimmed; ` #` (whitespace, then `#`)
///   starts an inline comment, while `#` inside a word (`a#b`) is kept.
/// - After a closing quote only whitespace or a comment may follow.
/// - A key given twice takes its later value.
public enum DotEnv {
    /// Where and why a file could not be read. Messages never quote the file's text, which may
    /// hold secrets.
    public struct ParseError: Error, Sendable, CustomStringConvertible, Equatable {
        /// 1-based; for an unterminated quote, the line where the quote opened.
        public let line: Int
        public let message: String

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }

        public var description: String { "line \(line): \(message)" }
    }

    /// A dotenv file that could not be used: `file:line: message`, or unreadable.
    public struct FileError: Error, Sendable, CustomStringConvertible {
        public let message: String
        /// What to do about it, for the diagnostic's `help:` line.
        public let hint: String
        public var description: String { message }
    }

    /// `environment` with each dotenv file filling in what it lacks: the real environment wins,
    /// and of several files the first that sets a variable wins. One place for `run` and `auth`,
    /// so both refuse a broken file the same way.
    public static func environment(_ environment: [String: String], filledFrom files: [String]) throws(FileError) -> [String: String] {
        var env = environment
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw FileError(message: "cannot read --env-file \(file)", hint: "pass the path of a readable UTF-8 text file")
            }
            do {
                for (k, v) in try parse(text) where env[k] == nil { env[k] = v }
            } catch {
                throw FileError(message: "\(file):\(error.line): \(error.message)",
                                hint: "dotenv lines are KEY=value, `export KEY=value` or comments")
            }
        }
        return env
    }

    public static func parse(_ text: String) throws(ParseError) -> [String: String] {
        var scanner = Scanner(text)
        var result: [String: String] = [:]
        while let (key, value) = try scanner.nextEntry() {
            result[key] = value
        }
        return result
    }

    /// Walks Unicode scalars rather than Characters because Swift treats "\r\n" as one Character,
    /// which would make line endings awkward to recognise.
    private struct Scanner {
        private let scalars: [Unicode.Scalar]
        private var index = 0
        private var line = 1

        init(_ text: String) {
            var scalars = Array(text.unicodeScalars)
            if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
            self.scalars = scalars
        }

        private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        private static func isBlank(_ s: Unicode.Scalar?) -> Bool { s == " " || s == "\t" }
        private static func isNewline(_ s: Unicode.Scalar?) -> Bool { s == "\n" || s == "\r" }

        private mutating func skipBlanks() -> Bool {
            let start = index
            while Self.isBlank(current) { index += 1 }
            return index > start
        }

        /// Consumes one line ending ("\n", "\r\n" or a lone "\r") if there is one.
        private mutating func consumeNewline() {
            guard let s = current, Self.isNewline(s) else { return }
            index += 1
            if s == "\r", current == "\n" { index += 1 }
            line += 1
        }

        private mutating func skipToEndOfLine() {
            while let s = current, !Self.isNewline(s) { index += 1 }
        }

        mutating func nextEntry() throws(ParseError) -> (String, String)? {
            while true {
                _ = skipBlanks()
                guard let s = current else { return nil }
                if Self.isNewline(s) {
                    consumeNewline()
                    continue
                }
                if s == "#" {
                    skipToEndOfLine()
                    continue
                }
                return try entry()
            }
        }

        private mutating func entry() throws(ParseError) -> (String, String) {
            let entryLine = line
            var keyScalars = String.UnicodeScalarView()
            while let s = current, s != "=", !Self.isNewline(s) {
                keyScalars.append(s)
                index += 1
            }
            guard current == "=" else {
                throw ParseError(line: entryLine, message: "expected KEY=value")
            }
            index += 1
            let key = try Self.key(from: String(keyScalars), line: entryLine)

            let hadBlank = skipBlanks()
            let value: String
            switch current {
            case "'":
                value = try quoted(closing: "'", escapes: false, openedOn: entryLine)
                try endOfQuotedValue()
            case "\"":
                value = try quoted(closing: "\"", escapes: true, openedOn: entryLine)
                try endOfQuotedValue()
            default:
                value = unquoted(afterBlank: hadBlank)
            }
            consumeNewline()
            return (key, value)
        }

        private static func key(from raw: String, line: Int) throws(ParseError) -> String {
            var key = raw.trimmingBlanks()
            if key.hasPrefix("export"), let next = key.unicodeScalars.dropFirst(6).first, isBlank(next) {
                key = String(key.dropFirst(6)).trimmingBlanks()
            }
            guard !key.isEmpty else {
                throw ParseError(line: line, message: "missing key before '='")
            }
            let valid = key.unicodeScalars.enumerated().allSatisfy { offset, s in
                switch s {
                case "A"..."Z", "a"..."z", "_": return true
                case "0"..."9": return offset > 0
                default: return false
                }
            }
            guard valid else {
                throw ParseError(
                    line: line, message: "invalid key: use letters, digits and '_', not starting with a digit")
            }
            return key
        }

        private mutating func quoted(closing: Unicode.Scalar, escapes: Bool, openedOn: Int) throws(ParseError)
            -> String
        {
            index += 1
            var out = String.UnicodeScalarView()
            while let s = current {
                if s == closing {
                    index += 1
                    return String(out)
                }
                if escapes, s == "\\", index + 1 < scalars.count {
                    let next = scalars[index + 1]
                    switch next {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "\"": out.append("\"")
                    case "\\": out.append("\\")
                    default:
                        out.append(s)
                        index += 1
                        continue
                    }
                    index += 2
                    continue
                }
                if s == "\n" || (s == "\r" && (index + 1 >= scalars.count || scalars[index + 1] != "\n")) {
                    line += 1
                }
                out.append(s)
                index += 1
            }
            let kind = closing == "'" ? "single" : "double"
            throw ParseError(line: openedOn, message: "unterminated \(kind)-quoted value")
        }

        private mutating func endOfQuotedValue() throws(ParseError) {
            _ = skipBlanks()
            guard let s = current, !Self.isNewline(s) else { return }
            guard s == "#" else {
                throw ParseError(line: line, message: "unexpected text after the closing quote")
            }
            skipToEndOfLine()
        }

        private mutating func unquoted(afterBlank: Bool) -> String {
            var out = String.UnicodeScalarView()
            var previousBlank = afterBlank
            while let s = current, !Self.isNewline(s) {
                if s == "#" && previousBlank {
                    skipToEndOfLine()
                    break
                }
                previousBlank = Self.isBlank(s)
                out.append(s)
                index += 1
            }
            return String(out).trimmingBlanks()
        }
    }
}

extension String {
    /// Trims spaces and tabs only: a value's other whitespace is the user's.
    fileprivate func trimmingBlanks() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
