import RehearseModel
import RehearseResults

/// The auth diagnosis (spec §10) as the console, Markdown and HTML reports print it: the same
/// lines everywhere, already masked when they were made.
public enum AuthDiagnosisText {
    public static func console(_ diagnoses: [AuthDiagnosis]) -> String {
        guard !diagnoses.isEmpty else { return "" }
        var out = "\nAuth diagnosis: every case sending these profiles' credentials was refused, so the probe asked the server\n"
        for d in diagnoses { out += d.lines.map { VisibleText.escape($0) }.joined(separator: "\n") + "\n" }
        return out
    }

    public static func markdown(_ diagnoses: [AuthDiagnosis]) -> String {
        guard !diagnoses.isEmpty else { return "" }
        var out = "\n### Auth diagnosis\n\nEvery case sending these profiles' credentials was refused, so the probe asked the server:\n\n"
        for d in diagnoses {
            out += "```text\n" + d.lines.map { VisibleText.escape($0).replacingAll("```", with: "`\u{200B}``") }.joined(separator: "\n") + "\n```\n\n"
        }
        return out
    }

    public static func html(_ diagnoses: [AuthDiagnosis], escape: (String) -> String) -> String {
        guard !diagnoses.isEmpty else { return "" }
        var out = "<section class=\"auth-diagnosis\"><h2>Auth diagnosis</h2>\n<p>Every case sending these profiles' credentials was refused, so the probe asked the server:</p>\n"
        for d in diagnoses { out += "<pre>" + escape(d.lines.map { VisibleText.escape($0) }.joined(separator: "\n")) + "</pre>\n" }
        return out + "</section>\n"
    }
}
