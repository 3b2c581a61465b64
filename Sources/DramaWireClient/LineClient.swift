import LineProtocol
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#endif

/// A `host:port` (plain TCP) or `tls://host:port` (TLS) address of a DramaWire service.
public struct ServiceAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Whether the service speaks TLS (`tls://`).
    public var tls: Bool

    public init(host: String, port: Int, tls: Bool = false) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// Parses `host:port` or `tls://host:port` (IPv6 as `[::1]:7400`; `tcp://` is accepted too).
    public init?(parsing text: String) {
        var trimmed = Substring(text.trimmingASCIIWhitespace())
        var tls = false
        if trimmed.lowercased().hasPrefix("tls://") {
            tls = true
            trimmed = trimmed.dropFirst(6)
        } else if trimmed.lowercased().hasPrefix("tcp://") {
            trimmed = trimmed.dropFirst(6)
        }
        guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("/") else { return nil }
        self.host = host
        self.port = port
        self.tls = tls
    }

    public var description: String {
        (tls ? "tls://" : "") + (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
    }
}

/// Errors of the client itself (as opposed to `WireError`s sent by the server).
public struct ClientError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A connection to a DramaWire service, used by one task at a time.
///
/// Open it with ``LineClient/withConnection(to:maximumLineBytes:_:)``; the connection is closed
/// when the closure returns.
public struct LineSession {
    private var iterator: NIOAsyncChannelInboundStream<LineFrame>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Sends on this connection from another task (e.g. ACKs while this one reads), or closes it.
    public let sender: LineSender
    /// The server's greeting (`HELLO {...}`) as JSON.
    public private(set) var greeting: JSON = .null
    private let watchdog: NIOLoopBound<SilenceWatchdog>

    init(
        iterator: NIOAsyncChannelInboundStream<LineFrame>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: Channel,
        watchdog: NIOLoopBound<SilenceWatchdog>
    ) {
        self.iterator = iterator
        self.outbound = outbound
        self.sender = LineSender(outbound: outbound, channel: channel)
        self.watchdog = watchdog
    }

    /// From now on, a silence of `limit` (no byte from the server) closes the connection and
    /// the read in progress throws ``SilentPeerError``. For stream mode, where the server
    /// sends heartbeats when idle; see ``expectHeartbeats()``.
    public func closeAfterSilence(of limit: Duration) {
        let watchdog = self.watchdog
        watchdog.eventLoop.execute { watchdog.value.arm(TimeAmount(limit)) }
    }

    /// Waits for lines without a limit again (the default after the greeting).
    public func stopExpectingLines() {
        let watchdog = self.watchdog
        watchdog.eventLoop.execute { watchdog.value.disarm() }
    }

    /// Applies the protocol's liveness rule to a stream: silent for three heartbeat intervals
    /// (as the greeting states them) means dead.
    public func expectHeartbeats() {
        closeAfterSilence(of: silenceLimit(greeting: greeting))
    }

    mutating func readGreeting() async throws {
        guard let line = try await readLine() else { throw ClientError("connection closed before the greeting") }
        guard line.hasPrefix("HELLO "), let json = try? JSON.parse(String(line.dropFirst(6))) else {
            if case .error(let error)? = Reply.parse(line) { throw error }
            throw ClientError("unexpected greeting: \(line.prefix(200))")
        }
        greeting = json
    }

    /// Sends one line (LF appended).
    public func send(_ line: String) async throws {
        try await sender.send(line)
    }

    /// Sends several lines in one write.
    public func send(lines: [String]) async throws {
        var buffer = ByteBuffer()
        for line in lines {
            buffer.writeString(line)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        try await outbound.write(buffer)
    }

    /// The next line from the server, or nil when it closed the connection.
    public mutating func readLine() async throws -> String? {
        guard let frame = try await iterator.next() else { return nil }
        switch frame {
        case .line(let text?): return text
        case .line(nil): throw ClientError("the server sent invalid UTF-8")
        case .tooLong: throw ClientError("the server sent a line longer than the client's limit")
        }
    }

    /// The next reply line, parsed.
    public mutating func readReply() async throws -> Reply {
        guard let line = try await readLine() else { throw ClientError("connection closed by the server") }
        guard let reply = Reply.parse(line) else { throw ClientError("unexpected line: \(line.prefix(200))") }
        return reply
    }

    /// Sends a request and reads its reply.
    public mutating func request(_ line: String) async throws -> Reply {
        try await send(line)
        return try await readReply()
    }

    /// Sends a request and returns the JSON of its `OK`; throws the `WireError` of an `ERR`.
    @discardableResult
    public mutating func call(_ line: String) async throws -> JSON? {
        switch try await request(line) {
        case .ok(let json): return json
        case .error(let error): throw error
        }
    }

    /// Sends `AUTH <token>` when a token is given.
    public mutating func authenticate(_ token: String?) async throws {
        guard let token, !token.isEmpty else { return }
        try await call("AUTH \(token)")
    }
}

/// The sending half of a ``LineSession``, usable from any task.
public struct LineSender: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: Channel

