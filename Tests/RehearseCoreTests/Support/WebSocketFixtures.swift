import Foundation
import Synchronization
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

/// The server side of one fake connection, as a script: what it says on connect and what it
/// answers to each message. It never sleeps: a `receive` with nothing queued is a timeout at
/// once, and the `within` it was given is recorded for the test to check.
final class FakeWebSocketServer: WebSocketConnection, @unchecked Sendable {
    enum Frame: Sendable {
        case text(String)
        case binary([UInt8])
        case close(Int)
    }
    typealias Reply = @Sendable (String) -> [Frame]

    private struct State {
        var queue: [Frame]
        var closedCode: Int??
        var sent: [String] = []
        var clientCloses: [Int] = []
        var waits: [Duration] = []
    }
    private let state: Mutex<State>
    private let reply: Reply

    init(greeting: [Frame] = [], reply: @escaping Reply = { _ in [] }) {
        self.state = Mutex(State(queue: greeting))
        self.reply = reply
    }

    func send(text: String) async throws(TransportError) {
        let closed = state.withLock { s -> Bool in
            if s.closedCode != nil { return true }
            s.sent.append(text)
            return false
        }
        if closed { throw TransportError(.closed, "the connection is closed (fake)") }
        let frames = reply(text)
        state.withLock { $0.queue += frames }
    }

    func receive(within: Duration) async -> WebSocketEvent {
        state.withLock { s in
            s.waits.append(within)
            if let code = s.closedCode { return .closed(code: code) }
            guard !s.queue.isEmpty else { return .timedOut }
            switch s.queue.removeFirst() {
            case .text(let t): return .message(.text(t))
            case .binary(let b): return .message(.binary(b))
            case .close(let code):
                s.closedCode = .some(code)
                return .closed(code: code)
            }
        }
    }

    func close(code: Int) async {
        state.withLock { s in
            s.clientCloses.append(code)
            if s.closedCode == nil { s.closedCode = .some(code) }
        }
    }

    var sent: [String] { state.withLock { $0.sent } }
    var clientCloses: [Int] { state.withLock { $0.clientCloses } }
    var waits: [Duration] { state.withLock { $0.waits } }

    /// A server speaking the demo's agent protocol, with noise between the events.
    static func agent(noise: Bool = true) -> FakeWebSocketServer {
        FakeWebSocketServer(greeting: [.text(#"{"type":"system_message","session_id":"s-1"}"#)]) { text in
            guard text.contains("user_message") else { return [.text(#"{"type":"ack"}"#)] }
            var frames: [Frame] = [.text(#"{"type":"ack"}"#)]
            if noise { frames.append(.text(#"{"type":"heartbeat"}"#)) }
            frames.append(.text(#"{"type":"agent_started"}"#))
            if noise { frames += [.text("not json at all"), .text(#"{"type":"agent_thinking"}"#)] }
            frames.append(.text(#"{"type":"agent_completed","payload":{"result":"Costs rose 12%"}}"#))
            return frames
        }
    }
}

/// A transport answering handshakes from a script: a function of the attempt and how many
/// handshakes to that URL it has seen.
final class FakeWebSocketTransport: WebSocketTransport, @unchecked Sendable {
    struct Connect: Sendable {
        var url: String
        var headers: [(name: String, value: String)]
        var subprotocols: [String]
        var timeout: Duration

        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }
    typealias Handler = @Sendable (Connect, Int) throws(TransportError) -> WebSocketHandshake
    private let handler: Handler
    private let log = Mutex<[Connect]>([])

    init(_ handler: @escaping Handler) { self.handler = handler }

    /// Every handshake accepted by a fresh copy of one server script.
    convenience init(accepting make: @escaping @Sendable () -> FakeWebSocketServer) {
        self.init { _, _ in .accepted(make()) }
    }

    func connect(url: String, headers: [(name: String, value: String)], subprotocols: [String], timeout: Duration)
        async throws(TransportError) -> WebSocketHandshake
    {
        let c = Connect(url: url, headers: headers, subprotocols: subprotocols, timeout: timeout)
        let seen = log.withLock { l -> Int in
            l.append(c)
            return l.filter { $0.url == url }.count
        }
        return try handler(c, seen)
    }

    func shutdown() async {}

    var connects: [Connect] { log.withLock { $0 } }

    static func refusal(_ status: Int, body: String? = nil) -> WebSocketHandshake {
        .refused(status: status, headers: [("Content-Type", "application/json")], body: body.map { Array($0.utf8) })
    }
}
