import DramaDomain
import GRDB
import LineProtocol

/// A change record as received: its seq and its parsed JSON.
public struct ReceivedRecord: Sendable {
    public var seq: Int64
    public var record: JSON

    public init(seq: Int64, record: JSON) {
        self.seq = seq
        self.record = record
    }
}

/// A document that a batch created, changed or removed (`doc` nil), for WATCH.
public struct DocumentEvent: Sendable {
    /// The last change applied to the document.
    public var seq: Int64
    /// `drama`, `person` or `article`.
    public var kind: String
    public var key: String
    /// The `EVENT {...}` line, ready to send.
    public var line: String
    /// The serialized document as GET returns it; nil when the document was deleted.
    public var document: String?

    /// An event; `document` nil means the document was deleted.
    public init(seq: Int64, kind: String, key: String, line: String, document: String?) {
        self.seq = seq
        self.kind = kind
        self.key = key
        self.line = line
        self.document = document
    }
}

/// What one applied batch did.
public struct ApplyResult: Sendable {
    /// The applied seq after the batch.
    public var appliedSeq: Int64
    /// Records applied (records at or below the previous applied seq are skipped).
    public var applied: Int
    /// Documents touched, in seq order.
    public var events: [DocumentEvent]
}

/// Errors of the read model. `code` is stable, for logs and tests.
public struct ReadModelError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var description: String { "\(code): \(message)" }

    static func gap(expected: Int64, got: Int64) -> ReadModelError {
        ReadModelError(code: "gap", message: "expected change \(expected), got \(got)")
    }
}

/// Which document: a drama, person or article and its key.
struct DocumentID: Hashable {
    var kind: String
    var key: String
}

/// Applies one batch of change records inside one SQLite write transaction.
///
/// Records update entity state one by one, in seq order, and mark the documents they affect.
/// What a record marks depends only on the state before it, never on where a batch starts or
/// ends, so a document's `seq` (the last change that marked it) is the same whether the read
/// model followed live in small batches or was rebuilt from seq 0 in large ones. Marked
/// documents are rebuilt once, at the end of the batch.
final class BatchApplier {
    private let db: Database
    private let partsCache: DocumentPartsCache?
    private var dirtyDocuments: [DocumentID: Int64] = [:]
    private var dirtyOSTs: Set<String> = []
    private var dirtyCastings: Set<String> = []
    /// OSTs and castings deleted by this batch (a later record may have created them again).
    private var removedOSTs: Set<String> = []
    private var removedCastings: Set<String> = []
    /// The parts this batch rendered, by key, and by the documents that embed them now.
    private var renderedOSTs: [String: RenderedItem] = [:]
    private var renderedCastings: [String: RenderedItem] = [:]
    private var renderedByDocument: [DocumentID: [(ost: Bool, key: String)]] = [:]
    /// States read or written in this batch (nil: none stored), by kind and key.
    private var states: [DocumentID: JSON?] = [:]
    /// The `doc_news` rows this batch created and deleted, by document, to patch kept news.
    private var newsDelta: [DocumentID: NewsDelta] = [:]
    /// Documents whose `doc_news` rows an article record changed: their news is read again.
    private var newsChanged: Set<DocumentID> = []

    private struct NewsDelta {
        var added: [NewsPart] = []
        var removed: Set<String> = []
    }

    /// OSTs and castings this batch upserted or withdrew, not yet written to their tables.
    private var pendingOSTs: [String: PendingItem] = [:]
    private var pendingCastings: [String: PendingItem] = [:]
    /// The pending items that have cited each article during this batch (a superset of those
    /// that cite it now; the rows give those that cited it before).
    private var pendingCiting: [String: [ItemRef]] = [:]

    /// An OST (`ost`) or a casting, by key.
    private struct ItemRef: Hashable {
        var ost: Bool
        var key: String
    }

    /// An OST or casting as this batch left it so far, and as its rows stood before.
    ///
    /// A popular entry is upserted again and again within a large batch, each time with all
    /// its sources; its rows (and its share of `doc_news`) are written once, from the first
    /// state to the last. Sources counts telescope, so the tables end as if every record had
    /// been written in turn. Records mark documents from these states, as they would from
    /// the rows.
    private struct PendingItem {
        /// The documents it was part of and its sources, by the rows when it was first touched.
        var baseDocuments: Set<DocumentID>
        var baseSources: Set<String>
        /// Its state now; nil when withdrawn (or never stored).
        var data: JSON?
        /// The articles its state cites now.
        var sources: Set<String>
        var dramaKey: String
        /// Its artists (an OST) or its person (a casting), without repeats.
        var personKeys: [String]
    }

    /// An OST's or casting's freshly rendered parts and where they go.
    private struct RenderedItem {
        var dramaKey: String
        var personKeys: [String]
        /// Its entry in its drama's document, and in each of its people's documents.
        var dramaPart: Part
        var personPart: Part
    }

    /// An applier working in `db`'s open transaction; `parts` keeps documents' parts between
    /// batches (nil: every document is assembled from its rows).
    init(_ db: Database, parts: DocumentPartsCache? = nil) {
        self.db = db
        self.partsCache = parts
    }

    func run(_ records: [ReceivedRecord]) throws -> ApplyResult {
        var applied = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'applied_seq'") ?? 0
        var count = 0
        for received in records where received.seq > applied {
            guard received.seq == applied + 1 else {
                throw ReadModelError.gap(expected: applied + 1, got: received.seq)
            }
            try apply(received.record, seq: received.seq)
            applied = received.seq
            count += 1
        }
        guard count > 0 else { return ApplyResult(appliedSeq: applied, applied: 0, events: []) }
        try flushPending()
        for key in dirtyOSTs.sorted() { try renderItem(table: "osts", key: key) }
        for key in dirtyCastings.sorted() { try renderItem(table: "castings", key: key) }
        let order = dirtyDocuments.sorted { a, b in
            a.value != b.value ? a.value < b.value : (a.key.kind, a.key.key) < (b.key.kind, b.key.key)
        }
        var events: [DocumentEvent] = []
        events.reserveCapacity(order.count)
        for (id, seq) in order { events.append(try rebuild(id, seq: seq)) }
        // Records mark every document whose news rows they change, so none is left here; if
        // one were, its kept news would be stale, so it is forgotten rather than trusted.
        for id in newsChanged.union(newsDelta.keys) where dirtyDocuments[id] == nil { partsCache?.remove(id) }
        try db.cachedStatement(sql: "UPDATE meta SET value = ? WHERE name = 'applied_seq'").execute(arguments: [applied]
        )
        return ApplyResult(appliedSeq: applied, applied: count, events: events)
    }

