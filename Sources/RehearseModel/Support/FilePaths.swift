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
    /// `deletingLastPathComponent`; trailing slashes are dropped first).
    package static func directory(of path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        if trimmed == "/" || trimmed.isEmpty { return trimmed }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        let head = withoutTrailingSlashes(String(trimmed[..<slash]))
        return head.isEmpty ? "/" : head
    }

    /// The last component: `a/b/c.yaml` → `c.yaml`, `a/b/` → `b`, `/` → `/` (NSString's
    /// `lastPathComponent`).
    package static func lastComponent(_ path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        if trimmed == "/" { return "/" }
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// The last component's extension without the dot (`data.CSV` → `CSV`), or `` when it has
    /// none; a leading dot (`.env`) is not an extension.
    package static func pathExtension(_ path: String) -> String {
        let name = lastComponent(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
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

    /// The size in bytes of the regular file at `path`, or nil when it is not one.
    package static func regularFileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    private static func withoutTrailingSlashes(_ path: String) -> String {
        var s = Substring(path)
        while s.count > 1 && s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }
}
