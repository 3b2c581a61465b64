import Synchronization

/// What a document's entry is sorted by. One shape serves all four lists, compared field by
/// field: a cast entry by (role rank, shown name, key), an OST by (part, release, key), a
/// role by (drama title, key), a song by (drama title, part, release, key). Unused fields are
/// equal for every entry of a list, so they never decide an order.
struct PartOrder: Comparable {
    var rank: Int = 0
    var text: String = ""
    var part: Int64 = 0
    var release: Int64 = 0
    var key: String

    static func < (a: PartOrder, b: PartOrder) -> Bool {
        (a.rank, a.text, a.part, a.release, a.key) < (b.rank, b.text, b.part, b.release, b.key)
    }
}

/// One entry of a document's list: its serialized fragment, and the song title it adds to
/// the full-text row (OSTs only).
struct Part {
    var order: PartOrder
    var entry: String
    var song: String?
}

/// One entry of a document's `news`: its serialized fragment and what it is sorted by
/// (newest first: published instant, then article number, both descending).
struct NewsPart {
    var published: Int64
    var number: Int64
    var article: String
    var entry: String

    /// Whether it comes before `other` in `news`.
    func precedes(_ other: NewsPart) -> Bool {
        (published, number) > (other.published, other.number)
    }
}

/// The entries of a drama's `cast` and `osts`, or of a person's `roles` and `songs`, keyed by
/// the casting's or OST's key, and its newest news (nil: not known, read it from the rows).
struct DocumentParts {
    var first: [String: Part] = [:] {
        didSet { firstText = nil }
    }
    var second: [String: Part] = [:] {
        didSet { secondText = nil }
    }
    var news: [NewsPart]?
    /// Each list serialized in document order (and the second list's song titles), kept until
    /// the list changes: most batches change one entry of one list of a large document.
    private var firstText: String?
    private var secondText: (text: String, songs: [String])?

    /// The first list as a JSON array in document order.
    mutating func firstArray() -> String {
        if let firstText { return firstText }
        let text = Self.array(first.values.sorted { $0.order < $1.order }.map(\.entry))
        firstText = text
        return text
    }

    /// The second list as a JSON array in document order, and its entries' song titles.
    mutating func secondArray() -> (text: String, songs: [String]) {
        if let secondText { return secondText }
        let sorted = second.values.sorted { $0.order < $1.order }
        let result = (Self.array(sorted.map(\.entry)), sorted.compactMap(\.song))
        secondText = result
        return result
    }

    static func array(_ entries: [String]) -> String { "[" + entries.joined(separator: ",") + "]" }

    /// About how much memory the parts take, for the cache's budget.
    var bytes: Int {
        var total = 64
        for part in first.values { total += part.entry.utf8.count + part.order.text.utf8.count + 96 }
        for part in second.values {
            total += part.entry.utf8.count + part.order.text.utf8.count + (part.song?.utf8.count ?? 0) + 96
        }
        for entry in news ?? [] { total += entry.entry.utf8.count + entry.article.utf8.count + 48 }
        total += firstText?.utf8.count ?? 0
        if let secondText {
            total += secondText.text.utf8.count + secondText.songs.reduce(0) { $0 + $1.utf8.count + 16 }
        }
        return total
    }
}

/// The parts of recently assembled drama and person documents, kept between batches so that a
/// batch which changes one entry of a large document patches that entry instead of reading
/// every entry of the document again (a profile of applying on a 40k-article read model put
/// 46 % of the subscriber's CPU in assembling documents, half of it reading their entries).
///
/// Only the batch applier uses it, inside the read model's write transaction. It must equal
/// what the entry rows say after every committed batch; a batch that fails empties it, because
/// its patches may describe rows that were rolled back. Least recently used documents go first
/// once it holds more than its budget.
final class DocumentPartsCache: Sendable {
    private struct Entry {
        var parts: DocumentParts
        var bytes: Int
        var lastUse: UInt64
    }

    private struct State {
        var entries: [DocumentID: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    private let state = Mutex(State())
    /// The budget in bytes (0: keep nothing).
    let maximumBytes: Int

    init(maximumBytes: Int) {
        self.maximumBytes = maximumBytes
    }

    /// Takes a document's cached parts out of the cache, if any (so that patching them does
    /// not copy them); ``store(_:for:)`` puts them back.
    func take(_ id: DocumentID) -> DocumentParts? {
        state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: id) else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            state.bytes -= entry.bytes
            return entry.parts
        }
    }

    /// Keeps a document's parts (replacing what was kept), then evicts the least recently used
    /// documents while the cache is over budget.
    func store(_ parts: DocumentParts, for id: DocumentID) {
        let bytes = parts.bytes
        state.withLock { state in
            state.clock += 1
            if let old = state.entries.updateValue(Entry(parts: parts, bytes: bytes, lastUse: state.clock), forKey: id)
            {
                state.bytes -= old.bytes
            }
            state.bytes += bytes
            guard state.bytes > maximumBytes else { return }
            // Evict down to three quarters at once, so the sort is paid rarely.
            let target = maximumBytes / 4 * 3
            for (key, entry) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
                guard state.bytes > target else { break }
                state.entries[key] = nil
                state.bytes -= entry.bytes
            }
        }
    }

    /// Forgets one document (it was deleted).
    func remove(_ id: DocumentID) {
        state.withLock { state in
            if let old = state.entries.removeValue(forKey: id) { state.bytes -= old.bytes }
        }
    }

    /// Forgets everything (a batch failed).
    func removeAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.bytes = 0
        }
    }

    /// Documents and bytes held, and lookups that found parts or did not.
    var statistics: (documents: Int, bytes: Int, hits: Int, misses: Int) {
        state.withLock { ($0.entries.count, $0.bytes, $0.hits, $0.misses) }
    }
}