    // MARK: - Records

    private func apply(_ record: JSON, seq: Int64) throws {
        let type = record["type"].stringValue ?? ""
        let key = record["key"].stringValue ?? ""
        let data = record["data"]
        try db.cachedStatement(sql: "INSERT INTO feed (seq, at, type, key, label) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [seq, record["at"].stringValue ?? "", type, key, Self.label(type: type, data: data)])
        switch type {
        case "article.upserted", "article.retracted":
            try putState("article", key, data)
            try putNews(key, data)
            mark("article", key, seq)
            // The entities citing this article now: by the rows, except pending items, which
            // cite it if their state now does.
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT kind, key FROM entity_sources WHERE article = ?"), arguments: [key])
            var items: Set<ItemRef> = Set(pendingCiting[key] ?? [])
            for row in rows {
                let entityKey: String = row["key"]
                switch row["kind"] as String {
                case "drama": mark("drama", entityKey, seq)
                case "ost": items.insert(ItemRef(ost: true, key: entityKey))
                default: items.insert(ItemRef(ost: false, key: entityKey))
                }
            }
            for item in items {
                if let pending = item.ost ? pendingOSTs[item.key] : pendingCastings[item.key],
                    !pending.sources.contains(key)
                {
                    continue
                }
                if item.ost { try markOST(item.key, seq) } else { try markCasting(item.key, seq) }
            }
        case "drama.upserted", "person.upserted":
            let kind = type == "drama.upserted" ? "drama" : "person"
            let nameField = kind == "drama" ? "title" : "name"
            let old = try state(kind, key)
            try putState(kind, key, data)
            try replaceNames(kind, key, data: data, nameField: nameField)
            if kind == "drama" {
                try replaceSources(
                    "drama", key, data, from: [DocumentID(kind: "drama", key: key)],
                    to: [DocumentID(kind: "drama", key: key)])
            }
            mark(kind, key, seq)
            if old?[nameField] != data[nameField] {
                try flushPending()
                try markReferences(kind: kind, key: key, seq: seq)
            }
        case "drama.merged", "person.merged":
            let kind = type == "drama.merged" ? "drama" : "person"
            let into = data["into"]["key"].stringValue ?? ""
            try flushPending()
            try db.cachedStatement(sql: "DELETE FROM state WHERE kind = ? AND key = ?").execute(arguments: [kind, key])
            states[DocumentID(kind: kind, key: key)] = .some(nil)
            try db.cachedStatement(sql: "DELETE FROM names WHERE kind = ? AND key = ?").execute(arguments: [kind, key])
            try db.execute(
                sql: "UPDATE merges SET into_key = ? WHERE kind = ? AND into_key = ?", arguments: [into, kind, key])
            try db.execute(
                sql: "INSERT OR REPLACE INTO merges (kind, from_key, into_key) VALUES (?, ?, ?)",
                arguments: [kind, key, into])
            if kind == "drama" {
                try replaceSources("drama", key, .null, from: [DocumentID(kind: "drama", key: key)], to: [])
            }
            mark(kind, key, seq)
            mark(kind, into, seq)
        case "ost.upserted":
            try markOST(key, seq)
            try setPending(ost: true, key, data: data)
            dirtyOSTs.insert(key)
            try markOST(key, seq)
        case "casting.upserted":
            try markCasting(key, seq)
            try setPending(ost: false, key, data: data)
            dirtyCastings.insert(key)
            try markCasting(key, seq)
        case "ost.withdrawn":
            try markOST(key, seq)
            try setPending(ost: true, key, data: nil)
            dirtyOSTs.remove(key)
            removedOSTs.insert(key)
        case "casting.withdrawn":
            try markCasting(key, seq)
            try setPending(ost: false, key, data: nil)
            dirtyCastings.remove(key)
            removedCastings.insert(key)
        default:
            // A record type from a newer ingest version: it stays in the feed, and documents
            // are unaffected until this subscriber learns it.
            break
        }
    }

    /// A short human label for the feed.
    static func label(type: String, data: JSON) -> String? {
        switch type {
        case "article.upserted", "article.retracted": data["headline"].stringValue
        case "drama.upserted": data["title"].stringValue
        case "person.upserted": data["name"].stringValue
        case "drama.merged": data["into"]["title"].stringValue
        case "person.merged": data["into"]["name"].stringValue
        case "ost.upserted", "ost.withdrawn":
            [data["drama"]["title"].stringValue, data["song"].stringValue].compactMap { $0 }.joined(separator: ": ")
        case "casting.upserted", "casting.withdrawn":
            [data["drama"]["title"].stringValue, data["person"]["name"].stringValue].compactMap { $0 }.joined(
                separator: ": ")
        default: nil
        }
    }

    private func mark(_ kind: String, _ key: String, _ seq: Int64) {
        guard !key.isEmpty else { return }
        let id = DocumentID(kind: kind, key: key)
        dirtyDocuments[id] = max(dirtyDocuments[id] ?? 0, seq)
    }

    /// Marks an OST's item and the documents that embed it (its drama and its artists).
    private func markOST(_ key: String, _ seq: Int64) throws {
        guard let (dramaKey, people) = try current(ost: true, key) else { return }
        dirtyOSTs.insert(key)
        mark("drama", dramaKey, seq)
        for person in people { mark("person", person, seq) }
    }

    /// Marks a casting's item and the documents that embed it (its drama and its person).
    private func markCasting(_ key: String, _ seq: Int64) throws {
        guard let (dramaKey, people) = try current(ost: false, key) else { return }
        dirtyCastings.insert(key)
        mark("drama", dramaKey, seq)
        for person in people { mark("person", person, seq) }
    }

    /// An OST's or casting's drama and people as the batch has left it so far (nil: none).
    private func current(ost: Bool, _ key: String) throws -> (String, [String])? {
        if let item = ost ? pendingOSTs[key] : pendingCastings[key] {
            return item.data == nil ? nil : (item.dramaKey, item.personKeys)
        }
        return try stored(ost: ost, key)
    }

    /// An OST's or casting's drama and people by its rows.
    private func stored(ost: Bool, _ key: String) throws -> (String, [String])? {
        if ost {
            guard
                let dramaKey = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT drama_key FROM osts WHERE key = ?"), arguments: [key])
            else { return nil }
            let people = try String.fetchAll(
                db.cachedStatement(sql: "SELECT person_key FROM ost_artists WHERE ost_key = ?"), arguments: [key])
            return (dramaKey, people)
        }
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT drama_key, person_key FROM castings WHERE key = ?"), arguments: [key])
        else { return nil }
        return (row[0], [row[1]])
    }

    /// Records an OST's or casting's new state (nil: withdrawn) for ``flushPending()``.
    private func setPending(ost: Bool, _ key: String, data: JSON?) throws {
        var item: PendingItem
        if let existing = ost ? pendingOSTs[key] : pendingCastings[key] {
            item = existing
        } else {
            let stored = try stored(ost: ost, key)
            var documents: Set<DocumentID> = []
            if let (dramaKey, people) = stored {
                documents.insert(DocumentID(kind: "drama", key: dramaKey))
                for person in people { documents.insert(DocumentID(kind: "person", key: person)) }
            }
            let sources = Set(
                try String.fetchAll(
                    db.cachedStatement(sql: "SELECT article FROM entity_sources WHERE kind = ? AND key = ?"),
                    arguments: [ost ? "ost" : "casting", key]))
            item = PendingItem(
                baseDocuments: documents, baseSources: sources, data: nil, sources: sources,
                dramaKey: stored?.0 ?? "", personKeys: stored?.1 ?? [])
        }
        item.data = data
        var sources: Set<String> = []
        if let data {
            let ref = ItemRef(ost: ost, key: key)
            for source in data["sources"].arrayValue ?? [] {
                guard let article = source.stringValue else { continue }
                if sources.insert(article).inserted, !item.sources.contains(article) {
                    pendingCiting[article, default: []].append(ref)
                }
            }
            item.dramaKey = data["drama"]["key"].stringValue ?? ""
            if ost {
                var seen: Set<String> = []
                item.personKeys = (data["artists"].arrayValue ?? []).compactMap { $0["key"].stringValue }.filter {
                    seen.insert($0).inserted
                }
            } else {
                item.personKeys = [data["person"]["key"].stringValue ?? ""]
            }
        }
        item.sources = sources
        if ost { pendingOSTs[key] = item } else { pendingCastings[key] = item }
    }

    /// Writes every pending OST and casting to its rows, and moves its sources' counts in
    /// `doc_news` from the documents it was part of to those it is part of now.
    private func flushPending() throws {
        for (key, item) in pendingOSTs.sorted(by: { $0.key < $1.key }) {
            var documents: Set<DocumentID> = []
            if let data = item.data {
                try writeOST(key, data, artists: item.personKeys)
                documents.insert(DocumentID(kind: "drama", key: item.dramaKey))
                for person in item.personKeys { documents.insert(DocumentID(kind: "person", key: person)) }
            } else {
                try db.cachedStatement(sql: "DELETE FROM osts WHERE key = ?").execute(arguments: [key])
                try db.cachedStatement(sql: "DELETE FROM ost_artists WHERE ost_key = ?").execute(arguments: [key])
            }
            try replaceSources(
                "ost", key, wanted: item.sources, from: item.baseDocuments, to: documents, existing: item.baseSources)
        }
        for (key, item) in pendingCastings.sorted(by: { $0.key < $1.key }) {
            var documents: Set<DocumentID> = []
            if let data = item.data {
                try writeCasting(key, data)
                documents = [
                    DocumentID(kind: "drama", key: item.dramaKey),
                    DocumentID(kind: "person", key: item.personKeys.first ?? ""),
                ]
            } else {
                try db.cachedStatement(sql: "DELETE FROM castings WHERE key = ?").execute(arguments: [key])
            }
            try replaceSources(
                "casting", key, wanted: item.sources, from: item.baseDocuments, to: documents,
                existing: item.baseSources)
        }
        pendingOSTs = [:]
        pendingCastings = [:]
        pendingCiting = [:]
    }

    /// A renamed drama or person: everything that shows its name elsewhere.
    private func markReferences(kind: String, key: String, seq: Int64) throws {
        let castings = try String.fetchAll(
            db.cachedStatement(sql: "SELECT key FROM castings WHERE \(kind)_key = ?"), arguments: [key])
        let osts =
            kind == "drama"
            ? try String.fetchAll(db.cachedStatement(sql: "SELECT key FROM osts WHERE drama_key = ?"), arguments: [key])
            : try String.fetchAll(
                db.cachedStatement(sql: "SELECT ost_key FROM ost_artists WHERE person_key = ?"), arguments: [key])
        for casting in castings { try markCasting(casting, seq) }
        for ost in osts { try markOST(ost, seq) }
    }

    // MARK: - State

    /// A drama's, person's or article's state. A batch reads the same few states again and
    /// again (every entry of a drama shows its title), so each is parsed once per batch, and
    /// a state the batch wrote is never parsed at all.
    private func state(_ kind: String, _ key: String) throws -> JSON? {
        let id = DocumentID(kind: kind, key: key)
        if let known = states[id] { return known }
        let data = try String.fetchOne(
            db.cachedStatement(sql: "SELECT data FROM state WHERE kind = ? AND key = ?"), arguments: [kind, key]
        ).flatMap { try? JSON.parse($0) }
        states[id] = .some(data)
        return data
    }

    private func putState(_ kind: String, _ key: String, _ data: JSON) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO state (kind, key, data) VALUES (?, ?, ?)")
            .execute(arguments: [kind, key, data.serialized()])
        states[DocumentID(kind: kind, key: key)] = .some(data)
    }

