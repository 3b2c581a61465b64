import Synchronization

/// The latest committed sequence number known to this process, and who to wake when it grows.
///
/// It is advanced by this process's own commits, by LISTEN/NOTIFY from other processes, and
/// by a poll at least once a second (notifications are lost while nobody listens).
final class ChangeFeed: Sendable {
    private struct State {
        var head: Int64 = 0
        var nextID = 0
        var listeners: [Int: @Sendable () -> Void] = [:]
    }
    private let state = Mutex(State())

    /// The latest known head.
    var head: Int64 { state.withLock { $0.head } }

    /// Raises the head to `seq` (never lowers it) and wakes every listener if it grew.
    func advance(to seq: Int64) {
        let woken: [@Sendable () -> Void] = state.withLock { s in
            guard seq > s.head else { return [] }
            s.head = seq
            return Array(s.listeners.values)
        }
        for wake in woken { wake() }
    }

    /// Registers `wake`, called (outside the lock) whenever the head grows.
    func listen(_ wake: @escaping @Sendable () -> Void) -> Int {
        state.withLock { s in
            s.nextID += 1
            s.listeners[s.nextID] = wake
            return s.nextID
        }
    }

    /// Removes a listener.
    func unlisten(_ id: Int) {
        _ = state.withLock { $0.listeners.removeValue(forKey: id) }
    }
}
