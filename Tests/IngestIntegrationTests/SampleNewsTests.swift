import DramaWireClient
import LineProtocol
import TestSupport
import TestUtilities
import Testing

/// The sample news, end to end through a real server and a real PostgreSQL; expected states are
/// written by hand from the sample file.
@Suite struct SampleNewsTests {
    static let u5 = "https://wire.example/2024/04/19/kim-soo-hyun-queen-of-tears-ost"
    static let u6 = "https://fans.example/posts/kim-soo-hyun-returns-to-ost-singing"
    static let u7 = "https://news.example/drama/queen-of-tears-kim-soo-hyun-ost-confirmed"
    static let u8 = "https://wire.example/2024/04/25/queen-of-tears-ost-part-12-title"
    static let u9 = "https://news.example/music/way-home-kim-soo-hyun-released"

    @Test func sampleNewsGivesTheExpectedStates() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let replies = try await ingestLines(try sampleNews(), to: ingest.address)
        #expect(replies.allSatisfy { if case .ok = $0 { true } else { false } })
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }

        // One OST for Kim Soo-hyun in Queen of Tears: the untitled announcements joined "Way Home".
        #expect(try await db.keys("osts", where: "key LIKE 'queenoftears/%'") == ["queenoftears/song/wayhome"])
        #expect(
            try await db.state("osts", key: "queenoftears/song/wayhome") == [
                "key": "queenoftears/song/wayhome",
                "drama": ["key": "queenoftears", "title": "Queen of Tears"],
                "song": "Way Home", "part": 12,
                "artists": [["key": "kimsoohyun", "name": "Kim Soo-hyun", "credited_as": "Kim Soo-hyun"]],
                "release": "2024-04-27T18:00:00+09:00", "status": "released",
                "credits": ["composer": [], "lyricist": [], "producer": []],
                "announced_at": "2024-04-19T10:12:00+09:00",
                "sources": [.string(Self.u6), .string(Self.u7), .string(Self.u9), .string(Self.u5), .string(Self.u8)],
            ])
        #expect(
            try await db.state("castings", key: "queenoftears/kimsoohyun") == [
                "key": "queenoftears/kimsoohyun",
                "drama": ["key": "queenoftears", "title": "Queen of Tears"],
                "person": ["key": "kimsoohyun", "name": "Kim Soo-hyun"],
                "role": "Baek Hyun-woo", "role_type": "lead", "status": "confirmed",
                // Three reports of one status are one entry, from the first.
                "history": [
                    ["status": "confirmed", "as_of": "2024-04-19T10:12:00+09:00", "article": .string(Self.u5)]
                ],
                "sources": [.string(Self.u6), .string(Self.u7), .string(Self.u5)],
            ])
        #expect(
            try await db.state("castings", key: "queenoftears/kimjiwon")?["role"] == "Hong Hae-in")
        #expect(
            try await db.state("people", key: "kimsoohyun") == [
                "key": "kimsoohyun", "name": "Kim Soo-hyun",
                "aliases": ["Kim Soo Hyun", "Kim Soo-Hyun", "Kim Soo-hyun"],
            ])
        #expect(
            try await db.state("dramas", key: "queenoftears") == [
                "key": "queenoftears", "title": "Queen of Tears", "aliases": ["Queen of Tears"], "network": "tvN",
                "platforms": ["Netflix"], "premiere": "2024-03-09", "episodes": 16,
                "sources": [.string(Self.u7), .string(Self.u5)],
            ])

        // "Lantern Keeper (working title)" and "The Lantern Keeper" are one drama; the later
        // article corrected the premiere.
        let lantern = try #require(try await db.state("dramas", key: "lanternkeeper"))
        #expect(lantern["title"] == "The Lantern Keeper")
        #expect(lantern["aliases"] == ["Lantern Keeper (working title)", "The Lantern Keeper"])
        #expect(lantern["premiere"] == "2024-06-08")

        // in_talks → confirmed; rumored → declined; withdrawn and offered.
        #expect(try await db.state("castings", key: "moonlitbakery/baekjiho")?["status"] == "confirmed")
        #expect(
            try await db.state("castings", key: "moonlitbakery/baekjiho")?["history"].arrayValue?.map { $0["status"] }
                == ["in_talks", "confirmed"])
        #expect(try await db.state("castings", key: "moonlitbakery/hanseoyeon")?["status"] == "declined")
        #expect(try await db.state("castings", key: "saltwindinn/minseoah")?["status"] == "withdrawn")
        #expect(try await db.state("castings", key: "saltwindinn/jangyerin")?["status"] == "offered")
        #expect(
            try await db.keys("castings", where: "key LIKE '%/ohjian'") == [
                "lanternkeeper/ohjian", "saltwindinn/ohjian",
            ])

        // Untitled OSTs that were later named never remain as duplicates.
        #expect(
            try await db.keys("osts", where: "key LIKE 'moonlitbakery/%'") == ["moonlitbakery/song/flourandstarlight"])
        #expect(
            try await db.keys("osts", where: "key LIKE 'soundtrack1/%'") == [
                "soundtrack1/by/davichi", "soundtrack1/by/kimjongkook", "soundtrack1/song/lovebeyondwords",
                "soundtrack1/song/wanttobehappy",
            ])
        #expect(
            try await db.state("osts", key: "soundtrack1/song/wanttobehappy")?["credits"]["lyricist"] == ["Park Bo-ram"]
        )
    }

    @Test func ingestingTheSampleTwiceChangesNothing() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let lines = try sampleNews()
        _ = try await ingestLines(lines, to: ingest.address)
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        let before = try await db.snapshot()
        let countsBefore = try await db.counts()
        let replies = try await ingestLines(lines, to: ingest.address)
        for reply in replies {
            guard case .ok(let json?) = reply else {
                Issue.record("expected OK, got \(reply)")
                continue
            }
            #expect(json["duplicate"] == true)
            #expect(json["changes"] == 0)
            #expect(json["first_seq"] == .null && json["last_seq"] == .null)
        }
        #expect(try await db.snapshot() == before)
        #expect(try await db.counts() == countsBefore)
    }

    /// Property: the final state depends only on the set of articles, not on ingestion order.
    @Test func finalStateIsIndependentOfIngestionOrder() async throws {
        let lines = try sampleNews()
        var generator = SeededRandom(seed: 20_240_419)
        var reference: [String: JSON]?
        for round in 0..<4 {
            let order = round == 0 ? lines : lines.shuffled(using: &generator)
            let ingest = try await startIngest()
            // Every other round sends one item per connection, so batches differ too.
            if round % 2 == 0 {
                _ = try await ingestLines(order, to: ingest.address)
            } else {
                for line in order { _ = try await ingestLines([line], to: ingest.address) }
            }
            let db = try await Inspector.open(ingest.databaseURL)
            let snapshot = try await db.snapshot()
            await db.close()
            await ingest.stop()
            if let reference {
                #expect(snapshot == reference, "round \(round) differs")
            } else {
                reference = snapshot
                #expect(snapshot.count > 30)
            }
        }
    }
}
