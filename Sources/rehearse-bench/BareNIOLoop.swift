import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The load benchmark's baseline when wrk is not installed: `connections` HTTP/1.1 keep-alive
/// connections on swift-nio, each sending the next GET as soon as the last response ended, all
/// on the event loops (no task, no parsing beyond HTTP). What a client on this stack can do at
/// best.
enum BareNIOLoop {
    final class Budget: Sendable {
        let left: Atomic<Int>
        init(_ n: Int) { left = Atomic(n) }
        func take() -> Bool { left.subtract(1, ordering: .relaxed).newValue >= 0 }
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart
        let head: HTTPRequestHead
        let budget: Budget
        let done: EventLoopPromise<Int>
        var answered = 0

        init(head: HTTPRequestHead, budget: Budget, done: EventLoopPromise<Int>) {
            self.head = head
            self.budget = budget
            self.done = done
        }

        func channelActive(context: ChannelHandlerContext) { next(context) }

        func next(_ context: ChannelHandlerContext) {
            guard budget.take() else {
                done.succeed(answered)
                context.close(promise: nil)
                return
            }
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let h) = unwrapInboundIn(data), h.status != .ok {
                done.fail(BenchError("status \(h.status.code)"))
                context.close(promise: nil)
            }
            if case .end = unwrapInboundIn(data) {
                answered += 1
                next(context)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            done.fail(error)
            context.close(promise: nil)
        }
    }

    /// Seconds for `requests` GETs of `path`, and how many were answered.
    static func run(host: String, port: Int, path: String, requests: Int, connections: Int) async throws -> (seconds: Double, answered: Int) {
        let group = MultiThreadedEventLoopGroup.singleton
        let budget = Budget(requests)
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        let start = now()
        var results: [EventLoopFuture<Int>] = []
        for _ in 0..<connections {
            let loop = group.next()
            let done = loop.makePromise(of: Int.self)
            ClientBootstrap(group: loop).channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(Handler(head: head, budget: budget, done: done))
                }
            }.connect(host: host, port: port).whenFailure { done.fail($0) }
            results.append(done.futureResult)
        }
        var answered = 0
        for r in results { answered += try await r.get() }
        return (now() - start, answered)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
