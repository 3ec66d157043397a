#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON text to and from the loosely typed values the demo's handlers use (`[String: Any]`,
/// `[Any]`, `String`, `Bool`, `Int`, `Double`, `DemoJSON.null`): what `JSONSerialization` did,
/// which FoundationEssentials does not have. Keys are written sorted and slashes unescaped, so
/// bodies are byte-for-byte stable.
extension DemoJSON {
    /// JSON's `null` inside a `[String: Any]` or `[Any]`.
    struct Null: Sendable {}
    static let null = Null()

    /// `object` as JSON text; values of other types are written as `null`.
    static func serialize(_ object: Any) -> Data {
        var out: [UInt8] = []
        write(object, to: &out)
        return Data(out)
    }

    /// The value of the JSON text `data` (any value at the top, not only objects and arrays), or
    /// nil when it is not JSON.
    static func parse(_ data: Data) -> Any? {
        var parser = Parser(bytes: Array(data))
        parser.skipSpace()
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        return parser.index == parser.bytes.count ? value : nil
    }

    private static func write(_ value: Any, to out: inout [UInt8]) {
        switch value {
        case let s as String: writeString(s, to: &out)
        case let b as Bool: out.append(contentsOf: (b ? "true" : "false").utf8)
        case let i as Int: out.append(contentsOf: String(i).utf8)
        case let i as any BinaryInteger: out.append(contentsOf: String(describing: i).utf8)
        case let d as Double: writeNumber(d, to: &out)
        case let f as Float: writeNumber(Double(f), to: &out)
        case let o as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (n, key) in o.keys.sorted().enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(o[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let a as [Any]:
            out.append(UInt8(ascii: "["))
            for (n, element) in a.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            out.append(contentsOf: "null".utf8)
        }
    }

    private static func writeNumber(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else { out.append(contentsOf: "null".utf8); return }
        if d == d.rounded(), abs(d) < 9_007_199_254_740_992 {
            out.append(contentsOf: String(Int64(d)).utf8)
        } else {
            out.append(contentsOf: "\(d)".utf8)
        }
    }

    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0..<0x20:
                let hex = String(b, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) -> Any? {
            guard depth < 512, index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var object: [String: Any] = [:]
                skipSpace()
                if take("}") { return object }
                repeat {
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                    skipSpace()
                    guard take(":") else { return nil }
                    skipSpace()
                    guard let v = value(depth: depth + 1) else { return nil }
                    object[key] = v
                    skipSpace()
                } while take(",")
                return take("}") ? object : nil
            case UInt8(ascii: "["):
                index += 1
                var array: [Any] = []
                skipSpace()
                if take("]") { return array }
                repeat {
                    skipSpace()
                    guard let v = value(depth: depth + 1) else { return nil }
                    array.append(v)
                    skipSpace()
                } while take(",")
                return take("]") ? array : nil
            case UInt8(ascii: "\""):
                return string()
            case UInt8(ascii: "t"): return literal("true") ? true : nil
            case UInt8(ascii: "f"): return literal("false") ? false : nil
            case UInt8(ascii: "n"): return literal("null") ? DemoJSON.null : nil
            default: return number()
            }
        }

        private mutating func take(_ c: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: c) else { return false }
            index += 1
            return true
        }

        private mutating func literal(_ word: String) -> Bool {
            let w = Array(word.utf8)
            guard index + w.count <= bytes.count, Array(bytes[index..<(index + w.count)]) == w else { return false }
            index += w.count
            return true
        }

        /// A number as RFC 8259 writes it (`-`? int frac? exp?, no leading zeros, no `+`), as
        /// `Int`, then `UInt64` (JSONSerialization kept such digits), else `Double`.
        private mutating func number() -> Any? {
            let start = index
            func digits() -> Int {
                let from = index
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
                return index - from
            }
            _ = take("-")
            let intStart = index
            let intDigits = digits()
            guard intDigits > 0, intDigits == 1 || bytes[intStart] != 0x30 else { return nil }
            var integral = true
            if take(".") {
                integral = false
                guard digits() > 0 else { return nil }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false
                index += 1
                if !take("+") { _ = take("-") }
                guard digits() > 0 else { return nil }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if integral, let i = Int(text) { return i }
            if integral, let u = UInt64(text) { return u }
            guard let d = Double(text), d.isFinite else { return nil }
            return d
        }

        /// A string starting at the quote under `index`.
        private mutating func string() -> String? {
            index += 1
            var out: [UInt8] = []
            while index < bytes.count {
                let b = bytes[index]
                index += 1
                switch b {
                case UInt8(ascii: "\""):
                    return String(validating: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let e = bytes[index]
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard var unit = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(unit) {
                            // A high surrogate: its low half must follow as another \u escape.
                            guard take("\\"), take("u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(unit) else { return nil }
                        out.append(contentsOf: String(Character(scalar)).utf8)
                    default: return nil
                    }
                case 0..<0x20:
                    return nil
                default:
                    out.append(b)
                }
            }
            return nil
        }

        private mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count,
                  let v = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else { return nil }
            index += 4
            return v
        }
    }
}
