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
        if let problem = Self.nestingProblem(pattern) {
            made = .failure(RegexCompileError(message: problem))
        } else {
            do { made = .success(try Regex(pattern)) } catch { made = .failure(RegexCompileError(message: "\(error)")) }
        }
        cache.withLock { $0[pattern] = made }
        return made
    }

    /// How deep character classes may nest (`[[a-z]&&[^q]]` is 2). Swift's regex parser limits
    /// nested groups itself but recurses into nested classes without limit: 10,000 of them
    /// overflow the stack, and a pattern can come from a server (a JSONPath `match()` against a
    /// document value, a template rendered from a capture).
    static let maxClassDepth = 100

    /// Why `pattern` is refused before Swift's parser sees it, or nil. Every place that compiles
    /// a pattern from plan or server text asks this first.
    static func nestingProblem(_ pattern: String) -> String? {
        var depth = 0, operations = 0, escaped = false
        // The first half of a possible set operation (`&&`, `--`, `~~`) inside a class.
        var half: Unicode.Scalar?
        for u in pattern.unicodeScalars {
            let previous = half
            half = nil
            if escaped {
                escaped = false
                continue
            }
            switch u {
            case "\\": escaped = true
            case "[":
                depth += 1
                if depth > maxClassDepth { return "character classes nest more than \(maxClassDepth) levels deep" }
            case "]":
                if depth > 0 { depth -= 1 }
            case "&", "-", "~":
                guard depth > 0 else { break }
                // A chain of set operations recurses in the parser like nesting does.
                guard previous == u else { half = u; break }
                operations += 1
                if operations > maxClassDepth { return "character classes hold more than \(maxClassDepth) set operations" }
            default: break
            }
        }
        return nil
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
