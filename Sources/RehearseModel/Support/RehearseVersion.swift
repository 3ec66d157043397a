/// The tool's version, shown by `rehearse --version` and written into reports.
public enum RehearseVersion {
    public static let string = "0.1.0"

    /// `0.1.0 (commit 1a2b3c4d5e6f, built 2026-11-29T10:00:00Z)`: what `--version` prints.
    public static var long: String { "\(string) (commit \(commit), built \(buildDate))" }

    /// For tools: `rehearse version --format json`.
    public static var json: JSONValue {
        ["version": .string(string), "commit": .string(commit), "build_date": .string(buildDate)]
    }
}
