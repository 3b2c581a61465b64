#if os(Linux)
    @preconcurrency import Dispatch
#else
    import Dispatch
#endif

/// A `SerialExecutor` that runs jobs on a private serial `DispatchQueue`.
///
/// libpq calls block their thread. An actor whose executor is one of these runs every
/// isolated method on its own queue, so a slow query never parks a thread of Swift's
/// cooperative pool. The pattern follows GRDB's `DispatchQueueActor`.
final class SerialQueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        self.queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedSerialExecutor())
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}

#if os(Linux)
    // Safe: the only stored property is a `let` DispatchQueue, which is thread-safe; on Linux
    // Dispatch is imported without Sendable annotations, which is the only reason this is needed.
    extension SerialQueueExecutor: @unchecked Sendable {}
#endif
