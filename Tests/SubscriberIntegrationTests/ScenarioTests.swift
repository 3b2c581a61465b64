import DramaWireClient
import LineProtocol
import TestSupport
import Testing

/// A news item line for tests (own text; facts in the style of the seed stories).
func newsItem(_ url: String, _ publishedAt: String, _ facts: [JSON], headline: String = "Test headline") -> String {
    JSON.object([
        "url": .string("https://test.example/\(url)"), "source": "Test Wire", "published_at": .string(publishedAt),
        "headline": .string(headline), "facts": .array(facts),
    ]).serialized()
}

func casting(_ drama: String, _ person: String, role: String? = nil, type: String? = "lead", status: String) -> JSON {
    [
        "kind": "casting", "drama": .string(drama), "person": .string(person), "role": .string(role),
        "role_type": .string(type), "status": .string(status),
    ]
}

func ost(_ drama: String, _ artists: [String], song: String? = nil, part: Int64? = nil, release: String? = nil)
    -> JSON
{
    [
        "kind": "ost", "drama": .string(drama), "artists": .array(artists.map { .string($0) }), "song": .string(song),
        "part": part.map { .int($0) } ?? .null, "release": .string(release), "status": "announced",
    ]
}

/// Every OK, or the first ERR as a failure.
func ingestAll(_ lines: [String], to address: ServiceAddress) async throws {
    for reply in try await ingestLines(lines, to: address) {
        if case .error(let error) = reply { throw error }
    }
}

