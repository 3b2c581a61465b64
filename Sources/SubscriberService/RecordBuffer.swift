import SQLiteStore
import Synchronization

/// A bounded hand-off from the task reading the ingest stream to the task applying records.
///
/// The applier takes everything buffered at once, so batches grow while SQLite is busy and
/// shrink to one record when traffic is light: low latency when idle, large transactions when
/// replaying. When `capacity` records are waiting, the reader waits, and TCP backpressure
/// reaches the ingest service instead of memory growing here.
final class RecordBuffer: Sendable {
    private struct State {
        var records: [ReceivedRecord] = []
        var consumer: CheckedContinuation<[ReceivedRecord]?, Never>?
        var producer: CheckedContinuation<Void, any Error>?
        var finished = false
        var failure: (any Error)?
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds a record; waits while the buffer is full. Throws once the buffer has failed.
    func push(_ record: ReceivedRecord) async throws {
        enum Action {
            case done
            case wake(CheckedContinuation<[ReceivedRecord]?, Never>, [ReceivedRecord])
            case wait
            case fail(any Error)
        }
        let action: Action = state.withLock { state in
            if let failure = state.failure { return .fail(failure) }
            state.records.append(record)
            if let consumer = state.consumer {
                state.consumer = nil
                let batch = state.records
                state.records = []
                return .wake(consumer, batch)
            }
            return state.records.count >= capacity ? .wait : .done
        }
        switch action {
        case .done: return
        case .fail(let error): throw error
        case .wake(let consumer, let batch): consumer.resume(returning: batch)
        case .wait:
            try await withCheckedThrowingContinuation { continuation in
                let resumeNow: (any Error)?? = state.withLock { state in
                    if let failure = state.failure { return .some(failure) }
                    if state.records.count < capacity { return .some(nil) }
                    state.producer = continuation
                    return .none
                }
                switch resumeNow {
                case .some(let failure?): continuation.resume(throwing: failure)
                case .some(nil): continuation.resume()
                case .none: break
                }
            }
        }
    }

    /// Everything buffered (waiting for at least one record); nil once finished or failed.
    func take() async -> [ReceivedRecord]? {
        await withCheckedContinuation { continuation in
            let (result, producer): ([ReceivedRecord]??, CheckedContinuation<Void, any Error>?) = state.withLock {
                state in
                if !state.records.isEmpty {
                    let batch = state.records
                    state.records = []
                    let producer = state.producer
                    state.producer = nil
                    return (.some(batch), producer)
                }
                if state.finished || state.failure != nil { return (.some(nil), nil) }
                state.consumer = continuation
                return (.none, nil)
            }
            producer?.resume()
            if case .some(let batch) = result { continuation.resume(returning: batch) }
        }
    }

    /// No more records will come; the consumer drains what is left, then gets nil.
    func finish() {
        let consumer = state.withLock { state in
            state.finished = true
            let consumer = state.records.isEmpty ? state.consumer : nil
            if consumer != nil { state.consumer = nil }
            return consumer
        }
        consumer?.resume(returning: nil)
    }

    /// Stops both sides: the producer's next push throws `error`, the consumer gets nil.
    func fail(_ error: any Error) {
        let (consumer, producer) = state.withLock { state in
            state.failure = state.failure ?? error
            state.records = []
            defer {
                state.consumer = nil
                state.producer = nil
            }
            return (state.consumer, state.producer)
        }
        consumer?.resume(returning: nil)
        producer?.resume(throwing: error)
    }
}
