import Synchronization

/// Every distinct regex of the process, compiled once: lint checks a pattern by compiling it, and
/// the run then matches with that same compiled regex. Generated suites repeat the same patterns,
/// and Swift's `Regex` construction would dominate lint time otherwise.
package final class RegexStore: Sendable {
    package static let shared = RegexStore()
    private let cache = Mutex<[String: Result<Regex<AnyRegexOutput>, RegexCompileError>]>([:])

    struct RegexCompileError: Error { let message: String }

    func compiled(_ pattern: String) -> Result<Regex<AnyRegexOutput>, RegexCompileError> {
        if let hit = cache.withLock({ $0[pattern] }) { return hit }
        let made: Result<Regex<AnyRegexOutput>, RegexCompileError>
        do { made = .success(try Regex(pattern)) } catch { made = .failure(RegexCompileError(message: "\(error)")) }
        cache.withLock { $0[pattern] = made }
        return made
    }

    /// The compiled regex, or nil when the pattern is invalid.
    package func regex(_ pattern: String) -> Regex<AnyRegexOutput>? { try? compiled(pattern).get() }

    /// nil when `pattern` compiles; otherwise the compiler's message.
    package func error(for pattern: String) -> String? {
        if case .failure(let e) = compiled(pattern) { return e.message }
        return nil
    }
}

/// `Regex` is not `Sendable` because its `Output` type parameter could be anything; here it is
/// always `AnyRegexOutput` built from a pattern string, used only for matching, which reads the
/// regex and never mutates it. That makes sharing it across tasks safe.
extension Regex: @retroactive @unchecked Sendable {}
