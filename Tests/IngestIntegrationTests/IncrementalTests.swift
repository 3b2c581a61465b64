import DramaWireClient
import LineProtocol
import PostgresStore
import TestSupport
import TestUtilities
import Testing

/// The write path recomputes only what a batch can have changed. This checks the shortcut
/// against the definition: after a random workload, a full recomputation changes nothing.
@Suite struct IncrementalTests {
    @Test(arguments: [1, 2, 3])
    func incrementalStateEqualsAFullRecomputation(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let lines = try sampleNews()
        let urls = lines.compactMap { (try? JSON.parse($0))?["url"].stringValue }
        var operations: [String] = []
        for line in lines.shuffled(using: &random) {
            operations.append("INGEST " + line)
            switch Int.random(in: 0..<6, using: &random) {
            case 0:
                operations.append(#"RETRACT {"url":"\#(urls.randomElement(using: &random)!)"}"#)
            case 1:
                // A correction: the same url with a later date and one fact changed.
                var object = try JSON.parse(line).objectValue!
                object["published_at"] = "2025-01-01T09:00:00+09:00"
                if case .array(var facts)? = object["facts"], !facts.isEmpty {
                    facts.removeLast()
                    object["facts"] = .array(facts)
                }
                operations.append("INGEST " + JSON.object(object).serialized())
            case 2:
                operations.append(#"MERGE {"kind":"person","from":"kimjiwon","into":"kimsoohyun"}"#)
            default:
                break
            }
        }
        // Pipelined, so batches mix operations.
        _ = try await withSession(ingest.address) { session in
            try await session.send(lines: operations)
            for _ in operations { _ = try await session.readReply() }
        }
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        let repairs = try await db.connection.run { conn in try WritePath.pendingRepairs(db: conn) }
        #expect(repairs.isEmpty, "\(repairs.map { "\($0.type.rawValue) \($0.key)" })")
    }

    /// Random news over a small universe, built to hit every shortcut of the scoped
    /// recomputation: untitled announcements that join songs by part or by artist, songs that
    /// share parts and artists, spelling variants that change display names, corrections that
    /// move an article's date or drop facts, retractions, merges, and several connections at
    /// once (so batches interleave on one drama). Afterwards a full recomputation from the
    /// stored facts and aliases changes nothing.
    @Test(arguments: [11, 12, 13, 14])
    func scopedRecomputationEqualsAFullOne(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        // Two writers: batches on one drama interleave in the database, not only in the queue.
        let ingest = try await startIngest { $0.writers = 2 }
        defer { Task { await ingest.stop() } }
        let dramas = ["Moon Garden", "Moon garden", "Salt Road"]
        let people = ["Kim Na-ra", "Kim Nara", "Lee Do-yun", "Park Se-on", "Park Seon", "Choi Ha-ram", "IRIS"]
        let songs: [String?] = [
            nil, nil, nil, "Blue Hour", "blue hour", "Paper Moon", "Lullaby", "Rain Map", "Tide", "Ember", "Halo",
        ]
        var urls: [String] = []
        // Announcements come before titles, as in real news: early items are often untitled,
        // the last ones never (so nothing later repairs what a titled one got wrong).
        func item(url: String, day: Int, phase: Int) -> String {
            var facts: [JSON] = []
            for _ in 0..<Int.random(in: 1...2, using: &random) {
                let drama = dramas.randomElement(using: &random)!
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    facts.append([
                        "kind": "drama", "title": .string(drama),
                        "network": .string(["tvN", "JTBC", nil].randomElement(using: &random)!),
                        "platforms": [], "premiere": nil,
                        "episodes": .int([12, 16, nil].randomElement(using: &random)!),
                    ])
                case 1:
                    facts.append([
                        "kind": "casting", "drama": .string(drama),
                        "person": .string(people.randomElement(using: &random)!),
                        "role": .string(["Han Yu-ri", nil].randomElement(using: &random)!), "role_type": "lead",
                        "status": .string(
                            ["rumored", "in_talks", "confirmed", "withdrawn"].randomElement(using: &random)!),
                    ])
                default:
                    let artists = (0..<Int.random(in: 1...2, using: &random)).map { _ in
                        people.randomElement(using: &random)!
                    }
                    facts.append([
                        "kind": "ost", "drama": .string(drama),
                        "song": .string(
                            phase == 0 && Bool.random(using: &random)
                                ? nil : songs.dropFirst(phase == 2 ? 3 : 0).randomElement(using: &random)!),
                        "part": .int([1, 2, 3, nil].randomElement(using: &random)!),
                        "artists": .array(Array(Set(artists)).sorted().map { .string($0) }), "release": nil,
                        "status": .string(["announced", "released"].randomElement(using: &random)!),
                        "credits": ["composer": [], "lyricist": [], "producer": []],
                    ])
                }
            }
            let object: JSON = [
                "url": .string(url), "source": "Wire",
                "published_at": .string(
                    "2025-03-\(String(format: "%02d", day))T1\(Int.random(in: 0...9, using: &random)):00:00+09:00"),
                "headline": "News", "body": "Text.", "facts": .array(facts),
            ]
            return "INGEST " + object.serialized()
        }
        var lanes: [[String]] = [[], [], [], []]
        for n in 0..<240 {
            let lane = Int.random(in: 0..<lanes.count, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0 where !urls.isEmpty:
                lanes[lane].append(#"RETRACT {"url":"\#(urls.randomElement(using: &random)!)"}"#)
            case 1,
                2 where !urls.isEmpty:
                // A correction, often with another date.
                lanes[lane].append(
                    item(
                        url: urls.randomElement(using: &random)!, day: Int.random(in: 1...28, using: &random), phase: 1)
                )
            case 3 where n > 180:
                lanes[lane].append(#"MERGE {"kind":"person","from":"parkseon","into":"kimnara"}"#)
            default:
                let url = "https://wire.example/\(seed)/\(n)"
                urls.append(url)
                lanes[lane].append(
                    item(url: url, day: Int.random(in: 1...28, using: &random), phase: n < 100 ? 0 : n < 170 ? 1 : 2))
            }
        }
        // Four connections at once, each pipelined, so batches mix operations and interleave.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in lanes {
                group.addTask {
                    _ = try await withSession(ingest.address) { session in
                        try await session.send(lines: lane)
                        for _ in lane { _ = try await session.readReply() }
                    }
                }
            }
            try await group.waitForAll()
        }
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        let repairs = try await db.connection.run { conn in try WritePath.pendingRepairs(db: conn) }
        // What is stored for each key the full recomputation would change, to compare by eye.
        var stored: [String] = []
        for change in repairs {
            for table in ["dramas", "people", "castings", "osts"] {
                let rows = try await db.connection.query(
                    "SELECT state FROM \(table) WHERE key = $1", [change.key]
                ).rows
                stored += rows.compactMap { $0[0] }.map { "\(change.key) stored: \($0)" }
            }
        }
        #expect(
            repairs.isEmpty, "\(repairs.map { "\($0.type.rawValue) \($0.key)" })\n\(stored.joined(separator: "\n"))")
        // The relational child rows agree with the states they were written from.
        let badHistories = try await db.connection.query(
            """
            SELECT c.key FROM castings c
            WHERE coalesce((SELECT array_agg(h.position || ' ' || h.status || ' ' || h.as_of || ' ' || h.article_id
                                             ORDER BY h.position)
                            FROM casting_status_history h WHERE h.casting_key = c.key), '{}')
               <> coalesce((SELECT array_agg(e.n || ' ' || (e.v ->> 'status') || ' ' || (e.v ->> 'as_of') || ' '
                                             || (e.v ->> 'article') ORDER BY e.n)
                            FROM jsonb_array_elements(c.state::jsonb -> 'history') WITH ORDINALITY AS e(v, n)), '{}')
            """
        ).rows.map { $0[0] }
        #expect(badHistories.isEmpty, "\(badHistories)")
        let badArtists = try await db.connection.query(
            """
            SELECT o.key FROM osts o
            WHERE coalesce((SELECT array_agg(a.position || ' ' || a.credited_as ORDER BY a.position)
                            FROM ost_artists a WHERE a.ost_key = o.key), '{}')
               <> coalesce((SELECT array_agg(e.n || ' ' || (e.v ->> 'credited_as') ORDER BY e.n)
                            FROM jsonb_array_elements(o.state::jsonb -> 'artists') WITH ORDINALITY AS e(v, n)), '{}')
            """
        ).rows.map { $0[0] }
        #expect(badArtists.isEmpty, "\(badArtists)")
        let osts = try await db.keys("osts", where: "true")
        #expect(osts.contains { $0.contains("/song/") } && !osts.isEmpty)
    }