/// Changes that must reach every document that shows them.
@Suite struct ScenarioTests {
    @Test func statusChangesRetractionsAndMergesReachEveryDocument() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address)
        defer { Task { await subscriber.stop() } }
        let address = subscriber.address

        // A watcher on the person, started before anything exists.
        let watched = Task {
            try await withSession(address) { session -> [JSON] in
                try await session.call("WATCH PERSON Kim Soo-hyun")
                var events: [JSON] = []
                while let line = try await session.readLine(), line.hasPrefix("EVENT ") || line.hasPrefix("HEARTBEAT") {
                    guard line.hasPrefix("EVENT ") else { continue }
                    let event = try JSON.parse(String(line.dropFirst(6)))
                    events.append(event)
                    if event["doc"]["roles"][0]["status"] == "confirmed" { return events }
                }
                return events
            }
        }
        try await Task.sleep(for: .milliseconds(200))

        // Two spellings, in talks first, confirmed later.
        try await ingestAll(
            [
                newsItem(
                    "a", "2024-05-01T09:00:00+09:00",
                    [casting("Lantern Keeper (working title)", "Kim Soo-Hyun", role: "Seo Do-hyun", status: "in_talks")]
                ),
                newsItem(
                    "b", "2024-05-03T09:00:00+09:00",
                    [casting("The Lantern Keeper", "KIM SOO HYUN", role: "Seo Do-hyun", status: "confirmed")]),
            ], to: ingest.address)
        try await waitUntilCaughtUp(address, ingest: ingest.address)

        let drama = try JSON.parse(try #require(try await getDocument(address, "DRAMA lantern keeper")))
        #expect(drama["cast"].arrayValue?.count == 1)
        #expect(drama["cast"][0]["status"] == "confirmed")
        #expect(drama["cast"][0]["person"] == ["key": "kimsoohyun", "name": "KIM SOO HYUN"])
        let person = try JSON.parse(try #require(try await getDocument(address, "PERSON kim soo-hyun")))
        #expect(person["aliases"] == ["KIM SOO HYUN", "Kim Soo-Hyun"])
        #expect(person["roles"].arrayValue?.count == 1)
        #expect(person["roles"][0]["status"] == "confirmed")
        #expect(person["roles"][0]["drama"] == ["key": "lanternkeeper", "title": "The Lantern Keeper"])
        let events = try await watched.value
        #expect(events.last?["kind"] == "person")
        #expect(events.last?["key"] == "kimsoohyun")
        #expect(events.last?["doc"]["roles"][0]["status"] == "confirmed")

        // A later article sets the status back: both documents follow.
        try await ingestAll(
            [
                newsItem(
                    "c", "2024-05-05T09:00:00+09:00",
                    [casting("The Lantern Keeper", "Kim Soo-hyun", role: "Seo Do-hyun", status: "withdrawn")])
            ], to: ingest.address)
        try await waitUntilCaughtUp(address, ingest: ingest.address)
        #expect(
            try JSON.parse(try #require(try await getDocument(address, "DRAMA lanternkeeper")))["cast"][0]["status"]
                == "withdrawn")
        #expect(
            try JSON.parse(try #require(try await getDocument(address, "PERSON kimsoohyun")))["roles"][0]["status"]
                == "withdrawn")

        // Retraction: an OST only article d asserted disappears from drama and person; the
        // casting that other articles support stays.
        try await ingestAll(
            [newsItem("d", "2024-05-06T09:00:00+09:00", [ost("The Lantern Keeper", ["Kim Soo-hyun"], song: "Ember")])],
            to: ingest.address)
        try await waitUntilCaughtUp(address, ingest: ingest.address)
        #expect(
            try JSON.parse(try #require(try await getDocument(address, "DRAMA lanternkeeper")))["osts"][0]["song"]
                == "Ember")
        #expect(
            try JSON.parse(try #require(try await getDocument(address, "PERSON kimsoohyun")))["songs"][0]["song"]
                == "Ember")
        _ = try await request(ingest.address, #"RETRACT {"url":"https://test.example/d"}"#)
        try await waitUntilCaughtUp(address, ingest: ingest.address)
        let afterRetraction = try JSON.parse(try #require(try await getDocument(address, "DRAMA lanternkeeper")))
        #expect(afterRetraction["osts"] == [])
        #expect(afterRetraction["cast"].arrayValue?.count == 1)
        let personAfter = try JSON.parse(try #require(try await getDocument(address, "PERSON kimsoohyun")))
        #expect(personAfter["songs"] == [])
        #expect(
            personAfter["news"].arrayValue?.compactMap { $0["url"].stringValue }.contains("https://test.example/d")
                == false)
        let osts = try await withSession(address) { try await $0.call(#"OSTS {"drama":"The Lantern Keeper"}"#) }
        #expect(osts?["items"] == [])

        // MERGE: a misspelled person (Kim So-hyun, a different key) merged into Kim Soo-hyun.
        try await ingestAll(
            [
                newsItem(
                    "e", "2024-05-07T09:00:00+09:00",
                    [casting("Moon Signal", "Kim So-hyun", role: "Han Yi-seo", type: "supporting", status: "confirmed")]
                )
            ], to: ingest.address)
        try await waitUntilCaughtUp(address, ingest: ingest.address)
        #expect(try await getDocument(address, "PERSON kimsohyun") != nil)
        let merged = try await request(
            ingest.address, #"MERGE {"kind":"person","from":"kimsohyun","into":"kimsoohyun"}"#)
        #expect(DocumentTests.ok(merged) != nil)
        try await waitUntilCaughtUp(address, ingest: ingest.address)

        let all = try await documents(ofReadModel: subscriber.path)
        #expect(all["person/kimsohyun"] == nil)
        #expect(!all.values.contains { $0.contains("\"kimsohyun\"") })
        let survivor = try JSON.parse(try #require(try await getDocument(address, "PERSON Kim So-hyun")))
        #expect(survivor["key"] == "kimsoohyun")
        #expect(
            survivor["roles"].arrayValue?.compactMap { $0["drama"]["key"].stringValue }.sorted() == [
                "lanternkeeper", "moonsignal",
            ])
        let moonSignal = try JSON.parse(try #require(try await getDocument(address, "DRAMA Moon Signal")))
        #expect(moonSignal["cast"][0]["person"]["key"] == "kimsoohyun")
        let castings = try await withSession(address) { try await $0.call(#"CASTING {"person":"Kim So-hyun"}"#) }
        #expect(castings?["items"].arrayValue?.count == 2)
        // After renames, retractions and a merge, every assembled document equals its projection.
        #expect(try await projectionMismatches(ofReadModel: subscriber.path) == [])
    }

    @Test func queryVerbsFilterPageAndRefuseBadInput() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address)
        defer { Task { await subscriber.stop() } }
        let address = subscriber.address
        try await ingestAll(
            [
                newsItem(
                    "q1", "2024-06-01T10:00:00+09:00",
                    [
                        ost(
                            "Spring Signal", ["Yoon Ha-eun"], song: "First Light", part: 1,
                            release: "2024-06-05T18:00:00+09:00"),
                        ost(
                            "Spring Signal", ["Lee Min-ho"], song: "Second Wind", part: 2,
                            release: "2024-06-12T18:00:00+09:00"),
                        ost(
                            "Spring Signal", ["Yoon Ha-eun", "Lee Min-ho"], song: "Duet", part: 3, release: "2024-06-19"
                        ),
                        casting(
                            "Spring Signal", "Park Seo-yeon", role: "Ahn Mi-rae", type: "supporting", status: "in_talks"
                        ),
                        casting("Spring Signal", "Choi Do-yoon", role: "Gu Ha-neul", type: "lead", status: "confirmed"),
                    ], headline: "Spring Signal's soundtrack: three songs, two voices")
            ], to: ingest.address)
        try await waitUntilCaughtUp(address, ingest: ingest.address)

        try await withSession(address) { session in
            // Paging: one per page, in part order, until next is null.
            var songs: [String] = []
            var cursor: JSON = .null
            repeat {
                let page = try #require(
                    try await session.call(
                        "OSTS " + JSON.object(["drama": "spring signal", "limit": 1, "cursor": cursor]).serialized()))
                songs += page["items"].arrayValue?.compactMap { $0["song"].stringValue } ?? []
                cursor = page["next"]
            } while !cursor.isNull && songs.count < 10
            #expect(songs == ["First Light", "Second Wind", "Duet"])

            let byArtist = try await session.call(#"OSTS {"artist":"YOON HA-EUN"}"#)
            #expect(byArtist?["items"].arrayValue?.compactMap { $0["song"].stringValue } == ["First Light", "Duet"])
            // A date alone as `until` includes that whole day (KST).
            let window = try await session.call(#"OSTS {"since":"2024-06-06","until":"2024-06-19"}"#)
            #expect(window?["items"].arrayValue?.compactMap { $0["song"].stringValue } == ["Second Wind", "Duet"])
            let leads = try await session.call(#"CASTING {"drama":"Spring Signal","role_type":"lead"}"#)
            #expect(leads?["items"].arrayValue?.compactMap { $0["person"]["name"].stringValue } == ["Choi Do-yoon"])
            let talks = try await session.call(#"CASTING {"status":"in_talks"}"#)
            #expect(talks?["items"][0]["drama"] == ["key": "springsignal", "title": "Spring Signal"])

            let drama = try #require(try await session.call("GET DRAMA Spring Signal"))
            #expect(
                drama["cast"].arrayValue?.compactMap { $0["person"]["name"].stringValue } == [
                    "Choi Do-yoon", "Park Seo-yeon",
                ])
            #expect(drama["osts"].arrayValue?.compactMap { $0["part"].intValue } == [1, 2, 3])

            let search = try #require(try await session.call("SEARCH second wind"))
            #expect(
                search["results"][0] == [
                    "kind": "drama", "key": "springsignal", "name": "Spring Signal",
                    "score": search["results"][0]["score"],
                ])
            let byName = try #require(try await session.call("SEARCH Yoon Haeun"))
            #expect(byName["results"][0]["key"] == "yoonhaeun")
            // FTS5 syntax in the query is just text.
            // Every word must match (as a prefix); quotes, operators and stars are not syntax.
            #expect(try await session.call(#"SEARCH "spring" sig*"#)?["results"][0]["key"] == "springsignal")
            #expect(try await session.call(#"SEARCH NEAR("sig OR -x"#)?["results"] == [])

            let feed = try #require(try await session.call(#"FEED {"limit":2}"#))
            let seqs = feed["items"].arrayValue?.compactMap { $0["seq"].intValue } ?? []
            #expect(seqs.count == 2 && seqs[0] > seqs[1])
            let older = try #require(
                try await session.call("FEED " + JSON.object(["before": .int(seqs[1]), "limit": 500]).serialized()))
            #expect(older["items"].arrayValue?.first?["seq"].intValue == seqs[1] - 1)
            #expect(older["items"].arrayValue?.last?["seq"] == 1)

            let stats = try #require(try await session.call("STATS"))
            #expect(stats["connected"] == true)
            #expect(stats["lag"] == 0)
            #expect(stats["counts"]["osts"] == 3)
            #expect(stats["counts"]["castings"] == 2)

            // Bad input: a specific error, and the connection keeps serving.
            let bad: [(String, ErrorCode)] = [
                ("GET", .badRequest), ("GET SONG x", .badRequest), ("GET DRAMA nothing at all", .notFound),
                ("OSTS [1]", .invalid), (#"OSTS {"staus":"released"}"#, .invalid),
                (#"OSTS {"status":"out"}"#, .invalid),
                (#"OSTS {"limit":0}"#, .invalid), (#"OSTS {"since":"2014-02-29"}"#, .invalid),
                (#"OSTS {"cursor":"zz"}"#, .invalid), ("OSTS {", .badJSON),
                (#"CASTING {"role_type":"villain"}"#, .invalid),
                (#"FEED {"limit":-1}"#, .invalid), (#"FEED {"before":"x"}"#, .invalid), ("SEARCH ---", .invalid),
                ("WATCH SOMETHING", .badRequest), ("FROB", .unknownCommand),
            ]
            for (line, code) in bad {
                let reply = try await session.request(line)
                #expect(
                    reply == .error(WireError(code, ""))
                        || { if case .error(let e) = reply { e.code == code } else { false } }(), "\(line)")
            }
            #expect(try await session.request("PING") == .ok(nil))
        }
    }
}
