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

/// Finds plan files below folders (spec §1): every `*.yaml` / `*.yml`, skipping `_`/`.` names and
/// the suite config.
///
/// Each folder and each file is taken once, however many links lead to it (compared by device
/// and inode): a link back to a folder above would otherwise make the walk endless, and a link
/// to a folder already searched would count its plans twice. Real paths win over linked ones,
/// because links are followed only after the real tree is searched.
struct PlanWalker {
    /// A file's identity on disk.
    struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    struct Found {
        var file: SuiteLoader.PlanFile
        var id: FileID
        var viaLink: Bool
    }

    var found: [Found] = []
    var diagnostics: [Diagnostic] = []
    /// Folders searched so far, by identity, with the path they were searched under.
    var folders: [FileID: String] = [:]
    /// Folder links met, followed once the real tree is done: (link path, root, target identity).
    var links: [(path: String, root: String, id: FileID)] = []
    /// How a folder is opened: a seam for tests (permissions do not deny root anything).
    var openDirectory: (String) -> OpaquePointer? = { opendir($0) }

    /// Searches `dir` and everything below it.
    mutating func walk(_ dir: String, root: String) {
        guard let id = Self.identity(of: dir) else { return }
        if folders[id] != nil { return }  // named twice, or inside a folder already named
        folders[id] = dir
        search(dir, root: root, viaLink: false)
        followLinks()
    }

    /// Adds a plan named on the command line.
    mutating func add(file path: String, root: String) {
        let id = Self.identity(of: path) ?? FileID(device: .max, inode: UInt64(found.count))
        found.append(Found(file: .init(id: SuiteLoader.planID(path: path, root: root), path: path), id: id, viaLink: false))
    }

    /// The plans found, each file once, sorted by id. A file also reached through a link is
    /// reported as a warning; one named twice is taken once without comment.
    mutating func finish() -> [SuiteLoader.PlanFile] {
        var chosen: [FileID: Int] = [:]
        var duplicates: [(Int, Int)] = []
        for (i, f) in found.enumerated() {
            guard let j = chosen[f.id] else {
                chosen[f.id] = i
                continue
            }
            if found[j].viaLink && !f.viaLink {
                chosen[f.id] = i
                duplicates.append((j, i))
            } else {
                duplicates.append((i, j))
            }
        }
        for (dropped, kept) in duplicates where found[dropped].viaLink && found[dropped].file.path != found[kept].file.path {
            let path = found[dropped].file.path
            diagnostics.append(Diagnostic(.symlink, .warning, "\(path) is the same file as \(found[kept].file.path); it is read once",
                                          at: SourceLocation(file: path, position: nil),
                                          hint: "a link to a plan inside the suite counts it once"))
        }
        return chosen.values.sorted().map { found[$0].file }.sorted { $0.id < $1.id }
    }

    /// Lists one folder: plans are collected, real subfolders searched right away, folder links
    /// kept for later.
    private mutating func search(_ dir: String, root: String, viaLink: Bool) {
        var pending = [dir]
        while let path = pending.popLast() {
            guard let d = openDirectory(path) else {
                let reason = String(cString: strerror(errno))
                diagnostics.append(Diagnostic(.io, .error, "cannot read folder \(path): \(reason)",
                                              at: SourceLocation(file: path, position: nil),
                                              hint: "its plans are not checked; fix its permissions, or start its name with '_' to skip it"))
                continue
            }
            let device = Self.identity(of: path)?.device ?? 0
            var entries: [(name: String, type: UInt8, inode: UInt64)] = []
            while let entry = readdir(d) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
                }
                if name.hasPrefix("_") || name.hasPrefix(".") { continue }
                entries.append((name, entry.pointee.d_type, UInt64(entry.pointee.d_ino)))
            }
            closedir(d)
            // Sorted so that which of two paths to one folder is searched does not depend on disk order.
            for e in entries.sorted(by: { $0.name < $1.name }).reversed() {
                let full = SuiteLoader.join(path, e.name)
                var type = e.type
                var id = FileID(device: device, inode: e.inode)
                var isLink = false
                if type == UInt8(DT_UNKNOWN) || type == UInt8(DT_LNK) || type == UInt8(DT_DIR) {
                    // Some file systems do not fill d_type; links are looked through. Folders are
                    // stat'ed too: a mount point's entry holds the inode it hides, not its own.
                    var st = stat()
                    guard stat(full, &st) == 0 else { continue }
                    var lst = stat()
                    isLink = type == UInt8(DT_LNK)
                        || (type == UInt8(DT_UNKNOWN) && lstat(full, &lst) == 0 && lst.st_mode & S_IFMT == S_IFLNK)
                    type = st.st_mode & S_IFMT == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
                    id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
                }
                if type == UInt8(DT_DIR) {
                    if isLink {
                        links.append((full, root, id))
                    } else if folders[id] == nil {  // else also named on the command line: searched already
                        folders[id] = full
                        pending.append(full)
                    }
                } else if e.name.hasSuffix(".yaml") || e.name.hasSuffix(".yml") {
                    if path == dir && !viaLink && SuiteLoader.suiteNames.contains(e.name) { continue }
                    found.append(Found(file: .init(id: SuiteLoader.planID(path: full, root: root), path: full), id: id,
                                       viaLink: viaLink || isLink))
                }
            }
        }
    }

    /// Follows the folder links met so far, each target once; links found inside join the queue.
    private mutating func followLinks() {
        var i = 0
        while i < links.count {
            let link = links[i]
            i += 1
            if let first = folders[link.id] {
                warnTwice(link.path, first: first)
                continue
            }
            folders[link.id] = link.path
            search(link.path, root: link.root, viaLink: true)
        }
        links.removeAll()
    }

    private mutating func warnTwice(_ path: String, first: String) {
        let loops = SuiteLoader.absolute(path).hasPrefix(SuiteLoader.absolute(first) + "/")
        let message = loops ? "\(path) links back to \(first), which contains it; not followed"
                            : "\(path) leads to \(first), which is already searched; not followed again"
        diagnostics.append(Diagnostic(.symlink, .warning, message, at: SourceLocation(file: path, position: nil),
                                      hint: "each folder is searched once, so its plans are counted once"))
    }

    static func identity(of path: String) -> FileID? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }
}
