import DramaDomain
import LibPQ
import LineProtocol
import Synchronization

/// Recomputing derived state once per batch, and emitting a change for whatever differs.
///
/// Every touched entity is recomputed from the assertions about that entity alone, found by key
/// through an index: a casting from the facts of its (drama, person), an OST from the facts of
/// its song (and, when the drama has untitled announcements, of the songs they can join), a
/// drama's own state from its drama facts, display names and alias lists from
/// `name_spellings`. What is recomputed is compared with what is stored; only what changed is
/// written and produces a record, so re-ingesting the same content is silent. Everything is
/// read and written with a fixed number of set-based statements per batch (`= ANY($1)`,
/// `unnest`), however many entities the batch touched: round trips, not rows, are what a
/// writer pays for. ``pendingRepairs(db:)`` checks all of this against a recomputation of
/// everything from the stored facts and aliases.
extension WritePath {
    /// Locks the touched entities, brings the name aggregates up to date, and recomputes what
    /// the batch touched; returns derived changes keyed by the operation index they are
    /// attributed to.
    static func refresh(_ touched: Affected.Attribution, db: isolated PQConnection) throws -> [Int: [Change]] {
        var derived: [Int: [Change]] = [:]
        var dramas = touched.dramas
        var scopes = touched.scopes
        // Locks, spellings and artist rows are independent statements: one pipeline, one round
        // trip, in this order (the locks first).
        var statements: [(sql: String, parameters: [String?])] = []
        statements += [lockStatement("dramas", Set(dramas.keys)), lockStatement("people", Set(touched.people.keys))]
            .compactMap { $0 }
        var spellingsAt: Int?
        if !touched.namesFromAliases {
            if let statement = updateSpellingsStatement(
                articles: touched.spellingArticles.union(touched.removedUses))
            {
                spellingsAt = statements.count
                statements.append(statement)
            }
            var triples = touched.ostArtists
            if touched.merged {
                // Noted when the item was stored, perhaps before a later item of the batch
                // merged the artist or the drama away (the merge moved the rows already there).
                triples = try Set(
                    triples.map {
                        try OSTArtistKey(
                            drama: survivor(.drama, $0.drama, db: db), person: survivor(.person, $0.person, db: db),
                            song: $0.song)
                    })
            }
            if let statement = recordOSTArtistsStatement(triples) { statements.append(statement) }
        }
        let results = try run(statements, pipelined: !touched.namesFromAliases, db: db)
        if let spellingsAt {
            // A drama with a new spelling has a new alias list in its own state.
            for row in results[spellingsAt].rows where row[0] == "drama" && row.bool(2) {
                scopes[Int64(row[1]!)!]?.drama = true
            }
        }
        if !touched.people.isEmpty {
            // A renamed person's name is in every record that refers to them.
            let renamed = try refreshPeople(
                touched.people, fromAliases: touched.namesFromAliases, db: db, derived: &derived)
            if !renamed.isEmpty {
                let naming = try scopesNaming(renamed, db: db)
                try lock("dramas", Set(naming.keys).subtracting(dramas.keys), db: db)
                for (drama, (scope, index)) in naming {
                    dramas[drama] = max(dramas[drama] ?? index, index)
                    scopes[drama, default: DramaScope()].formUnion(scope)
                }
            }
        }
        if !dramas.isEmpty {
            // Folding new articles into stored states needs every assertion added since they
            // were resolved to be among this batch's new ones: not after a merge, nor where a
            // stored fact was replaced, nor in the full check.
            let folding = !touched.namesFromAliases && !touched.merged
            try refreshDramas(
                dramas, scopes: scopes, fromAliases: touched.namesFromAliases,
                adding: folding ? touched.added : nil, rewritten: touched.rewritten, db: db, derived: &derived)
        }
        return derived
    }

    /// Runs `statements` in order: as one pipeline (one round trip) when `pipelined`, else one by
    /// one. The full check (``pendingRepairs(db:)``) runs them one by one: its statements carry
    /// every id and return every row, and a blocking pipeline that sends large parameters while
    /// large results come back could fill both socket buffers and stall.
    static func run(
        _ statements: [(sql: String, parameters: [String?])], pipelined: Bool, db: isolated PQConnection
    ) throws -> [PQResult] {
        if pipelined { return try db.pipeline(statements) }
        return try statements.map { try db.query($0.sql, $0.parameters) }
    }

    /// Row locks on `ids` of `table`, taken in id order (every writer does, so two cannot
    /// deadlock on them). `FOR NO KEY UPDATE` does not conflict with the key-share locks that
    /// foreign keys from new facts take, only with another writer's recomputation.
    static func lock(_ table: String, _ ids: Set<Int64>, db: isolated PQConnection) throws {
        if let statement = lockStatement(table, ids) { try db.execute(statement.sql, statement.parameters) }
    }

