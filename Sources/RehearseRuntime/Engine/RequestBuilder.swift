#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Headers in precedence order: setting a name again (any case) replaces the earlier value.
struct HeaderList {
    private(set) var items: [(name: String, value: String)] = []

    mutating func set(_ name: String, _ value: String) {
        items.removeAll { $0.name.equalsIgnoringASCIICase(name) }
        items.append((name, value))
    }
}

/// Renders an `HTTPRequestSpec` into bytes to send: URL with query, headers in precedence order,
/// and the body with its content type.
enum RequestBuilder {
    static func build(_ spec: HTTPRequestSpec, renderer: TemplateRenderer, common: [(name: String, value: String)],
                      credentials: Credentials, timeout: Duration) throws(RenderError) -> HTTPRequestData {
        var url = try renderer.renderString(spec.url)
        if !spec.query.isEmpty {
            var items: [String] = []
            for (k, t) in spec.query { items.append(percentEncode(k) + "=" + percentEncode(try renderer.renderString(t))) }
            url += (url.contains("?") ? "&" : "?") + items.joined(separator: "&")
        }
        // Later sources win for the same name: suite/environment, then credentials, then the case.
        var headers = HeaderList()
        for h in common { headers.set(h.name, h.value) }
        for h in credentials.headers { headers.set(h.name, h.value) }
        var explicit: [(String, String)] = []
        for (k, t) in spec.headers { explicit.append((k, try renderer.renderString(t))) }
        var body: [UInt8]?
        var contentType: String?
        switch spec.body {
        case .json(let v)?:
            body = Array(try renderer.render(v).jsonText.utf8)
            contentType = "application/json"
        case .text(let t)?:
            body = Array(try renderer.renderString(t).utf8)
            contentType = "text/plain; charset=utf-8"
        case .form(let fields)?:
            var parts: [String] = []
            for (k, t) in fields { parts.append(formEncode(k) + "=" + formEncode(try renderer.renderString(t))) }
            body = Array(parts.joined(separator: "&").utf8)
            contentType = "application/x-www-form-urlencoded"
        case nil:
            break
        }
        if let contentType { headers.set("Content-Type", contentType) }
        for (k, v) in explicit { headers.set(k, v) }
        return HTTPRequestData(method: spec.method, url: url, headers: headers.items, body: body, timeout: timeout)
    }

    /// Every byte but RFC 3986's unreserved ones as `%XX`.
    static func percentEncode(_ s: String) -> String {
        Text.percentEncoded(s, keeping: Text.isUnreserved)
    }

    /// application/x-www-form-urlencoded: spaces as '+'.
    static func formEncode(_ s: String) -> String {
        percentEncode(s).replacingAll("%20", with: "+")
    }
}
