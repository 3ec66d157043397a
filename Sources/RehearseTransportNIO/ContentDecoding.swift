import CBrotli
import CZlib
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseRuntime

/// Undoes `Content-Encoding` (gzip, deflate, br) before any expectation sees a body (spec §7).
///
/// Decoding is bounded by the same cap as raw bodies: a small compressed body that would inflate
/// past it (a "zip bomb") stops at the cap with `.bodyTooLarge` and never holds more than the cap
/// plus one output chunk in memory.
enum ContentDecoding {
    /// A failure to decode; the transport turns it into a `TransportError`.
    enum Failure: Error, Equatable {
        case tooLarge(encoding: String)
        case corrupt(encoding: String)
    }

    /// The body with every encoding listed in `Content-Encoding` undone, last applied first
    /// (RFC 9110 §8.4). Unknown codings (and `identity`) leave the body as it came, so the
    /// expectations see what the server sent rather than an error.
    static func decode(_ body: [UInt8], contentEncoding: String?, cap: Int) throws(Failure) -> [UInt8] {
        guard let contentEncoding, !body.isEmpty else { return body }
        let codings = contentEncoding.split(separator: ",").map { $0.trimmingSpaces().lowercased() }
        var out = body
        for coding in codings.reversed() {
            switch coding {
            case "gzip", "x-gzip": out = try inflate(out, windowBits: 15 + 32, name: coding, cap: cap)
            case "deflate":
                // RFC 9110 says zlib-wrapped; some servers send raw deflate, so fall back to it.
                do { out = try inflate(out, windowBits: 15, name: coding, cap: cap) } catch .corrupt {
                    out = try inflate(out, windowBits: -15, name: coding, cap: cap)
                }
            case "br": out = try brotli(out, cap: cap)
            default: return out
            }
        }
        return out
    }

    private static let chunk = 64 * 1024

    /// zlib's inflate; `15 + 32` reads gzip or zlib headers, `-15` raw deflate. Concatenated
    /// gzip members (allowed by RFC 1952) are read one after another.
    private static func inflate(_ input: [UInt8], windowBits: Int32, name: String, cap: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard rehearse_inflate_init(&stream, windowBits) == Z_OK else { throw .corrupt(encoding: name) }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        var failure: Failure?
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                let status = buffer.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                guard output.count + produced <= cap else { failure = .tooLarge(encoding: name); return }
                output.append(contentsOf: buffer[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Another gzip member may follow; trailing garbage after the last one is ignored.
                    guard stream.avail_in > 0, windowBits > 15, inflateReset(&stream) == Z_OK else { return }
                case Z_OK:
                    if stream.avail_in == 0 && produced == 0 { failure = .corrupt(encoding: name); return }
                case Z_BUF_ERROR:
                    // No progress possible: the input ended before the stream did.
                    failure = .corrupt(encoding: name)
                    return
                default:
                    failure = .corrupt(encoding: name)
                    return
                }
            }
        }
        if let failure { throw failure }
        return output
    }

    private static func brotli(_ input: [UInt8], cap: Int) throws(Failure) -> [UInt8] {
        guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else { throw .corrupt(encoding: "br") }
        defer { BrotliDecoderDestroyInstance(state) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        var failure: Failure?
        input.withUnsafeBufferPointer { source in
            var availableIn = source.count
            var nextIn = source.baseAddress
            while true {
                var availableOut = chunk
                let result = buffer.withUnsafeMutableBufferPointer { out -> BrotliDecoderResult in
                    var nextOut = out.baseAddress
                    return BrotliDecoderDecompressStream(state, &availableIn, &nextIn, &availableOut, &nextOut, nil)
                }
                let produced = chunk - availableOut
                guard output.count + produced <= cap else { failure = .tooLarge(encoding: "br"); return }
                output.append(contentsOf: buffer[0..<produced])
                switch result {
                case BROTLI_DECODER_RESULT_SUCCESS: return
                case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: continue
                default:
                    // NEEDS_MORE_INPUT with the input used up is a truncated stream.
                    failure = .corrupt(encoding: "br")
                    return
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}