    private func putNews(_ id: String, _ data: JSON) throws {
        let entry: JSON = [
            "article": .string(id), "headline": data["headline"], "source": data["source"],
            "published_at": data["published_at"], "url": data["url"],
        ]
        let published = data["published_at"].stringValue.flatMap { Timestamp($0, allowDateOnly: true) }
        try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO news (id, published_ms, retracted, entry) VALUES (?, ?, ?, ?)"
        ).execute(arguments: [
            id, published?.instantMillis ?? 0, data["retracted"].boolValue == true, entry.serialized(),
        ])
        // Every document counting this article has its news read again: the entry, its
        // instant or its retraction may have changed.
        let counting = try Row.fetchCursor(
            db.cachedStatement(
                sql: "UPDATE doc_news SET published_ms = ?, retracted = ? WHERE article = ? RETURNING kind, key"),
            arguments: [published?.instantMillis ?? 0, data["retracted"].boolValue == true, id])
        while let row = try counting.next() { newsChanged.insert(DocumentID(kind: row[0], key: row[1])) }
    }

    /// The newest news entries among the articles supporting a document's entities.
    ///
    /// CROSS JOIN fixes the join order (SQLite never reorders it): from the document's few
    /// entities to their sources, never from all sources of a kind to the entities.
    private func news(sourcesSQL: String, _ key: String) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT n.entry FROM (\(sourcesSQL)) AS s CROSS JOIN news AS n ON n.id = s.article
                    WHERE n.retracted = 0
                    ORDER BY n.published_ms DESC, CAST(n.id AS INTEGER) DESC LIMIT \(Projection.newsLimit)
                    """), arguments: [key]
        )
    }

    private func replaceNames(_ kind: String, _ key: String, data: JSON, nameField: String) throws {
        try db.cachedStatement(sql: "DELETE FROM names WHERE kind = ? AND key = ?").execute(arguments: [kind, key])
        let entityKind: EntityKind = kind == "drama" ? .drama : .person
        var spellings = (data["aliases"].arrayValue ?? []).compactMap(\.stringValue)
        if let name = data[nameField].stringValue { spellings.append(name) }
        let norms = Set(spellings.map { NameKey.normalize($0, kind: entityKind) }.filter { !$0.isEmpty })
        for norm in norms {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO names (kind, norm, key) VALUES (?, ?, ?)")
                .execute(arguments: [kind, norm, key])
        }
    }

    /// Makes the entity's source rows those of `data`, and moves its contribution to the news
    /// of the documents it is part of (`old` before this change, `new` after): every pair of
    /// a document and a source is counted in `doc_news`, so a document's newest news is an
    /// index range, not a union over every source of every entry it embeds. Only differences
    /// are written: an entity usually gains one source per change.
    private func replaceSources(
        _ kind: String, _ key: String, _ data: JSON, from old: Set<DocumentID>, to new: Set<DocumentID>
    ) throws {
        try replaceSources(
            kind, key, wanted: Set((data["sources"].arrayValue ?? []).compactMap(\.stringValue)), from: old, to: new,
            existing: Set(
                String.fetchAll(
                    db.cachedStatement(sql: "SELECT article FROM entity_sources WHERE kind = ? AND key = ?"),
                    arguments: [kind, key])))
    }

    /// ``replaceSources(_:_:_:from:to:)`` with the sources wanted and those stored known.
    private func replaceSources(
        _ kind: String, _ key: String, wanted: Set<String>, from old: Set<DocumentID>, to new: Set<DocumentID>,
        existing: Set<String>
    ) throws {
        for article in existing.subtracting(wanted) {
            try db.cachedStatement(sql: "DELETE FROM entity_sources WHERE article = ? AND kind = ? AND key = ?")
                .execute(arguments: [article, kind, key])
        }
        for article in wanted.subtracting(existing) {
            try db.cachedStatement(sql: "INSERT INTO entity_sources (article, kind, key) VALUES (?, ?, ?)")
                .execute(arguments: [article, kind, key])
        }
        var delta: [DocumentID: [String: Int]] = [:]
        for document in old.union(new) {
            let before = old.contains(document) ? existing : []
            let after = new.contains(document) ? wanted : []
            for article in before.subtracting(after) { delta[document, default: [:]][article] = -1 }
            for article in after.subtracting(before) { delta[document, default: [:]][article] = 1 }
        }
        for (document, articles) in delta.sorted(by: { ($0.key.kind, $0.key.key) < ($1.key.kind, $1.key.key) }) {
            for (article, change) in articles.sorted(by: { $0.key < $1.key }) {
                if change > 0 {
                    let row = try Row.fetchOne(
                        db.cachedStatement(
                            sql: """
                                INSERT INTO doc_news (kind, key, article, refs, published_ms, retracted, article_num)
                                VALUES (?1, ?2, ?3, 1, coalesce((SELECT published_ms FROM news WHERE id = ?3), 0),
                                        coalesce((SELECT retracted FROM news WHERE id = ?3), 0), CAST(?3 AS INTEGER))
                                ON CONFLICT (kind, key, article) DO UPDATE SET refs = refs + 1
                                RETURNING refs, published_ms, retracted, article_num
                                """), arguments: [document.kind, document.key, article])
                    if let row, row[0] as Int64 == 1, row[2] as Bool == false {
                        newsDelta[document, default: NewsDelta()].added.append(
                            NewsPart(published: row[1], number: row[3], article: article, entry: ""))
                    }
                } else {
                    try db.cachedStatement(
                        sql: "UPDATE doc_news SET refs = refs - 1 WHERE kind = ? AND key = ? AND article = ?"
                    ).execute(arguments: [document.kind, document.key, article])
                    try db.cachedStatement(
                        sql: "DELETE FROM doc_news WHERE kind = ? AND key = ? AND article = ? AND refs <= 0"
                    ).execute(arguments: [document.kind, document.key, article])
                    if db.changesCount > 0 { newsDelta[document, default: NewsDelta()].removed.insert(article) }
                }
            }
        }
    }

    /// An OST's rows: its entry and its artists.
    private func writeOST(_ key: String, _ data: JSON, artists: [String]) throws {
        let dramaKey = data["drama"]["key"].stringValue ?? ""
        let release = data["release"].stringValue.flatMap { Timestamp($0, allowDateOnly: true)?.instantMillis }
        try db.cachedStatement(
            sql: """
                INSERT INTO osts (key, drama_key, status, release_at, sort, data, part, song)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET drama_key = excluded.drama_key, status = excluded.status,
                    release_at = excluded.release_at, sort = excluded.sort, data = excluded.data,
                    part = excluded.part, song = excluded.song
                """
        ).execute(arguments: [
            key, dramaKey, data["status"].stringValue, release,
            SortKey.ost(dramaKey: dramaKey, part: data["part"].intValue, release: release, key: key),
            data.serialized(), data["part"].intValue, data["song"].stringValue,
        ])
        try db.cachedStatement(sql: "DELETE FROM ost_artists WHERE ost_key = ?").execute(arguments: [key])
        for artist in artists {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO ost_artists (person_key, ost_key) VALUES (?, ?)")
                .execute(arguments: [artist, key])
        }
    }

    /// A casting's row.
    private func writeCasting(_ key: String, _ data: JSON) throws {
        let dramaKey = data["drama"]["key"].stringValue ?? ""
        let personKey = data["person"]["key"].stringValue ?? ""
        try db.cachedStatement(
            sql: """
                INSERT INTO castings (key, drama_key, person_key, status, role_type, sort, data)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET drama_key = excluded.drama_key, person_key = excluded.person_key,
                    status = excluded.status, role_type = excluded.role_type, sort = excluded.sort,
                    data = excluded.data
                """
        ).execute(arguments: [
            key, dramaKey, personKey, data["status"].stringValue,
            data["role_type"].stringValue,
            SortKey.casting(dramaKey: dramaKey, roleType: data["role_type"].stringValue, key: key),
            data.serialized(),
        ])
    }

    // MARK: - Documents

    private func stateMap(_ kind: String, _ keys: some Sequence<String>) throws -> [String: JSON] {
        var map: [String: JSON] = [:]
        for key in Set(keys) {
            if let json = try state(kind, key) { map[key] = json }
        }
        return map
    }

    private func fetchData(_ sql: String, _ key: String) throws -> [JSON] {
        try String.fetchAll(db.cachedStatement(sql: sql), arguments: [key]).compactMap { try? JSON.parse($0) }
    }

    /// Renders an OST's or a casting's fragments from its state and the current names it
    /// refers to: the item `OSTS`/`CASTING` return, its entry in its drama's document and in
    /// its people's documents, and the names those entries are sorted by. A record re-renders
    /// only the fragments of what it changed (and of what shows a renamed name); documents are
    /// assembled from fragments without parsing them.
    func renderItem(table: String, key: String) throws {
        let isOST = table == "osts"
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: isOST
                        ? "SELECT data, drama_key, part, release_at, song FROM osts WHERE key = ?"
                        : "SELECT data, drama_key, person_key, role_type FROM castings WHERE key = ?"),
                arguments: [key]),
            let data = try? JSON.parse(row[0] as String)
        else { return }
        let dramaKey: String = row[1]
        let personKeys =
            (data["artists"].arrayValue ?? []).compactMap { $0["key"].stringValue }
            + [data["person"]["key"].stringValue].compactMap { $0 }
        let context = Projection.Context(
            people: try stateMap("person", personKeys),
            dramas: try stateMap("drama", [data["drama"]["key"].stringValue ?? ""]))
        let dramaTitle = context.dramaRef(data["drama"])["title"].stringValue ?? ""
        let rendered: RenderedItem
        if isOST {
            let entry = Projection.ostEntry(data, context: context).serialized()
            let song = Projection.songEntry(data, context: context).serialized()
            try db.cachedStatement(
                sql: "UPDATE osts SET item = ?, d_entry = ?, p_entry = ?, p_title = ? WHERE key = ?"
            ).execute(arguments: [
                Projection.ostItem(data, context: context).serialized(), entry, song, dramaTitle, key,
            ])
            // The entry's documents and order as assembleDocument reads them from the rows.
            let part = row[2] as Int64? ?? Int64.max
            let release = row[3] as Int64? ?? Int64.max
            let title: String? = row[4]
            let artists = try String.fetchAll(
                db.cachedStatement(sql: "SELECT person_key FROM ost_artists WHERE ost_key = ?"), arguments: [key])
            rendered = RenderedItem(
                dramaKey: dramaKey, personKeys: artists,
                dramaPart: Part(order: PartOrder(part: part, release: release, key: key), entry: entry, song: title),
                personPart: Part(
                    order: PartOrder(text: dramaTitle, part: part, release: release, key: key), entry: song,
                    song: title))
            renderedOSTs[key] = rendered
        } else {
            let entry = Projection.castEntry(data, context: context)
            let name = entry["person"]["name"].stringValue ?? ""
            let entryText = entry.serialized()
            let role = Projection.roleEntry(data, context: context).serialized()
            try db.cachedStatement(
                sql: "UPDATE castings SET item = ?, d_entry = ?, d_name = ?, p_entry = ?, p_title = ? WHERE key = ?"
            ).execute(arguments: [
                Projection.castingItem(data, context: context).serialized(), entryText, name, role, dramaTitle, key,
            ])
            let roleType: String? = row[3]
            let rank = Projection.roleRank(roleType.map(JSON.string) ?? .null)
            rendered = RenderedItem(
                dramaKey: dramaKey, personKeys: [row[2]],
                dramaPart: Part(order: PartOrder(rank: rank, text: name, key: key), entry: entryText),
                personPart: Part(order: PartOrder(text: dramaTitle, key: key), entry: role))
            renderedCastings[key] = rendered
        }
        guard partsCache != nil else { return }
        renderedByDocument[DocumentID(kind: "drama", key: rendered.dramaKey), default: []].append((isOST, key))
        for person in rendered.personKeys {
            renderedByDocument[DocumentID(kind: "person", key: person), default: []].append((isOST, key))
        }
    }

    /// Renders every OST's and casting's fragments (after a schema change adds one).
    func renderAllItems() throws {
        for key in try String.fetchAll(db, sql: "SELECT key FROM osts ORDER BY key") {
            try renderItem(table: "osts", key: key)
        }
        for key in try String.fetchAll(db, sql: "SELECT key FROM castings ORDER BY key") {
            try renderItem(table: "castings", key: key)
        }
    }

    /// The newest news entries of a document, from its range of `doc_news`.
    private func newsEntries(_ id: DocumentID) throws -> [NewsPart] {
        var entries: [NewsPart] = []
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT d.published_ms, d.article_num, d.article, n.entry
                    FROM doc_news AS d CROSS JOIN news AS n ON n.id = d.article
                    WHERE d.kind = ? AND d.key = ? AND d.retracted = 0
                    ORDER BY d.published_ms DESC, d.article_num DESC LIMIT \(Projection.newsLimit)
                    """), arguments: [id.kind, id.key])
        while let row = try rows.next() {
            entries.append(NewsPart(published: row[0], number: row[1], article: row[2], entry: row[3]))
        }
        return entries
    }

    /// A document's newest news: the kept entries patched with the rows this batch created,
    /// when no row it deleted and no article it changed was among them; else from the rows.
    ///
    /// A deleted row that is not kept was retracted or older than the oldest kept entry, so
    /// it never mattered; a created one is placed by its sort key and the oldest falls off.
    private func news(_ id: DocumentID, kept: [NewsPart]?) throws -> [NewsPart] {
        guard var entries = kept, !newsChanged.contains(id) else { return try newsEntries(id) }
        guard let delta = newsDelta[id] else { return entries }
        if entries.contains(where: { delta.removed.contains($0.article) })
            || delta.added.contains(where: { delta.removed.contains($0.article) })
        {
            return try newsEntries(id)
        }
        for var added in delta.added {
            if entries.count >= Projection.newsLimit, let last = entries.last, !added.precedes(last) { continue }
            // An article without a news row is not listed (the rows' join drops it).
            guard
                let entry = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT entry FROM news WHERE id = ?"), arguments: [added.article])
            else { continue }
            added.entry = entry
            entries.insert(added, at: entries.firstIndex { added.precedes($0) } ?? entries.endIndex)
            if entries.count > Projection.newsLimit { entries.removeLast() }
        }
        return entries
    }

    /// The newest news entries of a document by their definition: a union over the sources of
    /// everything the document embeds (what `doc_news` must agree with).
    private func definedNewsEntries(_ id: DocumentID) throws -> [String] {
        try news(sourcesSQL: id.kind == "drama" ? Self.dramaSources : Self.personSources, id.key)
    }

    /// The rows `doc_news` holds, by definition from the sources of every entity and the
    /// documents embedding it.
    static let docNewsDefinition = """
        SELECT c.kind, c.key, c.article, count(*), coalesce(n.published_ms, 0), coalesce(n.retracted, 0),
               CAST(c.article AS INTEGER)
        FROM (SELECT 'drama' AS kind, key, article FROM entity_sources WHERE kind = 'drama'
              UNION ALL SELECT 'drama', o.drama_key, s.article FROM osts o
                  JOIN entity_sources s ON s.kind = 'ost' AND s.key = o.key
              UNION ALL SELECT 'person', a.person_key, s.article FROM ost_artists a
                  JOIN entity_sources s ON s.kind = 'ost' AND s.key = a.ost_key
              UNION ALL SELECT 'drama', c.drama_key, s.article FROM castings c
                  JOIN entity_sources s ON s.kind = 'casting' AND s.key = c.key
              UNION ALL SELECT 'person', c.person_key, s.article FROM castings c
                  JOIN entity_sources s ON s.kind = 'casting' AND s.key = c.key) AS c
        LEFT JOIN news n ON n.id = c.article
        GROUP BY c.kind, c.key, c.article
        """

    static let dramaSources = """
        SELECT article FROM entity_sources WHERE kind = 'drama' AND key = ?1
        UNION SELECT s.article FROM osts o CROSS JOIN entity_sources s
            ON s.kind = 'ost' AND s.key = o.key WHERE o.drama_key = ?1
        UNION SELECT s.article FROM castings c CROSS JOIN entity_sources s
            ON s.kind = 'casting' AND s.key = c.key WHERE c.drama_key = ?1
        """
    static let personSources = """
        SELECT s.article FROM ost_artists a CROSS JOIN entity_sources s
            ON s.kind = 'ost' AND s.key = a.ost_key WHERE a.person_key = ?1
        UNION SELECT s.article FROM castings c CROSS JOIN entity_sources s
            ON s.kind = 'casting' AND s.key = c.key WHERE c.person_key = ?1
        """

    /// A document assembled from its state and its members' fragments, and the song titles
    /// its full-text row indexes; nil when the entity has no state (deleted or merged away).
    func assembleDocument(_ id: DocumentID, seq: Int64) throws -> (text: String, state: JSON, songs: [String])? {
        guard let data = try state(id.kind, id.key) else { return nil }
        var members: [(String, String)] = [("seq", String(seq))]
        func field(_ name: String) { members.append((name, data[name].serialized())) }
        var songs: [String] = []
        switch id.kind {
        case "drama":
            for name in ["key", "title", "aliases", "network", "platforms", "premiere", "episodes", "sources"] {
                field(name)
            }
            var parts = try documentParts(id)
            let osts = parts.secondArray()
            songs = osts.songs
            members.append(("cast", parts.firstArray()))
            members.append(("osts", osts.text))
            parts.news = try news(id, kept: parts.news)
            members.append(("news", DocumentParts.array(parts.news!.map(\.entry))))
            partsCache?.store(parts, for: id)
        case "person":
            for name in ["key", "name", "aliases"] { field(name) }
            var parts = try documentParts(id)
            let entries = parts.secondArray()
            songs = entries.songs
            members.append(("roles", parts.firstArray()))
            members.append(("songs", entries.text))
            parts.news = try news(id, kept: parts.news)
            members.append(("news", DocumentParts.array(parts.news!.map(\.entry))))
            partsCache?.store(parts, for: id)
        default:
            return (Projection.articleDocument(article: data, seq: seq).serialized(), data, [])
        }
        return (Self.object(members), data, songs)
    }

    /// A drama's cast and OST entries, or a person's roles and songs: the cached parts
    /// patched with this batch's changes, or else read from the entry rows.
    private func documentParts(_ id: DocumentID) throws -> DocumentParts {
        if let partsCache, var parts = partsCache.take(id) {
            patch(&parts, id)
            return parts
        }
        return try readParts(id)
    }

    /// Brings cached parts up to date with this batch: every entry of an OST or casting the
    /// batch rendered or deleted goes, then each rendered one that embeds in this document now
    /// comes back. Every document that held or now holds a changed entry was marked by the
    /// records that changed it, so it is rebuilt (and patched) in this batch.
    private func patch(_ parts: inout DocumentParts, _ id: DocumentID) {
        // Whichever is smaller is walked: the document's entries, or the batch's changes. A
        // list is only written when an entry goes (writing it drops its serialized text).
        func gone(_ list: [String: Part], rendered: [String: RenderedItem], removed: Set<String>) -> [String] {
            if list.count < rendered.count + removed.count {
                return list.keys.filter { rendered[$0] != nil || removed.contains($0) }
            }
            return rendered.keys.filter { list[$0] != nil } + removed.filter { list[$0] != nil }
        }
        let castings = gone(parts.first, rendered: renderedCastings, removed: removedCastings)
        if !castings.isEmpty { for key in castings { parts.first[key] = nil } }
        let osts = gone(parts.second, rendered: renderedOSTs, removed: removedOSTs)
        if !osts.isEmpty { for key in osts { parts.second[key] = nil } }
        let isDrama = id.kind == "drama"
        for (ost, key) in renderedByDocument[id] ?? [] {
            guard let item = ost ? renderedOSTs[key] : renderedCastings[key] else { continue }
            let part = isDrama ? item.dramaPart : item.personPart
            if ost { parts.second[key] = part } else { parts.first[key] = part }
        }
    }

    /// A document's parts from the entry rows, in the orders of Projection's sorts.
    private func readParts(_ id: DocumentID) throws -> DocumentParts {
        var parts = DocumentParts()
        if id.kind == "drama" {
            // Projection.sortCast: role type, then the shown name, then key.
            let cast = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT role_type, d_name, key, d_entry FROM castings WHERE drama_key = ?"),
                arguments: [id.key])
            while let row = try cast.next() {
                let roleType: String? = row[0]
                let key: String = row[2]
                parts.first[key] = Part(
                    order: PartOrder(
                        rank: Projection.roleRank(roleType.map(JSON.string) ?? .null), text: row[1], key: key),
                    entry: row[3])
            }
            // Projection.sortOSTs: part, then release (unknown last), then key.
            let osts = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT part, release_at, key, d_entry, song FROM osts WHERE drama_key = ?"),
                arguments: [id.key])
            while let row = try osts.next() {
                let key: String = row[2]
                parts.second[key] = Part(
                    order: PartOrder(part: row[0] ?? Int64.max, release: row[1] ?? Int64.max, key: key), entry: row[3],
                    song: row[4])
            }
        } else {
            // Projection.sortByDrama: drama title, part, release, key (a role has neither part
            // nor release).
            let roles = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT p_title, key, p_entry FROM castings WHERE person_key = ?"),
                arguments: [id.key])
            while let row = try roles.next() {
                let key: String = row[1]
                parts.first[key] = Part(order: PartOrder(text: row[0], key: key), entry: row[2])
            }
            let songs = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT o.p_title, o.part, o.release_at, o.key, o.p_entry, o.song
                        FROM ost_artists a JOIN osts o ON o.key = a.ost_key WHERE a.person_key = ?
                        """), arguments: [id.key])
            while let row = try songs.next() {
                let key: String = row[3]
                parts.second[key] = Part(
                    order: PartOrder(text: row[0], part: row[1] ?? Int64.max, release: row[2] ?? Int64.max, key: key),
                    entry: row[4], song: row[5])
            }
        }
        return parts
    }

    /// A JSON object from members whose values are already serialized, written as
    /// `JSON.serialized()` writes objects: keys in sorted order, no spaces.
    static func object(_ members: [(String, String)]) -> String {
        var out = "{"
        for (i, member) in members.sorted(by: { $0.0 < $1.0 }).enumerated() {
            if i > 0 { out += "," }
            JSON.string(member.0).write(to: &out)
            out += ":"
            out += member.1
        }
        return out + "}"
    }

    /// The document as ``Projection`` builds it from entity states (the definition the
    /// assembled document must equal byte for byte).
    func projectedDocument(_ id: DocumentID, seq: Int64) throws -> JSON? {
        guard let data = try state(id.kind, id.key) else { return nil }
        switch id.kind {
        case "drama":
            let castings = try fetchData("SELECT data FROM castings WHERE drama_key = ?", id.key)
            let osts = try fetchData("SELECT data FROM osts WHERE drama_key = ?", id.key)
            let personKeys =
                castings.compactMap { $0["person"]["key"].stringValue }
                + osts.flatMap { ($0["artists"].arrayValue ?? []).compactMap { $0["key"].stringValue } }
            let news = try definedNewsEntries(id).compactMap { try? JSON.parse($0) }
            let context = Projection.Context(people: try stateMap("person", personKeys))
            return Projection.dramaDocument(
                drama: data, castings: castings, osts: osts, news: news, context: context, seq: seq)
        case "person":
            let castings = try fetchData("SELECT data FROM castings WHERE person_key = ?", id.key)
            let osts = try fetchData(
                "SELECT o.data FROM ost_artists a JOIN osts o ON o.key = a.ost_key WHERE a.person_key = ?", id.key)
            let news = try definedNewsEntries(id).compactMap { try? JSON.parse($0) }
            let context = Projection.Context(
                dramas: try stateMap("drama", (castings + osts).compactMap { $0["drama"]["key"].stringValue }))
            return Projection.personDocument(
                person: data, castings: castings, osts: osts, news: news, context: context, seq: seq)
        default:
            return Projection.articleDocument(article: data, seq: seq)
        }
    }

    /// Documents whose stored bytes differ from ``projectedDocument(_:seq:)``, or whose item
    /// fragments differ from a fresh rendering: a consistency check for tests and operators.
    func documentsDifferingFromProjection() throws -> [String] {
        var differing: [String] = []
        for row in try Row.fetchAll(db, sql: "SELECT kind, key, seq, doc FROM documents ORDER BY kind, key") {
            let id = DocumentID(kind: row[0], key: row[1])
            let projected = try projectedDocument(id, seq: row[2])?.serialized()
            let stored = try ReadModel.document(db, kind: id.kind, key: id.key, seq: row[2], stored: row[3])
            if projected != stored { differing.append("\(id.kind) \(id.key)") }
        }
        let columns = "kind, key, article, refs, published_ms, retracted, article_num"
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT 'doc_news row missing', * FROM (\(Self.docNewsDefinition) EXCEPT SELECT \(columns) FROM doc_news)
                UNION ALL
                SELECT 'doc_news row extra', * FROM (SELECT \(columns) FROM doc_news EXCEPT \(Self.docNewsDefinition))
                LIMIT 20
                """)
        {
            differing.append("\(row[0] as String) \(row[1] as String) \(row[2] as String) \(row[3] as String)")
        }
        return differing
    }

    private func rebuild(_ id: DocumentID, seq: Int64) throws -> DocumentEvent {
        guard let (text, document, searchText) = try assembleDocument(id, seq: seq) else {
            partsCache?.remove(id)
            if let rowID = try Int64.fetchOne(
                db.cachedStatement(sql: "DELETE FROM documents WHERE kind = ? AND key = ? RETURNING id"),
                arguments: [id.kind, id.key])
            {
                try db.cachedStatement(sql: "DELETE FROM search WHERE rowid = ?").execute(arguments: [rowID])
            }
            return event(id, seq: seq, text: nil)
        }
        var indexed: String?
        if id.kind != "article" {
            let aliases = (document["aliases"].arrayValue ?? []).compactMap(\.stringValue)
            let entityKind: EntityKind = id.kind == "drama" ? .drama : .person
            // Keys of every spelling are indexed too, so "Kim Soohyun" finds "Kim Soo-hyun".
            let keys = Set(aliases.map { NameKey.normalize($0, kind: entityKind) } + [id.key])
            let name = document[id.kind == "drama" ? "title" : "name"].stringValue ?? ""
            indexed = ([name] + aliases + searchText + keys.sorted()).joined(separator: " \u{1F} ")
        }
        let previous = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT id, search_text FROM documents WHERE kind = ? AND key = ?"),
            arguments: [id.kind, id.key])
        let rowID = try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    INSERT INTO documents (kind, key, seq, doc, search_text) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (kind, key) DO UPDATE SET seq = excluded.seq, doc = excluded.doc,
                        search_text = excluded.search_text
                    RETURNING id
                    """), arguments: [id.kind, id.key, seq, id.kind == "article" ? text : nil, indexed])!
        // Most rebuilds change statuses or news, not names: the full-text row is only
        // rewritten when its text changed (FTS5 deletes re-tokenize the old text).
        if let indexed, previous?["search_text"] as String? != indexed {
            if previous != nil {
                try db.cachedStatement(sql: "DELETE FROM search WHERE rowid = ?").execute(arguments: [rowID])
            }
            try db.cachedStatement(sql: "INSERT INTO search (rowid, kind, key, name, text) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [
                    rowID, id.kind, id.key, document[id.kind == "drama" ? "title" : "name"].stringValue ?? "", indexed,
                ])
        }
        return event(id, seq: seq, text: text)
    }

    /// The event for a document, its line built around the serialized document (text nil: it
    /// was deleted) rather than serializing it again: the same bytes as serializing
    /// `{"doc":…,"key":…,"kind":…,"seq":…}`, whose keys are in sorted order.
    private func event(_ id: DocumentID, seq: Int64, text: String?) -> DocumentEvent {
        var line = #"EVENT {"doc":"#
        line.reserveCapacity(line.utf8.count + (text?.utf8.count ?? 4) + id.key.utf8.count + 48)
        line += text ?? "null"
        line += #","key":"#
        JSON.string(id.key).write(to: &line)
        line += #","kind":"#
        JSON.string(id.kind).write(to: &line)
        line += #","seq":"#
        line += String(seq)
        line += "}"
        return DocumentEvent(seq: seq, kind: id.kind, key: id.key, line: line, document: text)
    }
}

/// Sort keys for keyset paging: one unique, totally ordered string per row.
enum SortKey {
    static let separator = "\u{01}"

    static func padded(_ value: Int64, width: Int) -> String {
        let text = String(max(0, value))
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// Drama, then part (unknown last), then release (unknown last), then key.
    static func ost(dramaKey: String, part: Int64?, release: Int64?, key: String) -> String {
        [dramaKey, padded(part ?? 9999, width: 4), padded(release ?? Int64.max, width: 19), key].joined(
            separator: separator)
    }

    /// Drama, then role type (lead first, unknown last), then key.
    static func casting(dramaKey: String, roleType: String?, key: String) -> String {
        let rank = ["lead", "supporting", "cameo", "special"].firstIndex(of: roleType ?? "") ?? 4
        return [dramaKey, String(rank), key].joined(separator: separator)
    }
}
