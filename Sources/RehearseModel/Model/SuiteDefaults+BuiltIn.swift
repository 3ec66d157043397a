/// The built-in defaults and what a suite's `defaults:` make of them. Every stage that needs a
/// timeout or a retry policy nobody wrote asks here, so the fallback is stated once.
extension SuiteDefaults {
    /// A request's, handshake's and WebSocket step's bound when neither `--timeout`, the case's
    /// `timeout:` nor `defaults.timeout` sets one.
    public static let builtInTimeout: Duration = .seconds(10)

    /// `defaults.timeout`, else the built-in bound.
    public var requestTimeout: Duration { timeout ?? Self.builtInTimeout }

    /// The built-in policy with `defaults.retry` laid over it: what a case's own `retry:` refines,
    /// and what a login request runs with.
    public var retryPolicy: RetryPolicy { retry.map { $0.applied(to: RetryPolicy()) } ?? RetryPolicy() }
}
