/// The tool's version, shown by `rehearse --version` and written into reports.
public enum RehearseVersion {
    public static let string = "0.1.0"
}
