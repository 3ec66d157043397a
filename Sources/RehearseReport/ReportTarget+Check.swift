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
import RehearseCompiler
import RehearseResults

/// `--report` targets are checked before anything is sent: a run whose report cannot be written
/// would otherwise do all its work (and its side effects on the server) for nothing, and a typo
/// such as `json:plan.yaml` would replace a plan with a report.
extension ReportTarget {
    /// One message per problem (empty: every target can be written). `inputs` are the files the
    /// run reads (plans, suite config, env files), which a report must never replace.
    public static func problems(_ targets: [ReportTarget], inputs: [String]) -> [String] {
        var problems: [String] = []
        var seen: [String: ReportTarget] = [:]
        let inputPaths = Set(inputs.map(canonical))
        for t in targets {
            let path = canonical(t.path)
            let option = "--report \(t.format.rawValue):\(t.path)"
            if let first = seen[path] {
                problems.append("\(option): \(first.format.rawValue):\(first.path) writes the same file; give each report its own path")
                continue
            }
            seen[path] = t
            if inputPaths.contains(path) {
                problems.append("\(option): \(t.path) is an input of this run and would be overwritten")
                continue
            }
            if let why = unwritable(path) { problems.append("\(option): \(why)") }
        }
        return problems
    }

    /// Why a report cannot be written at `path`, or nil when it can. The directory is tried by
    /// creating (and removing) a file in it: permission bits say nothing under /proc or on a
    /// read-only mount, and nothing at all to root.
    static func unwritable(_ path: String) -> String? {
        switch FilePaths.kind(of: path) {
        case .directory?: return "\(path) is a directory"
        case .other?: return "\(path) is not a regular file"
        case .file?, nil: break
        }
        // The nearest directory that exists: the report's own, or the one its missing directories go in.
        var dir = FilePaths.directory(of: path)
        while !dir.isEmpty, FilePaths.kind(of: dir) == nil {
            dir = FilePaths.directory(of: dir)
        }
        if dir.isEmpty { dir = "." }
        guard FilePaths.kind(of: dir) == .directory || dir == "." else { return "\(dir) is a file, not a directory" }
        let probe = FilePaths.join(dir, ".rehearse-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { return "cannot write in \(dir): \(String(cString: strerror(errno)))" }
        close(fd)
        unlink(probe)
        return nil
    }

    /// Absolute, with `.`/`..` and symbolic links of existing parts resolved, so two spellings of
    /// one file compare equal.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

extension ReportWriter {
    /// Writes every target; returns a message for each one that could not be written (the run's
    /// exit code must then say so: a CI job must not pass without its report).
    public static func writeAll(_ targets: [ReportTarget], _ report: RunReport, masker: SecretMasker,
                                wrote: (ReportTarget) -> Void = { _ in }) -> [String] {
        var failures: [String] = []
        for target in targets {
            do {
                try write(target, report, masker: masker)
                wrote(target)
            } catch let e as ReportTargetError {
                failures.append("cannot write \(target.format.rawValue) report \(target.path): \(e.message)")
            } catch {
                failures.append("cannot write \(target.format.rawValue) report \(target.path): \(Self.reason(error))")
            }
        }
        return failures
    }

    /// What went wrong in a file write, in the system's words (`Permission denied`).
    static func reason(_ error: any Error) -> String {
        if let e = error as? CocoaError, let posix = e.underlying as? POSIXError {
            return String(cString: strerror(posix.code.rawValue))
        }
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        return "\(error)"
    }
}
