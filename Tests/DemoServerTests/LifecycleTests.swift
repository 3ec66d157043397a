import DemoServer
import Foundation
import XCTest

final class LifecycleTests: XCTestCase {
    func testStartStopTwiceReleasesPorts() async throws {
        var ports: [Int] = []
        for _ in 0..<2 {
            let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: testSecret))
            XCTAssertGreaterThan(server.port, 0)
            XCTAssertEqual(server.baseURL, "http://127.0.0.1:\(server.port)")
            XCTAssertEqual(server.webSocketURL, "ws://127.0.0.1:\(server.port)/ws")
            let health = try await send(.GET, server.baseURL + "/health")
            XCTAssertEqual(health.status, 200)
            await server.stop()
            XCTAssertFalse(isListening(port: server.port), "port \(server.port) still open after stop")
            await server.stop()  // a second stop is harmless
            ports.append(server.port)
        }
        XCTAssertEqual(ports.count, 2)
    }

    func testServersAreIndependent() async throws {
        let first = try await DemoServer.start(DemoServerConfiguration(jwtSecret: testSecret))
        let second = try await DemoServer.start(DemoServerConfiguration(jwtSecret: testSecret))
        XCTAssertNotEqual(first.port, second.port)
        let token = TestToken.make()
        _ = try await send(.POST, first.baseURL + "/api/threads", token: token, json: ["title": "only here"])
        let firstList = try await send(.GET, first.baseURL + "/api/threads", token: token)
        let secondList = try await send(.GET, second.baseURL + "/api/threads", token: token)
        XCTAssertEqual(firstList.json["count"] as? Int, 1)
        XCTAssertEqual(secondList.json["count"] as? Int, 0)
        await first.stop()
        await second.stop()
    }

    func testStartFailsWhenThePortIsTaken() async throws {
        try await withDemoServer(DemoServerConfiguration(jwtSecret: testSecret)) { running in
            var configuration = DemoServerConfiguration(jwtSecret: testSecret)
            configuration.port = running.port
            do {
                let clash = try await DemoServer.start(configuration)
                await clash.stop()
                XCTFail("a second server bound the same port")
            } catch {}
        }
    }

    func testStopClosesOpenConnections() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: testSecret))
        let url = server.webSocketURL + "?token=\(TestToken.make())"
        let connected = AsyncStream.makeStream(of: Void.self)
        // A silenced socket never ends by itself; only stop() can end it.
        let client = Task {
            _ = try? await converse(url: url) { ws in
                _ = try await ws.receive()
                try await ws.send(json: ["type": "silence"])
                connected.continuation.yield()
                _ = await ws.receiveIfAny(within: .seconds(60))
            }
        }
        var iterator = connected.stream.makeAsyncIterator()
        await iterator.next()

        let clock = ContinuousClock()
        let started = clock.now
        await server.stop()
        await client.value
        XCTAssertLessThan(started.duration(to: clock.now), .seconds(10))
        XCTAssertFalse(isListening(port: server.port))
    }
}