    /// Sends one line (LF appended).
    public func send(_ line: String) async throws {
        var buffer = ByteBuffer(string: line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        try await outbound.write(buffer)
    }

    /// Closes the connection; a read in progress on the session then ends.
    public func close() {
        channel.close(promise: nil)
    }
}

/// A service could not be reached: nothing listens there, the name does not resolve, or the
/// connection attempt timed out. ``reason`` says which, in a few words for people.
public struct ConnectionFailure: Error, Sendable, CustomStringConvertible {
    /// Where the client tried to connect.
    public var address: ServiceAddress
    /// `connection refused`, `timed out`, `host not found`, …
    public var reason: String

    init(address: ServiceAddress, underlying: any Error) {
        self.address = address
        self.reason = Self.reason(underlying)
    }

    public var description: String { "cannot reach \(address): \(reason)" }

    static func reason(_ error: any Error) -> String {
        if let failure = error as? NIOConnectionError {
            // No connection attempt at all means no address resolved.
            return failure.connectionErrors.first.map { reason($0.error) } ?? "host not found"
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ETIMEDOUT: return "timed out"
            case EHOSTUNREACH, ENETUNREACH: return "no route to host"
            case EACCES, EPERM: return "permission denied"
            default: return String(cString: strerror(io.errnoCode)).lowercased()
            }
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return "timed out" }
        return "\(error)"
    }
}

/// Opens connections to DramaWire services.
public enum LineClient {
    /// Connects, reads the greeting, runs `body`, and closes.
    ///
    /// A greeting that does not come within `greetingTimeout` (a peer that accepts but never
    /// speaks: a frozen process, a black-holing middlebox) throws ``SilentPeerError``.
    ///
    /// A `tls://` address is reached over TLS, trusting and presenting what `tls` says (by
    /// default the `DRAMAWIRE_TLS_*` environment variables).
    public static func withConnection<T>(
        to address: ServiceAddress, maximumLineBytes: Int = 64 << 20, greetingTimeout: Duration = .seconds(10),
        tls: ClientTLS = .environment, _ body: (inout LineSession) async throws -> T
    ) async throws -> T {
        let channel: NIOAsyncChannel<LineFrame, ByteBuffer>
        let watchdog: NIOLoopBound<SilenceWatchdog>
        let tlsSetup: (context: NIOSSLContext, serverHostname: String?)?
        do {
            tlsSetup = address.tls ? try tls.setup(host: address.host) : nil
        } catch {
            throw ClientError("cannot set up TLS for \(address): \(error)")
        }
        do {
            (channel, watchdog) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(5))
                .connect(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tlsSetup {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tlsSetup.context, serverHostname: tlsSetup.serverHostname))
                        }
                        let watchdog = SilenceWatchdog()
                        try channel.pipeline.syncOperations.addHandler(watchdog)
                        watchdog.arm(TimeAmount(greetingTimeout))
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: maximumLineBytes)))
                        return (
                            try NIOAsyncChannel<LineFrame, ByteBuffer>(wrappingChannelSynchronously: channel),
                            NIOLoopBound(watchdog, eventLoop: channel.eventLoop)
                        )
                    }
                }
        } catch {
            throw ConnectionFailure(address: address, underlying: error)
        }
        return try await channel.executeThenClose { inbound, outbound in
            var session = LineSession(
                iterator: inbound.makeAsyncIterator(), outbound: outbound, channel: channel.channel,
                watchdog: watchdog)
            do {
                try await session.readGreeting()
            } catch let error as NIOSSLError {
                throw ClientError("TLS with \(address) failed: \(error)")
            } catch let error as NIOSSLExtraError {
                throw ClientError("TLS with \(address) failed: \(error)")
            }
            session.stopExpectingLines()
            return try await body(&session)
        }
    }
}
