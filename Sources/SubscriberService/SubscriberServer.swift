import DramaDomain
import Foundation
import LineProtocol
import LineServer
import Logging
import NIOCore
import SQLiteStore
import ServiceLifecycle
import ServiceMetrics

/// The subscriber service: follows the ingest change log into a SQLite read model and answers
/// GET, SEARCH, OSTS, CASTING, FEED, WATCH and STATS over the line protocol.
public final class SubscriberServer: Service, Sendable {
    private let configuration: SubscriberConfiguration
    private let lineServer: LineServer
    private let readModel: ReadModel
    private let follower: Follower
    private let hub: WatchHub
    private let cache: DocumentCache
    private let logger: Logger
    private let metrics: SubscriberMetrics
    /// The service's metrics registry and its HTTP endpoint (`DRAMAWIRE_METRICS_LISTEN`).
    public let metricsEndpoint: MetricsEndpoint

    /// The verbs this service answers.
    public static let verbs = [
        "GET", "SEARCH", "OSTS", "CASTING", "FEED", "WATCH", "STATS", "PING", "AUTH", "HELP", "QUIT",
    ]

    /// Opens (or creates) the read model; serving and following start with `run()`.
    public init(configuration: SubscriberConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        readModel = try ReadModel(
            path: configuration.readModelPath, partsCacheBytes: configuration.partsCacheBytes, logger: logger)
        hub = WatchHub(bufferBytes: configuration.watcherBufferBytes, logger: logger)
        cache = DocumentCache(capacityBytes: configuration.cacheBytes)
        metricsEndpoint = MetricsEndpoint(listen: configuration.metricsListen, logger: logger)
        metrics = SubscriberMetrics(factory: metricsEndpoint.factory, verbs: Self.verbs)
        follower = Follower(
            configuration: configuration, readModel: readModel, hub: hub, cache: cache, status: FollowerStatus(),
            metrics: metrics, logger: logger)
        let tokens = Tokens(full: configuration.token)
        let box = ServerReference<SubscriberServer>()
        lineServer = LineServer(
            configuration: LineServerConfiguration(
                host: configuration.host, port: configuration.port, service: "subscriber",
                authRequired: tokens.required, maximumLineBytes: configuration.maximumLineBytes,
                maximumConnections: configuration.maximumConnections, idleTimeout: configuration.idleTimeout,
                lineTimeout: configuration.lineTimeout,
                inlineResponder: CachedGets(cache: cache, metrics: metrics), heartbeat: configuration.heartbeatInterval,
                tls: configuration.tls),
            logger: logger,
            handler: { connection in await box.server?.handle(connection, tokens: tokens) })
        box.set(self)
    }

    /// Reads the TLS certificate and key again for new connections (SIGHUP); false when the
    /// listener is plain TCP. Throws, keeping the old certificate, when the files are unusable.
    @discardableResult
    public func reloadTLS() throws -> Bool { try lineServer.reloadTLS() }

    /// The port actually listened on.
    public func boundPort() async throws -> Int { try await lineServer.boundPort() }

    /// The read model's applied seq (for tests and tools).
    public var appliedSeq: Int64 { follower.status.applied }

