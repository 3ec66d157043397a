extension DiagnosticCode {
    /// A step or matcher key that the kind of stream cannot use: `send`/`close` in an SSE case,
    /// `event`/`id` in a WebSocket matcher (spec §8).
    public static let streamStep = DiagnosticCode(rawValue: "stream-step")
}
