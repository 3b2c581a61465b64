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
        #expect(repairs.isEmpty, "\(repairs.map { "\($0.type.rawValue) \($0.key)" })")
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
}
