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
/// The batch first locks the single `log_counter` row. That lock serializes writers across all
/// processes for the whole transaction, which does two jobs: sequence numbers are dense and
/// visible in commit order, and the derived OST/casting rows are recomputed from a stable view
/// (two processes can never derive from each other's half-done work). Group commit wins the
/// throughput back: one transaction and one fsync carry many requests.
///
/// Each operation runs under a SAVEPOINT, so one failing request is rolled back alone and gets
/// its own error while the rest of the batch commits.
public enum WritePath {
    /// Channel notified (inside the transaction, so delivered on commit) when the log grows.
    public static let notifyChannel = "dramawire_changes"

    /// Applies `operations` in one transaction.
    ///
    /// - Throws: `PQError` when the transaction as a whole failed; then nothing was written.
    public static func apply(
        _ operations: [WriteOperation], nowMillis: Int64, db: isolated PQConnection, logger: Logger
    ) throws -> BatchOutcome {
        try db.execute("BEGIN")
        do {
            var outcome = try applyInTransaction(operations, nowMillis: nowMillis, db: db, logger: logger)
            let committing = ContinuousClock.now
            try db.execute("COMMIT")
            outcome.phases.commit = ContinuousClock.now - committing
            return outcome
        } catch {
            _ = try? db.execute("ROLLBACK")
            throw error
        }
    }

    private static func applyInTransaction(
        _ operations: [WriteOperation], nowMillis: Int64, db: isolated PQConnection, logger: Logger
    ) throws -> BatchOutcome {
        let started = ContinuousClock.now
        var phases = BatchOutcome.Phases()
        guard let base = Int64(try db.query("SELECT seq FROM log_counter WHERE id = 1 FOR UPDATE").scalar ?? "")
        else {
            throw PQError(.clientFailure, message: "log_counter row is missing")
        }
        let at = Timestamp.formatUTC(millis: nowMillis)
        // Phase 1, per operation under a savepoint: store articles and facts, resolve names, and
        // note which people and dramas need their derived state recomputed.
        var outcomes: [Result<(reply: JSON, changes: [Change]), WireError>] = []
        var lastTouch = Affected.Attribution()
        for (index, operation) in operations.enumerated() {
            try db.execute("SAVEPOINT item")
            do {
                var changes: [Change] = []
                var affected = Affected()
                let reply = try apply(operation, db: db, changes: &changes, affected: &affected)
                try db.execute("RELEASE SAVEPOINT item")
                lastTouch.record(affected, by: index)
                outcomes.append(.success((reply, changes)))
            } catch let error as WireError {
                try db.execute("ROLLBACK TO SAVEPOINT item")
                outcomes.append(.failure(error))
            } catch let error as PQError where !error.isConnectionProblem {
                try db.execute("ROLLBACK TO SAVEPOINT item")
                logger.error("write failed", metadata: ["error": "\(error)"])
                outcomes.append(.failure(WireError(.internal, "the item could not be stored")))
            }
        }
        // Phase 2, once per batch: recompute every touched entity from the stored facts. Each
        // derived change is attributed to the last operation that touched its entity, so every
        // operation's records stay contiguous.
        let prepared = ContinuousClock.now
        phases.prepare = prepared - started
        let derived = try refresh(lastTouch, db: db)
        let recomputed = ContinuousClock.now
        phases.recompute = recomputed - prepared

        var next = base + 1
        var replies: [Result<JSON, WireError>] = []
        var rows: [[String?]] = []  // change_log rows: seq, at, type, key, record
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .failure(let error):
                replies.append(.failure(error))
            case .success(let (reply, own)):
                let changes = own + (derived[index] ?? [])
                let first = next
                for change in changes {
                    rows.append([
                        String(next), at, change.type.rawValue, change.key,
                        change.record(seq: next, at: at).serialized(),
                    ])
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
            try db.execute("UPDATE log_counter SET seq = $1 WHERE id = 1", [String(head)])
            try db.notify(channel: notifyChannel, payload: String(head))
        }
        phases.append = ContinuousClock.now - recomputed
        return BatchOutcome(replies: replies, head: head, changeCount: rows.count, phases: phases)
    }

    static func apply(
        _ operation: WriteOperation, db: isolated PQConnection, changes: inout [Change], affected: inout Affected
    ) throws -> JSON {
        switch operation {
        case .ingest(let item): return try ingest(item, db: db, changes: &changes, affected: &affected)
        case .retract(let target): return try retract(target, db: db, changes: &changes, affected: &affected)
        case .merge(let kind, let from, let into):
            return try merge(kind, from: from, into: into, db: db, changes: &changes, affected: &affected)
        }
    }

    // MARK: - INGEST

