/// Codes of `each`, `teardown` and `extends` (spec §9).
extension DiagnosticCode {
    /// An `each:` that is not a list, a `{file:}` or a capture reference, or an empty list.
    public static let each = DiagnosticCode(rawValue: "each")
    /// An `each` data file that is missing, outside the suite folder or unreadable.
    public static let eachFile = DiagnosticCode(rawValue: "each-file")
    /// `{{ item.x }}` naming a field the elements of the list do not have.
    public static let itemField = DiagnosticCode(rawValue: "item-field")
    /// `extends:` naming a template that `rehearse.yaml` does not define, or a bad template.
    public static let unknownTemplate = DiagnosticCode(rawValue: "unknown-template")
}

extension DiagnosticBag {
    /// Rewrites the diagnostics from `start` on that `rewrite` changes (returns non-nil for): a
    /// key that came from a suite template is reported in the plan and names the template's line.
    public func annotate(from start: Int, _ rewrite: (Diagnostic) -> Diagnostic?) {
        replaceItems(from: start) { rewrite($0) ?? $0 }
    }
}
