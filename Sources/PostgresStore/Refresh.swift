import DramaDomain
import LibPQ
import LineProtocol
import Synchronization

/// Recomputing derived state once per batch, and emitting a change for whatever differs.
///
/// People's names, drama state, OSTs and castings are recomputed from the facts of all
/// non-retracted articles with ``Resolver`` and compared with what is stored; only what changed
/// is written and produces a record, so re-ingesting the same content is silent. Everything is
/// read and written with a fixed number of set-based statements per batch (`= ANY($1)`,
/// `unnest`), however many entities the batch touched: round trips, not rows, are what a
/// single writer pays for.
extension WritePath {
    /// Recomputes the touched entities; returns derived changes keyed by the operation index
    /// they are attributed to.
    static func refresh(_ touched: Affected.Attribution, db: isolated PQConnection) throws -> [Int: [Change]] {
        var derived: [Int: [Change]] = [:]
        var dramas = touched.dramas
        var full = touched.fullDramas
        if !touched.people.isEmpty {
            // A renamed person's name is in every record that refers to them.
            let renamedDramas = try refreshPeople(touched.people, db: db, derived: &derived)
            for (drama, index) in renamedDramas { dramas[drama] = max(dramas[drama] ?? index, index) }
            full.formUnion(renamedDramas.keys)
        }
        if !dramas.isEmpty {
            try refreshDramas(
                dramas, dirtyArticles: Set(touched.articles.map(String.init)), fullDramas: full, db: db,
                derived: &derived)
        }
        return derived
    }

    /// Per entity: every spelling seen, and the latest non-retracted use of each.
    static func spellingUses(
        _ kind: EntityKind, ids: [Int64], db: isolated PQConnection
    ) throws -> [Int64: (aliases: Set<String>, uses: [SpellingUse])] {
        let rows = try db.query(
            """
            SELECT DISTINCT ON (al.entity_id, al.spelling) al.entity_id, al.spelling,
                   (extract(epoch FROM a.published_utc) * 1000)::bigint, a.url
            FROM aliases al LEFT JOIN articles a ON a.id = al.article_id AND NOT a.retracted
            WHERE al.kind = $1 AND al.entity_id = ANY($2::bigint[]) AND al.origin = 'article'
            ORDER BY al.entity_id, al.spelling, a.published_utc DESC NULLS LAST, a.url DESC
            """, [kind.rawValue, SQLValue.intArray(ids)])
        var result: [Int64: (aliases: Set<String>, uses: [SpellingUse])] = [:]
        for row in rows.rows {
            let id = Int64(row[0]!)!
            var entry = result[id] ?? ([], [])
            entry.aliases.insert(row[1]!)
            if let millis = row[2].flatMap({ Int64($0) }), let url = row[3] {
                entry.uses.append(SpellingUse(spelling: row[1]!, publishedMillis: millis, url: url))
            }
            result[id] = entry
        }
        return result
    }

    /// Recomputes people's names and alias lists. Returns the dramas whose records must be
    /// refreshed because a person's display name changed (records carry names), with the
    /// operation index to attribute them to.
    static func refreshPeople(
        _ touched: [Int64: Int], db: isolated PQConnection, derived: inout [Int: [Change]]
    ) throws -> [Int64: Int] {
        let ids = touched.keys.sorted()
        let rows = try db.query(
            "SELECT id, key, name, state FROM people WHERE id = ANY($1::bigint[]) AND merged_into IS NULL ORDER BY id",
            [SQLValue.intArray(ids)])
        let uses = try spellingUses(.person, ids: ids, db: db)
        var updates: (ids: [String?], names: [String?], states: [String?]) = ([], [], [])
        var renamed: [Int64: Int] = [:]
        for row in rows.rows {
            let id = Int64(row[0]!)!
            let key = row[1]!
            let oldName = row[2]!
            let entry = uses[id] ?? ([], [])
            let name = NameKey.preferredSpelling(entry.uses) ?? oldName
            let state: JSON = [
                "key": .string(key), "name": .string(name),
                "aliases": .array(entry.aliases.sorted().map { .string($0) }),
            ]
            let text = state.serialized()
            guard text != row[3] else { continue }
            updates.ids.append(String(id))
            updates.names.append(name)
            updates.states.append(text)
            derived[touched[id]!, default: []].append(Change(.personUpserted, key: key, data: state))
            if name != oldName { renamed[id] = touched[id]! }
        }
        if !updates.ids.isEmpty {
            try db.execute(
                """
                UPDATE people p SET name = u.name, state = u.state
                FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, name, state) WHERE p.id = u.id
                """,
                [
                    SQLValue.textArray(updates.ids), SQLValue.textArray(updates.names),
                    SQLValue.textArray(updates.states),
                ])
        }
        guard !renamed.isEmpty else { return [:] }
        var dramas: [Int64: Int] = [:]
        for row in try db.query(
            "SELECT drama_id, person_ids FROM facts WHERE person_ids && $1::bigint[]",
            [SQLValue.intArray(renamed.keys.sorted())]
        ).rows {
            let drama = Int64(row[0]!)!
            for person in SQLValue.parseIntArray(row[1]) {
                if let index = renamed[person] { dramas[drama] = max(dramas[drama] ?? index, index) }
            }
        }
        return dramas
    }

