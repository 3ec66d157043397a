import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RehearseModel
import RehearseRuntime

/// Sorting AHC and NIO failures into `TransportError.Kind`.
///
/// The kind decides whether the engine retries: `.connect` promises nothing reached the server,
/// `.closed` says the request may have been processed. Where an error could mean either, it is
/// sorted as `.closed`, so that a doubt never makes a non-idempotent request run twice.
///
/// Messages name the error and `host:port` only. Descriptions of foreign errors are never passed
/// through whole, since some embed header values (AHC's `invalidHeaderFieldValues`) and those may
/// be secrets.
extension AsyncHTTPTransport {
    static func classify(_ error: any Error, endpoint: TransportEndpoint, timeout: Duration, connectTimeout: Duration)
        -> TransportError
    {
        switch error {
        case let error as TransportError:
            return error
        case let error as BodyCapExceeded:
            return TransportError(.bodyTooLarge, "response body exceeds the \(byteCount(error.cap)) cap (\(endpoint))")
        case is CancellationError:
            return TransportError(.cancelled, "request cancelled (\(endpoint))")
        case let error as HTTPClientError:
            return classify(error, endpoint: endpoint, timeout: timeout, connectTimeout: connectTimeout)
        case let error as NIOConnectionError:
            return classify(error, endpoint: endpoint)
        case is SocketAddressError, is SocketAddressError.UnknownHost:
            return TransportError(.connect, "could not resolve host (\(endpoint))")
        case let error as IOError:
            return classify(errno: error.errnoCode, endpoint: endpoint)
        case let error as ChannelError:
            return classify(error, endpoint: endpoint, connectTimeout: connectTimeout)
        case HTTPParserError.invalidEOFState:
            return TransportError(.closed, "connection closed mid-response (\(endpoint))")
        case is HTTPParserError:
            return TransportError(.other, "malformed HTTP response (\(endpoint))")
        default:
            return classifyByModule(error, endpoint: endpoint)
        }
    }

    /// A body that arrived whole but could not be decoded (spec §7: decoded before expectations).
    static func classify(_ error: ContentDecoding.Failure, endpoint: TransportEndpoint, cap: Int) -> TransportError {
        switch error {
        case .tooLarge(let coding):
            return TransportError(.bodyTooLarge, "decoded \(coding) response body exceeds the \(byteCount(cap)) cap (\(endpoint))")
        case .corrupt(let coding):
            return TransportError(.other, "response body is not valid \(coding) data (Content-Encoding: \(coding)) (\(endpoint))")
        }
    }

    static func timeoutError(_ timeout: Duration, endpoint: TransportEndpoint) -> TransportError {
        TransportError(.timeout, "no response within \(seconds(timeout)) (\(endpoint))")
    }

    private static func classify(
        _ error: HTTPClientError, endpoint: TransportEndpoint, timeout: Duration, connectTimeout: Duration
    ) -> TransportError {
        switch error {
        case .deadlineExceeded, .readTimeout, .writeTimeout:
            return timeoutError(timeout, endpoint: endpoint)
        case .connectTimeout:
            return TransportError(.connect, "connect timed out after \(seconds(connectTimeout)) (\(endpoint))")
        case .tlsHandshakeTimeout:
            return TransportError(.connect, "TLS handshake timed out (\(endpoint))")
        case .socksHandshakeTimeout, .httpProxyHandshakeTimeout:
            return TransportError(.connect, "proxy handshake timed out (\(endpoint))")
        case .getConnectionFromPoolTimeout:
            // Queued behind busy connections: nothing was sent.
            return TransportError(.connect, "no free connection within \(seconds(connectTimeout)) (\(endpoint))")
        case .remoteConnectionClosed:
            return TransportError(.closed, "connection closed before a full response (\(endpoint))")
        case .uncleanShutdown:
            return TransportError(.closed, "TLS connection closed uncleanly (\(endpoint))")
        case .cancelled, .requestStreamCancelled:
            return TransportError(.cancelled, "request cancelled (\(endpoint))")
        case .alreadyShutdown:
            return TransportError(.other, "the HTTP transport is already shut down")
        case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath:
            return TransportError(.invalidRequest, "invalid URL (\(error.shortDescription.lowercased()))")
        case .traceRequestWithBody, .identityCodingIncorrectlyPresent, .bodyLengthMismatch:
            return TransportError(.invalidRequest, "\(error.shortDescription.lowercased()) (\(endpoint))")
        default:
            break
        }
        // Cases with associated values cannot be matched against a constant; `shortDescription`
        // is documented as free of those values, so it is safe to switch on and to print.
        switch error.shortDescription {
        case "Unsupported scheme":
            return TransportError(.invalidRequest, "unsupported URL scheme (expected http or https)")
        case "Invalid header field names", "Invalid header field values":
            return TransportError(.invalidRequest, "\(error.shortDescription.lowercased()) (\(endpoint))")
        case "Server offered unsupported application protocol":
            return TransportError(.connect, "server offered an unsupported ALPN protocol (\(endpoint))")
        default:
            return TransportError(.other, "HTTP client error: \(error.shortDescription.lowercased()) (\(endpoint))")
        }
    }

