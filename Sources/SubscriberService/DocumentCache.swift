import NIOCore
import SQLiteStore
import Synchronization

/// The complete GET replies (`OK <document>\n`) of recently read documents, in memory, bounded
/// in bytes, least recently used out; and the names they were asked for, resolved to keys.
///
/// Documents change only when the follower applies a batch, so the follower publishes every
/// batch here (``publish(_:)``) after the SQLite commit and before any watcher hears of it:
/// a client that received the EVENT of a newer document can never be answered with an older
/// one. Fills race with that: a reader that read SQLite before a commit must not store what it
/// read after the commit was published. Each fill carries the ``epoch`` it saw before reading,
/// and is dropped if a batch was published since.
///
/// Replies are kept as `ByteBuffer`s: a hit is written to the socket as is, without
/// serializing or copying the document again.
public final class DocumentCache: Sendable {
    struct Key: Hashable {
        var kind: String
        var key: String
    }

    private struct Entry {
        var id: Key
        var reply: ByteBuffer
        var newer: Int  // towards the most recently used, -1 at the head
        var older: Int  // towards the least recently used, -1 at the tail
    }

    private struct State {
        var slots: [Key: Int] = [:]
        var entries: [Entry] = []
        var free: [Int] = []
        var head = -1
        var tail = -1
        var bytes = 0
        /// (kind, name as asked) → key, for names that are not keys themselves.
        var names: [Key: String] = [:]
        var epoch: UInt64 = 0
        var hits = 0
        var misses = 0
        var inlineReplies = 0
    }

    private let state = Mutex(State())
    /// The most bytes of replies kept (names are bounded by count, see ``maximumNames``).
    public let capacityBytes: Int
    private let maximumNames: Int
    private let allocator = ByteBufferAllocator()

    /// A cache of at most `capacityBytes` of replies; 0 turns it off.
    public init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
        maximumNames = max(1024, capacityBytes / 256)
    }

    /// The current epoch; pass it to ``fill(kind:name:key:document:epoch:)`` after reading.
    public var epoch: UInt64 { state.withLock { $0.epoch } }

    /// Counters for STATS: entries, bytes, hits, misses.
    public var statistics: (entries: Int, bytes: Int, hits: Int, misses: Int) {
        state.withLock { ($0.slots.count, $0.bytes, $0.hits, $0.misses) }
    }

    /// How many GETs were answered on the event loop (``noteInlineReply()``), for STATS: if
    /// this stays 0 while `hits` grows, every cached GET still takes the slow path.
    public var inlineReplies: Int { state.withLock { $0.inlineReplies } }

    /// Counts a GET answered on the event loop.
    public func noteInlineReply() { state.withLock { $0.inlineReplies += 1 } }

    /// The cached reply to a GET of `name` (a key, or a name seen before), or nil.
    public func reply(kind: String, name: String) -> ByteBuffer? {
        guard capacityBytes > 0 else { return nil }
        return state.withLock { s in
            let asked = Key(kind: kind, key: name)
            let id = s.names[asked].map { Key(kind: kind, key: $0) } ?? asked
            guard let slot = s.slots[id] else {
                s.misses += 1
                return nil
            }
            s.hits += 1
            Self.moveToHead(slot, &s)
            return s.entries[slot].reply
        }
    }

    /// Stores a document read from the read model, unless a batch was published since `epoch`.
    public func fill(kind: String, name: String, key: String, document: String, epoch: UInt64) {
        guard capacityBytes > 0 else { return }
        var reply = allocator.buffer(capacity: document.utf8.count + 4)
        reply.writeString("OK ")
        reply.writeString(document)
        reply.writeInteger(UInt8(ascii: "\n"))
        guard reply.readableBytes <= capacityBytes / 4 else { return }  // one huge document must not flush all
        state.withLock { s in
            guard s.epoch == epoch else { return }
            if name != key {
                if s.names.count >= maximumNames { s.names.removeAll(keepingCapacity: true) }
                s.names[Key(kind: kind, key: name)] = key
            }
            Self.store(Key(kind: kind, key: key), reply, &s)
            while s.bytes > capacityBytes, s.tail >= 0 { Self.remove(s.tail, &s) }
        }
    }

    /// Takes in an applied batch: cached documents it changed are replaced (deleted ones
    /// removed), and names are resolved afresh, since a batch may add spellings or merge.
    public func publish(_ events: [DocumentEvent]) {
        guard capacityBytes > 0, !events.isEmpty else { return }
        state.withLock { s in
            s.epoch &+= 1
            s.names.removeAll(keepingCapacity: true)
            for event in events {
                let id = Key(kind: event.kind, key: event.key)
                guard let slot = s.slots[id] else { continue }
                guard let document = event.document else {
                    Self.remove(slot, &s)
                    continue
                }
                var reply = allocator.buffer(capacity: document.utf8.count + 4)
                reply.writeString("OK ")
                reply.writeString(document)
                reply.writeInteger(UInt8(ascii: "\n"))
                s.bytes += reply.readableBytes - s.entries[slot].reply.readableBytes
                s.entries[slot].reply = reply
            }
            while s.bytes > capacityBytes, s.tail >= 0 { Self.remove(s.tail, &s) }
        }
    }

    // MARK: - The recency list

    private static func store(_ id: Key, _ reply: ByteBuffer, _ s: inout State) {
        if let slot = s.slots[id] {
            s.bytes += reply.readableBytes - s.entries[slot].reply.readableBytes
            s.entries[slot].reply = reply
            moveToHead(slot, &s)
            return
        }
        let entry = Entry(id: id, reply: reply, newer: -1, older: s.head)
        let slot: Int
        if let reused = s.free.popLast() {
            slot = reused
            s.entries[slot] = entry
        } else {
            slot = s.entries.count
            s.entries.append(entry)
        }
        if s.head >= 0 { s.entries[s.head].newer = slot }
        s.head = slot
        if s.tail < 0 { s.tail = slot }
        s.slots[id] = slot
        s.bytes += reply.readableBytes
    }

    private static func unlink(_ slot: Int, _ s: inout State) {
        let (newer, older) = (s.entries[slot].newer, s.entries[slot].older)
        if newer >= 0 { s.entries[newer].older = older } else { s.head = older }
        if older >= 0 { s.entries[older].newer = newer } else { s.tail = newer }
    }

    private static func moveToHead(_ slot: Int, _ s: inout State) {
        guard s.head != slot else { return }
        unlink(slot, &s)
        s.entries[slot].newer = -1
        s.entries[slot].older = s.head
        if s.head >= 0 { s.entries[s.head].newer = slot }
        s.head = slot
        if s.tail < 0 { s.tail = slot }
    }

    private static func remove(_ slot: Int, _ s: inout State) {
        unlink(slot, &s)
        s.slots[s.entries[slot].id] = nil
        s.bytes -= s.entries[slot].reply.readableBytes
        s.entries[slot].reply = ByteBuffer()
        s.free.append(slot)
    }
}
