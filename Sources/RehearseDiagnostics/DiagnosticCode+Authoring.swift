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
    /// Adds `note` to the hint of every diagnostic from `start` on that `matches`: a key that came
    /// from a suite template is reported in the plan and names the template's line too.
    public func annotate(from start: Int, where matches: (Diagnostic) -> String?) {
        replaceItems(from: start) { d in
            guard let note = matches(d) else { return d }
            var out = d
            out.hint = out.hint.map { "\($0) (\(note))" } ?? note
            return out
        }
    }
}
