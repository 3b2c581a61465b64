import DramaWireClient
import LineProtocol
import TestSupport
import Testing

/// An article in our own words, with the facts of the protocol's example: Kim Soo-hyun sings
/// Part 12 of the Queen of Tears OST and plays its male lead.
let extractionArticle: JSON = [
    "url": "https://test.example/queen-of-tears-proposal", "source": "Test Wire",
    "published_at": "2024-04-19T09:30:00+09:00",
    "headline": "Kim Soo-hyun to sing for 'Queen of Tears' soundtrack",
    "body": """
    Actor Kim Soo-hyun will sing Part 12 of the OST for tvN's 'Queen of Tears', which also streams on Netflix. \
    The song, 'Proposal', will be released on April 29 at noon KST.

    ALSO READ: Ten dramas to watch this spring, from 'Lovely Runner' to 'Crash Landing on You'

    Kim Soo-hyun plays Baek Hyun-woo, the male lead of the drama.
    """,
]

@Suite struct ExtractionTests {
    /// EXTRACT answers the facts with evidence that points into the text, and stores nothing.
    @Test func extractAnswersFactsWithEvidenceAndStoresNothing() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let reply = try await request(ingest.address, "EXTRACT " + extractionArticle.serialized())
        guard case .ok(let json?) = reply, let facts = json["facts"].arrayValue else {
            Issue.record("EXTRACT: \(reply)")
            return
        }
        let ost = facts.first { $0["kind"] == "ost" }
        #expect(ost?["drama"] == "Queen of Tears")
        #expect(ost?["song"] == "Proposal")
        #expect(ost?["part"] == 12)
        #expect(ost?["artists"] == ["Kim Soo-hyun"])
        #expect(ost?["release"] == "2024-04-29T12:00:00+09:00")
        #expect(ost?["status"] == "announced")
        let drama = facts.first { $0["kind"] == "drama" }
        #expect(drama?["network"] == "tvN")
        #expect(drama?["platforms"] == ["Netflix"])
        // Nothing from the ALSO READ line.
        #expect(!facts.contains { $0["drama"] == "Lovely Runner" || $0["title"] == "Lovely Runner" })
        #expect(!facts.contains { $0["drama"] == "Crash Landing on You" || $0["title"] == "Crash Landing on You" })
        for fact in facts {
            let evidence = fact["evidence"]
            let field = evidence["field"].stringValue ?? ""
            let text = Array((extractionArticle[field].stringValue ?? "").utf8)
            let start = Int(evidence["start"].intValue ?? -1)
            let end = Int(evidence["end"].intValue ?? -1)
            #expect(start >= 0 && start < end && end <= text.count, "evidence offsets out of range: \(evidence)")
            if start >= 0 && start < end && end <= text.count {
                #expect(String(decoding: text[start..<end], as: UTF8.self) == evidence["text"].stringValue)
            }
            let confidence = fact["confidence"].doubleValue ?? -1
            #expect(confidence >= 0 && confidence <= 1)
            #expect(fact["unconfirmed"] == .bool(confidence < 0.5))
        }
        #expect(try await headSeq(ingest.address) == 0)
    }

    /// EXTRACT's own refusals.
    @Test func extractRefusesFactsAndHugeBodies() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        var withFacts = extractionArticle.objectValue!
        withFacts["facts"] = [["kind": "drama", "title": "Queen of Tears", "network": "tvN"]]
        var huge = extractionArticle.objectValue!
        huge["body"] = .string(String(repeating: "Kim Soo-hyun sings. ", count: 20_000))
        for (argument, prefix) in [
            (JSON.object(withFacts), "ERR invalid facts"), (.object(huge), "ERR invalid body"),
            (["url": "https://x.example/"], "ERR invalid published_at"),
        ] {
            let line = try await rawExchange(
                ingest.address, bytes: Array("EXTRACT \(argument.serialized())\n".utf8), lines: 2)
            #expect(line.last?.hasPrefix(prefix) == true, "\(line.last ?? "nil")")
        }
        #expect(try await headSeq(ingest.address) == 0)
    }

    /// INGEST with `"extract": true` stores the facts with their evidence; documents show them.
    @Test func ingestWithExtractReachesTheReadModel() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address)
        defer { Task { await subscriber.stop() } }
        var item = extractionArticle.objectValue!
        item["extract"] = true
        let reply = try await request(ingest.address, "INGEST " + JSON.object(item).serialized())
        guard case .ok(let ack?) = reply else {
            Issue.record("INGEST: \(reply)")
            return
        }
        #expect((ack["changes"].intValue ?? 0) > 0)
        try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address)

        let dramaText = try #require(try await getDocument(subscriber.address, "DRAMA Queen of Tears"))
        let drama = try JSON.parse(dramaText)
        let ost = drama["osts"][0]
        #expect(ost["song"] == "Proposal")
        #expect(ost["part"] == 12)
        #expect(ost["artists"][0]["name"] == "Kim Soo-hyun")
        #expect(ost["release"] == "2024-04-29T12:00:00+09:00")
        #expect(drama["network"] == "tvN")

        let articleID = try #require(ack["article"].stringValue)
        let article = try JSON.parse(try #require(try await getDocument(subscriber.address, "ARTICLE \(articleID)")))
        let facts = article["facts"].arrayValue ?? []
        #expect(!facts.isEmpty)
        #expect(facts.allSatisfy { $0["evidence"]["text"].stringValue?.isEmpty == false })
        #expect(facts.allSatisfy { $0["confidence"].doubleValue != nil })

        // The same article again is a duplicate: extraction is deterministic.
        let again = try await request(ingest.address, "INGEST " + JSON.object(item).serialized())
        if case .ok(let json?) = again { #expect(json["duplicate"] == true) } else { Issue.record("\(again)") }
    }

    /// Names the database knows win over the article's spelling, and the same article sent
    /// again is a duplicate even though the known names changed in between.
    @Test func extractionUsesTheNamesTheDatabaseKnows() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        var item = extractionArticle.objectValue!
        item["body"] = "Kim Soo Hyun will sing Part 12 of the OST for tvN's 'Queen of Tears'."
        item["extract"] = true
        let first = try await request(ingest.address, "INGEST " + JSON.object(item).serialized())
        guard case .ok(let firstAck?) = first else {
            Issue.record("\(first)")
            return
        }
        #expect(firstAck["duplicate"] == false)
        // A later article spells the name "Kim Soo-hyun", so that becomes the display name…
        var probe = item
        probe["extract"] = nil
        probe["url"] = "https://test.example/probe"
        try await ingestAll(
            [
                newsItem(
                    "known", "2024-05-01T10:00:00+09:00",
                    [casting("Queen of Tears", "Kim Soo-hyun", status: "confirmed")])
            ],
            to: ingest.address)
        // …and extraction reports the known spelling (a new service, so this EXTRACT loads the names).
        let restarted = try await startIngest(databaseURL: ingest.databaseURL)
        defer { Task { await restarted.stop() } }
        let reply = try await request(restarted.address, "EXTRACT " + JSON.object(probe).serialized())
        guard case .ok(let json?) = reply else {
            Issue.record("\(reply)")
            return
        }
        let ost = json["facts"].arrayValue?.first { $0["kind"] == "ost" }
        #expect(ost?["artists"] == ["Kim Soo-hyun"])
        let again = try await request(restarted.address, "INGEST " + JSON.object(item).serialized())
        if case .ok(let ack?) = again { #expect(ack["duplicate"] == true) } else { Issue.record("\(again)") }
    }
}
