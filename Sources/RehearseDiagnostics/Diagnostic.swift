import RehearseModel

/// How serious a diagnostic is. Only errors stop the pipeline (and `--strict` promotes warnings).
public enum Severity: String, Sendable, Codable, Comparable {
    case note, warning, error

    private var rank: Int { self == .note ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One problem found in a plan: data, rendered in one place (`DiagnosticRenderer`).
public struct Diagnostic: Sendable, Hashable {
    public var code: DiagnosticCode
    public var severity: Severity
    public var message: String
    public var location: SourceLocation
    public var hint: String?

    public init(_ code: DiagnosticCode, _ severity: Severity = .error, _ message: String,
                at location: SourceLocation, hint: String? = nil) {
        self.code = code
        self.severity = severity
        self.message = message
        self.location = location
        self.hint = hint
    }
}

/// Stable identifiers of diagnostics; shown as `error[unknown-key]` and usable in tooling.
public struct DiagnosticCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let io = DiagnosticCode(rawValue: "io")
    public static let yamlSyntax = DiagnosticCode(rawValue: "yaml-syntax")
    public static let duplicateKey = DiagnosticCode(rawValue: "duplicate-key")
    public static let unknownAlias = DiagnosticCode(rawValue: "unknown-alias")
    public static let emptyFile = DiagnosticCode(rawValue: "empty-file")
    public static let unknownKey = DiagnosticCode(rawValue: "unknown-key")
    public static let type = DiagnosticCode(rawValue: "type")
    public static let missingKey = DiagnosticCode(rawValue: "missing-key")
    public static let invalidValue = DiagnosticCode(rawValue: "invalid-value")
    public static let duplicateID = DiagnosticCode(rawValue: "duplicate-id")
    public static let invalidID = DiagnosticCode(rawValue: "invalid-id")
    public static let unknownCase = DiagnosticCode(rawValue: "unknown-case")
    public static let unknownCapture = DiagnosticCode(rawValue: "unknown-capture")
    public static let cycle = DiagnosticCode(rawValue: "cycle")
    public static let unknownProfile = DiagnosticCode(rawValue: "unknown-profile")
    public static let authMode = DiagnosticCode(rawValue: "auth-mode")
    public static let duration = DiagnosticCode(rawValue: "duration")
    public static let status = DiagnosticCode(rawValue: "status")
    public static let regex = DiagnosticCode(rawValue: "regex")
    public static let jsonPath = DiagnosticCode(rawValue: "jsonpath")
    public static let template = DiagnosticCode(rawValue: "template")
    public static let unknownName = DiagnosticCode(rawValue: "unknown-name")
    public static let unknownFunction = DiagnosticCode(rawValue: "unknown-function")
    public static let requestKind = DiagnosticCode(rawValue: "request-kind")
    public static let noExpectation = DiagnosticCode(rawValue: "no-expectation")
    public static let unknownEnvironment = DiagnosticCode(rawValue: "unknown-environment")
    public static let schemaFile = DiagnosticCode(rawValue: "schema-file")
    public static let unusedSetting = DiagnosticCode(rawValue: "unused-setting")
    public static let noPlans = DiagnosticCode(rawValue: "no-plans")
    public static let tooDeep = DiagnosticCode(rawValue: "too-deep")
    public static let aliasExpansion = DiagnosticCode(rawValue: "alias-expansion")
    public static let symlink = DiagnosticCode(rawValue: "symlink")
}

extension DiagnosticCode {
    /// A flag, path or file named on the command line that cannot be used.
    public static let commandLine = DiagnosticCode(rawValue: "command-line")
    /// `run` would send nothing: the selection matched no case.
    public static let emptySelection = DiagnosticCode(rawValue: "empty-selection")
    /// A `--report` target that cannot be written, or that would overwrite an input.
    public static let reportTarget = DiagnosticCode(rawValue: "report-target")
    /// Writing a report after the run failed.
    public static let reportWrite = DiagnosticCode(rawValue: "report-write")
    /// An environment variable the selected plans need is not set (exit 3).
    public static let missingEnvironment = DiagnosticCode(rawValue: "missing-env")
}

extension Diagnostic {
    /// A problem with no place in a plan (a flag, a path, a file named on the command line),
    /// rendered like the others: `error[code]: message` and its hint.
    public static func commandLine(_ code: DiagnosticCode = .commandLine, _ message: String, severity: Severity = .error,
                                   hint: String? = nil) -> Diagnostic {
        Diagnostic(code, severity, message, at: SourceLocation(file: "", position: nil), hint: hint)
    }
}
