/// Sizes as messages say them: `10 MiB`, `64 KiB`, `1 byte`, `1500 bytes` (exact, never rounded).
package enum ByteCount {
    package static func text(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }
}
