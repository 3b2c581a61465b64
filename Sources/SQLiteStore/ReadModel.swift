import CSQLite
import DramaDomain
import Foundation
import GRDB
import LineProtocol
import Logging

/// The subscriber's read model: one SQLite file in WAL mode, through GRDB's `DatabasePool`.
///
/// One writer applies batches of change records; any number of readers answer queries from
/// the last committed snapshot at the same time, so readers never wait for the writer.
/// GRDB runs every SQLite call on its own dispatch queues, never on Swift's cooperative pool.
public final class ReadModel: Sendable {
    private let pool: DatabasePool
    private let logger: Logger
    /// Large documents' entries, kept between batches (see ``DocumentPartsCache``).
    private let parts: DocumentPartsCache
    /// The file's path.
    public let path: String

    /// Opens (creating if needed) the read model at `path` and migrates its schema.
    ///
    /// `partsCacheBytes` bounds the memory that keeps recently changed documents' entries
    /// between batches, so that one changed entry of a large document does not mean reading
    /// all of them again (0 turns it off; documents are the same either way).
    public init(path: String, partsCacheBytes: Int = 32 << 20, logger: Logger) throws {
        var configuration = Configuration()
        configuration.label = "dramawire.readmodel"
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL keeps every commit atomic; a power cut may lose the
            // last few commits, and then applied_seq is older too, so the subscriber simply
            // fetches those records again. Exactly-once holds; only a little work is redone.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Pages read through a memory map, not a pread() per page miss: SQLite's own page
            // cache (2 MiB by default) is far smaller than a read model, and a profile of
            // applying showed pread() copying pages in the kernel. (Measured alone, before the
            // fragments, this made no difference within the noise of CPU per item; it stays
            // for readers, which each had their own small cache.)
            try db.execute(sql: "PRAGMA mmap_size = \(1 << 32)")
            try db.execute(sql: "PRAGMA cache_size = -32768")
            // Checkpoint every 64 MiB of WAL instead of 4 MiB: a large document rewritten by
            // several batches in between is copied into the database once, not once per
            // batch (subscriber CPU per ingested item fell from about 6.4 to 5.4 ms on a 25k
            // article database). The WAL file is truncated back to that size afterwards.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Schema.migrator().migrate(pool)
        self.path = path
        self.logger = logger
        self.parts = DocumentPartsCache(maximumBytes: max(0, partsCacheBytes))
    }

    /// Turns off SQLite's memory statistics for this process, and says whether that took.
    ///
    /// With statistics on (the system SQLite's default), every allocation and free in every
    /// connection takes one process-wide mutex, so the reader pool's threads queue on it
    /// instead of running queries side by side. It must run before SQLite is first used in the
    /// process, while no other thread can be using it: call it first thing in `main`. Later it
    /// changes nothing and returns false. Nothing in DramaWire reads SQLite's memory statistics.
    @discardableResult
    public static func configureProcess() -> Bool {
        csqlite_disable_memory_statistics() == 0  // SQLITE_OK
    }

    /// Deletes the read model's files (the database, its WAL and shared-memory files).
    public static func remove(path: String) throws {
        for suffix in ["", "-wal", "-shm"] {
            let file = path + suffix
            if FileManager.default.fileExists(atPath: file) { try FileManager.default.removeItem(atPath: file) }
        }
    }

    /// Closes the file.
    public func close() throws { try pool.close() }

    // MARK: - Writing

    /// Applies `records` and the new applied seq in one transaction: all of them or none.
    ///
    /// Records at or below the applied seq are skipped (exactly-once); a record that does not
    /// follow the applied seq throws a `gap` error and nothing is written.
    public func apply(_ records: [ReceivedRecord]) async throws -> ApplyResult {
        do {
            return try await pool.write { db in
                try BatchApplier(db, parts: parts.maximumBytes > 0 ? parts : nil).run(records)
            }
        } catch {
            // The batch's patches to the cached parts may describe rows that were rolled back.
            parts.removeAll()
            throw error
        }
    }

    // MARK: - Reading

    /// Documents (`kind key`) whose stored bytes differ from the document ``Projection`` builds
    /// from the stored entity states: empty unless an assembled document used a stale fragment.
    /// Reads the whole read model; for tests and for checking a suspect file.
    public func documentsDifferingFromProjection() async throws -> [String] {
        try await pool.read { db in try BatchApplier(db).documentsDifferingFromProjection() }
    }

