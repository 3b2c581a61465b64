import DramaDomain
import LibPQ
import LineProtocol

/// Recomputing derived state after a write, and emitting a change for whatever differs.
///
/// Derived rows (people's names, drama state, OSTs, castings) are recomputed from the facts of
/// all non-retracted articles with ``Resolver``, then compared with what is stored. Only what
/// changed is written and produces a change record, so re-ingesting the same content is silent.
extension WritePath {
    static func refresh(
        people: Set<Int64>, dramas: Set<Int64>, db: isolated PQConnection, changes: inout [Change]
    ) throws {
        var dramas = dramas
        if !people.isEmpty {
            dramas.formUnion(try refreshPeople(people, db: db, changes: &changes))
        }
        for drama in dramas.sorted() {
            try refreshDrama(drama, db: db, changes: &changes)
        }
    }

    /// Spelling uses of entities: for choosing display names and listing aliases.
    static func spellingUses(
        _ kind: EntityKind, ids: [Int64], db: isolated PQConnection
    ) throws -> [Int64: (aliases: Set<String>, uses: [SpellingUse])] {
        let rows = try db.query(
            """
            SELECT al.entity_id, al.spelling, (extract(epoch FROM a.published_utc) * 1000)::bigint, a.url,
                   coalesce(a.retracted, true)
            FROM aliases al LEFT JOIN articles a ON a.id = al.article_id
            WHERE al.kind = $1 AND al.entity_id = ANY($2::bigint[]) AND al.origin = 'article'
            """, [kind.rawValue, SQLValue.intArray(ids)])
        var result: [Int64: (aliases: Set<String>, uses: [SpellingUse])] = [:]
        for row in rows.rows {
            let id = Int64(row[0]!)!
            var entry = result[id] ?? ([], [])
            entry.aliases.insert(row[1]!)
            if !row.bool(4), let millis = row[2].flatMap({ Int64($0) }) {
                entry.uses.append(SpellingUse(spelling: row[1]!, publishedMillis: millis, url: row[3] ?? ""))
            }
            result[id] = entry
        }
        return result
    }

