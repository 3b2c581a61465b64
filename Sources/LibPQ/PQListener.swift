import CLibPQ
import Foundation
import Logging
import Synchronization

/// A notification delivered by `LISTEN`.
public struct PQNotification: Sendable {
    /// The channel it was sent on.
    public var channel: String
    /// The payload (may be empty).
    public var payload: String
}

/// Listens on PostgreSQL channels from a dedicated thread with its own connection.
///
/// The thread waits on the connection's socket with `poll(2)`, so it never occupies a thread of
/// the cooperative pool. When the connection breaks it reconnects with capped exponential
/// backoff and yields a synthetic notification on channel `""`, because notifications sent
/// while it was away are lost and listeners must re-check their state.
public final class PQListener: Sendable {
    /// Notifications, in arrival order. Finishes when ``stop()`` is called.
    public let notifications: AsyncStream<PQNotification>
    private let continuation: AsyncStream<PQNotification>.Continuation
    private let stopped = Atomic(false)
    private let conninfo: String
    private let channels: [String]
    private let logger: Logger

    /// Starts listening on `channels`.
    public init(conninfo: String, channels: [String], logger: Logger) {
        self.conninfo = conninfo
        self.channels = channels
        self.logger = logger
        (notifications, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(64))
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "dramawire.pq.listen"
        thread.start()
    }

    /// Stops the thread (within about 200 ms) and finishes the stream.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func runLoop() {
        var backoff = 0.1
        while !stopped.load(ordering: .relaxed) {
            guard let conn = PQconnectdb(conninfo) else { break }
            if PQstatus(conn) != CONNECTION_OK {
                logger.debug("listener connect failed: \(PQConnection.trimmed(PQerrorMessage(conn)))")
                PQfinish(conn)
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 5)
                continue
            }
            backoff = 0.1
            PQsetNoticeProcessor(conn, { _, _ in }, nil)  // NOTICEs on this connection carry nothing of use
            var ok = true
            for channel in channels {
                // Channel names are identifiers chosen by the program, never user data.
                let result = PQexec(conn, "LISTEN \"\(channel)\"")
                ok = ok && PQresultStatus(result) == PGRES_COMMAND_OK
                PQclear(result)
            }
            // Something may have been committed while we were not listening.
            continuation.yield(PQNotification(channel: "", payload: ""))
            while ok && !stopped.load(ordering: .relaxed) {
                var fds = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
                let ready = poll(&fds, 1, 200)
                if ready < 0 && errno != EINTR { ok = false; break }
                if ready <= 0 { continue }
                if PQconsumeInput(conn) == 0 { ok = false; break }
                while let note = PQnotifies(conn) {
                    let channel = String(cString: note.pointee.relname)
                    let payload = String(cString: note.pointee.extra)
                    PQfreemem(note)
                    continuation.yield(PQNotification(channel: channel, payload: payload))
                }
            }
            PQfinish(conn)
        }
        continuation.finish()
    }
}
