import LibPQ
import LineProtocol
import Logging

/// One PostgreSQL connection that reconnects by itself.
///
/// When the database goes away, the connection is dropped and callers get `ERR unavailable`
/// at once (no request hangs waiting for a dead server). The next use after the backoff delay
/// tries to connect again; the delay doubles up to a cap while attempts keep failing.
actor ConnectionSlot {
    private let conninfo: String
    private let replyTimeout: Duration?
    private let logger: Logger
    private let name: String
    private var connection: PQConnection?
    private var backoff: Duration = .milliseconds(100)
    private var nextAttempt: ContinuousClock.Instant = .now
    private var lastError: String = ""
    private static let maximumBackoff: Duration = .seconds(2)

    init(conninfo: String, name: String, replyTimeout: Duration?, logger: Logger) {
        self.conninfo = conninfo
        self.replyTimeout = replyTimeout
        self.name = name
        self.logger = logger
    }

    /// The open connection, connecting first if needed.
    ///
    /// - Throws: `ERR unavailable` when the database cannot be reached now.
    func get() async throws(WireError) -> PQConnection {
        if let connection { return connection }
        guard ContinuousClock.now >= nextAttempt else {
            throw WireError(.unavailable, "database unavailable, retry later")
        }
        do {
            let opened = try await PQConnection.connect(
                conninfo: conninfo, logger: logger, replyTimeout: replyTimeout)
            connection = opened
            backoff = .milliseconds(100)
            logger.info("database connected", metadata: ["connection": "\(name)"])
            return opened
        } catch {
            nextAttempt = .now + backoff
            backoff = min(backoff * 2, Self.maximumBackoff)
            let message = "\(error)"
            if message != lastError {
                logger.warning("database connect failed", metadata: ["connection": "\(name)", "error": "\(message)"])
                lastError = message
            }
            throw WireError(.unavailable, "database unavailable, retry later")
        }
    }

    /// Drops `broken` after a connection-level failure, so the next `get()` reconnects.
    func invalidate(_ broken: PQConnection) async {
        guard connection === broken else { return }
        connection = nil
        nextAttempt = .now
        logger.warning("database connection lost", metadata: ["connection": "\(name)"])
        await broken.close()
    }

    /// Closes the connection for good.
    func close() async {
        await connection?.close()
        connection = nil
    }

    /// Runs `body` on the connection; maps connection failures to `ERR unavailable` and other
    /// database errors to `ERR internal`, logging the detail (never sent to clients).
    func run<T: Sendable>(_ body: @Sendable (isolated PQConnection) throws -> T) async throws(WireError) -> T {
        let connection = try await get()
        do {
            return try await connection.run(body)
        } catch let error as WireError {
            throw error
        } catch let error as PQError {
            if error.isConnectionProblem {
                await invalidate(connection)
                throw WireError(.unavailable, "database unavailable, retry later")
            }
            logger.error("database error", metadata: ["connection": "\(name)", "error": "\(error)"])
            throw WireError(.internal, "internal error")
        } catch {
            logger.error("unexpected error", metadata: ["error": "\(error)"])
            throw WireError(.internal, "internal error")
        }
    }
}
