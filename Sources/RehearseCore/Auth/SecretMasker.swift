import Foundation
import Synchronization

/// Every secret the run has seen (JWT secrets, passwords, static and minted tokens); everything
/// the tool prints or writes goes through `mask`, which replaces each with `***`.
public final class SecretMasker: Sendable {
    private let secrets = Mutex<[String]>([])

    public init() {}

    /// Registers a secret. Very short values are registered too, since a 5-byte staging secret is
    /// still a secret; masking may then hide the same letters in unrelated text, which is the
    /// safer mistake.
    public func add(_ secret: String) {
        guard !secret.isEmpty else { return }
        secrets.withLock { list in
            guard !list.contains(secret) else { return }
            list.append(secret)
            // Longest first, so a token is masked whole before any secret inside it.
            list.sort { $0.count > $1.count }
        }
    }

    /// Names of environment variables that hold credentials by convention.
    public static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS", "KEY", "AUTH", "CREDENTIAL", "PRIVATE", "COOKIE", "SESSION"]
            .contains { upper.contains($0) }
    }

    public var isEmpty: Bool { secrets.withLock { $0.isEmpty } }

    public func mask(_ text: String) -> String {
        let list = secrets.withLock { $0 }
        guard !list.isEmpty else { return text }
        var out = text
        for s in list where out.contains(s) { out = out.replacingOccurrences(of: s, with: "***") }
        return out
    }

    /// Masks every string inside a JSON value (keys too).
    public func mask(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(mask(s))
        case .array(let a): return .array(a.map(mask))
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, v) in o { out[mask(k)] = mask(v) }
            return .object(out)
        default: return value
        }
    }
}