    /// Serves and follows until shutdown; then closes watchers with a final line and the file.
    public func run() async throws {
        let applied = try await readModel.appliedSeq()
        follower.status.update(applied: applied)
        logger.info(
            "read model open", metadata: ["path": "\(configuration.readModelPath)", "applied_seq": "\(applied)"])
        let following = Task { await follower.run() }
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: configuration.heartbeatInterval)
                hub.broadcast("HEARTBEAT " + JSON.object(["applied_seq": .int(follower.status.applied)]).serialized())
            }
        }
        let gauges = Task {
            while !Task.isCancelled {
                let status = follower.status.snapshot()
                metrics.appliedSeq.record(status.applied)
                metrics.headSeq.record(status.head)
                metrics.lag.record(max(0, status.head - status.applied))
                metrics.watchers.record(hub.count)
                metrics.connected.record(status.connected ? 1 : 0)
                try? await Task.sleep(for: .seconds(1))
            }
        }
        let endpoint = Task { try await metricsEndpoint.run() }
        defer {
            heartbeat.cancel()
            gauges.cancel()
            endpoint.cancel()
            following.cancel()
        }
        // Fail at startup, not silently, when the metrics address cannot be bound.
        if configuration.metricsListen != nil { _ = try await metricsEndpoint.boundPort() }
        try await withGracefulShutdownHandler {
            try await lineServer.run()
        } onGracefulShutdown: {
            following.cancel()
            self.hub.closeAll(with: WireError(.shuttingDown, "the server is shutting down").line)
        }
        await following.value
        try? readModel.close()
    }

    // MARK: - Connections

    fileprivate func handle(_ connection: LineConnection, tokens: Tokens) async {
        var access = tokens.initialAccess
        let writer = connection.writer
        var iterator = connection.inbound.makeAsyncIterator()
        do {
            while let frame = try await iterator.next() {
                let reply: String
                switch frame {
                case .tooLong:
                    try await writer.write(.error(WireError(.lineTooLong, "line too long")))
                    return
                case .line(nil):
                    reply = WireError(.badRequest, "line is not valid UTF-8").line
                case .line(let text?):
                    let request: Request
                    do {
                        request = try Request.parse(text)
                    } catch {
                        reply = error.line
                        break
                    }
                    switch request.verb {
                    case "PING": reply = "OK"
                    case "HELP": reply = Reply.ok(["verbs": .array(Self.verbs.map { .string($0) })]).line
                    case "QUIT":
                        try await writer.write(.ok(nil))
                        return
                    case "AUTH":
                        if let granted = tokens.access(for: request.arguments.trimmingASCIIWhitespace()) {
                            access = granted
                            reply = "OK"
                        } else {
                            reply = WireError(.denied, "wrong token").line
                        }
                    case _ where access == .none:
                        reply = WireError(.noauth, "AUTH first").line
                    case "WATCH":
                        do {
                            let filter = try await watchFilter(request)
                            try await writer.write(.ok(nil))
                            await watch(filter, connection: connection, iterator: &iterator)
                            return
                        } catch let error as WireError {
                            reply = error.line
                        }
                    default:
                        reply = await answer(request)
                    }
                }
                try await writer.write(reply)
            }
        } catch {
            return
        }
    }

    /// The reply line of a query verb, counted and timed.
    private func answer(_ request: Request) async -> String {
        let started = ContinuousClock.now
        let reply = await answerUncounted(request)
        metrics.query(verb: request.verb, duration: ContinuousClock.now - started, failed: reply.hasPrefix("ERR"))
        return reply
    }

    private func answerUncounted(_ request: Request) async -> String {
        do {
            switch request.verb {
            case "GET": return try await get(request)
            case "SEARCH":
                let results = try await readModel.search(request.arguments, limit: 20)
                return Reply.ok(["results": .array(results)]).line
            case "OSTS":
                return "OK " + (try await readModel.osts(OSTQuery(json: optionalJSON(request)))).json
            case "CASTING":
                return "OK " + (try await readModel.castings(CastingQuery(json: optionalJSON(request)))).json
            case "FEED": return try await feed(request)
            case "STATS": return try await stats()
            default:
                return WireError(.unknownCommand, "unknown verb \(request.verb.prefix(32)); try HELP").line
            }
        } catch let error as WireError {
            return error.line
        } catch {
            logger.error("query failed", metadata: ["verb": "\(request.verb)", "error": "\(error)"])
            return WireError(.internal, "the query failed; see the server log").line
        }
    }

    private func optionalJSON(_ request: Request) throws(WireError) -> JSON {
        request.arguments.trimmingASCIIWhitespace().isEmpty ? .null : try request.jsonArgument()
    }

    private func get(_ request: Request) async throws -> String {
        let (kind, name) = try Self.getTarget(request.arguments)
        if let cached = cache.reply(kind: kind, name: name) {
            return String(buffer: cached).dropLastLF()
        }
        let epoch = cache.epoch
        guard let found = try await readModel.keyedDocument(kind: kind, name: name) else {
            throw WireError(.notFound, "no \(kind) \(name.prefix(100))")
        }
        cache.fill(kind: kind, name: name, key: found.key, document: found.document, epoch: epoch)
        return "OK " + found.document
    }

    /// The kind and the (trimmed) key or name of `GET DRAMA|PERSON|ARTICLE <name>`.
    static func getTarget(_ arguments: String) throws(WireError) -> (kind: String, name: String) {
        let words = arguments.trimmingASCIIWhitespace()
        guard let space = words.firstIndex(of: " ") else {
            throw WireError(.badRequest, "usage: GET DRAMA|PERSON <key or name> or GET ARTICLE <id>")
        }
        let kind: String
        switch words[..<space].uppercased() {
        case "DRAMA": kind = "drama"
        case "PERSON": kind = "person"
        case "ARTICLE": kind = "article"
        default: throw WireError(.badRequest, "GET expects DRAMA, PERSON or ARTICLE")
        }
        return (kind, String(words[words.index(after: space)...]).trimmingASCIIWhitespace())
    }

    private func feed(_ request: Request) async throws -> String {
        let json = try optionalJSON(request)
        guard json.isNull || json.objectValue != nil else { throw WireError.invalid("FEED", "expected a JSON object") }
        if let unknown = (json.objectValue ?? [:]).keys.sorted().first(where: { $0 != "limit" && $0 != "before" }) {
            throw WireError.invalid(unknown, "unknown field; expected limit or before")
        }
        var limit: Int64 = 20
        if !json["limit"].isNull {
            guard let value = json["limit"].intValue, (1...500).contains(value) else {
                throw WireError.invalid("limit", "expected an integer from 1 to 500")
            }
            limit = value
        }
        var before: Int64?
        if !json["before"].isNull {
            guard let value = json["before"].intValue, value >= 0 else {
                throw WireError.invalid("before", "expected a non-negative sequence number")
            }
            before = value
        }
        let items = try await readModel.feed(limit: Int(limit), before: before)
        return Reply.ok(["items": .array(items)]).line
    }

    private func stats() async throws -> String {
        let status = follower.status.snapshot()
        var counts = try await readModel.counts().mapValues { JSON.int($0) }
        counts["watchers"] = .int(hub.count)
        var fields: [String: JSON] = [
            "applied_seq": .int(status.applied), "head_seq": .int(status.head),
            "lag": .int(max(0, status.head - status.applied)), "connected": .bool(status.connected),
            "reconnects": .int(Int64(status.reconnects)), "counts": .object(counts),
            "ingest": .string(configuration.ingest.description),
        ]
        let cached = cache.statistics
        fields["cache"] = [
            "entries": .int(Int64(cached.entries)), "bytes": .int(Int64(cached.bytes)),
            "capacity_bytes": .int(Int64(cache.capacityBytes)), "hits": .int(Int64(cached.hits)),
            "misses": .int(Int64(cached.misses)), "inline": .int(Int64(cache.inlineReplies)),
        ]
        if let lastError = status.lastError { fields["last_error"] = .string(lastError) }
        // How stale the replica may be: when the ingest service was last heard from.
        let (silence, silentClosures) = follower.status.liveness()
        if let silence {
            let silentMillis =
                silence.components.seconds * 1000 + silence.components.attoseconds / 1_000_000_000_000_000
            let millis = Int64(Date().timeIntervalSince1970 * 1000) - silentMillis
            fields["last_line_at"] = .string(Timestamp.formatUTC(millis: millis))
            fields["silent_ms"] = .int(silentMillis)
        }
        fields["silent_closures"] = .int(Int64(silentClosures))
        return Reply.ok(.object(fields)).line
    }

    // MARK: - WATCH

    private func watchFilter(_ request: Request) async throws -> WatchFilter {
        let words = request.arguments.trimmingASCIIWhitespace()
        if words.uppercased() == "ALL" { return .all }
        guard let space = words.firstIndex(of: " ") else {
            throw WireError(.badRequest, "usage: WATCH ALL, WATCH DRAMA <key> or WATCH PERSON <key>")
        }
        let kinds = ["DRAMA": "drama", "PERSON": "person"]
        guard let kind = kinds[words[..<space].uppercased()] else {
            throw WireError(.badRequest, "WATCH expects ALL, DRAMA or PERSON")
        }
        let name = String(words[words.index(after: space)...])
        guard let key = try await readModel.watchKey(kind: kind, name: name) else {
            throw WireError.invalid("WATCH", "the name has no letters or digits")
        }
        return .document(kind: kind, key: key)
    }

    /// Stream mode: events arrive through the hub; this task only reads QUIT (or bad requests).
    private func watch(
        _ filter: WatchFilter, connection: LineConnection,
        iterator: inout NIOAsyncChannelInboundStream<LineFrame>.AsyncIterator
    ) async {
        let id = hub.add(filter, writer: connection.writer)
        defer { hub.remove(id) }
        while let frame = try? await iterator.next() {
            guard case .line(let text?) = frame, let request = try? Request.parse(text) else {
                connection.writer.send(WireError(.badRequest, "in watch mode only QUIT is accepted").line)
                if case .tooLong = frame { break }
                continue
            }
            if request.verb == "QUIT" {
                hub.remove(id)
                try? await connection.writer.write("OK")
                break
            }
            connection.writer.send(WireError(.badRequest, "in watch mode only QUIT is accepted").line)
        }
        connection.writer.close()
    }
}

/// GETs answered from the document cache on the event loop (see ``InlineResponder``); misses
/// and every other verb go to the connection's task.
struct CachedGets: InlineResponder {
    let cache: DocumentCache
    let metrics: SubscriberMetrics

    func reply(to line: String) -> ByteBuffer? {
        let head = Array(line.utf8.prefix(4))
        guard head.count == 4, head[3] == UInt8(ascii: " "),
            String(decoding: head[0..<3], as: UTF8.self).uppercased() == "GET",
            let (kind, name) = try? SubscriberServer.getTarget(String(line.dropFirst(4))),
            let reply = cache.reply(kind: kind, name: name)
        else { return nil }
        metrics.cachedQueries.increment()
        cache.noteInlineReply()
        return reply
    }
}

extension String {
    /// Without one trailing LF.
    fileprivate func dropLastLF() -> String { hasSuffix("\n") ? String(dropLast()) : self }
}
