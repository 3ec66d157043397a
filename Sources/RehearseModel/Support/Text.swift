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
    /// (UTF-8), left to right, without overlaps: `"\n"` is found inside `"\r\n"`, which a
    /// `Character`-wise search does not do.
    package static func replacing(_ target: String, with replacement: String, in s: String) -> String {
        let t = Array(target.utf8)
        guard let head = t.first else { return s }
        let bytes = Array(s.utf8)
        guard bytes.count >= t.count else { return s }
        var out: [UInt8] = []
        var i = 0
        var copiedTo = 0
        var found = false
        while i <= bytes.count - t.count {
            if bytes[i] == head && bytes[i..<(i + t.count)].elementsEqual(t) {
                if !found { out.reserveCapacity(bytes.count) }
                found = true
                out.append(contentsOf: bytes[copiedTo..<i])
                out.append(contentsOf: replacement.utf8)
                i += t.count
                copiedTo = i
            } else {
                i += 1
            }
        }
        guard found else { return s }
        out.append(contentsOf: bytes[copiedTo...])
        return String(decoding: out, as: UTF8.self)
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

    /// `s` with every UTF-8 byte that `keep` refuses written as `%XX` (upper-case hex).
    package static func percentEncoded(_ s: String, keeping keep: (UInt8) -> Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            if keep(b) {
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
