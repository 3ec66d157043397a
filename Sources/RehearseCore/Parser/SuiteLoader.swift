import Dispatch
import Foundation

/// The plans and suite config found under the paths given on the command line, parsed.
public struct LoadedSuite: Sendable {
    /// The directory plan ids are relative to.
    public var root: String
    public var suite: Suite
    public var plans: [Plan]
    public var diagnostics: [Diagnostic]
    /// File text by display path, kept so diagnostics can show the offending line.
    public var sources: [String: [UInt8]]
}

/// Load stage: finds plan files (spec §1), reads them and parses them in parallel.
public enum SuiteLoader {
    static let suiteNames = ["rehearse.yaml", "rehearse.yml"]

    /// A plan file to read: its id and the path shown to users.
    struct PlanFile {
        var id: String
        var path: String
    }

    public static func load(paths: [String]) -> LoadedSuite {
        let inputs = paths.isEmpty ? [FileManager.default.fileExists(atPath: "plans") ? "plans" : "."] : paths
        var diagnostics: [Diagnostic] = []
        var root: String?
        var files: [PlanFile] = []
        for input in inputs {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
                diagnostics.append(Diagnostic(.io, .error, "no such file or directory: \(input)",
                                              at: SourceLocation(file: input, position: nil)))
                continue
            }
            let dir = isDir.boolValue ? input : suiteRoot(containing: input)
            if root == nil { root = dir }
            if isDir.boolValue {
                files += discover(in: input, root: root!)
            } else if !suiteNames.contains((input as NSString).lastPathComponent) {
                files.append(PlanFile(id: planID(path: input, root: root!), path: input))
            }
        }
        let rootDir = root ?? "."
        var seen = Set<String>()
        files = files.filter { seen.insert($0.path).inserted }.sorted { $0.id < $1.id }

        var suite = Suite()
        var sources: [String: [UInt8]] = [:]
        if let suitePath = suiteNames.map({ join(rootDir, $0) }).first(where: { FileManager.default.fileExists(atPath: $0) }) {
            let bag = DiagnosticBag(file: suitePath)
            if let bytes = read(suitePath, bag: bag) {
                sources[suitePath] = bytes
                if let node = YAMLLoader.load(bytes, diagnostics: bag) {
                    suite = SuiteParser(diagnostics: bag).parseSuite(node, file: suitePath)
                }
            }
            diagnostics += bag.items
        }

