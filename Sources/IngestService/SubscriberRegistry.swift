import LineProtocol
import Synchronization

/// Live subscribers, for STATS (acked seq and lag) and for closing them at shutdown.
final class SubscriberRegistry: Sendable {
    struct Entry {
        var peer: String
        var since: Int64
        var sent: Int64
        var acked: Int64
        var close: @Sendable () -> Void
    }

    private let entries = Mutex<[Int: Entry]>([:])
    private let nextID = Atomic<Int>(0)

    func add(peer: String, after: Int64, close: @escaping @Sendable () -> Void) -> Int {
        let id = nextID.add(1, ordering: .relaxed).newValue
        entries.withLock { $0[id] = Entry(peer: peer, since: after, sent: after, acked: after, close: close) }
        return id
    }

    func remove(_ id: Int) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }

    func sent(_ id: Int, seq: Int64) {
        entries.withLock { $0[id]?.sent = seq }
    }

    func ack(_ id: Int, seq: Int64) {
        entries.withLock { e in
            if let current = e[id]?.acked, seq > current { e[id]?.acked = seq }
        }
    }

    /// Asks every subscriber to finish (graceful shutdown).
    func closeAll() {
        let closers = entries.withLock { $0.values.map(\.close) }
        for close in closers { close() }
    }

    /// The subscribers as STATS JSON.
    func json(head: Int64) -> JSON {
        let list = entries.withLock { e in e.sorted { $0.key < $1.key } }
        return .array(
            list.map { id, entry in
                [
                    "id": .int(Int64(id)), "peer": .string(entry.peer), "sent_seq": .int(entry.sent),
                    "acked_seq": .int(entry.acked), "lag": .int(max(0, head - entry.acked)),
                ]
            })
    }
}

extension SubscriberRegistry {
    /// How many subscribers there are, and the largest lag (head minus acknowledged seq).
    func summary(head: Int64) -> (count: Int, maximumLag: Int64) {
        entries.withLock { e in (e.count, e.values.map { max(0, head - $0.acked) }.max() ?? 0) }
    }
}
