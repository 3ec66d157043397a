#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RehearseModel
import RehearseDiagnostics

/// Reading files and finding suite folders: the loader's contact with the file system, which
/// may hold pipes, devices, huge files and folders that link back to themselves.
extension SuiteLoader {
    /// The largest plan or suite config read. Plans are small text; a bigger file is a mistake
    /// (or `/dev/zero`), and reading it whole would only use up memory.
    public static let maxFileSize = 8 << 20

    /// The paths to load: those given, else `plans` when it exists, else the current folder.
    static func defaultInputs(_ paths: [String]) -> [String] {
        paths.isEmpty ? [FileManager.default.fileExists(atPath: "plans") ? "plans" : "."] : paths
    }

    /// Reads a whole regular file of at most `maxFileSize` bytes with plain POSIX calls
    /// (Foundation's reader stats and copies more than a linter reading a thousand small files
    /// can afford). Anything else is reported into `bag`.
    package static func read(_ path: String, bag: DiagnosticBag) -> [UInt8]? {
        func fail(_ reason: String, hint: String? = nil) -> [UInt8]? {
            bag.report(.io, "cannot read \(path): \(reason)", at: nil, hint: hint)
            return nil
        }
        // Non-blocking, so that opening a FIFO does not wait for a writer; it is refused below.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return fail(String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return fail(String(cString: strerror(errno))) }
        guard st.st_mode & S_IFMT == S_IFREG else {
            return fail("not a regular file (\(fileKind(st.st_mode)))",
                        hint: "plans and suite configs are ordinary files; rename it, or start its name with '_' to skip it")
        }
        let tooLarge = "the file is larger than \(maxFileSize >> 20) MiB"
        let tooLargeHint = "a plan this size is a mistake; split generated plans into several files"
        guard Int(st.st_size) <= maxFileSize else { return fail(tooLarge, hint: tooLargeHint) }
        // Sized by fstat and read in place: no zeroed scratch buffer and no second copy per file.
        // One byte more than the size lets EOF show without another allocation.
        let expected = max(Int(st.st_size), 0)
        var error: Int32 = 0
        var out = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
            count = 0
            while count < buffer.count {
                let n = LibC.read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n < 0 {
                    if errno == EINTR { continue }
                    error = errno
                    return
                }
                if n == 0 { return }
                count += n
            }
        }
        if error != 0 { return fail(String(cString: strerror(error))) }
        guard out.count > expected else { return out }
        // The file grew since fstat: read the rest in chunks, up to the cap.
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { LibC.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return fail(String(cString: strerror(errno)))
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            if out.count > maxFileSize { return fail(tooLarge, hint: tooLargeHint) }
        }
        return out
    }

    static func fileKind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a pipe"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFDIR: return "a folder"
        default: return "not a plain file"
        }
    }

    // MARK: suite folders

    static func hasSuiteConfig(_ dir: String) -> Bool {
        suiteNames.contains { FileManager.default.fileExists(atPath: join(dir, $0)) }
    }

    /// The folder of a path's suite: the nearest folder at or above it (or above the file) that
    /// holds a suite config, else the folder itself (or the file's folder). The answer is written
    /// the way the path was, relative or absolute: `critical/health.yaml` → `.`, `health.yaml`
    /// run from inside `plans/critical` → `..`.
    static func suiteRoot(for input: String, isDirectory: Bool) -> String {
        configFolder(for: input, isDirectory: isDirectory) ?? folder(of: input, isDirectory: isDirectory)
    }

    /// The nearest folder at or above the path that holds a suite config, if any.
    static func configFolder(for input: String, isDirectory: Bool) -> String? {
        var probe = folder(of: input, isDirectory: isDirectory)
        // Bounded all the same: a path cannot name more folders above it than this.
        for _ in 0..<256 {
            if hasSuiteConfig(probe) { return probe }
            guard let parent = parentFolder(probe) else { break }
            probe = parent
        }
        return nil
    }

    static func folder(of input: String, isDirectory: Bool) -> String {
        isDirectory ? input : (input.contains("/") ? parentFolder(input) ?? "/" : ".")
    }

    /// The folder above `path`, written in the same style; nil at the file-system root.
    static func parentFolder(_ path: String) -> String? {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        if absolute(p) == "/" { return nil }
        // By hand: Foundation's path getters trap on some one-letter relative paths.
        let slash = p.lastIndex(of: "/")
        let last = slash.map { p[p.index(after: $0)...] } ?? p[...]
        if last == "." { return p == "." ? ".." : parentFolder(String(p.dropLast(2))) }
        if last == ".." { return p + "/.." }
        guard let slash else { return "." }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }

    /// `path` made absolute against the current folder, with `.` and `..` resolved by name.
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for c in full.split(separator: "/") {
            if c == "." { continue }
            if c == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(c)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `plans/critical/health.yaml` under root `plans` → `critical/health`; a root above the
    /// path written with `..` is resolved by name.
    static func planID(path: String, root: String) -> String {
        var rel = path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        if root != ".", rel.hasPrefix(prefix) {
            rel = String(rel.dropFirst(prefix.count))
        } else if root != "." || rel.hasPrefix("../") {
            let full = absolute(path), base = absolute(root)
            if full.hasPrefix(base == "/" ? "/" : base + "/") { rel = String(full.dropFirst(base == "/" ? 1 : base.count + 1)) }
        }
        if rel.hasPrefix("./") { rel = String(rel.dropFirst(2)) }
        for ext in [".yaml", ".yml"] where rel.hasSuffix(ext) { rel = String(rel.dropLast(ext.count)) }
        return rel
    }

    /// Whether `path` is inside `folder`, after following links: what a plan refers to must not
    /// leave its suite, whether by `..`, by an absolute path or by a link pointing out.
    package static func isInside(_ path: String, folder: String) -> Bool {
        func resolved(_ p: String) -> String {
            guard let r = realpath(p, nil) else { return absolute(p) }
            defer { free(r) }
            return String(cString: r)
        }
        let base = resolved(folder)
        let target = resolved(path)
        return base == "/" || target == base || target.hasPrefix(base + "/")
    }
}

