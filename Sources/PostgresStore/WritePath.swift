import DramaDomain
import LibPQ
import LineProtocol
import Logging

/// The outcome of one committed batch.
public struct BatchOutcome: Sendable {
    /// One reply per operation, in order.
    public var replies: [Result<JSON, WireError>]
    /// The last sequence number after the commit.
    public var head: Int64
    /// How many change records the batch appended.
    public var changeCount: Int
    /// Where the batch's time went, in the order the phases run.
    public var phases = Phases()
    /// How often the batch was rolled back after a deadlock and run again.
    public var retries = 0
    /// The change records appended, in seq order: each seq with the text stored in
    /// `change_log.record` (what follows `CHANGE <seq> ` on the wire).
    public var records: [(seq: Int64, text: String)] = []

    /// Durations of a batch's phases: storing articles, facts and names (`prepare`), recomputing
    /// derived state (`recompute`), taking the counter and appending the log (`append`), and
    /// `COMMIT` itself.
    public struct Phases: Sendable {
        public var prepare: Duration = .zero
        public var recompute: Duration = .zero
        public var append: Duration = .zero
        public var commit: Duration = .zero

        public init() {}
    }
}

/// The write path: one transaction per batch of operations.
///
/// A batch runs in three steps, and only the last is serialized across writers:
///
/// 1. Per operation: store articles, facts and aliases (a new article with one statement). A
///    request that fails gets its own error while the rest of the batch commits: checks come
///    before writes, and should the database reject one item's statement, the batch runs again
///    with a SAVEPOINT per operation, so that item is rolled back alone. Nothing
///    here takes a lock another writer waits for long: rows are the batch's own articles, and
///    new dramas and people are created for the whole batch up front, in key order.
/// 2. Lock the touched dramas and people (`FOR NO KEY UPDATE`, dramas then people, each in id
///    order), then recompute what they derive from the assertions about each touched entity
///    alone (see `refresh`). The row locks make two writers that touch one drama take turns,
///    and the later one sees the earlier one's facts; writers on different dramas overlap.
/// 3. Take the next sequence numbers from the one-row `log_counter` (its row lock is held until
///    commit, so numbers are dense and commit order is seq order across processes), append the
///    records with COPY, NOTIFY, COMMIT. The next batch of another writer is prepared meanwhile.
///
/// A deadlock between writers (possible only on paths that take locks out of order: merges,
/// renames, one url re-sent in two batches at once) rolls the batch back and runs it again.
public enum WritePath {
    /// Channel notified (inside the transaction, so delivered on commit) when the log grows.
    public static let notifyChannel = "dramawire_changes"

    /// The advisory lock that orders merges against other batches ("DWMERGE_" as ASCII bytes).
    static let mergeLockKey = "4924489677681411423"

    /// How often a batch that lost a deadlock is run again before its requests get an error.
    static let conflictRetries = 8

