#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Path strings taken apart the way `NSString`'s path methods did, without swift-corelibs-foundation
/// (the shipped binary links FoundationEssentials only). Paths are `/`-separated; nothing here
/// touches the file system except `kind(of:)`.
package enum FilePaths {
    /// The path without its last component: `a/b/c` → `a/b`, `/a` → `/`, `a` → `` (NSString's
    /// `deletingLastPathComponent`; trailing slashes are dropped first). Slashes are found by
    /// byte: a `/` followed by a combining mark is one `Character` that is not `/`.
    package static func directory(of path: String) -> String {
        let bytes = withoutTrailingSlashes(Array(path.utf8))
        if bytes == [slash] || bytes.isEmpty { return string(bytes) }
        guard let cut = bytes.lastIndex(of: slash) else { return "" }
        let head = withoutTrailingSlashes(Array(bytes[..<cut]))
        return head.isEmpty ? "/" : string(head)
    }

    /// The last component: `a/b/c.yaml` → `c.yaml`, `a/b/` → `b`, `/` → `/` (NSString's
    /// `lastPathComponent`).
    package static func lastComponent(_ path: String) -> String {
        let bytes = withoutTrailingSlashes(Array(path.utf8))
        if bytes == [slash] { return "/" }
        guard let cut = bytes.lastIndex(of: slash) else { return string(bytes) }
        return string(bytes[(cut + 1)...])
    }

    /// The last component's extension without the dot (`data.CSV` → `CSV`), or `` when it has
    /// none; a leading dot (`.env`) is not an extension.
    package static func pathExtension(_ path: String) -> String {
        let name = Array(lastComponent(path).utf8)
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot != 0 else { return "" }
        return string(name[(dot + 1)...])
    }

    /// `directory` and `name` joined with one slash (`name` alone when `directory` is empty).
    package static func join(_ directory: String, _ name: String) -> String {
        if directory.isEmpty { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    package enum Kind: Sendable { case file, directory, other }

    /// What is at `path` (following symbolic links), or nil when nothing is.
    package static func kind(of path: String) -> Kind? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return .other
        }
    }

    /// At most `limit + 1` bytes of the file at `path` (so a caller can tell "more than `limit`"
    /// without reading a huge file whole), or nil when it cannot be opened or read (a folder, no
    /// permission). Pipes and devices are read too: `/dev/stdin`, a FIFO, `<(…)`.
    package static func read(_ path: String, upTo limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while out.count <= limit {
            let want = min(chunk.count, limit + 1 - out.count)
            let n = chunk.withUnsafeMutableBytes { LibC.read(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[..<n])
        }
        return out
    }

    private static let slash = UInt8(ascii: "/")

    private static func withoutTrailingSlashes(_ bytes: [UInt8]) -> [UInt8] {
        var end = bytes.count
        while end > 1 && bytes[end - 1] == slash { end -= 1 }
        return Array(bytes[..<end])
    }

    /// Bytes cut from valid UTF-8 at an ASCII byte are valid UTF-8 again.
    private static func string<C: Collection<UInt8>>(_ bytes: C) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