    static func ingest(_ item: NewsItem, db: isolated PQConnection, changes: inout [Change], affected: inout Affected)
        throws -> JSON
    {
        let content = item.canonicalContent
        let existing = try db.query(
            """
            SELECT id, content_hash = encode(sha256(convert_to($2, 'UTF8')), 'hex'), retracted
            FROM articles WHERE url = $1
            """, [item.url, content])
        var affectedDramas = Set<Int64>()
        var affectedPeople = Set<Int64>()
        let articleID: Int64
        let version: Int64
        if let row = existing.rows.first {
            articleID = Int64(row[0]!)!
            if row.bool(1) {
                return ["article": .string(String(articleID)), "duplicate": true]
            }
            // A correction: the new content replaces the old facts.
            for old in try db.query("SELECT drama_id, person_ids FROM facts WHERE article_id = $1", [String(articleID)])
                .rows
            {
                affectedDramas.insert(Int64(old[0]!)!)
                affectedPeople.formUnion(SQLValue.parseIntArray(old[1]))
            }
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
        } else {
            let inserted = try db.query(
                """
                INSERT INTO articles (url, content_hash, source, published_at, published_utc, headline, body)
                VALUES ($1, encode(sha256(convert_to($2, 'UTF8')), 'hex'), $3, $4, $5, $6, $7)
                RETURNING id
                """,
                [
                    item.url, content, item.source, item.publishedAt.text, item.publishedAt.utcText, item.headline,
                    item.body,
                ])
            articleID = Int64(inserted.scalar!)!
            version = 1
        }

        let dramaIDs = try resolveNames(.drama, item.facts.map(\.dramaName), articleID: articleID, db: db)
        let personIDs = try resolveNames(.person, item.facts.flatMap(\.personNames), articleID: articleID, db: db)
        if !item.facts.isEmpty {
            var idx: [String?] = []
            var kinds: [String?] = []
            var dramas: [String?] = []
            var people: [String?] = []
            var bodies: [String?] = []
            for (i, fact) in item.facts.enumerated() {
                let dramaID = dramaIDs[NameKey.normalize(fact.dramaName, kind: .drama)]!
                let ids = fact.personNames.map { personIDs[NameKey.normalize($0, kind: .person)]! }
                affectedDramas.insert(dramaID)
                affectedPeople.formUnion(ids)
                idx.append(String(i))
                kinds.append(fact.kind)
                dramas.append(String(dramaID))
                people.append(SQLValue.intArray(ids))
                bodies.append(fact.json.serialized())
            }
            try db.execute(
                """
                INSERT INTO facts (article_id, idx, kind, drama_id, person_ids, body)
                SELECT $1, i, k, d, p::bigint[], b
                FROM unnest($2::int[], $3::text[], $4::bigint[], $5::text[], $6::text[]) AS t(i, k, d, p, b)
                """,
                [
                    String(articleID), SQLValue.textArray(idx), SQLValue.textArray(kinds),
                    SQLValue.textArray(dramas), SQLValue.textArray(people), SQLValue.textArray(bodies),
                ])
        }
        changes.append(
            Change(
                .articleUpserted, key: String(articleID),
                data: [
                    "id": .string(String(articleID)), "url": .string(item.url), "source": .string(item.source),
                    "published_at": .string(item.publishedAt.text), "headline": .string(item.headline),
                    "body": .string(item.body), "facts": .array(item.facts.map(\.json)), "retracted": false,
                    "version": .int(version),
                ]))
        affected.people.formUnion(affectedPeople)
        affected.dramas.formUnion(affectedDramas)
        affected.articles.insert(articleID)
        return ["article": .string(String(articleID)), "duplicate": false]
    }

    /// Maps spellings to entity ids, creating entities for unknown names and recording every
    /// spelling as an alias of `articleID`. Returns ids keyed by normalization key.
    static func resolveNames(
        _ kind: EntityKind, _ spellings: [String], articleID: Int64?, db: isolated PQConnection
    ) throws -> [String: Int64] {
        guard !spellings.isEmpty else { return [:] }
        var firstSpelling: [String: String] = [:]
        for spelling in spellings {
            let norm = NameKey.normalize(spelling, kind: kind)
            if firstSpelling[norm] == nil { firstSpelling[norm] = spelling }
        }
        var ids: [String: Int64] = [:]
        let found = try db.query(
            "SELECT DISTINCT ON (norm) norm, entity_id FROM aliases WHERE kind = $1 AND norm = ANY($2::text[])",
            [kind.rawValue, SQLValue.textArray(Array(firstSpelling.keys))])
        for row in found.rows { ids[row[0]!] = Int64(row[1]!)! }
        let table = kind == .drama ? "dramas" : "people"
        let nameColumn = kind == .drama ? "title" : "name"
        for norm in firstSpelling.keys.sorted() where ids[norm] == nil {
            let created = try db.query(
                "INSERT INTO \(table) (key, \(nameColumn)) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING id",
                [norm, firstSpelling[norm]!])
            if let id = created.scalar.flatMap({ Int64($0) }) {
                ids[norm] = id
            } else {
                ids[norm] = try rootEntity(kind, key: norm, db: db)
            }
        }
        var entityColumn: [String?] = []
        var spellingColumn: [String?] = []
        var normColumn: [String?] = []
        for spelling in Set(spellings).sorted() {
            let norm = NameKey.normalize(spelling, kind: kind)
            entityColumn.append(String(ids[norm]!))
            spellingColumn.append(spelling)
            normColumn.append(norm)
        }
        try db.execute(
            """
            INSERT INTO aliases (kind, entity_id, spelling, norm, article_id)
            SELECT $1, e, s, n, $5 FROM unnest($2::bigint[], $3::text[], $4::text[]) AS t(e, s, n)
            ON CONFLICT DO NOTHING
            """,
            [
                kind.rawValue, SQLValue.textArray(entityColumn), SQLValue.textArray(spellingColumn),
                SQLValue.textArray(normColumn), articleID.map(String.init),
            ])
        return ids
    }