    private static func classify(_ error: NIOConnectionError, endpoint: TransportEndpoint) -> TransportError {
        if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
            return TransportError(.connect, "could not resolve host (\(endpoint))")
        }
        // Happy eyeballs tried several addresses; the first failure is representative, and it is
        // reported as a connect failure whatever it was, because no connection was made.
        for failure in error.connectionErrors {
            if let io = failure.error as? IOError {
                let sorted = classify(errno: io.errnoCode, endpoint: endpoint)
                if sorted.kind == .connect { return sorted }
                return TransportError(.connect, "could not connect: \(errnoText(io.errnoCode)) (\(endpoint))")
            }
        }
        return TransportError(.connect, "could not connect (\(endpoint))")
    }

    private static func classify(errno code: CInt, endpoint: TransportEndpoint) -> TransportError {
        switch code {
        case ECONNREFUSED:
            return TransportError(.connect, "connection refused (\(endpoint))")
        case EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL, ENETDOWN:
            return TransportError(.connect, "could not connect: \(errnoText(code)) (\(endpoint))")
        case ECONNRESET:
            return TransportError(.closed, "connection reset by peer (\(endpoint))")
        case EPIPE, ECONNABORTED, ETIMEDOUT:
            return TransportError(.closed, "connection closed: \(errnoText(code)) (\(endpoint))")
        default:
            return TransportError(.other, "network error: \(errnoText(code)) (\(endpoint))")
        }
    }

    private static func classify(_ error: ChannelError, endpoint: TransportEndpoint, connectTimeout: Duration)
        -> TransportError
    {
        switch error {
        case .connectTimeout:
            return TransportError(.connect, "connect timed out after \(seconds(connectTimeout)) (\(endpoint))")
        case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed:
            return TransportError(.closed, "connection closed before a full response (\(endpoint))")
        default:
            return TransportError(.other, "network error: \(error) (\(endpoint))")
        }
    }

    /// What a certificate failure message ends with: the way out for a self-signed staging
    /// certificate, and what it costs.
    static let insecureHint = "if the certificate is self-signed on purpose, --insecure skips verification (for this run, for every host)"

    /// TLS and HTTP/2 errors come from modules that this target reaches only through AHC, so they
    /// are recognised by the module that declares their type.
    private static func classifyByModule(_ error: any Error, endpoint: TransportEndpoint) -> TransportError {
        let typeName = String(reflecting: type(of: error))
        let module = typeName.prefix { $0 != "." }
        switch module {
        case "NIOSSL":
            let text = String(describing: error)
            if text.contains("uncleanShutdown") {
                return TransportError(.closed, "TLS connection closed uncleanly (\(endpoint))")
            }
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return TransportError(.connect, "TLS certificate verification failed (\(endpoint)); \(insecureHint)")
            }
            if text.contains("failedToValidateHostname") {
                return TransportError(.connect, "TLS certificate does not match the host (\(endpoint)); \(insecureHint)")
            }
            return TransportError(.connect, "TLS handshake failed (\(endpoint))")
        case "NIOHTTP2":
            return TransportError(.closed, "HTTP/2 stream closed before a full response (\(endpoint))")
        default:
            return TransportError(.other, "unexpected transport error \(typeName) (\(endpoint))")
        }
    }

    private static func errnoText(_ code: CInt) -> String {
        String(cString: strerror(code)).lowercased()
    }

    /// "2s", "1.5s", "250ms": the shape a plan author wrote.
    static func seconds(_ duration: Duration) -> String {
        let ms = nanoseconds(duration) / 1_000_000
        if ms < 1000 { return "\(ms)ms" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return Text.fixed(Double(ms) / 1000, digits: 1) + "s"
    }

    /// "10 MiB", "512 KiB", "1000 bytes".
    static func byteCount(_ bytes: Int) -> String { ByteCount.text(bytes) }
}