    /// Applies `operations` in one transaction.
    ///
    /// - Throws: `PQError` when the transaction as a whole failed; then nothing was written.
    public static func apply(
        _ operations: [WriteOperation], nowMillis: Int64, db: isolated PQConnection, logger: Logger
    ) throws -> BatchOutcome {
        var attempt = 0
        let merging = operations.contains { if case .merge = $0 { true } else { false } }
        // Optimistic first: no savepoints. Requests fail item by item only with a WireError,
        // raised before the item wrote anything; should the database reject one item's
        // statement (nothing known does), the batch runs again with a savepoint per item.
        var isolating = false
        while true {
            // A merge changes what names resolve to, so it must not interleave with a batch
            // that resolved names before it committed and stores facts after (those facts would
            // name the merged-away entity): batches share this lock, a merge takes it alone.
            try db.executeScript(
                "BEGIN; SELECT pg_advisory_xact_lock\(merging ? "" : "_shared")(\(mergeLockKey))")
            do {
                var outcome = try applyInTransaction(
                    operations, isolating: isolating, nowMillis: nowMillis, db: db, logger: logger)
                let committing = ContinuousClock.now
                try db.execute("COMMIT")
                outcome.phases.commit = ContinuousClock.now - committing
                outcome.retries = attempt
                return outcome
            } catch let failure as ItemFailure {
                _ = try? db.execute("ROLLBACK")
                logger.warning(
                    "a statement of one item failed; the batch runs again, item by item",
                    metadata: ["error": "\(failure.error)"])
                isolating = true
            } catch let error as PQError where error.isRetryableConflict && attempt < conflictRetries {
                _ = try? db.execute("ROLLBACK")
                attempt += 1
                logger.debug(
                    "batch retried after a conflict", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
            } catch {
                _ = try? db.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// A statement of one item failed in a batch that runs without savepoints.
    private struct ItemFailure: Error {
        var error: PQError
    }

    private static func applyInTransaction(
        _ operations: [WriteOperation], isolating: Bool, nowMillis: Int64, db: isolated PQConnection,
        logger: Logger
    ) throws -> BatchOutcome {
        let started = ContinuousClock.now
        var phases = BatchOutcome.Phases()
        let at = Timestamp.formatUTC(millis: nowMillis)
        // Names first, for the whole batch and in key order: entity creation is the one insert
        // that two writers can contend for, and a fixed order cannot deadlock. A merge changes
        // what names resolve to, so a batch with one resolves each item's names in turn.
        var names = NameTable()
        if !operations.contains(where: { if case .merge = $0 { true } else { false } }) {
            try names.resolveAll(operations, db: db)
        }
        // Step 1, per operation (under a savepoint when isolating).
        var outcomes: [Result<(reply: JSON, changes: [Change]), WireError>] = []
        var touched = Affected.Attribution()
        // The common batch, new articles with distinct urls and nothing else, is independent
        // item by item: their inserts go in one pipeline, one round trip for all.
        var newIDs: [Int64?]?
        var ready: [PreparedIngest] = []
        let items = operations.compactMap { if case .ingest(let item) = $0 { item } else { nil } }
        if !isolating && items.count == operations.count && items.count > 1
            && Set(items.map(\.url)).count == items.count
        {
            ready = try items.map { try prepareIngest($0, names: &names, db: db) }
            do {
                newIDs = try db.pipeline(ready.map(\.insertIfNew)).map { $0.scalar.flatMap { Int64($0) } }
            } catch let error as PQError where !error.isConnectionProblem && !error.isRetryableConflict {
                throw ItemFailure(error: error)
            }
        }
        for (index, operation) in operations.enumerated() {
            if isolating { try db.execute("SAVEPOINT item") }
            do {
                var changes: [Change] = []
                var affected = Affected()
                let reply: JSON
                if let newIDs {
                    reply = try finishIngest(
                        ready[index], newID: newIDs[index], db: db, changes: &changes, affected: &affected)
                } else {
                    reply = try apply(operation, names: &names, db: db, changes: &changes, affected: &affected)
                }
                if isolating { try db.execute("RELEASE SAVEPOINT item") }
                touched.record(affected, by: index)
                outcomes.append(.success((reply, changes)))
            } catch let error as WireError {
                if isolating {
                    try db.execute("ROLLBACK TO SAVEPOINT item")
                    // Entities the item created are gone with it.
                    names = NameTable()
                }
                outcomes.append(.failure(error))
            } catch let error as PQError where !error.isConnectionProblem && !error.isRetryableConflict {
                guard isolating else { throw ItemFailure(error: error) }
                try db.execute("ROLLBACK TO SAVEPOINT item")
                names = NameTable()
                logger.error("write failed", metadata: ["error": "\(error)"])
                outcomes.append(.failure(WireError(.internal, "the item could not be stored")))
            }
        }
        // Step 2, once per batch: lock, then recompute every touched entity. Each derived change
        // is attributed to the last operation that touched its entity, so every operation's
        // records stay contiguous.
        let prepared = ContinuousClock.now
        phases.prepare = prepared - started
        let derived = try refresh(touched, db: db)
        let recomputed = ContinuousClock.now
        phases.recompute = recomputed - prepared

        var changeCount = 0
        for case .success(let (_, own)) in outcomes { changeCount += own.count }
        for changes in derived.values { changeCount += changes.count }
        // Step 3: the counter row lock, held from here to COMMIT.
        let base: Int64
        if changeCount > 0 {
            guard
                let last = Int64(
                    try db.query(
                        "UPDATE log_counter SET seq = seq + $1 WHERE id = 1 RETURNING seq", [String(changeCount)]
                    ).scalar ?? "")
            else { throw PQError(.clientFailure, message: "log_counter row is missing") }
            base = last - Int64(changeCount)
        } else {
            base = Int64(try db.query("SELECT seq FROM log_counter WHERE id = 1").scalar ?? "") ?? 0
        }

        var next = base + 1
        var replies: [Result<JSON, WireError>] = []
        var rows: [[String?]] = []  // change_log rows: seq, at, type, key, record
        rows.reserveCapacity(changeCount)
        var records: [(seq: Int64, text: String)] = []  // the same records, for this process's streams
        records.reserveCapacity(changeCount)
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .failure(let error):
                replies.append(.failure(error))
            case .success(let (reply, own)):
                let changes = own + (derived[index] ?? [])
                let first = next
                for change in changes {
                    let text = change.record(seq: next, at: at).serialized()
                    rows.append([String(next), at, change.type.rawValue, change.key, text])
                    records.append((next, text))
                    next += 1
                }
                if case .ingest = operations[index] {
                    replies.append(
                        .success(
                            reply.merging([
                                "first_seq": changes.isEmpty ? .null : .int(first),
                                "last_seq": changes.isEmpty ? .null : .int(next - 1),
                                "changes": .int(Int64(changes.count)),
                            ])))
                } else {
                    replies.append(.success(reply.merging(["changes": .int(Int64(changes.count))])))
                }
            }
        }
        let head = next - 1
        if !rows.isEmpty {
            // COPY is the cheapest way to append many rows; seq order is already assigned.
            try db.copyIn(
                "COPY change_log (seq, at, type, key, record) FROM STDIN",
                rows: rows)
            try db.notify(channel: notifyChannel, payload: String(head))
        }
        phases.append = ContinuousClock.now - recomputed
        var outcome = BatchOutcome(replies: replies, head: head, changeCount: rows.count, phases: phases)
        outcome.records = records
        return outcome
    }

    static func apply(
        _ operation: WriteOperation, names: inout NameTable, db: isolated PQConnection, changes: inout [Change],
        affected: inout Affected
    ) throws -> JSON {
        switch operation {
        case .ingest(let item):
            return try ingest(item, names: &names, db: db, changes: &changes, affected: &affected)
        case .retract(let target): return try retract(target, db: db, changes: &changes, affected: &affected)
        case .merge(let kind, let from, let into):
            let reply = try merge(kind, from: from, into: into, db: db, changes: &changes, affected: &affected)
            // What the batch resolved so far may name the merged-away entity: later items
            // resolve again (an item after this one must store facts about the survivor).
            names = NameTable()
            return reply
        }
    }

    /// The key that groups OST assertions by title (`""`: untitled), as ``Resolver`` groups them.
    static func songKey(_ song: String?) -> String {
        song.map { NameKey.normalize($0, kind: .person) } ?? ""
    }

    // MARK: - INGEST

    /// An item ready to store: its rows, with names resolved.
    struct PreparedIngest {
        var item: NewsItem
        var content: String
        var touches: Affected
        /// Twelve array parameters: the facts' columns, then the aliases'.
        var rows: [String?]
        /// The use of every alias: publication instant and url.
        var use: [String?]
        /// Per fact, its drama and people ids.
        var refs: [(drama: Int64, people: [Int64])] = []

        /// The statement that stores the item if its url is new, returning the article id (no
        /// row: the url is known).
        var insertIfNew: (sql: String, parameters: [String?]) {
            (
                """
                WITH article AS (
                    INSERT INTO articles (url, content_hash, source, published_at, published_utc, headline, body)
                    VALUES ($1, encode(sha256(convert_to($2, 'UTF8')), 'hex'), $3, $4, $5, $6, $7)
                    ON CONFLICT (url) DO NOTHING
                    RETURNING id
                ), \(WritePath.storeRows(from: "article", offset: 7))
                SELECT id FROM article
                """,
                [
                    item.url, content, item.source, item.publishedAt.text, item.publishedAt.utcText, item.headline,
                    item.body,
                ] + rows + use
            )
        }
    }

    /// Facts and aliases of the article whose id is `article.id` in `from`: two data-modifying
    /// CTEs whose placeholders are $k+1 ... $k+14.
    static func storeRows(from: String, offset k: Int) -> String {
        """
        stored AS (
            INSERT INTO facts (article_id, idx, kind, drama_id, person_ids, body, subject, song_norm, part)
            SELECT article.id, i, k, d, p::bigint[], b, s, sn, pt
            FROM \(from) CROSS JOIN unnest($\(k + 1)::int[], $\(k + 2)::text[], $\(k + 3)::bigint[],
                $\(k + 4)::text[], $\(k + 5)::text[], $\(k + 6)::bigint[], $\(k + 7)::text[], $\(k + 8)::int[])
                AS t(i, k, d, p, b, s, sn, pt)
        ), named AS (
            INSERT INTO aliases (kind, entity_id, spelling, norm, article_id, use_millis, use_url)
            SELECT k, e, s, n, article.id, $\(k + 13)::bigint, $\(k + 14)
            FROM \(from) CROSS JOIN unnest($\(k + 9)::text[], $\(k + 10)::bigint[], $\(k + 11)::text[],
                $\(k + 12)::text[]) AS t(k, e, s, n)
            ON CONFLICT DO NOTHING
        )
        """
    }

    static func ingest(
        _ item: NewsItem, names: inout NameTable, db: isolated PQConnection, changes: inout [Change],
        affected: inout Affected
    ) throws -> JSON {
        let prepared = try prepareIngest(item, names: &names, db: db)
        let statement = prepared.insertIfNew
        let id = try db.query(statement.sql, statement.parameters).scalar.flatMap { Int64($0) }
        return try finishIngest(prepared, newID: id, db: db, changes: &changes, affected: &affected)
    }

    /// Resolves the item's names (creating entities) and builds its rows.
    static func prepareIngest(_ item: NewsItem, names: inout NameTable, db: isolated PQConnection) throws
        -> PreparedIngest
    {
        let content = item.canonicalContent
        // The rows first (names are resolved already, or now): then a new article, the most
        // common case, is stored with its facts and aliases in one statement.
        var touches = Affected()
        var facts: [[String?]] = []  // idx, kind, drama_id, person_ids, body, subject, song_norm, part
        var aliases: [[String?]] = []  // kind, entity_id, spelling, norm
        var refs: [(drama: Int64, people: [Int64])] = []
        if !item.facts.isEmpty {
            let dramaIDs = try names.ids(.drama, item.facts.map(\.dramaName), db: db)
            let personIDs = try names.ids(.person, item.facts.flatMap(\.personNames), db: db)
            for (i, fact) in item.facts.enumerated() {
                let dramaID = dramaIDs[NameKey.normalize(fact.dramaName, kind: .drama)]!
                let ids = fact.personNames.map { personIDs[NameKey.normalize($0, kind: .person)]! }
                var subject: Int64?
                var song: String?
                var part: Int?
                switch fact {
                case .drama: break
                case .casting: subject = ids.first
                case .ost(let f):
                    song = songKey(f.song)
                    part = f.part
                }
                touches.touch(kind: fact.kind, drama: dramaID, people: ids, subject: subject, song: song)
                refs.append((dramaID, ids))
                if let song, !song.isEmpty {
                    for person in ids {
                        touches.ostArtists.insert(OSTArtistKey(drama: dramaID, person: person, song: song))
                    }
                }
                facts.append([
                    String(i), fact.kind, String(dramaID), SQLValue.intArray(ids), fact.json.serialized(),
                    subject.map(String.init), song, part.map(String.init),
                ])
            }
            for spelling in Set(item.facts.map(\.dramaName)).sorted() {
                let norm = NameKey.normalize(spelling, kind: .drama)
                aliases.append(["drama", String(dramaIDs[norm]!), spelling, norm])
            }
            for spelling in Set(item.facts.flatMap(\.personNames)).sorted() {
                let norm = NameKey.normalize(spelling, kind: .person)
                aliases.append(["person", String(personIDs[norm]!), spelling, norm])
            }
        }
        func column(_ rows: [[String?]], _ c: Int) -> String? { SQLValue.textArray(rows.map { $0[c] }) }
        let rowParameters = (0..<8).map { column(facts, $0) } + (0..<4).map { column(aliases, $0) }
        let use = [String(item.publishedAt.instantMillis), item.url]
        return PreparedIngest(
            item: item, content: content, touches: touches, rows: rowParameters, use: use, refs: refs)
    }

    /// Completes an ingest after `insertIfNew` (which gave `newID` if the url was new): a known
    /// url is a duplicate or a correction.
    static func finishIngest(
        _ prepared: PreparedIngest, newID: Int64?, db: isolated PQConnection, changes: inout [Change],
        affected: inout Affected
    ) throws -> JSON {
        let item = prepared.item
        let content = prepared.content
        let rowParameters = prepared.rows
        let use = prepared.use
        let articleID: Int64
        let version: Int64
        // A known url falls through to the duplicate and correction checks (also when another
        // writer stored it a moment ago: ON CONFLICT waits for that commit instead of failing).
        if let id = newID {
            articleID = id
            version = 1
            // Assertions no stored state was resolved from: they can be folded into one.
            for (index, fact) in item.facts.enumerated() {
                let ref = prepared.refs[index]
                affected.added.append(
                    AddedFact(
                        drama: ref.drama, people: ref.people,
                        assertion: Assertion(
                            articleID: String(id), url: item.url, publishedAt: item.publishedAt, index: index,
                            fact: fact, dramaKey: "", personKeys: [])))
            }
        } else {
            guard
                let row = try db.query(
                    """
                    SELECT id, content_hash = encode(sha256(convert_to($2, 'UTF8')), 'hex')
                    FROM articles WHERE url = $1 FOR NO KEY UPDATE
                    """, [item.url, content]
                ).rows.first
            else { throw PQError(.clientFailure, message: "article \(item.url) vanished") }
            articleID = Int64(row[0]!)!
            if row.bool(1) {
                return ["article": .string(String(articleID)), "duplicate": true]
            }
            // A correction: the new content replaces the old facts. The row lock above makes
            // two writers correcting one url take turns; otherwise the second would read and
            // delete the facts the first replaced, and the article would keep both new sets.
            try affected.touch(storedFactsOf: articleID, db: db)
            // The new facts replace stored ones: their dramas are resolved from every assertion.
            for ref in prepared.refs { affected.rewritten.insert(ref.drama) }
            affected.removedUses.insert(articleID)
            try db.execute("DELETE FROM facts WHERE article_id = $1", [String(articleID)])
            let updated = try db.query(
                """
                UPDATE articles SET content_hash = encode(sha256(convert_to($2, 'UTF8')), 'hex'), source = $3,
                    published_at = $4, published_utc = $5, headline = $6, body = $7, retracted = false,
                    version = version + 1, updated_at = now()
                WHERE id = $1
                RETURNING version
                """,
                [
                    String(articleID), content, item.source, item.publishedAt.text,
                    item.publishedAt.utcText, item.headline, item.body,
                ])
            version = updated.scalar.flatMap { Int64($0) } ?? 1
            // Every alias the article ever used is a use again, at its new date; then the new
            // facts and aliases.
            try db.execute(
                "UPDATE aliases SET use_millis = $2, use_url = $3 WHERE article_id = $1", [String(articleID)] + use)
            try db.execute(
                "WITH \(Self.storeRows(from: "(SELECT $1::bigint AS id) AS article", offset: 1)) SELECT 1",
                [String(articleID)] + rowParameters + use)
        }
        affected.merge(prepared.touches)
        affected.spellingArticles.insert(articleID)
        changes.append(
            Change(
                .articleUpserted, key: String(articleID),
                data: [
                    "id": .string(String(articleID)), "url": .string(item.url), "source": .string(item.source),
                    "published_at": .string(item.publishedAt.text), "headline": .string(item.headline),
                    "body": .string(item.body), "facts": .array(item.facts.map(\.json)), "retracted": false,
                    "version": .int(version),
                ]))
        return ["article": .string(String(articleID)), "duplicate": false]
    }

    /// Maps normalization keys to entity ids, creating entities for unknown names (in key
    /// order, with one statement). Returns ids keyed by normalization key.
    static func resolveEntities(
        _ kind: EntityKind, _ spellings: [String], db: isolated PQConnection
    ) throws -> [String: Int64] {
        guard !spellings.isEmpty else { return [:] }
        var firstSpelling: [String: String] = [:]
        for spelling in spellings {
            let norm = NameKey.normalize(spelling, kind: kind)
            if firstSpelling[norm] == nil { firstSpelling[norm] = spelling }
        }
        var ids: [String: Int64] = [:]
        // One row per spelling in name_spellings; aliases (a row per spelling and article) only
        // for what is not there yet: spellings another writer is storing now, merge aliases.
        for row in try db.query(
            "SELECT DISTINCT ON (norm) norm, entity_id FROM name_spellings WHERE kind = $1 AND norm = ANY($2::text[])",
            [kind.rawValue, SQLValue.textArray(Array(firstSpelling.keys))]
        ).rows {
            ids[row[0]!] = Int64(row[1]!)!
        }
        var missing = firstSpelling.keys.filter { ids[$0] == nil }.sorted()
        guard !missing.isEmpty else { return ids }
        for row in try db.query(
            "SELECT DISTINCT ON (norm) norm, entity_id FROM aliases WHERE kind = $1 AND norm = ANY($2::text[])",
            [kind.rawValue, SQLValue.textArray(missing)]
        ).rows {
            ids[row[0]!] = Int64(row[1]!)!
        }
        missing = missing.filter { ids[$0] == nil }
        guard !missing.isEmpty else { return ids }
        let table = kind == .drama ? "dramas" : "people"
        let nameColumn = kind == .drama ? "title" : "name"
        for row in try db.query(
            """
            INSERT INTO \(table) (key, \(nameColumn))
            SELECT k, n FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(k, n, o) ORDER BY o
            ON CONFLICT (key) DO NOTHING RETURNING key, id
            """, [SQLValue.textArray(missing), SQLValue.textArray(missing.map { firstSpelling[$0] })]
        ).rows {
            ids[row[0]!] = Int64(row[1]!)!
        }
        // Keys that existed without an alias (merged away, or created by a failed item).
        for norm in missing where ids[norm] == nil {
            ids[norm] = try rootEntity(kind, key: norm, db: db)
        }
        return ids
    }

    /// The surviving entity for `key`, following merges.
    static func rootEntity(_ kind: EntityKind, key: String, db: isolated PQConnection) throws -> Int64 {
        let table = kind == .drama ? "dramas" : "people"
        guard let id = try db.query("SELECT id FROM \(table) WHERE key = $1", [key]).scalar.flatMap({ Int64($0) })
        else {
            throw PQError(.clientFailure, message: "entity \(key) vanished")
        }
        return try survivor(kind, id, db: db)
    }

    // MARK: - RETRACT

    static func retract(
        _ target: RetractTarget, db: isolated PQConnection, changes: inout [Change], affected: inout Affected
    ) throws -> JSON {
        let row: [String?]?
        switch target {
        case .url(let url):
            row = try db.query(
                "SELECT id, url, source, published_at, headline, retracted FROM articles WHERE url = $1 FOR NO KEY UPDATE",
                [url]
            ).rows.first
        case .article(let id):
            guard Int64(id) != nil else { throw WireError(.notFound, "no article with id \(id)") }
            row = try db.query(
                "SELECT id, url, source, published_at, headline, retracted FROM articles WHERE id = $1 FOR NO KEY UPDATE",
                [id]
            ).rows.first
        }
        guard let row else { throw WireError(.notFound, "no such article") }
        let articleID = row[0]!
        if row.bool(5) { return ["article": .string(articleID)] }
        try db.execute("UPDATE articles SET retracted = true, updated_at = now() WHERE id = $1", [articleID])
        try db.execute("UPDATE aliases SET use_millis = NULL, use_url = NULL WHERE article_id = $1", [articleID])
        try affected.touch(storedFactsOf: Int64(articleID)!, db: db)
        affected.removedUses.insert(Int64(articleID)!)
        changes.append(
            Change(
                .articleRetracted, key: articleID,
                data: [
                    "id": .string(articleID), "url": .string(row[1]), "source": .string(row[2]),
                    "published_at": .string(row[3]), "headline": .string(row[4]), "retracted": true,
                ]))
        return ["article": .string(articleID)]
    }

    // MARK: - MERGE

    /// Finds an entity by key, or by any known spelling; follows earlier merges.
    static func lookupEntity(_ kind: EntityKind, _ keyOrName: String, db: isolated PQConnection) throws -> Int64? {
        let table = kind == .drama ? "dramas" : "people"
        if try db.query("SELECT 1 FROM \(table) WHERE key = $1", [keyOrName]).rows.first != nil {
            return try rootEntity(kind, key: keyOrName, db: db)
        }
        let norm = NameKey.normalize(keyOrName, kind: kind)
        guard
            let id = try db.query(
                "SELECT entity_id FROM aliases WHERE kind = $1 AND norm = $2 LIMIT 1", [kind.rawValue, norm]
            ).scalar
        else { return nil }
        let key = try db.query("SELECT key FROM \(table) WHERE id = $1", [id]).scalar!
        return try rootEntity(kind, key: key, db: db)
    }

    static func merge(
        _ kind: EntityKind, from: String, into: String, db: isolated PQConnection, changes: inout [Change],
        affected: inout Affected
    ) throws -> JSON {
        guard let fromID = try lookupEntity(kind, from, db: db) else {
            throw WireError(.notFound, "no \(kind.rawValue) \(from)")
        }
        guard let intoID = try lookupEntity(kind, into, db: db) else {
            throw WireError(.notFound, "no \(kind.rawValue) \(into)")
        }
        guard fromID != intoID else {
            throw WireError.invalid("into", "\(from) and \(into) are already the same \(kind.rawValue)")
        }
        let table = kind == .drama ? "dramas" : "people"
        let nameColumn = kind == .drama ? "title" : "name"
        let fromRow = try db.query("SELECT key FROM \(table) WHERE id = $1", [String(fromID)]).rows[0]
        try db.execute(
            "UPDATE aliases SET entity_id = $2 WHERE kind = $3 AND entity_id = $1",
            [String(fromID), String(intoID), kind.rawValue])
        try db.execute(
            "INSERT INTO aliases (kind, entity_id, spelling, norm, origin) VALUES ($1, $2, $3, $4, 'merge') "
                + "ON CONFLICT DO NOTHING",
            [kind.rawValue, String(intoID), fromRow[0]!, fromRow[0]!])
        try db.execute(
            "UPDATE \(table) SET merged_into = $2, state = NULL WHERE id = $1", [String(fromID), String(intoID)])
        var affectedDramas = Set<Int64>()
        var affectedPeople = Set<Int64>()
        switch kind {
        case .person:
            let rows = try db.query(
                """
                UPDATE facts SET person_ids = array_replace(person_ids, $1::bigint, $2::bigint),
                    subject = CASE WHEN subject = $1::bigint THEN $2::bigint ELSE subject END
                WHERE person_ids @> ARRAY[$1::bigint] RETURNING drama_id
                """, [String(fromID), String(intoID)])
            affectedDramas.formUnion(rows.rows.compactMap { $0[0].flatMap { Int64($0) } })
            affectedPeople.insert(intoID)
            try db.execute(
                """
                INSERT INTO ost_song_artists (drama_id, person_id, song_norm)
                SELECT drama_id, $2::bigint, song_norm FROM ost_song_artists WHERE person_id = $1::bigint
                ON CONFLICT DO NOTHING
                """, [String(fromID), String(intoID)])
            try db.execute("DELETE FROM ost_song_artists WHERE person_id = $1::bigint", [String(fromID)])
        case .drama:
            try db.execute("UPDATE facts SET drama_id = $2 WHERE drama_id = $1", [String(fromID), String(intoID)])
            try db.execute(
                """
                INSERT INTO ost_song_artists (drama_id, person_id, song_norm)
                SELECT $2::bigint, person_id, song_norm FROM ost_song_artists WHERE drama_id = $1::bigint
                ON CONFLICT DO NOTHING
                """, [String(fromID), String(intoID)])
            try db.execute("DELETE FROM ost_song_artists WHERE drama_id = $1::bigint", [String(fromID)])
            affectedDramas.formUnion([fromID, intoID])
        }
        // The survivor's spellings are now both entities' spellings: rebuilt from the aliases
        // (a merge is rare, and it moves every use anyway).
        try db.execute(
            "DELETE FROM name_spellings WHERE kind = $1 AND entity_id IN ($2::bigint, $3::bigint)",
            [kind.rawValue, String(fromID), String(intoID)])
        try db.execute(
            """
            INSERT INTO name_spellings (kind, entity_id, spelling, norm, latest_millis, latest_url)
            SELECT DISTINCT ON (al.spelling) al.kind, al.entity_id, al.spelling, al.norm,
                   (extract(epoch FROM a.published_utc) * 1000)::bigint, a.url
            FROM aliases al LEFT JOIN articles a ON a.id = al.article_id AND NOT a.retracted
            WHERE al.kind = $1 AND al.entity_id = $2::bigint AND al.origin = 'article'
            ORDER BY al.spelling, a.published_utc DESC NULLS LAST, a.url DESC
            """, [kind.rawValue, String(intoID)])
        // Written before the records of the survivor, so a follower first learns the old key is gone.
        let intoRow = try db.query("SELECT key, \(nameColumn) FROM \(table) WHERE id = $1", [String(intoID)]).rows[0]
        let intoRef: JSON =
            kind == .drama
            ? ["key": .string(intoRow[0]), "title": .string(intoRow[1])]
            : ["key": .string(intoRow[0]), "name": .string(intoRow[1])]
        changes.append(
            Change(
                kind == .drama ? .dramaMerged : .personMerged, key: fromRow[0]!,
                data: ["key": .string(fromRow[0]), "into": intoRef]))
        affected.people.formUnion(affectedPeople)
        affected.touchFully(affectedDramas)
        affected.merged = true
        return ["into": .string(intoRow[0])]
    }
}

/// What a batch can have changed about one drama, so that recomputation reads the
/// assertions of those entities only.
struct DramaScope {
    /// A drama fact was added or removed, or the drama gained a spelling: its own state.
    var drama = false
    /// Castings, by the person's id.
    var castings = Set<Int64>()
    /// OST clusters, by song key (`""`: an untitled announcement, which may join any cluster).
    var songs = Set<String>()
    /// Everything (merges, a changed title).
    var full = false

    mutating func formUnion(_ other: DramaScope) {
        drama = drama || other.drama
        castings.formUnion(other.castings)
        songs.formUnion(other.songs)
        full = full || other.full
    }
}

/// One (drama, artist, song) triple of a titled OST assertion: where an untitled announcement
/// by that artist finds the songs it may belong to.
struct OSTArtistKey: Hashable {
    var drama: Int64
    var person: Int64
    var song: String
}

/// A fact of a new article, with its drama and people ids. Its assertion's keys are filled in
/// when it is folded.
struct AddedFact {
    var drama: Int64
    var people: [Int64]
    var assertion: Assertion
}

/// The people and dramas an operation touched.
struct Affected {
    var people = Set<Int64>()
    var scopes: [Int64: DramaScope] = [:]
    /// Articles whose aliases are (again, or with a new date) uses of their spellings.
    var spellingArticles = Set<Int64>()
    /// Articles corrected or retracted: a use they made may have been a spelling's latest.
    var removedUses = Set<Int64>()
    /// Artist-song triples of new titled OST assertions.
    var ostArtists = Set<OSTArtistKey>()
    /// A merge happened: ids noted before it may name an entity merged away.
    var merged = false
    /// The facts of new articles (assertions no stored state includes yet).
    var added: [AddedFact] = []
    /// Dramas some of whose stored facts were replaced or retracted: their states must be
    /// resolved from every assertion, not folded.
    var rewritten = Set<Int64>()

    /// Notes one fact about `drama`.
    mutating func touch(kind: String, drama: Int64, people ids: [Int64], subject: Int64?, song: String?) {
        people.formUnion(ids)
        var scope = scopes[drama] ?? DramaScope()
        switch kind {
        case "drama": scope.drama = true
        case "casting": if let subject { scope.castings.insert(subject) }
        case "ost": scope.songs.insert(song ?? "")
        default: scope.full = true
        }
        scopes[drama] = scope
    }

    /// Notes every stored fact of an article (before it is corrected or retracted).
    mutating func touch(storedFactsOf articleID: Int64, db: isolated PQConnection) throws {
        // Its aliases too: an alias outlives the fact that introduced it (a correction keeps
        // it), and its use moves with the article's date.
        for row in try db.query(
            """
            SELECT 'fact', drama_id, person_ids::text, kind, subject, song_norm FROM facts WHERE article_id = $1
            UNION ALL
            SELECT 'alias', entity_id, NULL, kind, NULL, NULL FROM aliases WHERE article_id = $1
            """, [String(articleID)]
        ).rows {
            let id = Int64(row[1]!)!
            if row[0] == "fact" {
                rewritten.insert(id)
                touch(
                    kind: row[3]!, drama: id, people: SQLValue.parseIntArray(row[2]),
                    subject: row[4].flatMap { Int64($0) }, song: row[5])
            } else if row[3] == "person" {
                people.insert(id)
            } else if scopes[id] == nil {
                scopes[id] = DramaScope()
            }
        }
    }

    /// Adds what `other` touched.
    mutating func merge(_ other: Affected) {
        people.formUnion(other.people)
        for (id, scope) in other.scopes { scopes[id, default: DramaScope()].formUnion(scope) }
        spellingArticles.formUnion(other.spellingArticles)
        removedUses.formUnion(other.removedUses)
        ostArtists.formUnion(other.ostArtists)
        added += other.added
        rewritten.formUnion(other.rewritten)
    }

    /// Marks whole dramas for recomputation.
    mutating func touchFully<S: Sequence<Int64>>(_ dramas: S) {
        for drama in dramas { scopes[drama, default: DramaScope()].full = true }
    }

    /// For each touched entity, the index of the last operation in the batch that touched it.
    struct Attribution {
        var people: [Int64: Int] = [:]
        var dramas: [Int64: Int] = [:]
        var scopes: [Int64: DramaScope] = [:]
        var spellingArticles = Set<Int64>()
        var removedUses = Set<Int64>()
        var ostArtists = Set<OSTArtistKey>()
        /// The batch merged entities.
        var merged = false
        var added: [AddedFact] = []
        var rewritten = Set<Int64>()
        /// Recompute from the aliases rather than `name_spellings` (the full check).
        var namesFromAliases = false

        mutating func record(_ affected: Affected, by index: Int) {
            for id in affected.people { people[id] = index }
            for (id, scope) in affected.scopes {
                dramas[id] = index
                scopes[id, default: DramaScope()].formUnion(scope)
            }
            spellingArticles.formUnion(affected.spellingArticles)
            removedUses.formUnion(affected.removedUses)
            ostArtists.formUnion(affected.ostArtists)
            merged = merged || affected.merged
            added += affected.added
            rewritten.formUnion(affected.rewritten)
        }
    }
}

/// Entity ids by normalization key, resolved once for a whole batch.
struct NameTable {
    var dramas: [String: Int64] = [:]
    var people: [String: Int64] = [:]

    /// Resolves (creating where needed) every name the batch's items mention: dramas first,
    /// then people, each in key order, which every writer follows.
    mutating func resolveAll(_ operations: [WriteOperation], db: isolated PQConnection) throws {
        var titles: [String] = []
        var persons: [String] = []
        for case .ingest(let item) in operations {
            titles.append(contentsOf: item.facts.map(\.dramaName))
            persons.append(contentsOf: item.facts.flatMap(\.personNames))
        }
        dramas = try WritePath.resolveEntities(.drama, titles, db: db)
        people = try WritePath.resolveEntities(.person, persons, db: db)
    }

    /// Ids for `spellings`, resolving any the table does not hold yet.
    mutating func ids(_ kind: EntityKind, _ spellings: [String], db: isolated PQConnection) throws -> [String: Int64] {
        let known = kind == .drama ? dramas : people
        let missing = spellings.filter { known[NameKey.normalize($0, kind: kind)] == nil }
        guard !missing.isEmpty else { return known }
        let found = try WritePath.resolveEntities(kind, missing, db: db)
        if kind == .drama {
            dramas.merge(found) { $1 }
            return dramas
        } else {
            people.merge(found) { $1 }
            return people
        }
    }
}

extension JSON {
    /// An object with `other`'s members added (replacing equal keys).
    func merging(_ other: [String: JSON]) -> JSON {
        var members = objectValue ?? [:]
        for (k, v) in other { members[k] = v }
        return .object(members)
    }
}

extension Timestamp {
    /// The instant as a UTC string PostgreSQL parses into timestamptz.
    var utcText: String { Timestamp.formatUTC(millis: instantMillis) }
}
