import LineProtocol
import LineServer
import Logging
import ServiceLifecycle

/// Settings of the subscriber service.
public struct SubscriberConfiguration: Sendable {
    /// Host to listen on.
    public var host: String
    /// Port to listen on (0 picks a free one).
    public var port: Int
    /// Token required by AUTH (`DRAMAWIRE_TOKEN`); nil disables auth.
    public var token: String?
    /// The longest accepted line in bytes.
    public var maximumLineBytes: Int

    /// Creates a configuration with the contract's defaults.
    public init(
        host: String = "127.0.0.1", port: Int = 7401, token: String? = nil,
        maximumLineBytes: Int = defaultMaximumLineBytes
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.maximumLineBytes = maximumLineBytes
    }
}

/// The subscriber service's front door.
///
/// The read model (following the change log into SQLite, GET, SEARCH, OSTS, CASTING, FEED,
/// WATCH) is not built yet. Until it is, the service speaks the protocol honestly: it greets,
/// answers PING, AUTH, HELP, QUIT and STATS, and says `ERR unknown_command` for the rest, so
/// deployments and health checks can already be wired up.
public final class SubscriberServer: Service, Sendable {
    private let lineServer: LineServer

    /// The verbs this version answers.
    public static let verbs = ["STATS", "PING", "AUTH", "HELP", "QUIT"]

    /// Creates the service; nothing happens until `run()`.
    public init(configuration: SubscriberConfiguration, logger: Logger) {
        let tokens = Tokens(full: configuration.token)
        lineServer = LineServer(
            configuration: LineServerConfiguration(
                host: configuration.host, port: configuration.port, service: "subscriber",
                authRequired: tokens.required, maximumLineBytes: configuration.maximumLineBytes),
            logger: logger,
            handler: { connection in await Self.handle(connection, tokens: tokens) })
    }

    /// The port actually listened on.
    public func boundPort() async throws -> Int { try await lineServer.boundPort() }

    /// Serves until shutdown.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await lineServer.run()
        } onGracefulShutdown: {
        }
    }

    private static func handle(_ connection: LineConnection, tokens: Tokens) async {
        var access = tokens.initialAccess
        let writer = connection.writer
        do {
            for try await frame in connection.inbound {
                let reply: Reply
                switch frame {
                case .tooLong:
                    try await writer.write(.error(WireError(.lineTooLong, "line too long")))
                    return
                case .line(nil):
                    reply = .error(WireError(.badRequest, "line is not valid UTF-8"))
                case .line(let text?):
                    guard let request = try? Request.parse(text) else {
                        reply = .error(WireError(.badRequest, "a request starts with a verb of ASCII letters"))
                        break
                    }
                    switch request.verb {
                    case "PING": reply = .ok(nil)
                    case "HELP": reply = .ok(["verbs": .array(verbs.map { .string($0) })])
                    case "QUIT":
                        try await writer.write(.ok(nil))
                        return
                    case "AUTH":
                        if let granted = tokens.access(for: request.arguments.trimmingASCIIWhitespace()) {
                            access = granted
                            reply = .ok(nil)
                        } else {
                            reply = .error(WireError(.denied, "wrong token"))
                        }
                    case _ where access == .none:
                        reply = .error(WireError(.noauth, "AUTH first"))
                    case "STATS":
                        reply = .ok([
                            "applied_seq": 0, "head_seq": 0, "lag": 0, "connected": false, "counts": [:],
                            "read_model": "not implemented in this version",
                        ])
                    default:
                        reply = .error(
                            WireError(.unknownCommand, "\(request.verb.prefix(32)) is not available in this version"))
                    }
                }
                try await writer.write(reply)
            }
        } catch {
            return
        }
    }
}
