import DemoServer
import Foundation
import HummingbirdWSClient
import Logging
import XCTest

/// Received text messages, handed to a test script one at a time with a
/// deadline, so a missing message fails the test instead of hanging it.
actor Mailbox {
    private var queue: [String] = []
    private var finished = false
    private var waiter: (id: Int, continuation: CheckedContinuation<String?, Never>)?
    private var nextWaiterID = 0

    func put(_ text: String) {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: text)
        } else {
            queue.append(text)
        }
    }

    func finish() {
        finished = true
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: nil)
        }
    }

    /// The next message, or nil when the socket closed or `timeout` passed first.
    func take(timeout: Duration) async -> String? {
        if !queue.isEmpty { return queue.removeFirst() }
        if finished { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { waiter = (id, $0) }
    }

    private func expire(_ id: Int) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: nil)
    }
}

struct MissingMessage: Error {}

/// The test's side of one WebSocket connection.
struct Conversation: Sendable {
    let mailbox: Mailbox
    let outbound: WebSocketOutboundWriter

    func send(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    func send(json object: [String: Any]) async throws {
        let data = try JSONSerialization.data(withJSONObject: object)
        try await send(String(decoding: data, as: UTF8.self))
    }

    func receive(timeout: Duration = .seconds(5)) async throws -> [String: Any] {
        guard let text = await mailbox.take(timeout: timeout) else { throw MissingMessage() }
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(text)")
    }

    /// Nil when nothing arrives within `window`.
    func receiveIfAny(within window: Duration) async -> String? {
        await mailbox.take(timeout: window)
    }
}

/// Connects with hummingbird-websocket's client, runs `script`, then closes
/// normally unless the server closed first; returns the server's close frame.
@discardableResult
func converse(
    url: String,
    configuration: WebSocketClientConfiguration = .init(),
    _ script: @escaping @Sendable (Conversation) async throws -> Void
) async throws -> WebSocketCloseFrame? {
    var logger = Logger(label: "demo-server-tests.ws")
    logger.logLevel = .critical
    return try await WebSocketClient.connect(
        url: url,
        configuration: configuration,
        logger: logger
    ) { inbound, outbound, _ in
        let mailbox = Mailbox()
        let conversation = Conversation(mailbox: mailbox, outbound: outbound)
        // The script runs beside the read loop, which must keep draining
        // frames for the close handshake to complete.
        async let scripted: Void = {
            do {
                try await script(conversation)
                try? await outbound.close(.normalClosure, reason: nil)
            } catch {
                try? await outbound.close(.normalClosure, reason: nil)
                throw error
            }
        }()
        for try await message in inbound.messages(maxSize: 1 << 20) {
            if case .text(let text) = message { await mailbox.put(text) }
        }
        await mailbox.finish()
        try await scripted
    }
}