    /// The last applied seq.
    public func appliedSeq() async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'applied_seq'") ?? 0
        }
    }

    /// The serialized document of a drama or person named by key or by any known spelling,
    /// or of an article by id; nil when there is none.
    public func document(kind: String, name: String) async throws -> String? {
        try await keyedDocument(kind: kind, name: name)?.document
    }

    /// Like ``document(kind:name:)``, with the key `name` resolved to (for caching by key).
    public func keyedDocument(kind: String, name: String) async throws -> (key: String, document: String)? {
        try await pool.read { db in
            guard let key = try Self.resolve(db, kind: kind, name: name),
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT seq, doc FROM documents WHERE kind = ? AND key = ?"),
                    arguments: [kind, key]),
                let document = try Self.document(db, kind: kind, key: key, seq: row[0], stored: row[1])
            else { return nil }
            return (key, document)
        }
    }

    /// A document's serialized bytes: an article's as stored, a drama's or person's assembled
    /// from its fragments in this read transaction (the same bytes the applier published).
    static func document(_ db: Database, kind: String, key: String, seq: Int64, stored: String?) throws -> String? {
        if let stored { return stored }
        return try BatchApplier(db).assembleDocument(DocumentID(kind: kind, key: key), seq: seq)?.text
    }

    /// The key `name` refers to: a key itself, a spelling's normalization key, or a key that
    /// was merged into another.
    static func resolve(_ db: Database, kind: String, name: String) throws -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        if kind == "article" { return trimmed }
        let exists = "SELECT 1 FROM documents WHERE kind = ? AND key = ?"
        if try Bool.fetchOne(db.cachedStatement(sql: exists), arguments: [kind, trimmed]) == true { return trimmed }
        // Only now the (NFKC) normalization: a GET by key never pays for it.
        let norm = NameKey.normalize(trimmed, kind: kind == "drama" ? .drama : .person)
        if norm != trimmed, !norm.isEmpty,
            try Bool.fetchOne(db.cachedStatement(sql: exists), arguments: [kind, norm]) == true
        {
            return norm
        }
        for candidate in [trimmed, norm] where !candidate.isEmpty {
            if let key = try String.fetchOne(
                db.cachedStatement(sql: "SELECT key FROM names WHERE kind = ? AND norm = ? ORDER BY key LIMIT 1"),
                arguments: [kind, candidate])
            {
                return key
            }
            if let key = try String.fetchOne(
                db.cachedStatement(sql: "SELECT into_key FROM merges WHERE kind = ? AND from_key = ?"),
                arguments: [kind, candidate])
            {
                return key
            }
        }
        return norm.isEmpty ? nil : norm
    }

    /// The key a WATCH for `name` follows (a known entity's key, or the name's normalization key).
    public func watchKey(kind: String, name: String) async throws -> String? {
        try await pool.read { db in try Self.resolve(db, kind: kind, name: name) }
    }

    /// Full-text search over titles, names, aliases and song titles; best match first.
    public func search(_ text: String, limit: Int) async throws -> [JSON] {
        let tokens = text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
        guard !tokens.isEmpty else { throw WireError(.invalid, "search text needs a letter or digit") }
        // Tokens hold only letters and digits, so quoting them makes any input a safe FTS5 query.
        var expression = tokens.prefix(16).map { "\"\($0)\"*" }.joined(separator: " ")
        let norm = NameKey.normalize(text, kind: .person)
        if !norm.isEmpty, tokens.count > 1 { expression = "(\(expression)) OR \"\(norm)\"*" }
        let match = expression
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, key, name, bm25(search, 0, 0, 10, 1) AS rank FROM search
                    WHERE search MATCH ? ORDER BY rank, kind, key LIMIT ?
                    """, arguments: [match, limit]
            ).map { row in
                let rank: Double = row["rank"]
                return [
                    "kind": .string(row["kind"]), "key": .string(row["key"]), "name": .string(row["name"]),
                    "score": .double((-rank * 1000).rounded() / 1000),
                ]
            }
        }
    }

    /// One page of OSTs; see ``OSTQuery``. Returns the items' JSON texts and the next cursor.
    public func osts(_ query: OSTQuery) async throws -> Page {
        try await pool.read { db in
            var filter = Filter()
            filter.add("drama_key = ?", try query.drama.map { try Self.resolve(db, kind: "drama", name: $0) ?? "" })
            filter.add(
                "key IN (SELECT ost_key FROM ost_artists WHERE person_key = ?)",
                try query.artist.map { try Self.resolve(db, kind: "person", name: $0) ?? "" })
            filter.add("status = ?", query.status)
            filter.add("release_at >= ?", query.sinceMillis)
            filter.add("release_at <= ?", query.untilMillis)
            return try Self.page(db, table: "osts", filter: filter, cursor: query.cursor, limit: query.limit)
        }
    }

    /// One page of castings; see ``CastingQuery``.
    public func castings(_ query: CastingQuery) async throws -> Page {
        try await pool.read { db in
            var filter = Filter()
            filter.add("drama_key = ?", try query.drama.map { try Self.resolve(db, kind: "drama", name: $0) ?? "" })
            filter.add(
                "person_key = ?", try query.person.map { try Self.resolve(db, kind: "person", name: $0) ?? "" })
            filter.add("status = ?", query.status)
            filter.add("role_type = ?", query.roleType)
            return try Self.page(db, table: "castings", filter: filter, cursor: query.cursor, limit: query.limit)
        }
    }

    /// A WHERE clause built from the filters that are set.
    struct Filter {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []

        /// Adds `condition` (one `?`) when `value` is set.
        mutating func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(condition)
            arguments.append(value)
        }
    }

    private static func page(_ db: Database, table: String, filter: Filter, cursor: String?, limit: Int) throws
        -> Page
    {
        var filter = filter
        filter.add("sort > ?", cursor)
        let whereClause = filter.conditions.isEmpty ? "" : "WHERE " + filter.conditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(
            db, sql: "SELECT sort, item FROM \(table) \(whereClause) ORDER BY sort LIMIT ?",
            arguments: StatementArguments((filter.arguments + [limit + 1]).map { $0.databaseValue }))
        let items = rows.prefix(limit).map { $0["item"] as String }
        let next = rows.count > limit ? Cursor.encode(rows[limit - 1]["sort"]) : nil
        return Page(items: items, next: next)
    }

    /// The change feed, newest first: records with seq below `before`, at most `limit`.
    public func feed(limit: Int, before: Int64?) async throws -> [JSON] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, at, type, key, label FROM feed WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                arguments: [before ?? Int64.max, limit]
            ).map { row in
                [
                    "seq": .int(row["seq"] as Int64), "at": .string(row["at"]), "type": .string(row["type"]),
                    "key": .string(row["key"]), "label": .string(row["label"] as String?),
                ]
            }
        }
    }

    /// Numbers of documents and query rows, for STATS.
    public func counts() async throws -> [String: Int] {
        try await pool.read { db in
            var counts: [String: Int] = ["dramas": 0, "people": 0, "articles": 0]
            for row in try Row.fetchAll(db, sql: "SELECT kind, count(*) AS n FROM documents GROUP BY kind") {
                let plural = ["drama": "dramas", "person": "people", "article": "articles"]
                counts[plural[row["kind"] as String] ?? row["kind"]] = row["n"]
            }
            counts["osts"] = try Int.fetchOne(db, sql: "SELECT count(*) FROM osts") ?? 0
            counts["castings"] = try Int.fetchOne(db, sql: "SELECT count(*) FROM castings") ?? 0
            return counts
        }
    }

    /// Every document as `kind/key` → serialized document (tests compare read models with it).
    public func allDocuments() async throws -> [String: String] {
        try await pool.read { db in
            var documents: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, key, seq, doc FROM documents") {
                let (kind, key): (String, String) = (row["kind"], row["key"])
                documents["\(kind)/\(key)"] = try Self.document(
                    db, kind: kind, key: key, seq: row["seq"], stored: row["doc"])
            }
            return documents
        }
    }

    /// `PRAGMA integrity_check`'s answer (`ok` when the file is sound).
    public func integrityCheck() async throws -> String {
        try await pool.read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
        }
    }
}

/// One page of `OSTS` or `CASTING` items.
public struct Page: Sendable {
    /// The items, already serialized.
    public var items: [String]
    /// The cursor of the next page, or nil.
    public var next: String?

    /// The reply's JSON text: `{"items":[...],"next":...}`.
    public var json: String {
        "{\"items\":[" + items.joined(separator: ",") + "],\"next\":"
            + (next.map { JSON.string($0).serialized() } ?? "null") + "}"
    }
}

/// Opaque paging cursors: the hex of the last row's sort key.
enum Cursor {
    static func encode(_ sort: String) -> String {
        sort.utf8.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined()
    }

    static func decode(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count % 2 == 0, bytes.count <= 4096 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let byte = UInt8(String(decoding: bytes[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            out.append(byte)
            index += 2
        }
        return String(validating: out, as: UTF8.self)
    }
}
