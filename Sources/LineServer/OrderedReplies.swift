import LineProtocol
import Synchronization

/// Keeps replies in request order while letting requests run concurrently.
///
/// Clients may pipeline. Each request becomes a task; a single writer task awaits them in the
/// order they were enqueued, so replies leave in request order however long each one takes.
/// Writes (``enqueueWrite(_:)``) start at once, so a pipelining client fills a group-commit
/// batch by itself; reads (``enqueueRead(_:)``) first wait for the writes before them, so a
/// connection always reads its own writes.
public final class OrderedReplies: Sendable {
    private let continuation: AsyncStream<Task<Reply, Never>>.Continuation
    private let writerTask: Task<Void, Never>
    private let lastTask = Mutex<Task<Reply, Never>?>(nil)
    private let lastWrite = Mutex<Task<Reply, Never>?>(nil)
    private let inflight: InflightCounter
    private let maximumInflight: Int

    /// Creates the queue for one connection.
    ///
    /// - Parameter maximumInflight: beyond this many unanswered requests, ``throttle()`` waits.
    public init(writer: LineWriter, maximumInflight: Int = 1024) {
        let (stream, continuation) = AsyncStream.makeStream(of: Task<Reply, Never>.self)
        let inflight = InflightCounter()
        self.continuation = continuation
        self.inflight = inflight
        self.maximumInflight = maximumInflight
        self.writerTask = Task {
            for await task in stream {
                let reply = await task.value
                try? await writer.write(reply)
                inflight.value.subtract(1, ordering: .relaxed)
            }
        }
    }

    private func push(_ task: Task<Reply, Never>) {
        inflight.value.add(1, ordering: .relaxed)
        lastTask.withLock { $0 = task }
        continuation.yield(task)
    }

    /// Queues a reply that is already known.
    public func enqueue(_ reply: Reply) {
        push(Task { reply })
    }

    /// Queues a write request; it starts now.
    public func enqueueWrite(_ body: @escaping @Sendable () async -> Reply) {
        let task = Task { await body() }
        lastWrite.withLock { $0 = task }
        push(task)
    }

    /// Queues a write whose result is a `Result`.
    public func enqueueWrite(_ body: @escaping @Sendable () async -> Result<JSON, WireError>) {
        enqueueWrite { () async -> Reply in
            switch await body() {
            case .success(let json): return .ok(json)
            case .failure(let error): return .error(error)
            }
        }
    }

    /// Queues a read request; it starts once the writes queued before it are done.
    public func enqueueRead(_ body: @escaping @Sendable () async -> Reply) {
        let previous = lastWrite.withLock { $0 }
        push(
            Task {
                _ = await previous?.value
                return await body()
            })
    }

    /// Waits while too many requests are unanswered (bounds memory for a flooding client).
    public func throttle() async {
        guard inflight.value.load(ordering: .relaxed) >= maximumInflight else { return }
        let last = lastTask.withLock { $0 }
        _ = await last?.value
    }

    /// Writes every queued reply, then stops taking more.
    public func drain() async {
        continuation.finish()
        await writerTask.value
    }

    /// Stops taking replies; the queued ones are still written.
    public func finish() {
        continuation.finish()
    }
}

final class InflightCounter: Sendable {
    let value = Atomic<Int>(0)
}
