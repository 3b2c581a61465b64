import LineProtocol
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One accepted connection, as seen by a service.
public struct LineConnection: Sendable {
    /// Frames from the peer, in order.
    public let inbound: NIOAsyncChannelInboundStream<LineFrame>
    /// Where replies and stream lines go.
    public let writer: LineWriter
    /// The peer's address, for logs.
    public let peer: String
}

/// Settings of a ``LineServer``.
public struct LineServerConfiguration: Sendable {
    /// Host to bind.
    public var host: String
    /// Port to bind; 0 picks a free one (see ``LineServer/boundPort()``).
    public var port: Int
    /// The greeting's service name: `ingest` or `subscriber`.
    public var service: String
    /// Whether AUTH is required (announced in the greeting).
    public var authRequired: Bool
    /// The longest accepted line, in bytes.
    public var maximumLineBytes: Int
    /// Connections beyond this get `ERR too_many_connections` and are closed.
    public var maximumConnections: Int
    /// A connection that neither sends nor receives a byte for this long is closed.
    public var idleTimeout: Duration
    /// An unfinished line must be completed within this long.
    public var lineTimeout: Duration
    /// Answers some requests on the event loop, before they reach the handler (see
    /// ``InlineResponder``); nil: every request goes to the handler.
    public var inlineResponder: (any InlineResponder)?
    /// The interval of heartbeats on idle streams, announced in the greeting.
    public var heartbeat: Duration
    /// TLS on this listener (then only TLS); nil: plain TCP.
    public var tls: ServerTLS?

    /// Creates a configuration.
    public init(
        host: String, port: Int, service: String, authRequired: Bool,
        maximumLineBytes: Int = defaultMaximumLineBytes, maximumConnections: Int = 1024,
        idleTimeout: Duration = .seconds(300), lineTimeout: Duration = .seconds(30),
        inlineResponder: (any InlineResponder)? = nil, heartbeat: Duration = .seconds(5), tls: ServerTLS? = nil
    ) {
        self.tls = tls
        self.heartbeat = heartbeat
        self.inlineResponder = inlineResponder
        self.idleTimeout = idleTimeout
        self.lineTimeout = lineTimeout
        self.host = host
        self.port = port
        self.service = service
        self.authRequired = authRequired
        self.maximumLineBytes = maximumLineBytes
        self.maximumConnections = maximumConnections
    }
}

/// A TCP server for the line protocol, shared by both services.
///
/// It binds, sends each new connection the greeting, enforces the line and connection limits,
/// and hands the connection to `handler`. It runs as a `Service`: on graceful shutdown it stops
/// accepting and lets `handler`s finish (they observe shutdown themselves). Modeled on
/// swift-nio's `NIOTCPEchoServer`.
public final class LineServer: Service, Sendable {
    private let configuration: LineServerConfiguration
    private let handler: @Sendable (LineConnection) async -> Void
    private let logger: Logger
    private let eventLoopGroup: MultiThreadedEventLoopGroup
    private let bound: Mutex<BoundState> = Mutex(.waiting([]))
    private let active = ConnectionCounter()
    private let channels = Mutex<[ObjectIdentifier: Channel]>([:])
    private let shutdownGrace: Duration
    /// The TLS context new connections get; replaced by ``reloadTLS()`` (connections already
    /// open keep the one they started with).
    private let sslContext = Mutex<NIOSSLContext?>(nil)

    private enum BoundState {
        case waiting([CheckedContinuation<Int, Error>])
        case bound(Int)
        case failed(Error)
    }

    /// Creates a server; call `run()` to serve.
    public init(
        configuration: LineServerConfiguration,
        eventLoopGroup: MultiThreadedEventLoopGroup = .singleton,
        shutdownGrace: Duration = .seconds(2),
        logger: Logger,
        handler: @escaping @Sendable (LineConnection) async -> Void
    ) {
        self.shutdownGrace = shutdownGrace
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.handler = handler
    }