        let results = parsePlans(files)
        var plans: [Plan] = []
        for r in results {
            diagnostics += r.diagnostics
            if let bytes = r.bytes { sources[r.path] = bytes }
            if let plan = r.plan { plans.append(plan) }
        }
        if files.isEmpty && diagnostics.isEmpty {
            diagnostics.append(Diagnostic(.noPlans, .error, "no plans found under \(inputs.joined(separator: ", "))",
                                          at: SourceLocation(file: inputs[0], position: nil),
                                          hint: "plans are *.yaml or *.yml files; names starting with '_' or '.' are skipped"))
        }
        return LoadedSuite(root: rootDir, suite: suite, plans: plans, diagnostics: diagnostics, sources: sources)
    }

    struct ParseResult: Sendable {
        var path: String
        var plan: Plan?
        var diagnostics: [Diagnostic]
        var bytes: [UInt8]?
    }

    /// Parses every file, spread over the machine's cores; order follows `files`.
    static func parsePlans(_ files: [PlanFile]) -> [ParseResult] {
        // A raw buffer, not an array in a class: two threads writing distinct slots of one array
        // property would trip Swift's dynamic exclusivity checks.
        let slots = UnsafeMutableBufferPointer<ParseResult?>.allocate(capacity: files.count)
        slots.initialize(repeating: nil)
        defer { slots.deallocate() }
        let workers = min(files.count, ProcessInfo.processInfo.activeProcessorCount)
        nonisolated(unsafe) let shared = slots
        // Each worker takes every n-th file: no shared counter, each slot written by one thread.
        DispatchQueue.concurrentPerform(iterations: max(workers, 1)) { w in
            var i = w
            while i < files.count {
                shared[i] = parseOne(files[i])
                i += workers
            }
        }
        return slots.map { $0! }
    }

    static func parseOne(_ file: PlanFile) -> ParseResult {
        let bag = DiagnosticBag(file: file.path)
        guard let bytes = read(file.path, bag: bag) else {
            return ParseResult(path: file.path, plan: nil, diagnostics: bag.items, bytes: nil)
        }
        return parse(bytes, file: file, bag: bag)
    }

    /// Parses plan text held in memory (tests, and tools that generate plans).
    public static func parsePlan(_ bytes: [UInt8], id: String, path: String) -> (plan: Plan?, diagnostics: [Diagnostic]) {
        let r = parse(bytes, file: PlanFile(id: id, path: path), bag: DiagnosticBag(file: path))
        return (r.plan, r.diagnostics)
    }

    /// Parses suite-config text held in memory.
    public static func parseSuite(_ bytes: [UInt8], path: String) -> (suite: Suite, diagnostics: [Diagnostic]) {
        let bag = DiagnosticBag(file: path)
        guard let node = YAMLLoader.load(bytes, diagnostics: bag) else { return (Suite(), bag.items) }
        return (SuiteParser(diagnostics: bag).parseSuite(node, file: path), bag.items)
    }

    static func parse(_ bytes: [UInt8], file: PlanFile, bag: DiagnosticBag) -> ParseResult {
        var plan: Plan?
        if let node = YAMLLoader.load(bytes, diagnostics: bag) {
            plan = PlanParser(diagnostics: bag).parsePlan(node, id: file.id, file: file.path)
        }
        // Source text is kept only when there is something to show from it.
        return ParseResult(path: file.path, plan: plan, diagnostics: bag.items, bytes: bag.items.isEmpty ? nil : bytes)
    }

    /// Reads a whole file with plain POSIX calls: Foundation's reader stats and copies more than a
    /// linter reading a thousand small files can afford.
    static func read(_ path: String, bag: DiagnosticBag) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            bag.report(.io, "cannot read \(path): \(String(cString: strerror(errno)))", at: nil)
            return nil
        }
        defer { close(fd) }
        func fail(_ code: Int32) -> [UInt8]? {
            bag.report(.io, "cannot read \(path): \(String(cString: strerror(code)))", at: nil)
            return nil
        }
        // Sized by fstat and read in place: no zeroed scratch buffer and no second copy per file.
        // One byte more than the size lets EOF show without another allocation.
        var st = stat()
        let expected = fstat(fd, &st) == 0 ? max(Int(st.st_size), 0) : 0
        var error: Int32 = 0
        var out = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
            count = 0
            while count < buffer.count {
                let n = Foundation.read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n < 0 {
                    if errno == EINTR { continue }
                    error = errno
                    return
                }
                if n == 0 { return }
                count += n
            }
        }
        if error != 0 { return fail(error) }
        guard out.count > expected else { return out }
        // The file grew since fstat (or is not a regular file): read the rest in chunks.
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return fail(errno)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Every *.yaml / *.yml below `dir`, skipping `_`/`.` names and the suite config. Walks with
    /// readdir, whose entries carry their type, instead of a stat per file.
    static func discover(in dir: String, root: String) -> [PlanFile] {
        var out: [PlanFile] = []
        func walk(_ path: String, top: Bool) {
            guard let d = opendir(path) else { return }
            defer { closedir(d) }
            while let entry = readdir(d) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
                }
                if name.hasPrefix("_") || name.hasPrefix(".") { continue }
                let full = join(path, name)
                var type = entry.pointee.d_type
                if type == UInt8(DT_UNKNOWN) || type == UInt8(DT_LNK) {
                    // Some file systems do not fill d_type; links are followed like the old walker did.
                    var st = stat()
                    guard stat(full, &st) == 0 else { continue }
                    type = (st.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
                }
                if type == UInt8(DT_DIR) {
                    walk(full, top: false)
                } else if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                    if top && suiteNames.contains(name) { continue }
                    out.append(PlanFile(id: planID(path: full, root: root), path: full))
                }
            }
        }
        walk(dir, top: true)
        return out
    }

    /// `plans/critical/health.yaml` under root `plans` → `critical/health`.
    static func planID(path: String, root: String) -> String {
        var rel = path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        if root != ".", rel.hasPrefix(prefix) { rel = String(rel.dropFirst(prefix.count)) }
        if rel.hasPrefix("./") { rel = String(rel.dropFirst(2)) }
        for ext in [".yaml", ".yml"] where rel.hasSuffix(ext) { rel = String(rel.dropLast(ext.count)) }
        return rel
    }

    /// For a single plan file: the nearest enclosing folder with a suite config, else its folder.
    static func suiteRoot(containing file: String) -> String {
        var dir = (file as NSString).deletingLastPathComponent
        if dir.isEmpty { dir = "." }
        var probe = dir
        for _ in 0..<16 {
            if suiteNames.contains(where: { FileManager.default.fileExists(atPath: join(probe, $0)) }) { return probe }
            let parent = (probe as NSString).deletingLastPathComponent
            if parent.isEmpty || parent == probe || probe == "." { break }
            probe = parent
        }
        return dir
    }

    static func join(_ a: String, _ b: String) -> String {
        if a == "." { return b }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }
}
