import DramaDomain
import LibPQ
import LineProtocol
import Logging
import PostgresStore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Group commit: one writer per process collects concurrent write requests and commits them
/// in one transaction.
///
/// The change log's counter row serializes commits (see ``WritePath``), so one transaction at a
/// time is all the database allows anyway; batching many requests into it means one round of
/// locking and one fsync for all of them. Requests that arrive while a batch is committing form
/// the next batch. Each request still gets its own reply or error.
final class GroupCommitter: Sendable {
    typealias Reply = Result<JSON, WireError>

    private struct Pending {
        var operation: WriteOperation
        var continuation: CheckedContinuation<Reply, Never>
    }

    private struct State {
        var queue: [Pending] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let slot: ConnectionSlot
    private let feed: ChangeFeed
    private let logger: Logger
    private let maximumBatch: Int
    private let maximumQueue: Int
    private let stats = Mutex(CommitStats())

    /// Counters for STATS.
    struct CommitStats {
        var batches = 0
        var operations = 0
        var changes = 0
        var largestBatch = 0
    }

    private let metrics: IngestMetrics

    init(
        slot: ConnectionSlot, feed: ChangeFeed, metrics: IngestMetrics, logger: Logger, maximumBatch: Int = 256,
        maximumQueue: Int = 10_000
    ) {
        self.metrics = metrics
        self.slot = slot
        self.feed = feed
        self.logger = logger
        self.maximumBatch = maximumBatch
        self.maximumQueue = maximumQueue
        (wakeups, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    var statistics: CommitStats { stats.withLock { $0 } }

    /// Submits a write and waits for its own reply.
    func submit(_ operation: WriteOperation) async -> Reply {
        await withCheckedContinuation { continuation in
            let rejection: WireError? = state.withLock { s in
                if s.closed { return WireError(.shuttingDown, "the server is shutting down") }
                if s.queue.count >= maximumQueue {
                    return WireError(.unavailable, "too many writes queued, retry later")
                }
                s.queue.append(Pending(operation: operation, continuation: continuation))
                return nil
            }
            if let rejection {
                continuation.resume(returning: .failure(rejection))
            } else {
                wake.yield()
            }
        }
    }

    /// Commits batches until ``close()`` has been called and the queue is drained.
    func run() async {
        for await _ in wakeups {
            while true {
                let batch: [Pending] = state.withLock { s in
                    let n = min(s.queue.count, maximumBatch)
                    let taken = Array(s.queue.prefix(n))
                    s.queue.removeFirst(n)
                    return taken
                }
                if batch.isEmpty { break }
                await commit(batch)
            }
            if state.withLock({ $0.closed && $0.queue.isEmpty }) { break }
        }
        // Cancelled before everything was committed: nothing more will be, so say so rather
        // than leave requests waiting forever.
        let abandoned: [Pending] = state.withLock { s in
            s.closed = true
            defer { s.queue.removeAll() }
            return s.queue
        }
        for pending in abandoned {
            pending.continuation.resume(returning: .failure(WireError(.shuttingDown, "the server is shutting down")))
        }
    }

    /// Stops taking new writes; queued ones are still committed.
    func close() {
        state.withLock { $0.closed = true }
        wake.yield()
    }

    private func commit(_ batch: [Pending]) async {
        let operations = batch.map(\.operation)
        let logger = self.logger
        let now = unixMillisNow()
        let started = ContinuousClock.now
        let outcome: Result<BatchOutcome, WireError>
        do {
            outcome = .success(
                try await slot.run { db in
                    try WritePath.apply(operations, nowMillis: now, db: db, logger: logger)
                })
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let result):
            feed.advance(to: result.head)
            stats.withLock { s in
                s.batches += 1
                s.operations += batch.count
                s.changes += result.changeCount
                s.largestBatch = max(s.largestBatch, batch.count)
            }
            metrics.committed(
                operations, replies: result.replies, changes: result.changeCount,
                duration: ContinuousClock.now - started, phases: result.phases)
            for (pending, reply) in zip(batch, result.replies) { pending.continuation.resume(returning: reply) }
        case .failure(let error):
            metrics.failedWrites.increment(by: batch.count)
            // The whole transaction failed, so nothing of the batch was written.
            for pending in batch { pending.continuation.resume(returning: .failure(error)) }
        }
    }
}

/// The wall clock in Unix milliseconds, for the `at` of change records.
func unixMillisNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
