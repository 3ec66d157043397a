extension DiagnosticCode {
    /// The environment's `tls:` cannot be used: an unreadable PEM, a key that is not the
    /// certificate's (exit 3, before anything is sent).
    public static let tls = DiagnosticCode(rawValue: "tls")
    /// `rehearse auth --probe` has nothing to send: no profile has a `probe:`.
    public static let noProbe = DiagnosticCode(rawValue: "no-probe")
}
