/// The little string work the demo's handlers need that FoundationEssentials does not offer
/// (the demo server is independent of Rehearse's own targets, so it keeps its own).
enum DemoText {
    /// `s` without spaces and tabs at either end.
    static func trimmed<S: StringProtocol>(_ s: S) -> String {
        String(s.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// A form or userinfo field decoded (`%XX`, and `+` as a space when `plusIsSpace`); nil when
    /// an escape is malformed or the bytes are not UTF-8.
    static func formDecoded<S: StringProtocol>(_ s: S, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        var it = s.utf8.makeIterator()
        while let b = it.next() {
            if b == UInt8(ascii: "+") && plusIsSpace { bytes.append(0x20); continue }
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard let hi = it.next().flatMap(hexValue), let lo = it.next().flatMap(hexValue) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// A hex digit's value (no sign, unlike `UInt8(_:radix:)`).
    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}
