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

/// The formats of `--report FORMAT:PATH`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case json, junit, markdown, html
}

/// One `--report FORMAT:PATH`.
public struct ReportTarget: Sendable, Hashable {
    public var format: ReportFormat
    public var path: String

    public init(format: ReportFormat, path: String) {
        self.format = format
        self.path = path
    }

    public static func parse(_ s: String) throws(ReportTargetError) -> ReportTarget {
        guard let colon = s.firstIndex(of: ":"), let f = ReportFormat(rawValue: String(s[..<colon])),
              s.index(after: colon) < s.endIndex else {
            let formats = ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw ReportTargetError(message: "--report takes FORMAT:PATH with FORMAT one of \(formats), found '\(s)'")
        }
        return ReportTarget(format: f, path: String(s[s.index(after: colon)...]))
    }
}

public struct ReportTargetError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Renders and writes reports: every format sees the run masked, and every file appears whole.
public enum ReportWriter {
    /// The report's text. The run is masked before rendering, not the text after: a secret
    /// containing `&` would no longer match once escaped, a short secret could hit markup, and
    /// field names and outcomes are structure, never data to mask. Every format but JSON also
    /// shows control characters escaped (`VisibleText`).
    public static func render(_ format: ReportFormat, _ report: RunReport, masker: SecretMasker) -> String {
        switch format {
        case .json: return JSONReport.document(report, masker: masker).prettyText() + "\n"
        case .junit: return JUnitReport.render(report.masked(by: masker).visible())
        case .markdown: return MarkdownReport.render(report.masked(by: masker).visible())
        case .html: return HTMLReport.render(report.masked(by: masker).visible())
        }
    }

    /// Renders and writes one target.
    public static func write(_ target: ReportTarget, _ report: RunReport, masker: SecretMasker) throws {
        try write(render(target.format, report, masker: masker), to: target.path)
    }

    /// Writes atomically: a temp file beside the target, then a rename, so a reader (a CI upload
    /// step, a browser refreshing) never sees half a file. Missing directories are created.
    public static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try Data(text.utf8).write(to: tmp)
        if rename(tmp.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw ReportTargetError(message: reason)
        }
    }
}