    /// The statement of ``lock(_:_:db:)``; nil when there is nothing to lock.
    static func lockStatement(_ table: String, _ ids: Set<Int64>) -> (sql: String, parameters: [String?])? {
        guard !ids.isEmpty else { return nil }
        return (
            "SELECT id FROM \(table) WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE",
            [SQLValue.intArray(ids.sorted())]
        )
    }

    /// Sets the latest use of every spelling the given articles use (or used), from the alias
    /// rows: one index probe per spelling. Its rows are (kind, entity id, whether the spelling is
    /// new); nil when no article is given.
    static func updateSpellingsStatement(articles: Set<Int64>) -> (sql: String, parameters: [String?])? {
        guard !articles.isEmpty else { return nil }
        return (
            """
            INSERT INTO name_spellings AS ns (kind, entity_id, spelling, norm, latest_millis, latest_url)
            SELECT p.kind, p.entity_id, p.spelling, p.norm, l.m, l.u
            FROM (SELECT DISTINCT kind, entity_id, spelling, norm FROM aliases
                  WHERE article_id = ANY($1::bigint[]) AND origin = 'article') AS p
            LEFT JOIN LATERAL (
                SELECT x.use_millis AS m, x.use_url AS u FROM aliases x
                WHERE x.kind = p.kind AND x.entity_id = p.entity_id AND x.spelling = p.spelling
                  AND x.use_millis IS NOT NULL
                ORDER BY x.use_millis DESC, x.use_url DESC LIMIT 1) AS l ON true
            ORDER BY 1, 2, 3
            ON CONFLICT (kind, entity_id, spelling) DO UPDATE
                SET latest_millis = excluded.latest_millis, latest_url = excluded.latest_url
                WHERE (ns.latest_millis, ns.latest_url) IS DISTINCT FROM (excluded.latest_millis, excluded.latest_url)
            RETURNING kind, entity_id, xmax = 0
            """, [SQLValue.intArray(articles.sorted())]
        )
    }

    /// The entity `id` was merged into, following merges (itself if it was not).
    static func survivor(_ kind: EntityKind, _ id: Int64, db: isolated PQConnection) throws -> Int64 {
        let table = kind == .drama ? "dramas" : "people"
        var id = id
        for _ in 0..<64 {
            guard
                let next = try db.query("SELECT merged_into FROM \(table) WHERE id = $1", [String(id)]).scalar
                    .flatMap({ Int64($0) })
            else { return id }
            id = next
        }
        return id
    }

    /// Remembers which artists sang which titled songs, for untitled announcements to find; nil
    /// when there is nothing to remember.
    static func recordOSTArtistsStatement(_ triples: Set<OSTArtistKey>) -> (sql: String, parameters: [String?])? {
        guard !triples.isEmpty else { return nil }
        let sorted = triples.sorted { ($0.drama, $0.person, $0.song) < ($1.drama, $1.person, $1.song) }
        return (
            """
            INSERT INTO ost_song_artists (drama_id, person_id, song_norm)
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING
            """,
            [
                SQLValue.intArray(sorted.map(\.drama)), SQLValue.intArray(sorted.map(\.person)),
                SQLValue.textArray(sorted.map(\.song)),
            ]
        )
    }

    /// Per entity: every spelling seen, and the latest non-retracted use of each, from the
    /// aggregate (`fromAliases`: recomputed from every alias and article, the full check).
    static func spellingUsesStatement(
        _ kind: EntityKind, ids: [Int64], fromAliases: Bool
    ) -> (sql: String, parameters: [String?]) {
        fromAliases
            ? (
                """
                SELECT DISTINCT ON (al.entity_id, al.spelling) al.entity_id, al.spelling,
                       (extract(epoch FROM a.published_utc) * 1000)::bigint, a.url
                FROM aliases al LEFT JOIN articles a ON a.id = al.article_id AND NOT a.retracted
                WHERE al.kind = $1 AND al.entity_id = ANY($2::bigint[]) AND al.origin = 'article'
                ORDER BY al.entity_id, al.spelling, a.published_utc DESC NULLS LAST, a.url DESC
                """, [kind.rawValue, SQLValue.intArray(ids)]
            )
            : (
                """
                SELECT entity_id, spelling, latest_millis, latest_url FROM name_spellings
                WHERE kind = $1 AND entity_id = ANY($2::bigint[])
                """, [kind.rawValue, SQLValue.intArray(ids)]
            )
    }

