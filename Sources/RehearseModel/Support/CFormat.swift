#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// C's `printf` number formatting, for the few places that need `%.Nf` exactly (FoundationEssentials
/// has no `String(format:)`).
enum CFormat {
    static func fixed(_ value: Double, digits: Int) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 400) { buffer -> String in
            let n = withVaList([value]) { vsnprintf(buffer.baseAddress!, buffer.count, "%.\(digits)f", $0) }
            guard n >= 0 else { return String(value) }
            let length = min(Int(n), buffer.count - 1)
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: length).bindMemory(to: UInt8.self),
                          as: UTF8.self)
        }
    }
}
