import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback HTTP/1.1 server for transport tests. It speaks raw bytes, so a test can script what
/// a broken backend does: stall, reset, truncate, stream forever.
///
/// Each accepted connection runs the test's script; when the script returns, the connection is
/// closed. `stop()` cancels scripts that are still running.
final class RawHTTPServer: Sendable {
    typealias Script = @Sendable (inout RawConnection) async throws -> Void

    let port: Int
    let stats: ServerStats
    private let serverChannel: Channel
    private let acceptLoop: Task<Void, Never>

    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func start(_ script: @escaping Script) async throws -> RawHTTPServer {
        let stats = ServerStats()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress!.port!
        let loop = Task<Void, Never> {
            try? await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        stats.add(connections: 1)
                        group.addTask {
                            try? await connection.executeThenClose { reader, writer in
                                var raw = RawConnection(
                                    channel: connection.channel, inbound: reader.makeAsyncIterator(),
                                    outbound: writer, stats: stats)
                                try await script(&raw)
                            }
                        }
                    }
                }
            }
        }
        return RawHTTPServer(port: port, stats: stats, serverChannel: server.channel, acceptLoop: loop)
    }

    private init(port: Int, stats: ServerStats, serverChannel: Channel, acceptLoop: Task<Void, Never>) {
        self.port = port
        self.serverChannel = serverChannel
        self.acceptLoop = acceptLoop
        self.stats = stats
    }

    func stop() async {
        acceptLoop.cancel()
        try? await serverChannel.close()
        await acceptLoop.value
    }
}

/// Counters shared by every connection of one server.
final class ServerStats: @unchecked Sendable {
    private let lock = NSLock()
    private var _connections = 0
    private var _requests = 0
    private var _bytesWritten = 0

    private func locked<T>(_ body: (ServerStats) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(self)
    }

    var connections: Int { locked { $0._connections } }
    var requests: Int { locked { $0._requests } }
    var bytesWritten: Int { locked { $0._bytesWritten } }
    func add(connections: Int = 0, requests: Int = 0, bytesWritten: Int = 0) {
        locked {
            $0._connections += connections
            $0._requests += requests
            $0._bytesWritten += bytesWritten
        }
    }
}

/// One request as the server read it.
struct RawRequest: Sendable {
    var method: String
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// The server's end of one connection, as a test script sees it.
struct RawConnection {
    let channel: Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let stats: ServerStats
    private var pending = ByteBuffer()

    fileprivate init(
        channel: Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, stats: ServerStats
    ) {
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
        self.stats = stats
    }

    /// The next request on this connection, or nil once the client has closed it.
    mutating func readRequest() async throws -> RawRequest? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while true {
            if let range = pending.readableBytesView.firstRange(of: separator) {
                headEnd = range.upperBound - pending.readableBytesView.startIndex
                break
            }
            guard try await readMore() else { return nil }
        }
        let head = pending.readString(length: headEnd!)!
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let requestLine = lines.removeFirst().split(separator: " ", maxSplits: 2).map(String.init)
        let headers = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var request = RawRequest(method: requestLine[0], target: requestLine[1], headers: headers, body: [])
        if let length = request.header("content-length").flatMap({ Int($0) }) {
            while pending.readableBytes < length {
                guard try await readMore() else { return nil }
            }
            request.body = pending.readBytes(length: length)!
        }
        stats.add(requests: 1)
        return request
    }

    private mutating func readMore() async throws -> Bool {
        guard var chunk = try await inbound.next() else { return false }
        pending.writeBuffer(&chunk)
        return true
    }

    func write(_ text: String) async throws {
        try await write(Array(text.utf8))
    }

    func write(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
        stats.add(bytesWritten: bytes.count)
    }

    /// A complete response with a Content-Length, unless the headers already frame the body.
    func respond(
        _ status: Int, _ reason: String = "OK", headers: [(String, String)] = [], body: [UInt8] = []
    ) async throws {
        var head = "HTTP/1.1 \(status) \(reason)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let framed = headers.contains { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }
        if !framed { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try await write(Array(head.utf8) + body)
    }

    /// Closes with a TCP reset instead of a FIN.
    func reset() async {
        try? await (channel as? SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        try? await channel.close()
    }

    func close() async {
        try? await channel.close()
    }
}
