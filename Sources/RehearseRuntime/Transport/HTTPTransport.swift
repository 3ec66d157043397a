#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// One HTTP request, fully rendered, ready to send.
public struct HTTPRequestData: Sendable {
    public var method: String
    public var url: String
    /// In order; names as written. Several headers may share a name.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Whole exchange: connect, send, headers and body.
    public var timeout: Duration

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
                timeout: Duration = SuiteDefaults.builtInTimeout) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// What came back.
public struct HTTPResponseData: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// From just before sending to the last body byte.
    public var duration: Duration

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], duration: Duration) {
        self.status = status
        self.headers = headers
        self.body = body
        self.duration = duration
    }

    /// First value of a header, names compared case-insensitively.
    public func header(_ name: String) -> String? { headers.value(of: name) }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Why an exchange produced no response. The category decides retries (spec §5).
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Nothing was sent: refused, DNS failure, TLS handshake failure, connect timeout.
        case connect
        /// The exchange did not finish within its timeout (request possibly sent).
        case timeout
        /// The connection closed or reset after the request was sent, before a full response.
        case closed
        /// The body exceeded the response cap.
        case bodyTooLarge
        /// The URL could not be used (bad scheme, no host).
        case invalidRequest
        /// The run was interrupted.
        case cancelled
        case other
    }
    public var kind: Kind
    /// Short and human: "connection refused (127.0.0.1:9)", "no response within 2s".
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Sends HTTP requests. The engine holds one for the whole run (pooled connections); tests swap
/// in a fake.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequestData) async throws(TransportError) -> HTTPResponseData
    /// Closes pooled connections; called once at the end of a run.
    func shutdown() async
}

extension Array where Element == (name: String, value: String) {
    /// The first value of the header `name`, compared case-insensitively as HTTP requires.
    public func value(of name: String) -> String? {
        first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }
}

extension String {
    /// Equality with ASCII letters compared case-insensitively, as HTTP header names are (RFC 9110
    /// §5.1); other characters must match exactly. Cheaper than Foundation's locale-aware compare.
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = x | 0x20
            guard lx == y | 0x20, lx >= UInt8(ascii: "a"), lx <= UInt8(ascii: "z") else { return false }
        }
        return true
    }
}
