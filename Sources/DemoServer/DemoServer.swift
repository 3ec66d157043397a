import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// Settings for one ``DemoServer``.
public struct DemoServerConfiguration: Sendable {
    /// Interface to listen on.
    public var host: String = "127.0.0.1"
    /// Port to listen on; 0 lets the system pick a free one (see ``DemoServer/port``).
    public var port: Int = 0
    /// The HMAC secret tokens are verified with and `/auth/login` signs with.
    public var jwtSecret: String
    /// When set, tokens must carry this `iss` claim, and login tokens carry it.
    public var issuer: String? = nil
    /// Users `/auth/login` accepts, name to password.
    public var users: [String: String] = ["e2e": "e2e-password"]
    /// OAuth2 clients `/oauth/token` accepts, client id to client secret.
    public var oauthClients: [String: String] = ["rehearse-client": "demo-client-secret"]
    /// Lifetime (`expires_in`, seconds) of the tokens `/oauth/token` issues.
    public var oauthTokenLifetime = 900
    /// When set, the server rotates its sessions once after this many accepted `/api` requests:
    /// every token seen until then is refused with 401 `token_revoked`.
    public var revokeTokensAfterRequests: Int? = nil
    /// Pause between the agent events a WebSocket `user_message` produces.
    public var agentStepDelay: Duration = .milliseconds(20)
    /// Where the server logs; nil means a logger that only reports errors.
    public var logger: Logger? = nil
    /// How long ``DemoServer/stop()`` lets open requests and sockets finish
    /// (a `/slow` call, a silenced WebSocket) before cutting them off.
    public var shutdownGracePeriod: Duration = .seconds(2)

    public init(jwtSecret: String) {
        self.jwtSecret = jwtSecret
    }
}

/// A small agent-platform backend (REST, JWT auth, WebSocket agent events and
/// deliberately faulty endpoints) that Rehearse's tests and `rehearse demo`
/// run plans against over real sockets.
public final class DemoServer: Sendable {
    /// The port actually listened on, also when the configuration asked for 0.
    public let port: Int
    private let urlHost: String
    private let serviceGroup: ServiceGroup
    private let runTask: Task<Void, Never>

    /// `http://HOST:PORT`, with no trailing slash.
    public var baseURL: String { "http://\(urlHost):\(port)" }
    /// `ws://HOST:PORT/ws`.
    public var webSocketURL: String { "ws://\(urlHost):\(port)/ws" }

    private init(port: Int, urlHost: String, serviceGroup: ServiceGroup, runTask: Task<Void, Never>) {
        self.port = port
        self.urlHost = urlHost
        self.serviceGroup = serviceGroup
        self.runTask = runTask
    }

    /// Starts listening and returns once connections are accepted.
    public static func start(_ configuration: DemoServerConfiguration) async throws -> DemoServer {
        let environment = DemoEnvironment(
            configuration: configuration,
            verifier: DemoJWT(secret: configuration.jwtSecret, issuer: configuration.issuer),
            state: DemoState(),
            startedAt: .now
        )
        let logger = configuration.logger ?? quietLogger()
        let (listening, listeningContinuation) = AsyncThrowingStream.makeStream(of: Int.self)
        let app = Application(
            router: makeRouter(environment),
            server: .http1WebSocketUpgrade(
                // Agent payloads in plans can exceed the 16 KiB default frame limit.
                configuration: .init(ws: .init(maxFrameSize: 1 << 20)),
                shouldUpgrade: webSocketUpgrade(environment)
            ),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                listeningContinuation.yield(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger
        )
        // Our own group rather than app.runService(): it installs no signal
        // handlers (the embedding process owns SIGINT/SIGTERM) and lets stop()
        // shut down gracefully, which plain task cancellation does not.
        var groupConfiguration = ServiceGroupConfiguration(services: [app], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod
        let serviceGroup = ServiceGroup(configuration: groupConfiguration)
        let runTask = Task {
            do {
                try await serviceGroup.run()
                listeningContinuation.finish()
            } catch {
                listeningContinuation.finish(throwing: error)
            }
        }
        do {
            var iterator = listening.makeAsyncIterator()
            guard let port = try await iterator.next() else {
                throw DemoServerError.stoppedBeforeListening
            }
            return DemoServer(
                port: port,
                urlHost: urlHost(for: configuration.host),
                serviceGroup: serviceGroup,
                runTask: runTask
            )
        } catch {
            runTask.cancel()
            await runTask.value
            throw error
        }
    }

    /// Closes the listener, lets open connections finish for at most the
    /// configured grace period, closes the rest, then returns. Safe to call twice.
    public func stop() async {
        await serviceGroup.triggerGracefulShutdown()
        await runTask.value
    }

    private static func quietLogger() -> Logger {
        var logger = Logger(label: "rehearse.demo-server")
        logger.logLevel = .error
        return logger
    }

    /// Wildcard binds are reachable on loopback; IPv6 literals need brackets in URLs.
    private static func urlHost(for host: String) -> String {
        switch host {
        case "0.0.0.0", "": return "127.0.0.1"
        case "::": return "[::1]"
        default: return host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
    }
}

/// Errors ``DemoServer/start(_:)`` can throw besides the listener's own.
public enum DemoServerError: Error, Sendable {
    /// The server task ended without ever reporting a listening socket.
    case stoppedBeforeListening
}
