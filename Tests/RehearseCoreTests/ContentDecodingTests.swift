import CZlib
import XCTest

@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseParser
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import RehearseReport

/// Spec §7: gzip, deflate and br bodies are decoded before expectations see them, under a cap.
final class ContentDecodingTests: XCTestCase {
    let json = #"{"id":7,"items":[{"id":7}],"text":""# + String(repeating: "hello ", count: 200) + #""}"#

    func testGzipDeflateAndRawDeflateDecode() throws {
        let plain = Array(json.utf8)
        XCTAssertEqual(try ContentDecoding.decode(compress(plain, windowBits: 31), contentEncoding: "gzip", cap: 1 << 20), plain)
        XCTAssertEqual(try ContentDecoding.decode(compress(plain, windowBits: 31), contentEncoding: "X-GZIP", cap: 1 << 20), plain)
        XCTAssertEqual(try ContentDecoding.decode(compress(plain, windowBits: 15), contentEncoding: "deflate", cap: 1 << 20), plain)
        XCTAssertEqual(try ContentDecoding.decode(compress(plain, windowBits: -15), contentEncoding: "deflate", cap: 1 << 20), plain)
    }

    func testConcatenatedGzipMembersAndStackedCodings() throws {
        let a = Array("first,".utf8), b = Array("second".utf8)
        let members = compress(a, windowBits: 31) + compress(b, windowBits: 31)
        XCTAssertEqual(try ContentDecoding.decode(members, contentEncoding: "gzip", cap: 1 << 20), a + b)
        // Applied in order deflate then gzip: undone gzip first.
        let stacked = compress(compress(a, windowBits: 15), windowBits: 31)
        XCTAssertEqual(try ContentDecoding.decode(stacked, contentEncoding: "deflate, gzip", cap: 1 << 20), a)
    }

    func testBrotliDecodes() throws {
        // `{"encoding":"br","pad":"abab…"}` (100 × "ab"), compressed by libbrotlienc at quality 5.
        let encoded: [UInt8] = [
            0x1b, 0xe1, 0x00, 0x00, 0x04, 0xe4, 0x64, 0xa9, 0x3f, 0x0b, 0x49, 0x6b, 0xcc, 0x66, 0x8a, 0x99, 0x6a, 0x5a,
            0x92, 0x4a, 0x12, 0x9a, 0x4c, 0x06, 0xcc, 0xea, 0x71, 0x5e, 0x17, 0xd5, 0x89, 0xe2, 0x8b, 0x30, 0x16, 0x06,
            0x98, 0x07, 0x0f,
        ]
        let decoded = try ContentDecoding.decode(encoded, contentEncoding: "br", cap: 1 << 20)
        XCTAssertEqual(String(decoding: decoded, as: UTF8.self),
                       #"{"encoding":"br","pad":""# + String(repeating: "ab", count: 100) + #""}"#)
        XCTAssertThrowsError(try ContentDecoding.decode(Array(encoded.prefix(20)), contentEncoding: "br", cap: 1 << 20)) {
            XCTAssertEqual($0 as? ContentDecoding.Failure, .corrupt(encoding: "br"))
        }
    }

    func testBombStopsAtTheCap() throws {
        // 64 MiB of zeros compress to about 64 KB.
        let bomb = compress([UInt8](repeating: 0, count: 64 << 20), windowBits: 31)
        XCTAssertLessThan(bomb.count, 200_000)
        XCTAssertThrowsError(try ContentDecoding.decode(bomb, contentEncoding: "gzip", cap: 10 << 20)) {
            XCTAssertEqual($0 as? ContentDecoding.Failure, .tooLarge(encoding: "gzip"))
        }
    }

    func testCorruptTruncatedAndUnknownBodies() throws {
        let gz = compress(Array(json.utf8), windowBits: 31)
        XCTAssertThrowsError(try ContentDecoding.decode(Array(gz.prefix(gz.count / 2)), contentEncoding: "gzip", cap: 1 << 20)) {
            XCTAssertEqual($0 as? ContentDecoding.Failure, .corrupt(encoding: "gzip"))
        }
        XCTAssertThrowsError(try ContentDecoding.decode(Array("not gzip at all".utf8), contentEncoding: "gzip", cap: 1 << 20))
        // Unknown codings and identity pass through: expectations see what the server sent.
        XCTAssertEqual(try ContentDecoding.decode([1, 2, 3], contentEncoding: "zstd", cap: 10), [1, 2, 3])
        XCTAssertEqual(try ContentDecoding.decode([1, 2, 3], contentEncoding: "identity", cap: 10), [1, 2, 3])
        XCTAssertEqual(try ContentDecoding.decode([], contentEncoding: "gzip", cap: 10), [])
    }

    // MARK: Through the transport

    func testTransportDecodesAGzipJSONBody() async throws {
        let body = compress(Array(json.utf8), windowBits: 31)
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await conn.respond(200, headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], body: body)
        }) { server, transport in
            let response = try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL + "/gzip"))
            XCTAssertEqual(response.bodyText, json)
            XCTAssertEqual(response.header("content-encoding"), "gzip")
            // What a `json:` expectation reads.
            XCTAssertEqual(try JSONValue.parse(response.bodyText)["id"], 7)
        }
    }

    func testTransportReportsABombAsBodyTooLarge() async throws {
        let bomb = compress([UInt8](repeating: 0x20, count: 32 << 20), windowBits: 31)
        var options = AsyncHTTPTransport.Options()
        options.maxBodyBytes = 1 << 20
        try await withRawServer(options: options, { conn in
            _ = try await conn.readRequest()
            try await conn.respond(200, headers: [("Content-Encoding", "gzip")], body: bomb)
        }) { server, transport in
            do {
                _ = try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL + "/bomb"))
                XCTFail("a 32 MiB decoded body passed a 1 MiB cap")
            } catch let error as TransportError {
                XCTAssertEqual(error.kind, .bodyTooLarge)
                XCTAssertTrue(error.message.contains("decoded gzip response body exceeds the 1 MiB cap"), error.message)
            }
        }
    }

    func testTransportReportsACorruptBody() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await conn.respond(200, headers: [("Content-Encoding", "br")], body: Array("plain text".utf8))
        }) { server, transport in
            do {
                _ = try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL + "/br"))
                XCTFail("a body that is not brotli decoded")
            } catch let error as TransportError {
                XCTAssertEqual(error.kind, .other)
                XCTAssertTrue(error.message.contains("not valid br data"), error.message)
            }
        }
    }

    /// zlib's deflate with the given window bits: 31 gzip, 15 zlib, -15 raw.
    private func compress(_ input: [UInt8], windowBits: Int32) -> [UInt8] {
        var stream = z_stream()
        precondition(rehearse_deflate_init(&stream, 6, windowBits) == Z_OK)
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        var input = input
        input.withUnsafeMutableBufferPointer { source in
            out.withUnsafeMutableBufferPointer { dest in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = dest.baseAddress
                stream.avail_out = UInt32(dest.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            }
        }
        return Array(out.prefix(Int(stream.total_out)))
    }
}
