import LineProtocol
import LineServer
import Logging
import NIOCore
import SQLiteStore
import Synchronization

/// What a `WATCH` follows.
enum WatchFilter: Sendable, Equatable {
    case all
    case document(kind: String, key: String)

    func matches(_ event: DocumentEvent) -> Bool {
        switch self {
        case .all: true
        case .document(let kind, let key): event.kind == kind && event.key == key
        }
    }
}

/// The connections in WATCH mode, and the fan-out of document events to them.
///
/// Publishing never waits: each line is handed to the connection's writer, and a watcher with
/// more than the bound still unwritten (it is not reading) gets `ERR slow_consumer` and is closed.
/// So the applier, which publishes after each commit, runs at the same speed whatever the
/// watchers do.
final class WatchHub: Sendable {
    private struct Watcher {
        var filter: WatchFilter
        var writer: LineWriter
    }

    private let watchers = Mutex<[Int: Watcher]>([:])
    private let nextID = Atomic<Int>(0)
    private let bufferBytes: Int
    private let logger: Logger

    init(bufferBytes: Int, logger: Logger) {
        self.bufferBytes = bufferBytes
        self.logger = logger
    }

    /// Number of active watchers.
    var count: Int { watchers.withLock { $0.count } }

    func add(_ filter: WatchFilter, writer: LineWriter) -> Int {
        let id = nextID.add(1, ordering: .relaxed).newValue
        watchers.withLock { $0[id] = Watcher(filter: filter, writer: writer) }
        return id
    }

    func remove(_ id: Int) {
        _ = watchers.withLock { $0.removeValue(forKey: id) }
    }

    /// Sends each event to the watchers whose filter matches it.
    ///
    /// A watcher is slow when it has not taken what was sent before this batch: more than the
    /// bound is still unwritten. One batch's events are sent whole, so a burst larger than the
    /// bound does not cut off a watcher that keeps up; memory per watcher stays below the bound
    /// plus one batch.
    func publish(_ events: [DocumentEvent]) {
        guard !events.isEmpty else { return }
        let current = watchers.withLock { $0 }
        guard !current.isEmpty else { return }
        // Each event's line is encoded once, when the first watcher needs it, and the buffer is
        // shared by every watcher that gets it: ten WATCH ALL connections cost one copy of a
        // document, not ten, and each gets its part of the batch in one write and one flush.
        var encoded = [ByteBuffer?](repeating: nil, count: events.count)
        for (id, watcher) in current {
            var lines: [ByteBuffer] = []
            for index in events.indices where watcher.filter.matches(events[index]) {
                if encoded[index] == nil { encoded[index] = Self.encode(events[index].line) }
                lines.append(encoded[index]!)
            }
            guard !lines.isEmpty else { continue }
            guard watcher.writer.pendingBytes <= bufferBytes else {
                cutOff(id, watcher.writer)
                continue
            }
            watcher.writer.send(lines: lines)
        }
    }

    private static func encode(_ line: String) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return buffer
    }

    /// Sends `line` (a heartbeat) to every watcher with nothing left unwritten. A watcher still
    /// taking a burst is not idle and needs no heartbeat; whether it is slow is decided when
    /// the next batch comes (``publish(_:)``), not by a timer that may fire mid-burst.
    func broadcast(_ line: String) {
        for (_, watcher) in watchers.withLock({ $0 }) where watcher.writer.pendingBytes == 0 {
            watcher.writer.send(line)
        }
    }

    /// Closes every watcher with `line` (shutdown).
    func closeAll(with line: String) {
        for (_, watcher) in watchers.withLock({ $0 }) {
            watcher.writer.close(after: watcher.writer.send(line), timeout: .seconds(1))
        }
    }

    private func cutOff(_ id: Int, _ writer: LineWriter) {
        guard watchers.withLock({ $0.removeValue(forKey: id) }) != nil else { return }
        logger.warning("slow watcher disconnected", metadata: ["watcher": "\(id)"])
        let final = writer.send(WireError(.slowConsumer, "not reading fast enough; WATCH again").line)
        writer.close(after: final, timeout: .seconds(1))
    }
}
