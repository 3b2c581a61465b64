import DramaWireClient
import LineProtocol
import LineServer
import Logging
import SQLiteStore
import Synchronization

/// How far the follower is, for STATS.
final class FollowerStatus: Sendable {
    private struct State {
        var applied: Int64 = 0
        var head: Int64 = 0
        var connected = false
        var lastError: String?
        var reconnects = 0
        /// When the last line (record or heartbeat) came from the ingest service.
        var lastLine: ContinuousClock.Instant?
        /// Connections closed because the ingest service fell silent.
        var silentClosures = 0
        var silenceLimit: Duration?
    }

    private let state = Mutex(State())

    var applied: Int64 { state.withLock { $0.applied } }

    func snapshot() -> (applied: Int64, head: Int64, connected: Bool, lastError: String?, reconnects: Int) {
        state.withLock { ($0.applied, max($0.head, $0.applied), $0.connected, $0.lastError, $0.reconnects) }
    }

    func countReconnect() { state.withLock { $0.reconnects += 1 } }

    func countSilentClosure() { state.withLock { $0.silentClosures += 1 } }

    /// The liveness limit the ingest service's last greeting implied.
    var silenceLimit: Duration? {
        get { state.withLock { $0.silenceLimit } }
        set { state.withLock { $0.silenceLimit = newValue } }
    }

    /// A line arrived from the ingest service.
    func heard(head: Int64? = nil) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.lastLine = now
            if let head { state.head = max(state.head, head) }
        }
    }

    /// How long since the last line from the ingest service (nil: none yet), and how many
    /// connections were closed as silent.
    func liveness() -> (silence: Duration?, silentClosures: Int) {
        let now = ContinuousClock.now
        return state.withLock { state in (state.lastLine.map { now - $0 }, state.silentClosures) }
    }

    func update(applied: Int64? = nil, head: Int64? = nil, connected: Bool? = nil, error: String?? = nil) {
        state.withLock { state in
            if let applied { state.applied = max(state.applied, applied) }
            if let head { state.head = max(state.head, head) }
            if let connected { state.connected = connected }
            if let error { state.lastError = error }
        }
    }
}

/// A protocol error of the ingest stream (a gap, a malformed line); the follower resubscribes.
struct StreamError: Error, CustomStringConvertible {
    var description: String
}

/// Follows the ingest service's change log into the read model.
///
/// It subscribes from the read model's applied seq, checks that seqs are contiguous, applies
/// records in batches (each batch and its seq in one SQLite transaction), ACKs what it applied,
/// and publishes the touched documents to watchers. On any failure (connection lost, gap,
/// SQLite error such as a full disk) it reconnects after an exponential backoff with jitter and
/// resubscribes from the last applied seq, so nothing is skipped and nothing applied twice.
final class Follower: Sendable {
    private let configuration: SubscriberConfiguration
    private let readModel: ReadModel
    private let hub: WatchHub
    private let cache: DocumentCache
    let status: FollowerStatus
    private let metrics: SubscriberMetrics
    private let logger: Logger

    init(
        configuration: SubscriberConfiguration, readModel: ReadModel, hub: WatchHub, cache: DocumentCache,
        status: FollowerStatus, metrics: SubscriberMetrics, logger: Logger
    ) {
        self.cache = cache
        self.metrics = metrics
        self.configuration = configuration
        self.readModel = readModel
        self.hub = hub
        self.status = status
        self.logger = logger
    }

    /// Follows until the task is cancelled.
    func run() async {
        var failures = 0
        while !Task.isCancelled {
            let appliedBefore = status.applied
            let attemptStarted = ContinuousClock.now
            do {
                try await followOnce()
                logger.info("ingest stream ended; reconnecting")
            } catch is CancellationError {
                break
            } catch let error as SilentPeerError {
                // A frozen ingest process, a partition or a half-open connection: without this
                // the replica would look connected and current while it went stale.
                status.update(error: .some("\(error)"))
                status.countSilentClosure()
                metrics.silentClosures.increment()
                logger.warning(
                    "the ingest stream fell silent; reconnecting",
                    metadata: ["silence": "\(error.silence)", "ingest": "\(configuration.ingest)"])
            } catch {
                status.update(error: .some("\(error)"))
                logger.warning("following the ingest service failed", metadata: ["error": "\(error)"])
            }
            status.update(connected: false)
            status.countReconnect()
            // Only progress (or a long healthy connection) resets the backoff: a subscribe that
            // succeeds and then fails on the first apply (a full disk) must not retry in a tight loop.
            let healthy = status.applied > appliedBefore || ContinuousClock.now - attemptStarted > .seconds(30)
            failures = healthy ? 1 : failures + 1
            try? await Task.sleep(for: Self.backoff(attempt: failures, delays: configuration.reconnectDelay))
        }
        status.update(connected: false)
    }

