extension Selection {
    /// The case a result id belongs to: an `each` instance (`plan/case[0]`, `plan/case[NAME]`,
    /// spec §9) belongs to `plan/case`; any other id is its own case. The one place that knows
    /// the instance suffix.
    public static func caseID(ofResult id: String) -> String {
        guard id.hasSuffix("]") else { return id }
        let caseStart = id.lastIndex(of: "/").map { id.index(after: $0) } ?? id.startIndex
        guard let open = id[caseStart...].firstIndex(of: "["), open > caseStart else { return id }
        return String(id[..<open])
    }
}
