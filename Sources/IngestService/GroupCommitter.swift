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

/// Group commit with a few writer connections: requests queue up, and a writer that is free
/// takes what has queued for it (up to a batch) and commits it in one transaction.
///
/// One transaction and one fsync carry many requests. Several writers let one batch be
/// prepared while another waits on round trips or commits: only the end of a batch, from the
/// counter row to COMMIT, is serialized (see ``WritePath``), and batches that touch one drama
/// take turns on its row lock. Each client connection is assigned one writer (its lane), so
/// the requests of one connection commit in the order they were sent: a correction pipelined
/// after the original can never be committed before it. Each request gets its own reply.
final class GroupCommitter: Sendable {
    typealias Reply = Result<JSON, WireError>

    private struct Pending {
        var operation: WriteOperation
        var reply: ReplyPromise
    }

    private struct State {
        /// Requests waiting, per writer.
        var queues: [[Pending]]
        var queued = 0
        var closed = false
        /// Per writer, whether it waits for work; resumed with a batch, or nil once closed and
        /// drained.
        var idle: [CheckedContinuation<[Pending]?, Never>?]
        var nextLane = 0

        mutating func take(_ lane: Int, _ maximum: Int) -> [Pending] {
            let n = min(queues[lane].count, maximum)
            let taken = Array(queues[lane].prefix(n))
            queues[lane].removeFirst(n)
            queued -= n
            return taken
        }
    }

    private let state: Mutex<State>
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
        self.state = Mutex(State(queues: Array(repeating: [], count: slots.count), idle: slots.map { _ in nil }))
        self.metrics = metrics
        self.slots = slots
        self.feed = feed
        self.logger = logger
        self.maximumBatch = maximumBatch
        self.maximumQueue = maximumQueue
    }

    var statistics: CommitStats { stats.withLock { $0 } }

    /// The writer for a new client connection (round robin).
    func lane() -> Int {
        state.withLock { s in
            defer { s.nextLane = (s.nextLane + 1) % slots.count }
            return s.nextLane
        }
    }

    /// Queues a write on `lane` at once (so writes queued one after another from one task
    /// commit in that order) and returns where its reply will be.
    func enqueue(_ operation: WriteOperation, lane: Int = 0) -> ReplyPromise {
        let lane = lane % slots.count
        let promise = ReplyPromise()
        let (rejection, handoff): (WireError?, (CheckedContinuation<[Pending]?, Never>, [Pending])?) =
            state.withLock { s in
                if s.closed { return (WireError(.shuttingDown, "the server is shutting down"), nil) }
                if s.queued >= maximumQueue {
                    return (WireError(.unavailable, "too many writes queued, retry later"), nil)
                }
                s.queues[lane].append(Pending(operation: operation, reply: promise))
                s.queued += 1
                guard let writer = s.idle[lane] else { return (nil, nil) }
                s.idle[lane] = nil
                return (nil, (writer, s.take(lane, maximumBatch)))
            }
        if let rejection {
            promise.fulfill(.failure(rejection))
        } else if let (writer, batch) = handoff {
            writer.resume(returning: batch)
        }
        return promise
    }

    /// The next batch for writer `lane`; nil once closed and drained.
    private func nextBatch(_ lane: Int) async -> [Pending]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Pending]?, Never>) in
            let ready: [Pending]?? = state.withLock { s in
                if !s.queues[lane].isEmpty { return .some(s.take(lane, maximumBatch)) }
                if s.closed { return .some(nil) }
                s.idle[lane] = continuation
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
                for (lane, slot) in slots.enumerated() {
                    group.addTask {
                        while let batch = await self.nextBatch(lane) { await self.commit(batch, on: slot) }
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
            defer { s.idle = s.idle.map { _ in nil } }
            return s.idle.compactMap { $0 }
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
            feed.publish(head: result.head, records: result.records)
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
            for (pending, reply) in zip(batch, result.replies) { pending.reply.fulfill(reply) }
        case .failure(let error):
            metrics.failedWrites.increment(by: batch.count)
            // The whole transaction failed, so nothing of the batch was written.
            for pending in batch { pending.reply.fulfill(.failure(error)) }
        }
    }
}

/// The wall clock in Unix milliseconds, for the `at` of change records.
func unixMillisNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// A reply that arrives later, awaited by one task.
final class ReplyPromise: Sendable {
    private struct State {
        var reply: Result<JSON, WireError>?
        var waiter: CheckedContinuation<Result<JSON, WireError>, Never>?
    }
    private let state = Mutex(State())

    /// Delivers the reply (the first call wins).
    func fulfill(_ reply: Result<JSON, WireError>) {
        let waiter: CheckedContinuation<Result<JSON, WireError>, Never>? = state.withLock { s in
            guard s.reply == nil else { return nil }
            s.reply = reply
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: reply)
    }

    /// The reply, once delivered.
    var value: Result<JSON, WireError> {
        get async {
            await withCheckedContinuation { continuation in
                let ready: Result<JSON, WireError>? = state.withLock { s in
                    if s.reply == nil { s.waiter = continuation }
                    return s.reply
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