    /// Parses the rows of ``spellingUsesStatement(_:ids:fromAliases:)``.
    static func spellingUses(rows: PQResult) -> [Int64: (aliases: Set<String>, uses: [SpellingUse])] {
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

    /// Recomputes people's names and alias lists. Returns the people whose display name
    /// changed, with the operation index to attribute their records to.
    static func refreshPeople(
        _ touched: [Int64: Int], fromAliases: Bool, db: isolated PQConnection, derived: inout [Int: [Change]]
    ) throws -> [Int64: Int] {
        let ids = touched.keys.sorted()
        let results = try run(
            [
                (
                    "SELECT id, key, name, state FROM people WHERE id = ANY($1::bigint[]) AND merged_into IS NULL ORDER BY id",
                    [SQLValue.intArray(ids)]
                ),
                spellingUsesStatement(.person, ids: ids, fromAliases: fromAliases),
            ], pipelined: !fromAliases, db: db)
        let rows = results[0]
        let uses = spellingUses(rows: results[1])
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
        return renamed
    }

    /// The castings and OSTs whose records show a renamed person's name, as scopes by drama,
    /// found through the derived rows (not the person's every fact).
    static func scopesNaming(
        _ renamed: [Int64: Int], db: isolated PQConnection
    ) throws -> [Int64: (DramaScope, Int)] {
        var result: [Int64: (DramaScope, Int)] = [:]
        for row in try db.query(
            """
            SELECT 'casting', drama_id, person_id, NULL FROM castings WHERE person_id = ANY($1::bigint[])
            UNION ALL
            SELECT 'ost', o.drama_id, oa.person_id, o.song
            FROM ost_artists oa JOIN osts o ON o.key = oa.ost_key WHERE oa.person_id = ANY($1::bigint[])
            """, [SQLValue.intArray(renamed.keys.sorted())]
        ).rows {
            let drama = Int64(row[1]!)!
            let person = Int64(row[2]!)!
            var (scope, index) = result[drama] ?? (DramaScope(), renamed[person]!)
            index = max(index, renamed[person]!)
            if row[0] == "casting" {
                scope.castings.insert(person)
            } else {
                scope.songs.insert(songKey(row[3]))
            }
            result[drama] = (scope, index)
        }
        return result
    }

    /// Rows to write for the derived tables, gathered over all dramas of the batch.
    private struct DerivedWrites {
        var deleteOSTs: [String?] = []
        var deleteCastings: [String?] = []
        var osts: [[String?]] = []  // key, drama_id, song, part, release, status, state, article_ids, fold
        var ostArtists: [[String?]] = []  // ost_key, position, person_id, credited_as
        var castings: [[String?]] = []  // key, drama_id, person_id, role, role_type, status, state, article_ids, fold
        var history: [[String?]] = []  // casting_key, position, status, as_of, article_id
        /// Updated castings, with how many leading history rows stay as they are.
        var keptHistory: [(key: String, count: Int)] = []
        /// Updated OSTs, whose artist rows are replaced.
        var replacedArtists: [String?] = []
        var dramas: [[String?]] = []  // id, title, state, fold
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

    /// One stored fact with what recomputation needs of its article.
    private struct LoadedFact {
        var drama: Int64
        var index: Int
        var fact: Fact
        var people: [Int64]
        var articleID: String
        var url: String
        var published: Timestamp
    }

    /// Loads the non-retracted assertions of whole dramas, of the drama facts of others, and
    /// of castings and OST songs by key, in one statement.
    private static func loadFacts(
        whole: [Int64], dramaFacts: [Int64], castings: [(Int64, Int64)], songs: [(Int64, String)],
        db: isolated PQConnection
    ) throws -> [LoadedFact] {
        guard !(whole.isEmpty && dramaFacts.isEmpty && castings.isEmpty && songs.isEmpty) else { return [] }
        let columns = "f.drama_id, f.idx, f.body, f.person_ids, a.id, a.url, a.published_at"
        let article = "JOIN articles a ON a.id = f.article_id AND NOT a.retracted"
        let rows = try db.query(
            """
            SELECT \(columns) FROM unnest($1::bigint[]) AS w(d) JOIN facts f ON f.drama_id = w.d \(article)
            UNION ALL
            SELECT \(columns) FROM unnest($2::bigint[]) AS w(d)
                JOIN facts f ON f.kind = 'drama' AND f.drama_id = w.d \(article)
            UNION ALL
            SELECT \(columns) FROM unnest($3::bigint[], $4::bigint[]) AS w(d, p)
                JOIN facts f ON f.kind = 'casting' AND f.drama_id = w.d AND f.subject = w.p \(article)
            UNION ALL
            SELECT \(columns) FROM unnest($5::bigint[], $6::text[]) AS w(d, s)
                JOIN facts f ON f.kind = 'ost' AND f.drama_id = w.d AND f.song_norm = w.s \(article)
            """,
            [
                SQLValue.intArray(whole), SQLValue.intArray(dramaFacts), SQLValue.intArray(castings.map(\.0)),
                SQLValue.intArray(castings.map(\.1)), SQLValue.intArray(songs.map(\.0)),
                SQLValue.textArray(songs.map(\.1)),
            ])
        return rows.rows.compactMap { row in
            guard let fact = storedFact(body: row[2]!), let published = Timestamp(row[6]!, allowDateOnly: false)
            else { return nil }  // Stored facts were validated on the way in.
            return LoadedFact(
                drama: Int64(row[0]!)!, index: Int(row[1]!)!, fact: fact, people: SQLValue.parseIntArray(row[3]),
                articleID: row[4]!, url: row[5]!, published: published)
        }
    }

    /// The titled songs that untitled announcements (by part and by artist) may join: every song
    /// with an assertion of that part, or sung by one of those artists.
    private static func candidateSongs(
        parts: [(Int64, Int)], artists: [(Int64, Int64)], db: isolated PQConnection
    ) throws -> [(Int64, String)] {
        guard !(parts.isEmpty && artists.isEmpty) else { return [] }
        return try db.query(
            """
            SELECT f.drama_id, f.song_norm FROM unnest($1::bigint[], $2::int[]) AS c(d, p)
                JOIN facts f ON f.kind = 'ost' AND f.part IS NOT NULL AND f.drama_id = c.d AND f.part = c.p
                WHERE f.song_norm <> ''
            UNION
            SELECT s.drama_id, s.song_norm FROM unnest($3::bigint[], $4::bigint[]) AS c(d, p)
                JOIN ost_song_artists s ON s.drama_id = c.d AND s.person_id = c.p
            """,
            [
                SQLValue.intArray(parts.map(\.0)), SQLValue.textArray(parts.map { String($0.1) }),
                SQLValue.intArray(artists.map(\.0)), SQLValue.intArray(artists.map(\.1)),
            ]
        ).rows.map { (Int64($0[0]!)!, $0[1]!) }
    }

    /// Recomputes the touched dramas within their scopes.
    ///
    /// A drama in full scope (merges, a changed title, the full check) is rebuilt from all its
    /// facts. Otherwise only the scoped entities are: their assertions are loaded by key, built
    /// by ``Resolver`` (which is exact on such a subset: a casting depends on its own
    /// assertions, a titled OST on its own plus the untitled announcements that join it, and
    /// those are all loaded together with every song they could join), and compared with the
    /// stored rows of the same keys.
    ///
    /// When `adding` holds every assertion added since the stored states were resolved (the
    /// batch's new articles), a drama's own state and its castings are folded instead
    /// (``StateFold``, stored beside each state): their assertions are not read at all. A
    /// drama in `rewritten` (a stored fact replaced or retracted), a state without a fold, and
    /// a casting whose new report would split a history entry are resolved from every assertion.
    static func refreshDramas(
        _ touched: [Int64: Int], scopes: [Int64: DramaScope], fromAliases: Bool, adding: [AddedFact]? = nil,
        rewritten: Set<Int64> = [], db: isolated PQConnection, derived: inout [Int: [Change]]
    ) throws {
        let ids = touched.keys.sorted()
        let idArray = SQLValue.intArray(ids)
        var dramaRows: [Int64: [String?]] = [:]
        // The stored castings that may take a fold, by (drama, person), read with the dramas.
        let foldable = adding == nil ? [] : ids.filter { scopes[$0]?.full != true && !rewritten.contains($0) }
        let castingPairs = foldable.flatMap { id in (scopes[id]?.castings ?? []).sorted().map { (id, $0) } }
        var statements = [
            ("SELECT id, key, title, state, merged_into, fold FROM dramas WHERE id = ANY($1::bigint[])", [idArray]),
            spellingUsesStatement(.drama, ids: ids, fromAliases: fromAliases),
        ]
        if !castingPairs.isEmpty {
            statements.append(
                (
                    """
                    SELECT c.drama_id, c.person_id, c.state, c.fold FROM unnest($1::bigint[], $2::bigint[]) AS w(d, p)
                    JOIN castings c ON c.person_id = w.p AND c.drama_id = w.d WHERE c.fold IS NOT NULL
                    """,
                    [SQLValue.intArray(castingPairs.map(\.0)), SQLValue.intArray(castingPairs.map(\.1))]
                ))
        }
        // And the stored titled OSTs that may take one.
        let ostPairs = foldable.flatMap { id in
            (scopes[id]?.songs ?? []).filter { !$0.isEmpty }.sorted().map { (id, $0) }
        }
        if !ostPairs.isEmpty {
            statements.append(
                (
                    """
                    SELECT o.drama_id, w.s, o.state, o.fold FROM unnest($1::bigint[], $2::text[]) AS w(d, s)
                    JOIN dramas d ON d.id = w.d JOIN osts o ON o.key = d.key || '/song/' || w.s
                    WHERE o.fold IS NOT NULL
                    """,
                    [SQLValue.intArray(ostPairs.map(\.0)), SQLValue.textArray(ostPairs.map(\.1))]
                ))
        }
        let results = try run(statements, pipelined: !fromAliases, db: db)
        for row in results[0].rows {
            dramaRows[Int64(row[0]!)!] = row
        }
        let names = spellingUses(rows: results[1])
        var castingRows: [[Int64]: (state: String, fold: String)] = [:]
        if !castingPairs.isEmpty {
            for row in results[2].rows {
                castingRows[[Int64(row[0]!)!, Int64(row[1]!)!]] = (row[2]!, row[3]!)
            }
        }
        var ostRows: [Int64: [String: (state: JSON, fold: StateFold)]] = [:]
        if !ostPairs.isEmpty {
            for row in results[castingPairs.isEmpty ? 2 : 3].rows {
                guard let fold = StateFold(text: row[3]!), let state = try? JSON.parse(row[2]!) else { continue }
                ostRows[Int64(row[0]!)!, default: [:]][row[1]!] = (state, fold)
            }
        }

        // Each drama's title first: a changed title is in every record of the drama.
        var scope: [Int64: DramaScope] = [:]
        var titles: [Int64: String] = [:]
        for id in ids {
            guard let row = dramaRows[id] else { continue }
            let title = NameKey.preferredSpelling((names[id] ?? ([], [])).uses) ?? row[2]!
            titles[id] = title
            var s = scopes[id] ?? DramaScope()
            if title != row[2] || row[4] != nil { s.full = true }
            scope[id] = s
        }
        let whole = ids.filter { scope[$0]?.full == true }
        let partial = ids.filter { scope[$0].map { !$0.full } ?? false }

        // Folds first: what folds is not loaded. References (titles, names) are set later.
        var addedByDrama: [Int64: [AddedFact]] = [:]
        for fact in adding ?? [] { addedByDrama[fact.drama, default: []].append(fact) }
        var foldedDramas: [Int64: (state: JSON, fold: StateFold)] = [:]
        var foldedCastings: [Int64: [Int64: (state: JSON, fold: StateFold)]] = [:]
        for id in partial where foldable.contains(id) {
            let added = addedByDrama[id] ?? []
            if scope[id]!.drama, let row = dramaRows[id], let text = row[3], let foldText = row[5],
                let fold = StateFold(text: foldText), let state = try? JSON.parse(text)
            {
                let facts = added.filter { if case .drama = $0.assertion.fact { true } else { false } }
                foldedDramas[id] = Resolver.foldDrama(
                    state: state, fold: fold, adding: facts.map(\.assertion), title: titles[id]!,
                    aliases: Array((names[id] ?? ([], [])).aliases))
            }
            for person in scope[id]!.castings {
                guard let row = castingRows[[id, person]], let fold = StateFold(text: row.fold),
                    let state = try? JSON.parse(row.state)
                else { continue }
                let facts = added.filter {
                    if case .casting = $0.assertion.fact { $0.people.first == person } else { false }
                }
                if let folded = Resolver.foldCasting(
                    state: state, fold: fold, adding: facts.map(\.assertion), drama: .null, person: .null)
                {
                    foldedCastings[id, default: [:]][person] = folded
                }
            }
        }
        // Any OST change can move an untitled announcement, so the drama's untitled ones
        // (song key "") come along.
        // Titled OSTs with a stored fold are folded unless the drama has untitled ones (found
        // with them below: then they are loaded after all).
        var foldedOSTs: [Int64: [String: (state: JSON, fold: StateFold)]] = [:]
        for id in partial where foldable.contains(id) { foldedOSTs[id] = ostRows[id] }
        var songPairs: [(Int64, String)] = []
        for id in partial where !scope[id]!.songs.isEmpty {
            for song in scope[id]!.songs.union([""]).sorted() where foldedOSTs[id]?[song] == nil {
                songPairs.append((id, song))
            }
            scope[id]!.songs.insert("")
        }
        var loaded = try loadFacts(
            whole: whole, dramaFacts: partial.filter { scope[$0]!.drama && foldedDramas[$0] == nil },
            castings: partial.flatMap { id in
                scope[id]!.castings.sorted().filter { foldedCastings[id]?[$0] == nil }.map { (id, $0) }
            }, songs: songPairs, db: db)
        // Untitled announcements bring the songs they may join.
        var parts: Set<[Int64]> = []
        var artists: Set<[Int64]> = []
        var unfolded: [(Int64, String)] = []
        for f in loaded where scope[f.drama]?.full == false {
            guard case .ost(let ost) = f.fact, songKey(ost.song).isEmpty else { continue }
            if let part = ost.part { parts.insert([f.drama, Int64(part)]) }
            for person in f.people { artists.insert([f.drama, person]) }
            // An untitled announcement may join a folded OST: those are resolved after all.
            if let songs = foldedOSTs.removeValue(forKey: f.drama) {
                unfolded += songs.keys.sorted().map { (f.drama, $0) }
            }
        }
        var more = unfolded
        if !parts.isEmpty || !artists.isEmpty {
            let candidates = try candidateSongs(
                parts: parts.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0[0], Int($0[1])) },
                artists: artists.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0[0], $0[1]) }, db: db
            ).filter { scope[$0.0]?.songs.contains($0.1) == false }
            for (drama, song) in candidates { scope[drama]!.songs.insert(song) }
            more += candidates
        }
        if !more.isEmpty { loaded += try loadFacts(whole: [], dramaFacts: [], castings: [], songs: more, db: db) }

        var personIDs = Set<Int64>()
        for f in loaded { personIDs.formUnion(f.people) }
        for id in partial { personIDs.formUnion(scope[id]!.castings) }
        // A folded OST names the artists of its stored fold (by key) or of a new assertion.
        var artistKeys = Set<String>()
        for (id, songs) in foldedOSTs {
            for (_, row) in songs { artistKeys.formUnion(row.fold.artists.map(\.key)) }
            for fact in addedByDrama[id] ?? [] where ostSong(fact).flatMap({ songs[$0] }) != nil {
                personIDs.formUnion(fact.people)
            }
        }
        var personKeys: [Int64: String] = [:]
        var personNames: [String: String] = [:]
        var personIDByKey: [String: Int64] = [:]
        if !personIDs.isEmpty || !artistKeys.isEmpty {
            // Shared locks, in id order: a name this batch writes into a record cannot be
            // renamed by another writer until this one commits, and a writer that renames a
            // person finds these records (through the derived rows) only after it has. Without
            // them, a record recomputed because of someone else's fact (an untitled
            // announcement joining a song) could keep a name renamed meanwhile.
            for row in try db.query(
                "SELECT id, key, name FROM people WHERE id = ANY($1::bigint[]) OR key = ANY($2::text[]) ORDER BY id FOR SHARE",
                [SQLValue.intArray(personIDs.sorted()), SQLValue.textArray(artistKeys.sorted())]
            ).rows {
                let pid = Int64(row[0]!)!
                personKeys[pid] = row[1]!
                personNames[row[1]!] = row[2]!
                personIDByKey[row[1]!] = pid
            }
        }
        var factsByDrama: [Int64: [LoadedFact]] = [:]
        for f in loaded { factsByDrama[f.drama, default: []].append(f) }

        // Resolve, then read the stored rows of every key in scope.
        var resolvedByDrama: [Int64: ResolvedDrama] = [:]
        var storedKeys: [String?] = []
        for id in ids {
            guard let row = dramaRows[id] else { continue }
            let key = row[1]!
            let assertions = (factsByDrama[id] ?? []).map { f in
                Assertion(
                    articleID: f.articleID, url: f.url, publishedAt: f.published, index: f.index, fact: f.fact,
                    dramaKey: key, personKeys: f.people.map { personKeys[$0] ?? String($0) })
            }
            var resolved = Resolver.resolve(
                drama: EntityRef(key: key, name: titles[id]!), aliases: Array((names[id] ?? ([], [])).aliases),
                assertions: assertions, personNames: personNames)
            if let folded = foldedDramas[id] {
                resolved.drama = DerivedState(key: key, json: folded.state)
                resolved.dramaFold = folded.fold
            }
            if let folded = foldedCastings[id] {
                let dramaRef: JSON = ["key": .string(key), "title": .string(titles[id]!)]
                for (person, (state, fold)) in folded {
                    guard case .object(var fields) = state, let personKey = personKeys[person] else { continue }
                    fields["drama"] = dramaRef
                    let name = personNames[personKey] ?? personKey
                    fields["person"] = ["key": .string(personKey), "name": .string(name)]
                    let castingKey = "\(key)/\(personKey)"
                    resolved.castings.append(DerivedState(key: castingKey, json: .object(fields)))
                    resolved.castingFolds[castingKey] = fold
                    resolved.allKeys.insert(castingKey)
                }
                resolved.castings.sort { $0.key < $1.key }
            }
            if let folded = foldedOSTs[id] {
                let dramaRef: JSON = ["key": .string(key), "title": .string(titles[id]!)]
                for (song, row) in folded {
                    let adding = (addedByDrama[id] ?? []).filter { ostSong($0) == song }.map { fact in
                        var a = fact.assertion
                        a.dramaKey = key
                        a.personKeys = fact.people.map { personKeys[$0] ?? String($0) }
                        return a
                    }
                    let (state, fold) = Resolver.foldOST(
                        state: row.state, fold: row.fold, adding: adding, drama: dramaRef, personNames: personNames)
                    let ostKey = "\(key)/song/\(song)"
                    resolved.osts.append(DerivedState(key: ostKey, json: state))
                    resolved.ostFolds[ostKey] = fold
                    resolved.allKeys.insert(ostKey)
                }
                resolved.osts.sort { $0.key < $1.key }
            }
            resolvedByDrama[id] = resolved
            guard let s = scope[id], !s.full else { continue }
            storedKeys.append(contentsOf: resolved.allKeys.sorted())
            for person in s.castings.sorted() { storedKeys.append("\(key)/\(personKeys[person] ?? String(person))") }
            for song in s.songs.sorted() where !song.isEmpty { storedKeys.append("\(key)/song/\(song)") }
        }
        let untitledScoped = partial.filter { scope[$0]!.songs.contains("") }
        var current: [Int64: [String: (kind: String, state: String, fold: String?)]] = [:]
        for row in try db.query(
            """
            SELECT 'ost', drama_id, key, state, fold FROM osts
            WHERE key = ANY($1::text[]) OR drama_id = ANY($2::bigint[])
               OR (song IS NULL AND drama_id = ANY($3::bigint[]))
            UNION ALL
            SELECT 'casting', drama_id, key, state, fold FROM castings
            WHERE key = ANY($1::text[]) OR drama_id = ANY($2::bigint[])
            """, [SQLValue.textArray(storedKeys), SQLValue.intArray(whole), SQLValue.intArray(untitledScoped)]
        ).rows {
            current[Int64(row[1]!)!, default: [:]][row[2]!] = (row[0]!, row[3]!, row[4])
        }

        var writes = DerivedWrites()
        for dramaID in ids {
            guard let dramaRow = dramaRows[dramaID], let resolved = resolvedByDrama[dramaID], let s = scope[dramaID]
            else { continue }
            var changes: [Change] = []
            let key = dramaRow[1]!
            let merged = dramaRow[4] != nil
            let title = titles[dramaID]!
            let stored = current[dramaID] ?? [:]

            // The drama's own state was rebuilt only if its facts or spellings were loaded.
            if !merged && (s.full || s.drama) {
                let text = resolved.drama.json.serialized()
                let fold = resolved.dramaFold.text
                if text != dramaRow[3] || fold != dramaRow[5] {
                    writes.dramas.append([String(dramaID), title, text, fold])
                }
                if text != dramaRow[3] {
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
                let fold = resolved.ostFolds[ost.key]?.text
                guard stored[ost.key]?.state != text || stored[ost.key]?.fold != fold else { continue }
                let s = ost.json
                if stored[ost.key] != nil { writes.replacedArtists.append(ost.key) }
                writes.osts.append([
                    ost.key, String(dramaID), s["song"].stringValue, s["part"].intValue.map { String($0) },
                    s["release"].stringValue, s["status"].stringValue ?? "announced", text, articleIDs(s), fold,
                ])
                for (position, artist) in (s["artists"].arrayValue ?? []).enumerated() {
                    writes.ostArtists.append([
                        ost.key, String(position + 1), personIDByKey[artist["key"].stringValue ?? ""].map(String.init),
                        artist["credited_as"].stringValue,
                    ])
                }
                if stored[ost.key]?.state != text { changes.append(Change(.ostUpserted, key: ost.key, data: ost.json)) }
            }
            for casting in resolved.castings {
                let text = casting.json.serialized()
                let fold = resolved.castingFolds[casting.key]?.text
                // A state that stays can still get a fold (rows from before folds existed).
                guard stored[casting.key]?.state != text || stored[casting.key]?.fold != fold else { continue }
                let s = casting.json
                // A status history mostly grows at its end: rows that stay are not rewritten.
                let history = s["history"].arrayValue ?? []
                var kept = 0
                if let old = stored[casting.key] {
                    let oldHistory = (try? JSON.parse(old.state))?["history"].arrayValue ?? []
                    while kept < min(history.count, oldHistory.count) && history[kept] == oldHistory[kept] { kept += 1 }
                    writes.keptHistory.append((casting.key, kept))
                }
                writes.castings.append([
                    casting.key, String(dramaID), personIDByKey[s["person"]["key"].stringValue ?? ""].map(String.init),
                    s["role"].stringValue, s["role_type"].stringValue, s["status"].stringValue ?? "confirmed", text,
                    articleIDs(s), fold,
                ])
                for (position, entry) in history.enumerated() where position >= kept {
                    writes.history.append([
                        casting.key, String(position + 1), entry["status"].stringValue, entry["as_of"].stringValue,
                        entry["article"].stringValue,
                    ])
                }
                if stored[casting.key]?.state != text {
                    changes.append(Change(.castingUpserted, key: casting.key, data: casting.json))
                }
            }
            if !changes.isEmpty { derived[touched[dramaID]!, default: []].append(contentsOf: changes) }
        }
        try write(writes, db: db)
    }

    /// The song key of an added OST fact (nil for other kinds).
    static func ostSong(_ fact: AddedFact) -> String? {
        if case .ost(let f) = fact.assertion.fact { songKey(f.song) } else { nil }
    }

    /// The supporting article ids of a derived state, as a bigint array literal.
    private static func articleIDs(_ state: JSON) -> String {
        SQLValue.intArray((state["sources"].arrayValue ?? []).compactMap { $0.stringValue.flatMap { Int64($0) } })
    }

    /// Applies the gathered writes: at most ten statements, whatever the batch size. Changed
    /// rows are updated in place (`ON CONFLICT DO UPDATE`); of their child rows only what
    /// differs is deleted and inserted.
    private static func write(_ w: DerivedWrites, db: isolated PQConnection) throws {
        func columns(_ rows: [[String?]], _ count: Int) -> [String?] {
            (0..<count).map { c in SQLValue.textArray(rows.map { $0[c] }) }
        }
        // Gathered, then sent as one pipeline: one round trip for all of them, in this order.
        var statements: [(sql: String, parameters: [String?])] = []
        if !w.dramas.isEmpty {
            statements.append(
                (
                    """
                    UPDATE dramas d SET title = u.title, state = u.state, fold = u.fold
                    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(id, title, state, fold)
                    WHERE d.id = u.id
                    """, columns(w.dramas, 4)
                ))
        }
        if !w.deleteOSTs.isEmpty {
            statements.append(("DELETE FROM osts WHERE key = ANY($1::text[])", [SQLValue.textArray(w.deleteOSTs)]))
        }
        if !w.deleteCastings.isEmpty {
            statements.append(
                ("DELETE FROM castings WHERE key = ANY($1::text[])", [SQLValue.textArray(w.deleteCastings)]))
        }
        if !w.osts.isEmpty {
            statements.append(
                (
                    """
                    INSERT INTO osts AS o (key, drama_id, song, part, release, status, state, article_ids, fold)
                    SELECT k, d, s, p, r, st, sta, a::bigint[], f
                    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                        AS t(k, d, s, p, r, st, sta, a, f)
                    ON CONFLICT (key) DO UPDATE SET drama_id = excluded.drama_id, song = excluded.song,
                        part = excluded.part, release = excluded.release, status = excluded.status,
                        state = excluded.state, article_ids = excluded.article_ids, fold = excluded.fold
                    """, columns(w.osts, 9)
                ))
        }
        if !w.replacedArtists.isEmpty {
            statements.append(
                (
                    "DELETE FROM ost_artists WHERE ost_key = ANY($1::text[])", [SQLValue.textArray(w.replacedArtists)]
                ))
        }
        if !w.ostArtists.isEmpty {
            statements.append(
                (
                    """
                    INSERT INTO ost_artists (ost_key, position, person_id, credited_as)
                    SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[])
                    """, columns(w.ostArtists, 4)
                ))
        }
        if !w.castings.isEmpty {
            statements.append(
                (
                    """
                    INSERT INTO castings AS c (key, drama_id, person_id, role, role_type, status, state, article_ids, fold)
                    SELECT k, d, p, r, rt, st, sta, a::bigint[], f
                    FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                        AS t(k, d, p, r, rt, st, sta, a, f)
                    ON CONFLICT (key) DO UPDATE SET drama_id = excluded.drama_id, person_id = excluded.person_id,
                        role = excluded.role, role_type = excluded.role_type, status = excluded.status,
                        state = excluded.state, article_ids = excluded.article_ids, fold = excluded.fold
                    """, columns(w.castings, 9)
                ))
        }
        if !w.keptHistory.isEmpty {
            statements.append(
                (
                    """
                    DELETE FROM casting_status_history h USING unnest($1::text[], $2::int[]) AS t(k, n)
                    WHERE h.casting_key = t.k AND h.position > t.n
                    """,
                    [
                        SQLValue.textArray(w.keptHistory.map(\.key)),
                        SQLValue.textArray(w.keptHistory.map { String($0.count) }),
                    ]
                ))
        }
        if !w.history.isEmpty {
            statements.append(
                (
                    """
                    INSERT INTO casting_status_history (casting_key, position, status, as_of, article_id)
                    SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[])
                    """, columns(w.history, 5)
                ))
        }
        _ = try db.pipeline(statements)
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
        touched.namesFromAliases = true
        for row in try db.query("SELECT id FROM dramas WHERE merged_into IS NULL").rows {
            let id = Int64(row[0]!)!
            touched.dramas[id] = 0
            touched.scopes[id] = DramaScope(full: true)
        }
        for row in try db.query("SELECT id FROM people WHERE merged_into IS NULL").rows {
            touched.people[Int64(row[0]!)!] = 0
        }
        return try refresh(touched, db: db)[0] ?? []
    }
}
