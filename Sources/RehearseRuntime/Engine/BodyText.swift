#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Whether a response body can be shown as text. A PNG or a protobuf body decoded as UTF-8 is
/// noise at best and terminal escape sequences at worst, so failure details and messages show
/// such a body as `<N bytes, TYPE>` instead.
enum BodyText {
    /// `<N bytes, TYPE>` for a body that is not text; nil for text.
    static func placeholder(_ body: [UInt8], contentType: String?) -> String? {
        guard !body.isEmpty, !isText(body, contentType: contentType) else { return nil }
        let type = contentType?.trimmingSpaces()
        return "<\(body.count) byte\(body.count == 1 ? "" : "s"), \(type.flatMap { $0.isEmpty ? nil : $0 } ?? "no content type")>"
    }

    /// The content type decides when it names a text format (then invalid bytes show as U+FFFD)
    /// or a binary one. Without one, or with one not known here, the bytes decide: UTF-8 without
    /// NUL (which no text format holds) is text. Control characters stay text either way: they
    /// are escaped when shown (`VisibleText`).
    static func isText(_ body: [UInt8], contentType: String?) -> Bool {
        if let contentType {
            if isBinary(mediaType: contentType) { return false }
            if isTextual(mediaType: contentType) { return true }
        }
        if body.contains(0) { return false }
        var iterator = body.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    static func essence(_ mediaType: String) -> String {
        (mediaType.split(separator: ";").first.map(String.init) ?? mediaType).trimmingSpaces().lowercased()
    }

    static func isTextual(mediaType: String) -> Bool {
        let type = essence(mediaType)
        if type.hasPrefix("text/") || type.hasSuffix("+xml") || type.hasSuffix("+json") { return true }
        return ["application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded",
                "application/yaml", "application/x-yaml", "application/problem+json", "application/x-ndjson"].contains(type)
    }

    static func isBinary(mediaType: String) -> Bool {
        let type = essence(mediaType)
        if type.hasSuffix("+xml") || type.hasSuffix("+json") { return false }
        for major in ["image/", "audio/", "video/", "font/"] where type.hasPrefix(major) { return true }
        return ["application/octet-stream", "application/pdf", "application/zip", "application/gzip", "application/x-gzip",
                "application/x-tar", "application/x-7z-compressed", "application/x-protobuf", "application/protobuf",
                "application/vnd.google.protobuf", "application/grpc", "application/msgpack", "application/x-msgpack",
                "application/cbor", "application/wasm", "application/x-bzip2", "application/zstd"].contains(type)
    }
}
