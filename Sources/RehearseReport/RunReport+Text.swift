import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// The free text of a run (ids, names, messages, the exchange) passed through one function: how
/// reports mask secrets and escape control characters without touching structure (outcomes,
/// priorities, numbers, field names).
extension RunReport {
    public func mapText(_ f: (String) -> String) -> RunReport {
        var out = self
        out.environment = environment.map(f)
        out.logins = logins.map { var l = $0; l.failure = l.failure.map(f); return l }
        out.results = results.map { $0.mapText(f) }
        out.authDiagnoses = authDiagnoses.map { $0.mapText(f) }
        return out
    }

    /// The run with every free-text field passed through the masker (ids and tags are plan text,
    /// but a secret could still be pasted into a name, so they are masked too).
    public func masked(by masker: SecretMasker) -> RunReport {
        guard !masker.isEmpty else { return self }
        return mapText(masker.mask)
    }

    /// The run as it may reach a terminal or a document: control characters shown as `\x1b`.
    public func visible() -> RunReport { mapText(VisibleText.escape) }
}

extension CaseResult {
    public func mapText(_ f: (String) -> String) -> CaseResult {
        var r = self
        r.planID = f(r.planID)
        r.caseID = f(r.caseID)
        r.name = r.name.map(f)
        r.tags = r.tags.map(f)
        r.reason = r.reason.map(f)
        r.auth = r.auth.map(f)
        r.failures = r.failures.map { Failure($0.kind, f($0.message), at: $0.location) }
        r.captureNames = r.captureNames.map(f)
        r.failedAttempts = r.failedAttempts.map { FailedAttempt(number: $0.number, at: $0.at, cause: f($0.cause)) }
        if var e = r.exchange {
            e.requestLine = f(e.requestLine)
            e.requestHeaders = e.requestHeaders.map { ($0.name, f($0.value)) }
            e.responseHeaders = e.responseHeaders.map { ($0.name, f($0.value)) }
            e.bodyExcerpt = e.bodyExcerpt.map(f)
            e.requestBody = e.requestBody.map(f)
            r.exchange = e
        }
        return r
    }
}

/// Text from servers and plans made safe to show: a response can hold `ESC]0;…BEL` (sets the
/// terminal's title) or `ESC[2K\r` (erases the line and writes a fake one). Control characters
/// other than newline and tab are written as `\x1b`, so they are seen, never obeyed. JSON reports
/// keep the text as it was (JSON escapes it itself).
public enum VisibleText {
    public static func escape(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: needsEscape) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for u in s.unicodeScalars {
            if needsEscape(u) {
                let hex = String(u.value, radix: 16)
                out += u.value > 0xFF ? "\\u{" + hex + "}" : "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// C0 controls but newline and tab, DEL, C1 controls (U+009B is a CSI on some terminals), and
    /// the bidirectional controls (U+202E makes a terminal show the rest of the line reversed:
    /// "Trojan Source"), shown as `\u{202e}`.
    static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v == 0x0A || v == 0x09 { return false }
        return v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v)
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
    }
}
