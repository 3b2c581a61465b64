import DramaDomain
import LibPQ
import LineProtocol
import LineServer
import Logging
import NIOCore
import PostgresStore
import ServiceLifecycle
import ServiceMetrics
import Synchronization

/// The ingest service: the line protocol on port 7400 in front of PostgreSQL.
///
/// It owns a few writer connections (group commit), a reader connection for SUBSCRIBE backlogs
/// and queries, a LISTEN thread, and a poller. Run it as a `Service` in a `ServiceGroup`.
public final class IngestServer: Service, Sendable {
    let configuration: IngestConfiguration
    let logger: Logger
    let tokens: Tokens
    let writers: [ConnectionSlot]
    let reader: ConnectionSlot
    let knownNames: KnownNamesCache
    let feed = ChangeFeed()
    let committer: GroupCommitter
    let subscribers = SubscriberRegistry()
    let lineServer: LineServer
    let shuttingDown = Atomic(false)
    let metrics: IngestMetrics
    /// The service's metrics registry and its HTTP endpoint (`DRAMAWIRE_METRICS_LISTEN`).
    public let metricsEndpoint: MetricsEndpoint

    /// The verbs this service answers.
    public static let verbs = [
        "INGEST", "RETRACT", "MERGE", "EXTRACT", "HEAD", "SUBSCRIBE", "STATS", "PING", "AUTH", "HELP", "QUIT",
    ]

    /// Creates the service; nothing happens until `run()`.
    public init(configuration: IngestConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.tokens = Tokens(full: configuration.token, readOnly: configuration.readToken)
        self.writers = (1...max(1, configuration.writers)).map {
            ConnectionSlot(
                conninfo: configuration.databaseURL, name: "writer-\($0)",
                replyTimeout: configuration.databaseTimeout, logger: logger)
        }
        self.reader = ConnectionSlot(
            conninfo: configuration.databaseURL, name: "reader", replyTimeout: configuration.databaseTimeout,
            logger: logger)
        self.knownNames = KnownNamesCache(slot: reader, logger: logger)
        self.metricsEndpoint = MetricsEndpoint(listen: configuration.metricsListen, logger: logger)
        self.metrics = IngestMetrics(factory: metricsEndpoint.factory)
        self.committer = GroupCommitter(
            slots: writers, feed: feed, metrics: metrics, logger: logger, maximumBatch: configuration.maximumBatch)
        let box = ServerReference<IngestServer>()
        self.lineServer = LineServer(
            configuration: LineServerConfiguration(
                host: configuration.host, port: configuration.port, service: "ingest",
                authRequired: tokens.required, maximumLineBytes: configuration.maximumLineBytes,
                maximumConnections: configuration.maximumConnections, idleTimeout: configuration.idleTimeout,
                lineTimeout: configuration.lineTimeout, heartbeat: configuration.heartbeatInterval,
                tls: configuration.tls),
            logger: logger,
            handler: { connection in await box.server?.handle(connection) })
        box.set(self)
    }

    /// Reads the TLS certificate and key again for new connections (SIGHUP); false when the
    /// listener is plain TCP. Throws, keeping the old certificate, when the files are unusable.
    @discardableResult
    public func reloadTLS() throws -> Bool { try lineServer.reloadTLS() }

    /// The port actually listened on (useful with port 0).
    public func boundPort() async throws -> Int {
        try await lineServer.boundPort()
    }

    /// Connects (waiting up to the startup timeout), migrates, then serves until shutdown.
    public func run() async throws {
        try await prepareDatabase()
        let listener = PQListener(
            conninfo: configuration.databaseURL, channels: [WritePath.notifyChannel], logger: logger)
        defer { listener.stop() }
        defer {
            // However the run ends (graceful shutdown, cancellation, a failure), the database
            // connections go with it.
            let (writers, reader) = (self.writers, self.reader)
            Task {
                for writer in writers { await writer.close() }
                await reader.close()
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.committer.run() }
            group.addTask { await self.followNotifications(listener) }
            group.addTask { await self.poll() }
            group.addTask { await self.keepStatisticsFresh() }
            group.addTask { try await self.metricsEndpoint.run() }
            group.addTask {
                try await withGracefulShutdownHandler {
                    try await self.lineServer.run()
                } onGracefulShutdown: {
                    self.shuttingDown.store(true, ordering: .relaxed)
                    self.subscribers.closeAll()
                }
            }
            // The server returns on shutdown; then drain the queued writes and stop the helpers.
            try await group.next()
            self.committer.close()
            listener.stop()
            group.cancelAll()
            while let _ = try await group.next() {}
        }
    }

