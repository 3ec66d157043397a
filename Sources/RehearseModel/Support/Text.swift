#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// String work that would otherwise need Foundation's `NSString` bridge. The shipped binary links
/// only FoundationEssentials (no ICU, no swift-corelibs-foundation: about 40 MB less), so these
/// small, exact helpers stand in for `trimmingCharacters(in:)`, `replacingOccurrences(of:with:)`,
/// `padding(toLength:…)`, percent-encoding and `String(format:)` (docs/architecture.md).
package enum Text {
    /// Foundation's `CharacterSet.whitespaces`: tab and the Unicode space separators (category Zs).
    /// Not newlines.
    package static func isSpace(_ u: Unicode.Scalar) -> Bool {
        u == "\t" || u.properties.generalCategory == .spaceSeparator
    }

    /// `s` without the spaces and tabs (`isSpace`) at either end.
    package static func trimmed<S: StringProtocol>(_ s: S) -> String {
        trimmed(s, where: isSpace)
    }

    /// `s` without the scalars that `drop` accepts at either end.
    package static func trimmed<S: StringProtocol>(_ s: S, where drop: (Unicode.Scalar) -> Bool) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !drop($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !drop($0) })!
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[first...last])
        return String(out)
    }

    /// Every occurrence of `target` in `s` replaced by `replacement`, compared byte for byte
    /// (UTF-8), left to right, without overlaps: `"\n"` is found inside `"\r\n"`, and a secret
    /// followed by a combining mark is still found, which a `Character`-wise search does not do.
    package static func replacing(_ target: String, with replacement: String, in s: String) -> String {
        var copy = s
        var t = target
        let replaced: String? = copy.withUTF8 { bytes in
            t.withUTF8 { needle in
                guard var at = firstOffset(of: needle, in: bytes, from: 0) else { return nil }
                var out: [UInt8] = []
                out.reserveCapacity(bytes.count)
                var copiedTo = 0
                while true {
                    out.append(contentsOf: bytes[copiedTo..<at])
                    out.append(contentsOf: replacement.utf8)
                    copiedTo = at + needle.count
                    guard let next = firstOffset(of: needle, in: bytes, from: copiedTo) else { break }
                    at = next
                }
                out.append(contentsOf: bytes[copiedTo...])
                return String(decoding: out, as: UTF8.self)
            }
        }
        return replaced ?? s
    }

    /// Whether `target`'s UTF-8 bytes occur in `s`'s (see `replacing`); an empty `target` always does.
    package static func containsBytes(_ target: String, in s: String) -> Bool {
        if target.isEmpty { return true }
        var s = s
        var t = target
        return s.withUTF8 { bytes in t.withUTF8 { firstOffset(of: $0, in: bytes, from: 0) != nil } }
    }

    private static func firstOffset(of needle: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>,
                                    from start: Int) -> Int? {
        guard let head = needle.first, bytes.count - start >= needle.count else { return nil }
        var i = start
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == head && memcmp(bytes.baseAddress! + i, needle.baseAddress!, needle.count) == 0 { return i }
            i += 1
        }
        return nil
    }

    /// `s` padded with spaces to `width` characters, or cut to `width` when longer (what
    /// `padding(toLength:withPad:" ",startingAt:0)` did, counted in characters).
    package static func padded(_ s: String, to width: Int) -> String {
        let n = s.count
        if n == width { return s }
        if n > width { return String(s.prefix(max(0, width))) }
        return s + String(repeating: " ", count: width - n)
    }

    // MARK: Numbers

    /// `value` with exactly `digits` digits after the point, rounded half to even on the
    /// binary value like C's `%.Nf` (which this calls).
    package static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        return CFormat.fixed(value, digits: max(0, min(digits, 17)))
    }

    /// `value` in upper-case hexadecimal, zero-padded to at least `width` digits (`%0NX`).
    package static func hex<T: BinaryInteger>(_ value: T, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // MARK: Percent-encoding (RFC 3986)

    /// RFC 3986's unreserved characters: `A-Z a-z 0-9 - . _ ~`.
    package static func isUnreserved(_ b: UInt8) -> Bool {
        isASCIIAlphanumeric(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
            || b == UInt8(ascii: "~")
    }

    package static func isASCIIAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    /// `s` with every UTF-8 byte that `keep` refuses, and every byte past ASCII, written as `%XX`
    /// (upper-case hex).
    package static func percentEncoded(_ s: String, keeping keep: (UInt8) -> Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            if b < 0x80 && keep(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%" + hex(b, width: 2)
            }
        }
        return out
    }

    /// `s` with its `%XX` escapes decoded; nil when an escape is malformed or the bytes are not
    /// UTF-8 (as `removingPercentEncoding` answered).
    package static func percentDecoded<S: StringProtocol>(_ s: S) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let b = it.next() {
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard let hi = it.next().flatMap(hexValue), let lo = it.next().flatMap(hexValue) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}

extension String {
    /// Every occurrence of `target` replaced, byte for byte (`Text.replacing`).
    package func replacingAll(_ target: String, with replacement: String) -> String {
        Text.replacing(target, with: replacement, in: self)
    }
}

extension StringProtocol {
    /// Without the spaces and tabs at either end (`Text.trimmed`).
    package func trimmingSpaces() -> String { Text.trimmed(self) }
}
