#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Every secret the run has seen (JWT secrets, passwords, static and minted tokens, credentials
/// written into a plan's headers); everything the tool prints or writes goes through `mask`, which
/// replaces each with `***`.
///
/// Masking happens before any text is cut (see `excerpt`), and a cut that ends inside a secret
/// hides what is left of it: `mask` treats a long enough start of a secret just before `…` or at
/// the end of the text as the secret itself.
public final class SecretMasker: Sendable {
    private struct State {
        var secrets: [String] = []
        /// Distinct values too short to mask: the same one is often registered twice (a
        /// variable and the profile that uses it).
        var tooShort: Set<String> = []
    }
    private let state = Mutex(State())

    /// Secrets shorter than this are not masked: replacing every `e` or `ab` in the output would
    /// make messages, ids and reports unreadable while hiding next to nothing. The run says so once
    /// on standard error instead (`tooShortToMask`).
    public static let minimumLength = 4

    /// The mark a cut leaves; a secret's start just before it is masked like the whole secret.
    public static let cutMark = "…"

    public init() {}

    /// Registers a secret. A 4-character staging password is still a secret and is masked
    /// (hiding the same letters in unrelated text is the safer mistake); shorter values are counted.
    public func add(_ secret: String) {
        guard !secret.isEmpty else { return }
        state.withLock { s in
            guard !s.secrets.contains(secret) else { return }
            guard secret.count >= Self.minimumLength else {
                s.tooShort.insert(secret)
                return
            }
            s.secrets.append(secret)
            // Longest first, so a token is masked whole before any secret inside it.
            s.secrets.sort { $0.count > $1.count }
        }
    }

    /// How many distinct secrets were too short to mask (see `minimumLength`).
    public var tooShortToMask: Int { state.withLock { $0.tooShort.count } }

    /// The one-line warning for `tooShortToMask`, or nil when every secret is masked.
    public var tooShortWarning: String? {
        let n = tooShortToMask
        guard n > 0 else { return nil }
        return "warning: \(n) secret value\(n == 1 ? " is" : "s are") shorter than \(Self.minimumLength) characters and "
            + "not masked in output (masking \(n == 1 ? "it" : "them") would garble every word that contains \(n == 1 ? "it" : "them"))"
    }

    /// Names of environment variables that hold credentials by convention.
    public static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS", "KEY", "AUTH", "CREDENTIAL", "PRIVATE", "COOKIE", "SESSION"]
            .contains { upper.contains($0) }
    }

    /// Headers whose value is a credential wherever it comes from (a profile, a plan, a variable).
    public static func isCredentialHeader(_ name: String) -> Bool {
        ["authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"].contains(name.lowercased())
    }

    /// Registers the credential a header carries: the whole value and, for `Scheme credential`,
    /// the credential alone (a server echoing it back may drop the scheme).
    public func addCredentialHeader(value: String) {
        let trimmed = Text.trimmed(value)
        add(trimmed)
        if let space = trimmed.firstIndex(of: " ") {
            add(Text.trimmed(trimmed[trimmed.index(after: space)...]))
        }
        // `Cookie: session=abc; csrf=def`: each value on its own.
        for pair in trimmed.split(separator: ";") {
            if let eq = pair.firstIndex(of: "=") { add(Text.trimmed(pair[pair.index(after: eq)...])) }
        }
    }

    /// Registers the credential headers among `headers` (see `isCredentialHeader`).
    public func addCredentials(in headers: [(name: String, value: String)]) {
        for h in headers where Self.isCredentialHeader(h.name) { addCredentialHeader(value: h.value) }
    }

    public var isEmpty: Bool { state.withLock { $0.secrets.isEmpty } }

    public func mask(_ text: String) -> String {
        let list = state.withLock { $0.secrets }
        guard !list.isEmpty else { return text }
        var out = text
        // Bytes, not characters: a secret followed by a combining mark is one `Character` shorter.
        for s in list where Text.containsBytes(s, in: out) { out = Text.replacing(s, with: "***", in: out) }
        return Self.maskCutSecrets(out, list)
    }

    /// The text masked, then cut to `limit` characters with `…` and `note` after the cut: masking
    /// first means a secret crossing the cut is already `***`, never half shown.
    public func excerpt(_ text: String, limit: Int, note: String = "") -> String {
        let masked = mask(text)
        guard masked.count > limit else { return masked }
        return String(masked.prefix(limit)) + Self.cutMark + note
    }

    /// How long a secret's start at the very end of a text (no cut mark) must be to be masked.
    /// Shorter ones are mostly whole words that happen to begin a secret (the case id `bearer`
    /// with a token `bearerTOK…`, the user `admin` with a password `admin-pass…`), and masking
    /// them rewrote ids and values in every report; eight characters are a real start of a secret.
    public static let endOfTextPrefixLength = 8

    /// A start of a secret that ends right before a cut mark (at least `minimumLength`
    /// characters) or at the end of the text (at least `endOfTextPrefixLength`, or more than half
    /// of a shorter secret): what an earlier cut, or a truncated response, left of a secret.
    static func maskCutSecrets(_ text: String, _ secrets: [String]) -> String {
        // Each piece ends at a cut or, the last one, at the end of the text.
        let pieces = text.components(separatedBy: cutMark)
        var changed = false
        let masked = pieces.enumerated().map { i, piece -> String in
            let atEnd = i == pieces.count - 1
            let n = secrets.map { secret in
                // A short secret's start is hidden once it is more than half of it.
                let least = atEnd ? max(minimumLength, min(endOfTextPrefixLength, secret.count / 2 + 1)) : minimumLength
                return longestCutPrefix(of: secret, endingAt: piece, least: least)
            }.max() ?? 0
            guard n > 0 else { return piece }
            changed = true
            return String(piece.dropLast(n)) + "***"
        }
        return changed ? masked.joined(separator: cutMark) : text
    }

    /// The length of the longest start of `secret`, shorter than the secret and at least
    /// `least` long, that `text` ends with; 0 when there is none.
    static func longestCutPrefix(of secret: String, endingAt text: String, least: Int = minimumLength) -> Int {
        guard let first = secret.first, text.count >= least else { return 0 }
        // Cheap rejection first: the text's last few characters must occur in the secret at all.
        guard secret.contains(text.suffix(least)) else { return 0 }
        let k = min(secret.count - 1, text.count)
        guard k >= least else { return 0 }
        let tail = Array(text.suffix(k)), head = Array(secret.prefix(k))
        // Candidates start where the secret's first character is; the longest is the leftmost.
        for i in tail.indices where tail[i] == first {
            let n = tail.count - i
            guard n >= least else { break }
            if tail[i...].elementsEqual(head[..<n]) { return n }
        }
        return 0
    }

    /// Masks every string value inside a JSON value. Keys are structure, not data: masking them
    /// would change what the document means (and a short secret would rewrite field names).
    public func mask(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(mask(s))
        case .array(let a): return .array(a.map(mask))
        case .object(let o): return .object(o.mapValues(mask))
        default: return value
        }
    }
}
