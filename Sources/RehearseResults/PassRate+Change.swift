extension PassRate {
    /// The change from one rate to another in percentage points, in the tenths every rate is
    /// printed with: "+89.1 pp", "-2.5 pp", "±0 pp"; "new" or "gone" when one side ran nothing.
    public static func change(from before: PassRate?, to after: PassRate?) -> String {
        guard let after else { return before == nil ? "-" : "gone" }
        guard let before else { return "new" }
        let d = after.permille - before.permille
        if d == 0 { return "±0 pp" }
        let a = abs(d)
        return (d > 0 ? "+" : "-") + (a % 10 == 0 ? "\(a / 10)" : "\(a / 10).\(a % 10)") + " pp"
    }

    /// "0% → 89.1% (+89.1 pp)", the one way a rate before and after is written.
    public static func transition(from before: PassRate?, to after: PassRate?) -> String {
        "\(text(before)) → \(text(after)) (\(change(from: before, to: after)))"
    }
}
