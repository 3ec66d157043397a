import Foundation

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
    /// containing `&` would no longer match once escaped, and a short secret could hit markup.
    public static func render(_ format: ReportFormat, _ report: RunReport, masker: SecretMasker) -> String {
        switch format {
        case .json: return JSONReport.document(report, masker: masker).prettyText() + "\n"
        case .junit: return JUnitReport.render(report.masked(by: masker))
        case .markdown: return MarkdownReport.render(report.masked(by: masker))
        case .html: return HTMLReport.render(report.masked(by: masker))
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
            try? FileManager.default.removeItem(at: tmp)
            throw CocoaError(.fileWriteUnknown)
        }
    }
}

extension RunReport {
    /// The run with every free-text field passed through the masker (ids and tags are plan text,
    /// but a secret could still be pasted into a name, so they are masked too).
    public func masked(by masker: SecretMasker) -> RunReport {
        guard !masker.isEmpty else { return self }
        let m = masker.mask as (String) -> String
        var out = self
        out.environment = environment.map(m)
        out.logins = logins.map { var l = $0; l.failure = l.failure.map(m); return l }
        out.results = results.map { r in
            var r = r
            r.planID = m(r.planID)
            r.caseID = m(r.caseID)
            r.name = r.name.map(m)
            r.tags = r.tags.map(m)
            r.reason = r.reason.map(m)
            r.failures = r.failures.map { Failure($0.kind, m($0.message), at: $0.location) }
            r.captureNames = r.captureNames.map(m)
            if var e = r.exchange {
                e.requestLine = m(e.requestLine)
                e.requestHeaders = e.requestHeaders.map { ($0.name, m($0.value)) }
                e.responseHeaders = e.responseHeaders.map { ($0.name, m($0.value)) }
                e.bodyExcerpt = e.bodyExcerpt.map(m)
                r.exchange = e
            }
            return r
        }
        return out
    }
}
