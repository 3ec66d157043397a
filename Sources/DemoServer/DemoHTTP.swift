#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Request context of the demo router: keeps the connection's channel (so
/// `/reset` can drop it) and the claims of a verified bearer token.
struct DemoRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    var claims: DemoJWT.Claims?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.claims = nil
    }
}

/// Building and reading JSON bodies without a Codable type per endpoint: the
/// demo's payloads are small, loosely shaped and often echoed back verbatim.
enum DemoJSON {
    static let contentType = "application/json"

    static func encode(_ object: Any) -> Data {
        // Sorted keys make bodies byte-for-byte stable, which golden tests like.
        serialize(object)
    }

    static func response(_ status: HTTPResponse.Status, _ object: Any, headers: HTTPFields = [:]) -> Response {
        raw(status, encode(object), headers: headers)
    }

    /// Sends `data` as-is under a JSON content type, even when it is not JSON.
    static func raw(_ status: HTTPResponse.Status, _ data: Data, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = contentType
        headers[.contentLength] = String(data.count)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, detail: String? = nil, headers: HTTPFields = [:]) -> Response {
        var body: [String: Any] = ["error": code]
        if let detail { body["detail"] = detail }
        return response(status, body, headers: headers)
    }

    /// The raw request body; bodies past 4 MiB are refused rather than buffered.
    static func bodyData(of request: Request) async throws -> Data {
        let buffer = try await request.body.collect(upTo: 4 << 20)
        return Data(buffer.readableBytesView)
    }

    /// The body parsed as a JSON object, or nil when it is empty, invalid or not an object.
    static func object(of request: Request) async throws -> [String: Any]? {
        let data = try await bodyData(of: request)
        guard !data.isEmpty else { return nil }
        return parse(data) as? [String: Any]
    }

    /// A string field, or nil when it is absent, not a string or empty.
    static func string(_ object: [String: Any]?, _ key: String) -> String? {
        guard let value = object?[key] as? String, !value.isEmpty else { return nil }
        return value
    }
}

/// Gives Hummingbird's own errors (unknown route, body too large, ...) the
/// same JSON shape as every other error the demo returns.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = DemoRequestContext

    func handle(
        _ request: Request,
        context: DemoRequestContext,
        next: (Request, DemoRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let code = switch error.status {
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            case .contentTooLarge: "payload_too_large"
            case .badRequest: "bad_request"
            default: "http_\(error.status.code)"
            }
            return DemoJSON.error(error.status, code, detail: error.body, headers: error.headers)
        }
    }
}

/// Thrown after `/reset` has torn the connection down, so Hummingbird gives up
/// on the request instead of answering it.
struct ConnectionDropped: Error {}

extension DemoRequestContext {
    /// Aborts the TCP connection so the client sees a reset, not a response.
    func dropConnection() async throws -> Never {
        // A zero linger time turns close() into an RST; without it the client
        // would just read an orderly EOF, which some HTTP stacks retry silently.
        if let options = channel as? any SocketOptionProvider {
            try? await options.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close(mode: .all).get()
        throw ConnectionDropped()
    }
}