    /// Rows to write for the derived tables, gathered over all dramas of the batch.
    private struct DerivedWrites {
        var deleteOSTs: [String?] = []
        var deleteCastings: [String?] = []
        var osts: [[String?]] = []  // key, drama_id, song, part, release, status, state, article_ids
        var ostArtists: [[String?]] = []  // ost_key, position, person_id, credited_as
        var castings: [[String?]] = []  // key, drama_id, person_id, role, role_type, status, state, article_ids
        var history: [[String?]] = []  // casting_key, position, status, as_of, article_id
        var dramas: [[String?]] = []  // id, title, state
    }

    /// Parsed stored facts, keyed by their canonical JSON text: hashing the text is far cheaper
    /// than parsing it, and the text alone determines the fact, whatever database it came from.
    static let factCache = Mutex<[String: Fact]>([:])

    static func storedFact(body: String) -> Fact? {
        if let fact = factCache.withLock({ $0[body] }) { return fact }
        guard let json = try? JSON.parse(body), let fact = NewsItem.decodeStoredFact(json) else { return nil }
        factCache.withLock { cache in
            if cache.count >= 200_000 { cache.removeAll(keepingCapacity: true) }
            cache[body] = fact
        }
        return fact
    }

    /// Recomputes the touched dramas.
    ///
    /// Only entities that can have changed are rebuilt and compared: castings supported (now or
    /// before) by a dirty article, OSTs likewise (or all of a drama's OSTs when it has untitled
    /// announcements, which may move between clusters), and everything of a drama in
    /// `fullDramas` or whose title changed.
    static func refreshDramas(
        _ touched: [Int64: Int], dirtyArticles: Set<String>, fullDramas: Set<Int64>, db: isolated PQConnection,
        derived: inout [Int: [Change]]
    ) throws {
        let ids = touched.keys.sorted()
        let idArray = SQLValue.intArray(ids)
        var dramaRows: [Int64: [String?]] = [:]
        for row in try db.query(
            "SELECT id, key, title, state, merged_into FROM dramas WHERE id = ANY($1::bigint[])", [idArray]
        ).rows {
            dramaRows[Int64(row[0]!)!] = row
        }
        let names = try spellingUses(.drama, ids: ids, db: db)

        // Every non-retracted assertion about these dramas.
        var factsByDrama: [Int64: [(row: [String?], fact: Fact, published: Timestamp, people: [Int64])]] = [:]
        var personIDs = Set<Int64>()
        for row in try db.query(
            """
            SELECT f.drama_id, f.idx, f.body, f.person_ids, a.id, a.url, a.published_at
            FROM facts f JOIN articles a ON a.id = f.article_id
            WHERE f.drama_id = ANY($1::bigint[]) AND NOT a.retracted
            """, [idArray]
        ).rows {
            guard let fact = storedFact(body: row[2]!),
                let published = Timestamp(row[6]!, allowDateOnly: false)
            else { continue }  // Stored facts were validated on the way in.
            let people = SQLValue.parseIntArray(row[3])
            personIDs.formUnion(people)
            factsByDrama[Int64(row[0]!)!, default: []].append((row, fact, published, people))
        }
        var personKeys: [Int64: String] = [:]
        var personNames: [String: String] = [:]
        var personIDByKey: [String: Int64] = [:]
        if !personIDs.isEmpty {
            for row in try db.query(
                "SELECT id, key, name FROM people WHERE id = ANY($1::bigint[])", [SQLValue.intArray(personIDs.sorted())]
            ).rows {
                let pid = Int64(row[0]!)!
                personKeys[pid] = row[1]!
                personNames[row[1]!] = row[2]!
                personIDByKey[row[1]!] = pid
            }
        }
        var current: [Int64: [String: (kind: String, state: String, dirty: Bool)]] = [:]
        let dirtyArray = SQLValue.textArray(dirtyArticles.sorted())
        for row in try db.query(
            """
            SELECT 'ost', drama_id, key, state, article_ids && $2::bigint[] FROM osts WHERE drama_id = ANY($1::bigint[])
            UNION ALL
            SELECT 'casting', drama_id, key, state, article_ids && $2::bigint[] FROM castings
            WHERE drama_id = ANY($1::bigint[])
            """, [idArray, dirtyArray]
        ).rows {
            current[Int64(row[1]!)!, default: [:]][row[2]!] = (row[0]!, row[3]!, row.bool(4))
        }

        var writes = DerivedWrites()
        for dramaID in ids {
            guard let dramaRow = dramaRows[dramaID] else { continue }
            var changes: [Change] = []
            let key = dramaRow[1]!
            let merged = dramaRow[4] != nil
            let nameInfo = names[dramaID] ?? ([], [])
            let title = NameKey.preferredSpelling(nameInfo.uses) ?? dramaRow[2]!
            let assertions = (factsByDrama[dramaID] ?? []).map { row, fact, published, people in
                Assertion(
                    articleID: row[4]!, url: row[5]!, publishedAt: published, index: Int(row[1]!)!, fact: fact,
                    dramaKey: key, personKeys: people.map { personKeys[$0] ?? String($0) })
            }
            let stored = current[dramaID] ?? [:]
            let full = fullDramas.contains(dramaID) || title != dramaRow[2]
            // OST clusters interact only through untitled announcements; without any, each
            // titled OST depends on its own assertions alone.
            let ostDirty =
                assertions.contains { if case .ost = $0.fact { dirtyArticles.contains($0.articleID) } else { false } }
                || stored.values.contains { $0.kind == "ost" && $0.dirty }
            let hasUntitled = assertions.contains {
                if case .ost(let f) = $0.fact {
                    f.song.map { NameKey.normalize($0, kind: .person).isEmpty } ?? true
                } else {
                    false
                }
            }
            let allOSTs = full || (ostDirty && hasUntitled)
            let resolved = Resolver.resolve(
                drama: EntityRef(key: key, name: title), aliases: Array(nameInfo.aliases), assertions: assertions,
                personNames: personNames
            ) { kind, entityKey, articles in
                if full || (kind == .ost && allOSTs) { return true }
                guard let old = stored[entityKey] else { return true }
                return old.dirty || !articles.isDisjoint(with: dirtyArticles)
            }

            if !merged {
                let text = resolved.drama.json.serialized()
                if text != dramaRow[3] {
                    writes.dramas.append([String(dramaID), title, text])
                    changes.append(Change(.dramaUpserted, key: key, data: resolved.drama.json))
                }
            }
            let dramaRef: JSON = ["key": .string(key), "title": .string(title)]
            let reason: JSON = merged ? "merged" : "unsupported"
            for (oldKey, old) in stored.sorted(by: { $0.key < $1.key }) where !resolved.allKeys.contains(oldKey) {
                let oldState = (try? JSON.parse(old.state)) ?? .null
                if old.kind == "ost" {
                    writes.deleteOSTs.append(oldKey)
                    changes.append(
                        Change(
                            .ostWithdrawn, key: oldKey,
                            data: [
                                "key": .string(oldKey), "drama": dramaRef, "song": oldState["song"], "reason": reason,
                            ]))
                } else {
                    writes.deleteCastings.append(oldKey)
                    changes.append(
                        Change(
                            .castingWithdrawn, key: oldKey,
                            data: [
                                "key": .string(oldKey), "drama": dramaRef, "person": oldState["person"],
                                "reason": reason,
                            ]))
                }
            }
            for ost in resolved.osts {
                let text = ost.json.serialized()
                guard stored[ost.key]?.state != text else { continue }
                let s = ost.json
                if stored[ost.key] != nil { writes.deleteOSTs.append(ost.key) }
                writes.osts.append([
                    ost.key, String(dramaID), s["song"].stringValue, s["part"].intValue.map { String($0) },
                    s["release"].stringValue, s["status"].stringValue ?? "announced", text, articleIDs(s),
                ])
                for (position, artist) in (s["artists"].arrayValue ?? []).enumerated() {
                    writes.ostArtists.append([
                        ost.key, String(position + 1), personIDByKey[artist["key"].stringValue ?? ""].map(String.init),
                        artist["credited_as"].stringValue,
                    ])
                }
                changes.append(Change(.ostUpserted, key: ost.key, data: ost.json))
            }
            for casting in resolved.castings {
                let text = casting.json.serialized()
                guard stored[casting.key]?.state != text else { continue }
                let s = casting.json
                if stored[casting.key] != nil { writes.deleteCastings.append(casting.key) }
                writes.castings.append([
                    casting.key, String(dramaID), personIDByKey[s["person"]["key"].stringValue ?? ""].map(String.init),
                    s["role"].stringValue, s["role_type"].stringValue, s["status"].stringValue ?? "confirmed", text,
                    articleIDs(s),
                ])
                for (position, entry) in (s["history"].arrayValue ?? []).enumerated() {
                    writes.history.append([
                        casting.key, String(position + 1), entry["status"].stringValue, entry["as_of"].stringValue,
                        entry["article"].stringValue,
                    ])
                }
                changes.append(Change(.castingUpserted, key: casting.key, data: casting.json))
            }
            if !changes.isEmpty { derived[touched[dramaID]!, default: []].append(contentsOf: changes) }
        }
        try write(writes, db: db)
    }