    /// Exponential backoff with "equal jitter": half the step fixed, half random, so many
    /// subscribers cut off together do not reconnect in lockstep.
    static func backoff(attempt: Int, delays: (first: Duration, maximum: Duration)) -> Duration {
        let step = min(delays.maximum, delays.first * (1 << min(max(attempt - 1, 0), 16)))
        return step / 2 + step / 2 * Double.random(in: 0...1)
    }

    private func followOnce() async throws {
        // A peer that accepts but never greets is as dead as a silent stream: the limit is the
        // stream's, from the previous greeting (10 s before there was one).
        let greetingTimeout = status.silenceLimit ?? .seconds(10)
        try await LineClient.withConnection(
            to: configuration.ingest, greetingTimeout: greetingTimeout, tls: configuration.ingestTLS
        ) { session in
            try await session.authenticate(configuration.ingestToken)
            let applied = try await readModel.appliedSeq()
            status.update(applied: applied)
            let reply = try await session.call("SUBSCRIBE \(applied)")
            // Stream mode: the ingest service sends a line at least every heartbeat interval.
            session.expectHeartbeats()
            status.silenceLimit = silenceLimit(greeting: session.greeting)
            status.heard()
            let head = reply?["head"].intValue ?? 0
            // An error stays visible until progress proves it cleared: a full disk fails again
            // on the first apply after every reconnect, and STATS must keep saying so.
            status.update(head: head, connected: true, error: head <= applied ? .some(nil) : nil)
            logger.info("subscribed", metadata: ["after": "\(applied)", "head": "\(reply?["head"].intValue ?? 0)"])

            let buffer = RecordBuffer(capacity: configuration.batchLimit)
            let sender = session.sender
            let applier = Task { try await self.applyLoop(buffer, sender: sender) }
            defer { applier.cancel() }
            do {
                try await withTaskCancellationHandler {
                    try await readLoop(&session, buffer: buffer, expected: applied + 1)
                } onCancel: {
                    buffer.fail(CancellationError())
                    sender.close()
                }
                buffer.finish()
            } catch {
                buffer.fail(error)
                _ = try? await applier.value
                throw error
            }
            // A failed apply closes the connection, so the reader ends here too; report that.
            try await applier.value
        }
    }

    private func readLoop(_ session: inout LineSession, buffer: RecordBuffer, expected first: Int64) async throws {
        var expected = first
        while let line = try await session.readLine() {
            if line.hasPrefix("CHANGE ") {
                let rest = line.utf8.dropFirst(7)
                guard let space = rest.firstIndex(of: UInt8(ascii: " ")),
                    let seq = Int64(String(decoding: rest[..<space], as: UTF8.self))
                else { throw StreamError(description: "malformed CHANGE line") }
                guard seq == expected else {
                    // Never skip: resubscribing from the applied seq fetches what is missing.
                    throw StreamError(description: "gap in the change stream: expected \(expected), got \(seq)")
                }
                guard let record = try? JSON.parse(String(decoding: rest[rest.index(after: space)...], as: UTF8.self))
                else { throw StreamError(description: "change \(seq) is not valid JSON") }
                try await buffer.push(ReceivedRecord(seq: seq, record: record))
                status.heard(head: seq)
                expected += 1
            } else if line.hasPrefix("HEARTBEAT ") {
                status.heard(head: (try? JSON.parse(String(line.dropFirst(10))))?["head"].intValue)
            } else if case .error(let error)? = Reply.parse(line) {
                throw error
            } else {
                throw StreamError(description: "unexpected line from the ingest service: \(line.prefix(80))")
            }
        }
    }

    private func applyLoop(_ buffer: RecordBuffer, sender: LineSender) async throws {
        while let batch = await buffer.take() {
            let result: ApplyResult
            let started = ContinuousClock.now
            do {
                result = try await readModel.apply(batch)
                metrics.apply.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
                metrics.appliedRecords.increment(by: result.applied)
                metrics.appliedSeq.record(result.appliedSeq)
                logger.debug(
                    "applied batch",
                    metadata: [
                        "records": "\(batch.count)", "documents": "\(result.events.count)",
                        "seq": "\(result.appliedSeq)", "took": "\(ContinuousClock.now - started)",
                    ])
            } catch {
                logger.error(
                    "applying changes failed; applied seq not advanced",
                    metadata: ["error": "\(error)", "first": "\(batch.first?.seq ?? 0)"])
                buffer.fail(error)
                sender.close()
                throw error
            }
            status.update(applied: result.appliedSeq, error: .some(nil))
            // The cache first: a client that sees an EVENT must never then GET an older document.
            cache.publish(result.events)
            hub.publish(result.events)
            try? await sender.send("ACK \(result.appliedSeq)")
        }
    }
}
