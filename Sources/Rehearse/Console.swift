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
import RehearseDiagnostics
import RehearseModel

/// Where a command's text goes, and what the terminal can show. The CLI passes the process's
/// own; tests pass closures that collect the text.
public struct Console: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void
    /// Standard output is a terminal: progress is one line rewritten in place.
    public var outIsTerminal: Bool
    /// ANSI colour on standard output and on standard error.
    public var colorOut: Bool
    public var colorErr: Bool

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void,
                outIsTerminal: Bool = false, colorOut: Bool = false, colorErr: Bool = false) {
        self.out = out
        self.err = err
        self.outIsTerminal = outIsTerminal
        self.colorOut = colorOut
        self.colorErr = colorErr
    }

    /// The process's standard output and error. Colour only on a terminal, and never with
    /// `NO_COLOR` set or `noColor` (`--no-color`).
    public static func standard(noColor: Bool = false) -> Console {
        let allowed = !noColor && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        return Console(out: { StandardStream.output.write($0) },
                       err: { StandardStream.error.write($0) },
                       outIsTerminal: isatty(STDOUT_FILENO) == 1,
                       colorOut: allowed && isatty(STDOUT_FILENO) == 1, colorErr: allowed && isatty(STDERR_FILENO) == 1)
    }

    /// Diagnostics on standard error, through the one renderer.
    public func report(_ diagnostics: [Diagnostic], sources: [String: [UInt8]] = [:]) {
        guard !diagnostics.isEmpty else { return }
        let renderer = DiagnosticRenderer(sources: sources, color: colorErr)
        err(diagnostics.map { renderer.text($0) }.joined())
    }

    /// One problem with no place in a plan.
    public func error(_ message: String, code: DiagnosticCode = .commandLine, hint: String? = nil) {
        report([.commandLine(code, message, hint: hint)])
    }

    public func warning(_ message: String, code: DiagnosticCode = .commandLine, hint: String? = nil) {
        report([.commandLine(code, message, severity: .warning, hint: hint)])
    }
}