    /// Recomputes people's names and alias lists. Returns the dramas whose records must be
    /// refreshed because a person's display name changed (records carry names).
    static func refreshPeople(_ ids: Set<Int64>, db: isolated PQConnection, changes: inout [Change]) throws -> Set<Int64> {
        let sortedIDs = ids.sorted()
        let rows = try db.query(
            "SELECT id, key, name, state FROM people WHERE id = ANY($1::bigint[]) AND merged_into IS NULL ORDER BY id",
            [SQLValue.intArray(sortedIDs)])
        let uses = try spellingUses(.person, ids: sortedIDs, db: db)
        var renamed = Set<Int64>()
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
            try db.execute("UPDATE people SET name = $2, state = $3 WHERE id = $1", [String(id), name, text])
            changes.append(Change(.personUpserted, key: key, data: state))
            if name != oldName { renamed.insert(id) }
        }
        guard !renamed.isEmpty else { return [] }
        let dramaRows = try db.query(
            "SELECT DISTINCT drama_id FROM facts WHERE person_ids && $1::bigint[]",
            [SQLValue.intArray(renamed.sorted())])
        return Set(dramaRows.rows.compactMap { $0[0].flatMap { Int64($0) } })
    }

    static func refreshDrama(_ dramaID: Int64, db: isolated PQConnection, changes: inout [Change]) throws {
        let id = String(dramaID)
        guard let dramaRow = try db.query("SELECT key, title, state, merged_into FROM dramas WHERE id = $1", [id]).rows.first
        else { return }
        let key = dramaRow[0]!
        let merged = dramaRow[3] != nil
        let nameInfo = try spellingUses(.drama, ids: [dramaID], db: db)[dramaID] ?? ([], [])
        let title = NameKey.preferredSpelling(nameInfo.uses) ?? dramaRow[1]!

        var assertions: [Assertion] = []
        var personIDs = Set<Int64>()
        let factRows = try db.query(
            """
            SELECT f.idx, f.body, f.person_ids, a.id, a.url, a.published_at
            FROM facts f JOIN articles a ON a.id = f.article_id
            WHERE f.drama_id = $1 AND NOT a.retracted
            """, [id])
        var rawFacts: [(row: [String?], fact: Fact, published: Timestamp, people: [Int64])] = []
        for row in factRows.rows {
            guard let json = try? JSON.parse(row[1]!), let fact = try? NewsItem.validateFact(json, path: "fact"),
                let published = Timestamp(row[5]!, allowDateOnly: false)
            else { continue }  // Stored facts were validated on the way in.
            let people = SQLValue.parseIntArray(row[2])
            personIDs.formUnion(people)
            rawFacts.append((row, fact, published, people))
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
        for (row, fact, published, people) in rawFacts {
            assertions.append(
                Assertion(
                    articleID: row[3]!, url: row[4]!, publishedAt: published,
                    index: Int(row[0]!)!, fact: fact, dramaKey: key, personKeys: people.map { personKeys[$0] ?? String($0) }))
        }
        let resolved = Resolver.resolve(
            drama: EntityRef(key: key, name: title), aliases: Array(nameInfo.aliases), assertions: assertions,
            personNames: personNames)

        if !merged {
            let text = resolved.drama.json.serialized()
            if text != dramaRow[2] {
                try db.execute("UPDATE dramas SET title = $2, state = $3 WHERE id = $1", [id, title, text])
                changes.append(Change(.dramaUpserted, key: key, data: resolved.drama.json))
            }
        }

        var current: [String: (kind: String, state: String)] = [:]
        for row in try db.query(
            """
            SELECT 'ost', key, state FROM osts WHERE drama_id = $1
            UNION ALL SELECT 'casting', key, state FROM castings WHERE drama_id = $1
            """, [id]
        ).rows {
            current[row[1]!] = (row[0]!, row[2]!)
        }
        let dramaRef: JSON = ["key": .string(key), "title": .string(title)]
        let reason: JSON = merged ? "merged" : "unsupported"
        let wanted = Set(resolved.osts.map(\.key) + resolved.castings.map(\.key))
        for (oldKey, old) in current.sorted(by: { $0.key < $1.key }) where !wanted.contains(oldKey) {
            let oldState = (try? JSON.parse(old.state)) ?? .null
            if old.kind == "ost" {
                try db.execute("DELETE FROM osts WHERE key = $1", [oldKey])
                changes.append(
                    Change(
                        .ostWithdrawn, key: oldKey,
                        data: ["key": .string(oldKey), "drama": dramaRef, "song": oldState["song"], "reason": reason]))
            } else {
                try db.execute("DELETE FROM castings WHERE key = $1", [oldKey])
                changes.append(
                    Change(
                        .castingWithdrawn, key: oldKey,
                        data: ["key": .string(oldKey), "drama": dramaRef, "person": oldState["person"], "reason": reason]))
            }
        }
        for ost in resolved.osts {
            let text = ost.json.serialized()
            guard current[ost.key]?.state != text else { continue }
            try db.execute("DELETE FROM osts WHERE key = $1", [ost.key])
            let s = ost.json
            try db.execute(
                "INSERT INTO osts (key, drama_id, song, part, release, status, state) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                [
                    ost.key, id, s["song"].stringValue, s["part"].intValue.map { String($0) }, s["release"].stringValue,
                    s["status"].stringValue ?? "announced", text,
                ])
            let artists = s["artists"].arrayValue ?? []
            try db.execute(
                """
                INSERT INTO ost_artists (ost_key, position, person_id, credited_as)
                SELECT $1, ord, p, c FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS t(p, c, ord)
                """,
                [
                    ost.key,
                    SQLValue.textArray(artists.map { a in personIDByKey[a["key"].stringValue ?? ""].map(String.init) }),
                    SQLValue.textArray(artists.map { $0["credited_as"].stringValue }),
                ])
            changes.append(Change(.ostUpserted, key: ost.key, data: ost.json))
        }
        for casting in resolved.castings {
            let text = casting.json.serialized()
            guard current[casting.key]?.state != text else { continue }
            try db.execute("DELETE FROM castings WHERE key = $1", [casting.key])
            let s = casting.json
            let personID = personIDByKey[s["person"]["key"].stringValue ?? ""].map(String.init)
            try db.execute(
                """
                INSERT INTO castings (key, drama_id, person_id, role, role_type, status, state)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [
                    casting.key, id, personID, s["role"].stringValue, s["role_type"].stringValue,
                    s["status"].stringValue ?? "confirmed", text,
                ])
            let history = s["history"].arrayValue ?? []
            if !history.isEmpty {
                try db.execute(
                    """
                    INSERT INTO casting_status_history (casting_key, position, status, as_of, article_id)
                    SELECT $1, ord, st, t, a FROM unnest($2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS x(st, t, a, ord)
                    """,
                    [
                        casting.key, SQLValue.textArray(history.map { $0["status"].stringValue }),
                        SQLValue.textArray(history.map { $0["as_of"].stringValue }),
                        SQLValue.textArray(history.map { $0["article"].stringValue }),
                    ])
            }
            changes.append(Change(.castingUpserted, key: casting.key, data: casting.json))
        }
    }
}