    /// Eight connections correct one url at once, each version naming its own drama. The
    /// article must end with the facts of exactly one version (the one it shows), never a mix
    /// of two corrections that each deleted the facts they saw.
    @Test func concurrentCorrectionsOfOneURLKeepOneVersion() async throws {
        let ingest = try await startIngest { $0.writers = 2 }
        defer { Task { await ingest.stop() } }
        func version(_ lane: Int, _ n: Int) -> String {
            let title = "Drama \(lane) \(n)"
            let facts: [JSON] = (0...(n % 3)).map { i in
                [
                    "kind": "casting", "drama": .string(title), "person": .string("Actor \(i)"), "role": nil,
                    "role_type": "lead", "status": "confirmed",
                ]
            }
            let object: JSON = [
                "url": "https://wire.example/one", "source": "Wire",
                "published_at": .string("2025-03-\(String(format: "%02d", 1 + n % 28))T10:00:00+09:00"),
                "headline": .string(title), "body": "Text.", "facts": .array(facts),
            ]
            return "INGEST " + object.serialized()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            // One request at a time per connection, so batches are small and a correction that
            // waited for another writer is often the last of its batch (a later one in the same
            // batch would clean up after it).
            for lane in 0..<8 {
                group.addTask {
                    _ = try await withSession(ingest.address) { session in
                        for n in 0..<12 {
                            try await session.send(lines: [version(lane, n)])
                            _ = try await session.readReply()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        let headline = try await db.connection.query("SELECT headline FROM articles").rows.map { $0[0]! }
        #expect(headline.count == 1)
        let dramas = try await db.connection.query(
            "SELECT DISTINCT d.title FROM facts f JOIN dramas d ON d.id = f.drama_id"
        ).rows.map { $0[0]! }
        #expect(dramas == headline, "facts of \(dramas) under the version \(headline)")
        let repairs = try await db.connection.run { conn in try WritePath.pendingRepairs(db: conn) }
        #expect(repairs.isEmpty, "\(repairs.map { "\($0.type.rawValue) \($0.key)" })")
    }

    /// A merge pipelined between ingests lands in the middle of a batch: the items after it
    /// must store facts about the survivor, not the entity merged away (which the batch had
    /// resolved the name to before the merge).
    @Test func itemsAfterAMergeInOneBatchNameTheSurvivor() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        func item(_ n: Int, _ person: String) -> String {
            let object: JSON = [
                "url": .string("https://wire.example/m/\(n)"), "source": "Wire",
                "published_at": .string("2025-03-\(String(format: "%02d", n + 1))T10:00:00+09:00"),
                "headline": "News", "body": "Text.",
                "facts": [
                    [
                        "kind": "casting", "drama": "Salt Road", "person": .string(person), "role": nil,
                        "role_type": "lead", "status": "confirmed",
                    ],
                    [
                        "kind": "ost", "drama": "Salt Road", "song": .string("Song \(n)"), "part": nil,
                        "artists": [.string(person)], "release": nil, "status": "announced",
                        "credits": ["composer": [], "lyricist": [], "producer": []],
                    ],
                ],
            ]
            return "INGEST " + object.serialized()
        }
        let lines =
            (0..<6).map { item($0, $0 == 0 ? "Kim Na-ra" : "Park Seon") }
            + [#"MERGE {"kind":"person","from":"parkseon","into":"kimnara"}"#]
            + (6..<12).map { item($0, "Park Seon") }
        let replies = try await withSession(ingest.address) { session in
            try await session.send(lines: lines)
            var replies: [Reply] = []
            for _ in lines { replies.append(try await session.readReply()) }
            return replies
        }
        #expect(replies.allSatisfy { if case .ok = $0 { true } else { false } }, "\(replies.map(\.line))")
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        let stale = try await db.connection.query(
            """
            SELECT f.article_id FROM facts f JOIN people p ON p.id = ANY(f.person_ids) OR p.id = f.subject
            WHERE p.merged_into IS NOT NULL
            """
        ).rows.map { $0[0]! }
        #expect(stale.isEmpty, "articles with facts about the merged-away person: \(stale)")
        // Where untitled announcements look for the songs an artist sang.
        let staleSongs = try await db.connection.query(
            "SELECT s.song_norm FROM ost_song_artists s JOIN people p ON p.id = s.person_id WHERE p.merged_into IS NOT NULL"
        ).rows.map { $0[0]! }
        #expect(staleSongs.isEmpty, "songs filed under the merged-away person: \(staleSongs)")
        #expect(try await db.keys("castings") == ["saltroad/kimnara"])
        let repairs = try await db.connection.run { conn in try WritePath.pendingRepairs(db: conn) }
        #expect(repairs.isEmpty, "\(repairs.map { "\($0.type.rawValue) \($0.key)" })")
    }
}
