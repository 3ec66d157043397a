// Written by scripts/install.sh for release builds (and restored after); a plain `swift build`
// keeps these values.
extension RehearseVersion {
    /// The git commit the binary was built from.
    public static let commit = "unknown"
    /// When the binary was built, ISO 8601 in UTC.
    public static let buildDate = "unknown"
}
