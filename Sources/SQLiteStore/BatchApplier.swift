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
    private var dirtyDocuments: [DocumentID: Int64] = [:]
    private var dirtyOSTs: Set<String> = []
    private var dirtyCastings: Set<String> = []

    init(_ db: Database) {
        self.db = db
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
        for key in dirtyOSTs.sorted() { try refreshItem(table: "osts", key: key, build: Projection.ostItem) }
        for key in dirtyCastings.sorted() {
            try refreshItem(table: "castings", key: key, build: Projection.castingItem)
        }
        let order = dirtyDocuments.sorted { a, b in
            a.value != b.value ? a.value < b.value : (a.key.kind, a.key.key) < (b.key.kind, b.key.key)
        }
        var events: [DocumentEvent] = []
        events.reserveCapacity(order.count)
        for (id, seq) in order { events.append(try rebuild(id, seq: seq)) }
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
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT kind, key FROM entity_sources WHERE article = ?"), arguments: [key])
            for row in rows {
                let entityKey: String = row["key"]
                switch row["kind"] as String {
                case "drama": mark("drama", entityKey, seq)
                case "ost": try markOST(entityKey, seq)
                default: try markCasting(entityKey, seq)
                }
            }
        case "drama.upserted", "person.upserted":
            let kind = type == "drama.upserted" ? "drama" : "person"
            let nameField = kind == "drama" ? "title" : "name"
            let old = try state(kind, key)
            try putState(kind, key, data)
            try replaceNames(kind, key, data: data, nameField: nameField)
            if kind == "drama" { try replaceSources("drama", key, data) }
            mark(kind, key, seq)
            if old?[nameField] != data[nameField] { try markReferences(kind: kind, key: key, seq: seq) }
        case "drama.merged", "person.merged":
            let kind = type == "drama.merged" ? "drama" : "person"
            let into = data["into"]["key"].stringValue ?? ""
            try db.cachedStatement(sql: "DELETE FROM state WHERE kind = ? AND key = ?").execute(arguments: [kind, key])
            try db.cachedStatement(sql: "DELETE FROM names WHERE kind = ? AND key = ?").execute(arguments: [kind, key])
            try db.execute(
                sql: "UPDATE merges SET into_key = ? WHERE kind = ? AND into_key = ?", arguments: [into, kind, key])
            try db.execute(
                sql: "INSERT OR REPLACE INTO merges (kind, from_key, into_key) VALUES (?, ?, ?)",
                arguments: [kind, key, into])
            if kind == "drama" { try replaceSources("drama", key, .null) }
            mark(kind, key, seq)
            mark(kind, into, seq)
        case "ost.upserted":
            try markOST(key, seq)
            try upsertOST(key, data)
            try markOST(key, seq)
        case "casting.upserted":
            try markCasting(key, seq)
            try upsertCasting(key, data)
            try markCasting(key, seq)
        case "ost.withdrawn":
            try markOST(key, seq)
            try db.cachedStatement(sql: "DELETE FROM osts WHERE key = ?").execute(arguments: [key])
            try db.cachedStatement(sql: "DELETE FROM ost_artists WHERE ost_key = ?").execute(arguments: [key])
            try replaceSources("ost", key, .null)
            dirtyOSTs.remove(key)
        case "casting.withdrawn":
            try markCasting(key, seq)
            try db.cachedStatement(sql: "DELETE FROM castings WHERE key = ?").execute(arguments: [key])
            try replaceSources("casting", key, .null)
            dirtyCastings.remove(key)
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
        guard
            let dramaKey = try String.fetchOne(
                db.cachedStatement(sql: "SELECT drama_key FROM osts WHERE key = ?"), arguments: [key])
        else { return }
        dirtyOSTs.insert(key)
        mark("drama", dramaKey, seq)
        for person in try String.fetchAll(
            db.cachedStatement(sql: "SELECT person_key FROM ost_artists WHERE ost_key = ?"), arguments: [key])
        {
            mark("person", person, seq)
        }
    }

    /// Marks a casting's item and the documents that embed it (its drama and its person).
    private func markCasting(_ key: String, _ seq: Int64) throws {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT drama_key, person_key FROM castings WHERE key = ?"), arguments: [key])
        else { return }
        dirtyCastings.insert(key)
        mark("drama", row["drama_key"], seq)
        mark("person", row["person_key"], seq)
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

    private func state(_ kind: String, _ key: String) throws -> JSON? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT data FROM state WHERE kind = ? AND key = ?"), arguments: [kind, key]
        ).flatMap { try? JSON.parse($0) }
    }

    private func putState(_ kind: String, _ key: String, _ data: JSON) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO state (kind, key, data) VALUES (?, ?, ?)")
            .execute(arguments: [kind, key, data.serialized()])
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
    }

    /// The newest news entries among the articles supporting a document's entities.
    ///
    /// CROSS JOIN fixes the join order (SQLite never reorders it): from the document's few
    /// entities to their sources, never from all sources of a kind to the entities.
    private func news(sourcesSQL: String, _ key: String) throws -> [JSON] {
        try String.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT n.entry FROM (\(sourcesSQL)) AS s CROSS JOIN news AS n ON n.id = s.article
                    WHERE n.retracted = 0
                    ORDER BY n.published_ms DESC, CAST(n.id AS INTEGER) DESC LIMIT \(Projection.newsLimit)
                    """), arguments: [key]
        ).compactMap { try? JSON.parse($0) }
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

    private func replaceSources(_ kind: String, _ key: String, _ data: JSON) throws {
        try db.cachedStatement(sql: "DELETE FROM entity_sources WHERE kind = ? AND key = ?")
            .execute(arguments: [kind, key])
        for article in Set((data["sources"].arrayValue ?? []).compactMap(\.stringValue)) {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO entity_sources (article, kind, key) VALUES (?, ?, ?)")
                .execute(arguments: [article, kind, key])
        }
    }

    private func upsertOST(_ key: String, _ data: JSON) throws {
        let dramaKey = data["drama"]["key"].stringValue ?? ""
        let release = data["release"].stringValue.flatMap { Timestamp($0, allowDateOnly: true)?.instantMillis }
        try db.cachedStatement(
            sql: """
                INSERT INTO osts (key, drama_key, status, release_at, sort, data) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET drama_key = excluded.drama_key, status = excluded.status,
                    release_at = excluded.release_at, sort = excluded.sort, data = excluded.data
                """
        ).execute(arguments: [
            key, dramaKey, data["status"].stringValue, release,
            SortKey.ost(dramaKey: dramaKey, part: data["part"].intValue, release: release, key: key),
            data.serialized(),
        ])
        try db.cachedStatement(sql: "DELETE FROM ost_artists WHERE ost_key = ?").execute(arguments: [key])
        for artist in Set((data["artists"].arrayValue ?? []).compactMap { $0["key"].stringValue }) {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO ost_artists (person_key, ost_key) VALUES (?, ?)")
                .execute(arguments: [artist, key])
        }
        try replaceSources("ost", key, data)
        dirtyOSTs.insert(key)
    }

    private func upsertCasting(_ key: String, _ data: JSON) throws {
        let dramaKey = data["drama"]["key"].stringValue ?? ""
        try db.cachedStatement(
            sql: """
                INSERT INTO castings (key, drama_key, person_key, status, role_type, sort, data)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET drama_key = excluded.drama_key, person_key = excluded.person_key,
                    status = excluded.status, role_type = excluded.role_type, sort = excluded.sort,
                    data = excluded.data
                """
        ).execute(arguments: [
            key, dramaKey, data["person"]["key"].stringValue ?? "", data["status"].stringValue,
            data["role_type"].stringValue,
            SortKey.casting(dramaKey: dramaKey, roleType: data["role_type"].stringValue, key: key),
            data.serialized(),
        ])
        try replaceSources("casting", key, data)
        dirtyCastings.insert(key)
    }

    // MARK: - Documents

    private func stateMap(_ kind: String, _ keys: some Sequence<String>) throws -> [String: JSON] {
        var map: [String: JSON] = [:]
        for key in Set(keys) {
            if let data = try String.fetchOne(
                db.cachedStatement(sql: "SELECT data FROM state WHERE kind = ? AND key = ?"), arguments: [kind, key]),
                let json = try? JSON.parse(data)
            {
                map[key] = json
            }
        }
        return map
    }

    private func fetchData(_ sql: String, _ key: String) throws -> [JSON] {
        try String.fetchAll(db.cachedStatement(sql: sql), arguments: [key]).compactMap { try? JSON.parse($0) }
    }

    private func refreshItem(table: String, key: String, build: (JSON, Projection.Context) -> JSON) throws {
        guard
            let text = try String.fetchOne(
                db.cachedStatement(sql: "SELECT data FROM \(table) WHERE key = ?"), arguments: [key]),
            let data = try? JSON.parse(text)
        else { return }
        let personKeys =
            (data["artists"].arrayValue ?? []).compactMap { $0["key"].stringValue }
            + [data["person"]["key"].stringValue].compactMap { $0 }
        let context = Projection.Context(
            people: try stateMap("person", personKeys),
            dramas: try stateMap("drama", [data["drama"]["key"].stringValue ?? ""]))
        try db.cachedStatement(sql: "UPDATE \(table) SET item = ? WHERE key = ?")
            .execute(arguments: [build(data, context).serialized(), key])
    }

    private func rebuild(_ id: DocumentID, seq: Int64) throws -> DocumentEvent {
        var document: JSON?
        var searchText: [String] = []
        if let data = try state(id.kind, id.key) {
            switch id.kind {
            case "drama":
                let castings = try fetchData("SELECT data FROM castings WHERE drama_key = ?", id.key)
                let osts = try fetchData("SELECT data FROM osts WHERE drama_key = ?", id.key)
                let personKeys =
                    castings.compactMap { $0["person"]["key"].stringValue }
                    + osts.flatMap { ($0["artists"].arrayValue ?? []).compactMap { $0["key"].stringValue } }
                let news = try news(
                    sourcesSQL: """
                        SELECT article FROM entity_sources WHERE kind = 'drama' AND key = ?1
                        UNION SELECT s.article FROM osts o CROSS JOIN entity_sources s
                            ON s.kind = 'ost' AND s.key = o.key WHERE o.drama_key = ?1
                        UNION SELECT s.article FROM castings c CROSS JOIN entity_sources s
                            ON s.kind = 'casting' AND s.key = c.key WHERE c.drama_key = ?1
                        """, id.key)
                let context = Projection.Context(people: try stateMap("person", personKeys))
                document = Projection.dramaDocument(
                    drama: data, castings: castings, osts: osts, news: news, context: context, seq: seq)
                searchText = osts.compactMap { $0["song"].stringValue }
            case "person":
                let castings = try fetchData("SELECT data FROM castings WHERE person_key = ?", id.key)
                let osts = try fetchData(
                    "SELECT o.data FROM ost_artists a JOIN osts o ON o.key = a.ost_key WHERE a.person_key = ?", id.key)
                let news = try news(
                    sourcesSQL: """
                        SELECT s.article FROM ost_artists a CROSS JOIN entity_sources s
                            ON s.kind = 'ost' AND s.key = a.ost_key WHERE a.person_key = ?1
                        UNION SELECT s.article FROM castings c CROSS JOIN entity_sources s
                            ON s.kind = 'casting' AND s.key = c.key WHERE c.person_key = ?1
                        """, id.key)
                let context = Projection.Context(
                    dramas: try stateMap("drama", (castings + osts).compactMap { $0["drama"]["key"].stringValue }))
                document = Projection.personDocument(
                    person: data, castings: castings, osts: osts, news: news, context: context, seq: seq)
                searchText = osts.compactMap { $0["song"].stringValue }
            default:
                document = Projection.articleDocument(article: data, seq: seq)
            }
        }
        guard let document else {
            if let rowID = try Int64.fetchOne(
                db.cachedStatement(sql: "DELETE FROM documents WHERE kind = ? AND key = ? RETURNING id"),
                arguments: [id.kind, id.key])
            {
                try db.cachedStatement(sql: "DELETE FROM search WHERE rowid = ?").execute(arguments: [rowID])
            }
            return event(id, seq: seq, doc: .null, text: nil)
        }
        let text = document.serialized()
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
                    """), arguments: [id.kind, id.key, seq, text, indexed])!
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
        return event(id, seq: seq, doc: document, text: text)
    }

    private func event(_ id: DocumentID, seq: Int64, doc: JSON, text: String?) -> DocumentEvent {
        let body: JSON = ["seq": .int(seq), "kind": .string(id.kind), "key": .string(id.key), "doc": doc]
        return DocumentEvent(
            seq: seq, kind: id.kind, key: id.key, line: "EVENT " + body.serialized(), document: text)
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
