import Synchronization

/// The latest committed sequence number known to this process, who to wake when it grows, and
/// the records this process committed last.
///
/// The head is advanced by this process's own commits, by LISTEN/NOTIFY from other processes,
/// and by a poll at least once a second (notifications are lost while nobody listens).
///
/// A stream that has caught up takes new records from ``recent(from:limit:)`` instead of reading
/// them back from PostgreSQL: the committer hands over the very texts it just appended, so a
/// live record costs no database round trip per subscriber. Only a contiguous run of seqs is
/// kept, and only records whose transaction committed; anything else (records another process
/// committed, a stream far behind) is read from `change_log`, which stays the source of truth.
final class ChangeFeed: Sendable {
    private struct State {
        var head: Int64 = 0
        var nextID = 0
        var listeners: [Int: @Sendable () -> Void] = [:]
        /// Committed records with contiguous seqs, oldest first, from `start`.
        var recent: [(seq: Int64, text: String)] = []
        var start = 0
        var recentBytes = 0
        /// Runs that arrived ahead of the one before them (writers finish in any order), by first seq.
        var parked: [Int64: [(seq: Int64, text: String)]] = [:]
    }
    private let state = Mutex(State())
    /// At most this many records, and about this many bytes, are kept.
    private let recordLimit: Int
    private let byteLimit: Int

    init(recordLimit: Int = 8192, byteLimit: Int = 16 << 20) {
        self.recordLimit = recordLimit
        self.byteLimit = byteLimit
    }

    /// The latest known head.
    var head: Int64 { state.withLock { $0.head } }

    /// Raises the head to `seq` (never lowers it) and wakes every listener if it grew.
    func advance(to seq: Int64) {
        publish(head: seq, records: [])
    }

    /// After a commit: keeps `records` (the batch's, seq order, contiguous) for streams, then
    /// raises the head to `head` and wakes every listener if it grew.
    func publish(head seq: Int64, records: [(seq: Int64, text: String)]) {
        let woken: [@Sendable () -> Void] = state.withLock { s in
            if let first = records.first?.seq { keep(records, first: first, in: &s) }
            guard seq > s.head else { return [] }
            s.head = seq
            return Array(s.listeners.values)
        }
        for wake in woken { wake() }
    }

    private func keep(_ records: [(seq: Int64, text: String)], first: Int64, in s: inout State) {
        let end = s.recent.last?.seq ?? 0
        if s.recent.isEmpty || first == end + 1 {
            append(records, to: &s)
        } else if first > end + 1 {
            // A gap: another writer's batch (or another process's) is still to come, or never will.
            s.parked[first] = records
            guard s.parked.count > 8, let lowest = s.parked.keys.min() else { return }
            // What fills the gap did not come here: start again after it.
            s.recent = []
            s.start = 0
            s.recentBytes = 0
            append(s.parked.removeValue(forKey: lowest)!, to: &s)
        } else {
            return  // Already kept or older than what is kept.
        }
        while let next = s.recent.last.map({ $0.seq + 1 }), let run = s.parked.removeValue(forKey: next) {
            append(run, to: &s)
        }
        // Parked runs that now lie behind what is kept can never be appended.
        let kept = s.recent.last?.seq ?? 0
        s.parked = s.parked.filter { $0.key > kept }
    }

    private func append(_ records: [(seq: Int64, text: String)], to s: inout State) {
        s.recent.append(contentsOf: records)
        s.recentBytes += records.reduce(0) { $0 + $1.text.utf8.count }
        while s.recent.count - s.start > recordLimit || (s.recentBytes > byteLimit && s.recent.count - s.start > 1) {
            s.recentBytes -= s.recent[s.start].text.utf8.count
            s.start += 1
        }
        // Compact now and then rather than shifting the array on every drop.
        if s.start > 1024 && s.start * 2 > s.recent.count {
            s.recent.removeFirst(s.start)
            s.start = 0
        }
    }

    /// Up to `limit` committed records from `seq` on, when this process still holds `seq`;
    /// nil when the stream has to read from the database.
    func recent(from seq: Int64, limit: Int) -> [(seq: Int64, text: String)]? {
        state.withLock { s in
            guard s.start < s.recent.count else { return nil }
            let oldest = s.recent[s.start].seq
            guard seq >= oldest, let newest = s.recent.last?.seq, seq <= newest else { return nil }
            let from = s.start + Int(seq - oldest)
            return Array(s.recent[from..<min(s.recent.count, from + limit)])
        }
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