    private func prepareDatabase() async throws {
        let deadline = ContinuousClock.now + configuration.startupTimeout
        while true {
            do {
                let connection = try await PQConnection.connect(conninfo: configuration.databaseURL, logger: logger)
                let applied = try await Migrator.migrate(connection, logger: logger)
                if !applied.isEmpty { logger.info("schema migrated", metadata: ["versions": "\(applied)"]) }
                let head = try await connection.query("SELECT seq FROM log_counter WHERE id = 1").scalar
                feed.advance(to: Int64(head ?? "0") ?? 0)
                await connection.close()
                return
            } catch let error as PQError where error.isConnectionProblem && ContinuousClock.now < deadline {
                logger.info("waiting for the database", metadata: ["error": "\(error.message)"])
                try await Task.sleep(for: .seconds(1))
            } catch let error as PQError {
                throw StartupError(message: "cannot prepare the database: \(error.message)")
            }
        }
    }

    private func followNotifications(_ listener: PQListener) async {
        for await note in listener.notifications {
            if let seq = Int64(note.payload) {
                feed.advance(to: seq)
            } else {
                await refreshHead()
            }
        }
    }

    private func poll() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.pollInterval)
            await refreshHead()
            let head = feed.head
            let (count, lag) = subscribers.summary(head: head)
            metrics.head.record(head)
            metrics.subscribers.record(count)
            metrics.subscriberMaximumLag.record(lag)
        }
    }

    /// The tables the write path plans queries on; see ``keepStatisticsFresh()``.
    static let plannedTables = [
        "articles", "facts", "aliases", "name_spellings", "dramas", "people", "osts", "ost_artists", "castings",
        "casting_status_history", "ost_song_artists", "change_log",
    ]

    /// Runs ANALYZE on a write-path table once a fifth of it changed since its last analysis.
    ///
    /// Autovacuum does the same, but only once a minute (`autovacuum_naptime`): a database that
    /// fills from empty at hundreds of articles a second spends that minute on plans made for
    /// empty tables (sequential scans where one index probe would do). A check every few
    /// seconds closes the gap; on a database that grows slowly it finds nothing to do.
    private func keepStatisticsFresh() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(5))
            let tables = Self.plannedTables
            let logger = self.logger
            _ = try? await reader.run { db in
                let stale = try db.query(
                    """
                    SELECT relname FROM pg_stat_user_tables
                    WHERE relname = ANY($1::text[])
                      AND n_mod_since_analyze > 1000 + 0.2 * greatest(n_live_tup - n_mod_since_analyze, 0)
                    ORDER BY relname
                    """, ["{" + tables.joined(separator: ",") + "}"]
                ).rows.compactMap { $0[0] }
                for table in stale where tables.contains(table) {
                    try db.execute("ANALYZE \(table)")
                    logger.debug("analyzed", metadata: ["table": "\(table)"])
                }
            }
        }
    }

    /// Reads the committed head from the database; other processes may have written.
    @discardableResult
    func refreshHead() async -> Int64? {
        guard
            let head = try? await reader.run({ db in
                Int64(try db.query("SELECT seq FROM log_counter WHERE id = 1").scalar ?? "0") ?? 0
            })
        else { return nil }
        feed.advance(to: head)
        return head
    }
}

/// A startup failure, reported as one line by the executable.
public struct StartupError: Error, CustomStringConvertible {
    /// The reason.
    public var message: String
    public var description: String { message }
}
