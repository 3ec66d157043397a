/// The exit codes of spec §6: what every command's outcome comes down to.
public enum ExitStatus: Int32, Sendable {
    /// Every selected case passed, xfailed or was skipped; or the gates were met; or lint is clean.
    case ok = 0
    /// A case failed, errored or xpassed; a gate was missed; a report could not be written.
    case failed = 1
    /// Invalid plans or command line; nothing was sent.
    case invalid = 2
    /// The environment lacks what the plans need; nothing was sent.
    case environment = 3
    /// Interrupted; the reports written are complete for what ran.
    case interrupted = 130
}