    /// The supporting article ids of a derived state, as a bigint array literal.
    private static func articleIDs(_ state: JSON) -> String {
        SQLValue.intArray((state["sources"].arrayValue ?? []).compactMap { $0.stringValue.flatMap { Int64($0) } })
    }

    /// Applies the gathered writes: at most seven statements, whatever the batch size.
    private static func write(_ w: DerivedWrites, db: isolated PQConnection) throws {
        func columns(_ rows: [[String?]], _ count: Int) -> [String?] {
            (0..<count).map { c in SQLValue.textArray(rows.map { $0[c] }) }
        }
        if !w.dramas.isEmpty {
            try db.execute(
                """
                UPDATE dramas d SET title = u.title, state = u.state
                FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, title, state) WHERE d.id = u.id
                """, columns(w.dramas, 3))
        }
        if !w.deleteOSTs.isEmpty {
            try db.execute("DELETE FROM osts WHERE key = ANY($1::text[])", [SQLValue.textArray(w.deleteOSTs)])
        }
        if !w.deleteCastings.isEmpty {
            try db.execute("DELETE FROM castings WHERE key = ANY($1::text[])", [SQLValue.textArray(w.deleteCastings)])
        }
        if !w.osts.isEmpty {
            try db.execute(
                """
                INSERT INTO osts (key, drama_id, song, part, release, status, state, article_ids)
                SELECT k, d, s, p, r, st, sta, a::bigint[]
                FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[])
                    AS t(k, d, s, p, r, st, sta, a)
                """, columns(w.osts, 8))
        }
        if !w.ostArtists.isEmpty {
            try db.execute(
                """
                INSERT INTO ost_artists (ost_key, position, person_id, credited_as)
                SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[])
                """, columns(w.ostArtists, 4))
        }
        if !w.castings.isEmpty {
            try db.execute(
                """
                INSERT INTO castings (key, drama_id, person_id, role, role_type, status, state, article_ids)
                SELECT k, d, p, r, rt, st, sta, a::bigint[]
                FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                    AS t(k, d, p, r, rt, st, sta, a)
                """, columns(w.castings, 8))
        }
        if !w.history.isEmpty {
            try db.execute(
                """
                INSERT INTO casting_status_history (casting_key, position, status, as_of, article_id)
                SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[])
                """, columns(w.history, 5))
        }
    }
}

extension WritePath {
    /// Recomputes every derived entity from scratch, in a transaction that is rolled back, and
    /// returns the changes that would result. Empty means the incremental write path left the
    /// store exactly as a full recomputation would (tests and operators use this as a check).
    public static func pendingRepairs(db: isolated PQConnection) throws -> [Change] {
        try db.execute("BEGIN")
        defer { _ = try? db.execute("ROLLBACK") }
        var touched = Affected.Attribution()
        for row in try db.query("SELECT id FROM dramas WHERE merged_into IS NULL").rows {
            let id = Int64(row[0]!)!
            touched.dramas[id] = 0
            touched.fullDramas.insert(id)
        }
        for row in try db.query("SELECT id FROM people WHERE merged_into IS NULL").rows {
            touched.people[Int64(row[0]!)!] = 0
        }
        return try refresh(touched, db: db)[0] ?? []
    }
}