    /// The surviving entity for `key`, following merges.
    static func rootEntity(_ kind: EntityKind, key: String, db: isolated PQConnection) throws -> Int64 {
        let table = kind == .drama ? "dramas" : "people"
        guard var id = try db.query("SELECT id FROM \(table) WHERE key = $1", [key]).scalar.flatMap({ Int64($0) })
        else {
            throw PQError(.clientFailure, message: "entity \(key) vanished")
        }
        for _ in 0..<64 {
            guard let parent = try db.query("SELECT merged_into FROM \(table) WHERE id = $1", [String(id)]).scalar,
                let next = Int64(parent)
            else { return id }
            id = next
        }
        return id
    }

    // MARK: - RETRACT

    static func retract(
        _ target: RetractTarget, db: isolated PQConnection, changes: inout [Change], affected: inout Affected
    ) throws -> JSON {
        let row: [String?]?
        switch target {
        case .url(let url):
            row = try db.query(
                "SELECT id, url, source, published_at, headline, retracted FROM articles WHERE url = $1", [url]
            ).rows.first
        case .article(let id):
            guard Int64(id) != nil else { throw WireError(.notFound, "no article with id \(id)") }
            row = try db.query(
                "SELECT id, url, source, published_at, headline, retracted FROM articles WHERE id = $1", [id]
            ).rows.first
        }
        guard let row else { throw WireError(.notFound, "no such article") }
        let articleID = row[0]!
        if row.bool(5) { return ["article": .string(articleID)] }
        try db.execute("UPDATE articles SET retracted = true, updated_at = now() WHERE id = $1", [articleID])
        var affectedDramas = Set<Int64>()
        var affectedPeople = Set<Int64>()
        for fact in try db.query("SELECT drama_id, person_ids FROM facts WHERE article_id = $1", [articleID]).rows {
            affectedDramas.insert(Int64(fact[0]!)!)
            affectedPeople.formUnion(SQLValue.parseIntArray(fact[1]))
        }
        changes.append(
            Change(
                .articleRetracted, key: articleID,
                data: [
                    "id": .string(articleID), "url": .string(row[1]), "source": .string(row[2]),
                    "published_at": .string(row[3]), "headline": .string(row[4]), "retracted": true,
                ]))
        affected.people.formUnion(affectedPeople)
        affected.dramas.formUnion(affectedDramas)
        affected.articles.insert(Int64(articleID)!)
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
                UPDATE facts SET person_ids = array_replace(person_ids, $1::bigint, $2::bigint)
                WHERE person_ids @> ARRAY[$1::bigint] RETURNING drama_id
                """, [String(fromID), String(intoID)])
            affectedDramas.formUnion(rows.rows.compactMap { $0[0].flatMap { Int64($0) } })
            affectedPeople.insert(intoID)
        case .drama:
            try db.execute("UPDATE facts SET drama_id = $2 WHERE drama_id = $1", [String(fromID), String(intoID)])
            affectedDramas.formUnion([fromID, intoID])
        }
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
        affected.dramas.formUnion(affectedDramas)
        affected.fullDramas.formUnion(affectedDramas)
        return ["into": .string(intoRow[0])]
    }
}

/// The people and dramas an operation touched.
struct Affected {
    var people = Set<Int64>()
    var dramas = Set<Int64>()
    /// Articles whose facts were added, replaced or retracted: derived entities supported by
    /// them (before or after) must be recomputed.
    var articles = Set<Int64>()
    /// Dramas whose every derived entity must be recomputed (merges move keys and names).
    var fullDramas = Set<Int64>()

    /// For each touched entity, the index of the last operation in the batch that touched it.
    struct Attribution {
        var people: [Int64: Int] = [:]
        var dramas: [Int64: Int] = [:]
        var articles = Set<Int64>()
        var fullDramas = Set<Int64>()

        mutating func record(_ affected: Affected, by index: Int) {
            for id in affected.people { people[id] = index }
            for id in affected.dramas { dramas[id] = index }
            articles.formUnion(affected.articles)
            fullDramas.formUnion(affected.fullDramas)
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
