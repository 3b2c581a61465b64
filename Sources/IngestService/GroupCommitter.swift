import DramaDomain
import LibPQ
import LineProtocol
import LineServer
import Logging
import PostgresStore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Group commit with a few writer connections: requests queue up, and each free writer takes
/// what has queued (up to a batch) and commits it in one transaction.
///
/// One transaction and one fsync carry many requests. Several writers let the next batch be
/// prepared while the previous one waits on round trips or commits: only the end of a batch,
/// from the counter row to COMMIT, is serialized (see ``WritePath``), and batches that touch
/// one drama take turns on its row lock. Each request still gets its own reply or error.
final class GroupCommitter: Sendable {
    typealias Reply = Result<JSON, WireError>

    private struct Pending {
        var operation: WriteOperation
        var continuation: CheckedContinuation<Reply, Never>
    }

    private struct State {
        var queue: [Pending] = []
        var closed = false
        /// Writers waiting for work; resumed with a batch, or nil once closed and drained.
        var idle: [CheckedContinuation<[Pending]?, Never>] = []

        mutating func take(_ maximum: Int) -> [Pending] {
            let n = min(queue.count, maximum)
            let taken = Array(queue.prefix(n))
            queue.removeFirst(n)
            return taken
        }
    }

    private let state = Mutex(State())
    private let slots: [ConnectionSlot]
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
        /// Batches run again after losing a deadlock.
        var retries = 0
        /// Seconds spent in each phase, summed over batches.
        var prepare = 0.0
        var recompute = 0.0
        var append = 0.0
        var commit = 0.0
    }

    private let metrics: IngestMetrics

    /// - Parameter slots: one connection per writer.
    init(
        slots: [ConnectionSlot], feed: ChangeFeed, metrics: IngestMetrics, logger: Logger, maximumBatch: Int = 256,
        maximumQueue: Int = 10_000
    ) {
        precondition(!slots.isEmpty, "a committer needs a writer connection")
        self.metrics = metrics
        self.slots = slots
        self.feed = feed
        self.logger = logger
        self.maximumBatch = maximumBatch
        self.maximumQueue = maximumQueue
    }

    var statistics: CommitStats { stats.withLock { $0 } }

    /// Submits a write and waits for its own reply.
    func submit(_ operation: WriteOperation) async -> Reply {
        await withCheckedContinuation { continuation in
            let (rejection, handoff): (WireError?, (CheckedContinuation<[Pending]?, Never>, [Pending])?) =
                state.withLock { s in
                    if s.closed { return (WireError(.shuttingDown, "the server is shutting down"), nil) }
                    if s.queue.count >= maximumQueue {
                        return (WireError(.unavailable, "too many writes queued, retry later"), nil)
                    }
                    s.queue.append(Pending(operation: operation, continuation: continuation))
                    guard let writer = s.idle.popLast() else { return (nil, nil) }
                    return (nil, (writer, s.take(maximumBatch)))
                }
            if let rejection {
                continuation.resume(returning: .failure(rejection))
            } else if let (writer, batch) = handoff {
                writer.resume(returning: batch)
            }
        }
    }

    /// The next batch for a free writer; nil once closed and drained.
    private func nextBatch() async -> [Pending]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Pending]?, Never>) in
            let ready: [Pending]?? = state.withLock { s in
                if !s.queue.isEmpty { return .some(s.take(maximumBatch)) }
                if s.closed { return .some(nil) }
                s.idle.append(continuation)
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Commits batches on every writer until ``close()`` has been called and the queue is
    /// drained.
    func run() async {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for slot in slots {
                    group.addTask {
                        while let batch = await self.nextBatch() { await self.commit(batch, on: slot) }
                    }
                }
            }
        } onCancel: {
            // Cancelled without close() (the server failed): stop the same way.
            self.close()
        }
    }

    /// Stops taking new writes; queued ones are still committed, then the writers stop.
    func close() {
        let idle = state.withLock { s in
            s.closed = true
            defer { s.idle.removeAll() }
            return s.idle
        }
        // An idle writer means an empty queue: nothing is left to drain.
        for writer in idle { writer.resume(returning: nil) }
    }

    private func commit(_ batch: [Pending], on slot: ConnectionSlot) async {
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
                s.retries += result.retries
                s.prepare += Double(result.phases.prepare.nanoseconds) / 1e9
                s.recompute += Double(result.phases.recompute.nanoseconds) / 1e9
                s.append += Double(result.phases.append.nanoseconds) / 1e9
                s.commit += Double(result.phases.commit.nanoseconds) / 1e9
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

