import RehearseModel

/// Collects diagnostics for one unit of work (one file, or the compiler pass).
///
/// Not `Sendable` on purpose: each file is loaded and parsed by one task, and bags are merged
/// afterwards, which keeps the hot path free of locks; the compiler checks that no bag is shared.
public final class DiagnosticBag {
    public private(set) var items: [Diagnostic] = []
    public let file: String

    public init(file: String) { self.file = file }

    public var hasErrors: Bool { items.contains { $0.severity == .error } }

    public func append(_ d: Diagnostic) { items.append(d) }
    public func append(contentsOf ds: [Diagnostic]) { items.append(contentsOf: ds) }

    /// Rewrites the diagnostics from `start` on (see `annotate(from:where:)`).
    func replaceItems(from start: Int, _ f: (Diagnostic) -> Diagnostic) {
        for i in start..<items.count { items[i] = f(items[i]) }
    }

    /// Reports a problem in this bag's file.
    public func report(_ code: DiagnosticCode, _ message: String, at position: SourcePosition?,
                       length: Int = 1, severity: Severity = .error, hint: String? = nil) {
        items.append(Diagnostic(code, severity, message,
                                at: SourceLocation(file: file, position: position, length: length), hint: hint))
    }
}

extension Array where Element == Diagnostic {
    /// Sorted by file, then position, then code: the order users read them in.
    public func sortedForDisplay() -> [Diagnostic] {
        sorted {
            if $0.location.file != $1.location.file { return $0.location.file < $1.location.file }
            let p0 = $0.location.position ?? SourcePosition(line: 0, column: 0)
            let p1 = $1.location.position ?? SourcePosition(line: 0, column: 0)
            if p0 != p1 { return p0 < p1 }
            return $0.code.rawValue < $1.code.rawValue
        }
    }

    public var errorCount: Int { filter { $0.severity == .error }.count }
    public var warningCount: Int { filter { $0.severity == .warning }.count }
}