    /// The port actually bound, once `run()` has bound it.
    public func boundPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            bound.withLock { state in
                switch state {
                case .waiting(var list):
                    list.append(continuation)
                    state = .waiting(list)
                case .bound(let port): continuation.resume(returning: port)
                case .failed(let error): continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Reads the certificate and key files again and serves new connections with them, so a
    /// certificate is rotated without a restart (the executables call this on SIGHUP).
    ///
    /// - Returns: false when the listener does not speak TLS (nothing to reload).
    /// - Throws: `SettingError` when the files do not make a usable context; the previous one
    ///   stays in use.
    @discardableResult
    public func reloadTLS() throws -> Bool {
        guard let tls = configuration.tls else { return false }
        let context = try tls.context()
        sslContext.withLock { $0 = context }
        logger.info("TLS certificate reloaded", metadata: ["certificate": "\(tls.certificateFile)"])
        return true
    }

    /// The number of open connections.
    public var connectionCount: Int { active.count }

    private func resolveBound(_ result: Result<Int, Error>) {
        let waiters: [CheckedContinuation<Int, Error>] = bound.withLock { state in
            guard case .waiting(let list) = state else { return [] }
            switch result {
            case .success(let port): state = .bound(port)
            case .failure(let error): state = .failed(error)
            }
            return list
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// Binds and serves until graceful shutdown or cancellation.
    public func run() async throws {
        let maxLine = configuration.maximumLineBytes
        let idleTimeout = TimeAmount.nanoseconds(configuration.idleTimeout.nanoseconds)
        let lineTimeout = TimeAmount.nanoseconds(configuration.lineTimeout.nanoseconds)
        let responder = configuration.inlineResponder
        let authRequired = configuration.authRequired
        let greeting = greetingLine(
            service: configuration.service, authRequired: authRequired, maxLine: maxLine,
            heartbeat: configuration.heartbeat)
        let maximumConnections = configuration.maximumConnections
        let counter = active
        do {
            let initial = try configuration.tls?.context()
            sslContext.withLock { $0 = initial }
        } catch {
            resolveBound(.failure(error))
            throw error
        }
        // Keepalive after three quiet heartbeat intervals, probes one interval apart; six
        // intervals of unacknowledged data (30 s by default) end a stream to a vanished peer.
        let heartbeatSeconds = max(1, Int(configuration.heartbeat.components.seconds))
        let keepaliveIdle = 3 * heartbeatSeconds
        let keepaliveInterval = heartbeatSeconds
        let userTimeoutMillis = 6 * 1000 * heartbeatSeconds
        let server: NIOAsyncChannel<NIOAsyncChannel<LineFrame, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                // A peer that vanished (host down, partition) never sends FIN or RST. Streams
                // always have bytes in flight (heartbeats), so the kernel gives up on them once
                // sent data stays unacknowledged for the user timeout; idle connections are
                // probed by keepalive. Both bounds follow the heartbeat interval.
                .childChannelOption(.socketOption(.so_keepalive), value: 1)
                .childChannelOption(.tcpOption(.init(rawValue: TCP_KEEPIDLE)), value: keepaliveIdle)
                .childChannelOption(.tcpOption(.init(rawValue: TCP_KEEPINTVL)), value: keepaliveInterval)
                .childChannelOption(.tcpOption(.init(rawValue: TCP_KEEPCNT)), value: 3)
                .childChannelOption(.tcpOption(.init(rawValue: TCP_USER_TIMEOUT)), value: userTimeoutMillis)
                // `printf 'HEAD\nQUIT\n' | nc host port` sends its lines and then half-closes;
                // the replies must still go out, so a read EOF must not close the channel.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // TLS first: everything after it, the greeting included, is plaintext
                        // inside the session (writes wait for the handshake).
                        if let context = self.sslContext.withLock({ $0 }) {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                        }
                        try channel.pipeline.syncOperations.addHandler(
                            IdleGuard(idleTimeout: idleTimeout, lineTimeout: lineTimeout))
                        try channel.pipeline.syncOperations.addHandler(
                            Greeter(
                                greeting: greeting, maximumConnections: maximumConnections, counter: counter))
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: maxLine)))
                        if let responder {
                            try channel.pipeline.syncOperations.addHandler(
                                InlineReplyHandler(responder: responder, authRequired: authRequired))
                        }
                        return try NIOAsyncChannel<LineFrame, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: false))
                    }
                }
        } catch {
            resolveBound(.failure(error))
            throw error
        }
        let port = server.channel.localAddress?.port ?? configuration.port
        logger.info(
            "listening",
            metadata: [
                "service": "\(configuration.service)", "address": "\(configuration.host):\(port)",
                "tls": "\(configuration.tls == nil ? "off" : configuration.tls?.clientCAFile == nil ? "on" : "mutual")",
            ])
        resolveBound(.success(port))

        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await child in inbound {
                        group.addTask { await self.serve(child) }
                    }
                }
            }
        } onGracefulShutdown: {
            // Stop accepting at once. Connections get a grace period to finish what they asked
            // (their handlers answer new requests with `shutting_down`), then they are closed.
            server.channel.close(promise: nil)
            let grace = self.shutdownGrace
            server.channel.eventLoop.scheduleTask(in: .nanoseconds(grace.nanoseconds)) {
                let open = self.channels.withLock { Array($0.values) }
                for channel in open { channel.close(promise: nil) }
            }
        }
    }

    private func serve(_ child: NIOAsyncChannel<LineFrame, ByteBuffer>) async {
        let writer = LineWriter(channel: child.channel)
        let peer = child.channel.remoteAddress?.description ?? "unknown"
        let id = ObjectIdentifier(child.channel)
        channels.withLock { $0[id] = child.channel }
        defer { _ = channels.withLock { $0.removeValue(forKey: id) } }
        do {
            // The greeting (or the refusal) went out on the event loop at accept (`Greeter`).
            try await child.executeThenClose { inbound, _ in
                await handler(LineConnection(inbound: inbound, writer: writer, peer: peer))
            }
        } catch {
            logger.debug("connection ended", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }
}

/// Lets a connection handler, which must exist before the server object that owns it, reach
/// that object once it is built.
public final class ServerReference<Server: AnyObject & Sendable>: Sendable {
    private let value = Mutex<Server?>(nil)

    public init() {}

    /// The server, once ``set(_:)`` has been called.
    public var server: Server? { value.withLock { $0 } }

    /// Sets the server (from its initializer, after every stored property is set).
    public func set(_ server: Server) { value.withLock { $0 = server } }
}
