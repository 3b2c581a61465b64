import DramaWireClient
import LineProtocol
import TestSupport
import Testing

/// The read model end to end: a real PostgreSQL, the ingest service, the subscriber following it
/// over loopback, and documents compared with documents written by hand.
@Suite struct DocumentTests {
    static func ok(_ reply: Reply) -> JSON? {
        if case .ok(let json) = reply { return json }
        return nil
    }

    @Test func sampleNewsGivesTheHandWrittenDocuments() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address)
        defer { Task { await subscriber.stop() } }
        let replies = try await ingestLines(try sampleNews(), to: ingest.address)
        // Article ids as the ingest service assigned them (line n of the sample is replies[n-1]).
        let ids = replies.map { Self.ok($0)?["article"] ?? .null }
        let (a5, a6, a7, a8, a9) = (ids[4], ids[5], ids[6], ids[7], ids[8])
        let head = try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address)

        let news: JSON = [
            [
                "article": a9, "headline": "[Sample] 'Way Home' by Kim Soo-hyun is out as Queen of Tears OST part 12",
                "source": "Example News", "published_at": "2024-04-27T18:30:00+09:00",
                "url": "https://news.example/music/way-home-kim-soo-hyun-released",
            ],
            [
                "article": a8, "headline": "[Sample] Kim Soo-hyun's 'Queen of Tears' song gets a title: 'Way Home'",
                "source": "Example Wire", "published_at": "2024-04-25T09:00:00+09:00",
                "url": "https://wire.example/2024/04/25/queen-of-tears-ost-part-12-title",
            ],
            [
                "article": a7, "headline": "'Queen of Tears' lead Kim Soo-hyun joins the OST lineup",
                "source": "Example News", "published_at": "2024-04-19T18:05:00+09:00",
                "url": "https://news.example/drama/queen-of-tears-kim-soo-hyun-ost-confirmed",
            ],
            [
                "article": a6, "headline": "A decade later, Kim Soo Hyun is back behind the mic",
                "source": "Example Fan Board", "published_at": "2024-04-19T14:40:00+09:00",
                "url": "https://fans.example/posts/kim-soo-hyun-returns-to-ost-singing",
            ],
            [
                "article": a5, "headline": "Kim Soo-Hyun to sing for his own drama 'Queen of Tears'",
                "source": "Example Wire", "published_at": "2024-04-19T10:12:00+09:00",
                "url": "https://wire.example/2024/04/19/kim-soo-hyun-queen-of-tears-ost",
            ],
        ]
        let queenOfTears: JSON = ["key": "queenoftears", "title": "Queen of Tears"]
        var drama = try JSON.parse(try #require(try await getDocument(subscriber.address, "DRAMA Queen of Tears")))
        let dramaSeq = try #require(drama["seq"].intValue)
        #expect(dramaSeq > 0 && dramaSeq <= head)
        drama = Self.removingSeq(drama)
        #expect(
            drama == [
                "key": "queenoftears", "title": "Queen of Tears", "aliases": ["Queen of Tears"], "network": "tvN",
                "platforms": ["Netflix"], "premiere": "2024-03-09", "episodes": 16, "sources": [a5, a7],
                "cast": [
                    [
                        "key": "queenoftears/kimjiwon", "person": ["key": "kimjiwon", "name": "Kim Ji-won"],
                        "role": "Hong Hae-in", "role_type": "lead", "status": "confirmed",
                        "history": [["article": a6, "as_of": "2024-04-19T14:40:00+09:00", "status": "confirmed"]],
                        "sources": [a6, a7],
                    ],
                    [
                        "key": "queenoftears/kimsoohyun", "person": ["key": "kimsoohyun", "name": "Kim Soo-hyun"],
                        "role": "Baek Hyun-woo", "role_type": "lead", "status": "confirmed",
                        "history": [["article": a5, "as_of": "2024-04-19T10:12:00+09:00", "status": "confirmed"]],
                        "sources": [a5, a6, a7],
                    ],
                ],
                "osts": [
                    [
                        "key": "queenoftears/song/wayhome", "song": "Way Home", "part": 12,
                        "artists": [["key": "kimsoohyun", "name": "Kim Soo-hyun", "credited_as": "Kim Soo-hyun"]],
                        "release": "2024-04-27T18:00:00+09:00", "status": "released",
                        "credits": ["composer": [], "lyricist": [], "producer": []],
                        "announced_at": "2024-04-19T10:12:00+09:00", "sources": [a5, a6, a7, a8, a9],
                    ]
                ],
                "news": news,
            ])

        let person = try JSON.parse(try #require(try await getDocument(subscriber.address, "PERSON Kim Soo Hyun")))
        #expect(
            Self.removingSeq(person) == [
                "key": "kimsoohyun", "name": "Kim Soo-hyun",
                "aliases": ["Kim Soo Hyun", "Kim Soo-Hyun", "Kim Soo-hyun"],
                "roles": [
                    [
                        "key": "queenoftears/kimsoohyun", "drama": queenOfTears, "role": "Baek Hyun-woo",
                        "role_type": "lead", "status": "confirmed", "sources": [a5, a6, a7],
                    ]
                ],
                "songs": [
                    [
                        "key": "queenoftears/song/wayhome", "drama": queenOfTears, "song": "Way Home", "part": 12,
                        "release": "2024-04-27T18:00:00+09:00", "status": "released",
                        "sources": [a5, a6, a7, a8, a9],
                    ]
                ],
                "news": news,
            ])

        // Any spelling, any case: the same bytes.
        let variants = ["PERSON kimsoohyun", "PERSON Kim Soo-Hyun", "PERSON KIM SOO-HYUN", "person kim soo hyun"]
        var texts: Set<String> = []
        for variant in variants { texts.insert(try #require(try await getDocument(subscriber.address, variant))) }
        #expect(texts.count == 1)
        #expect(try await getDocument(subscriber.address, "PERSON Kim So-hyun") == nil)

        let article = try JSON.parse(
            try #require(try await getDocument(subscriber.address, "ARTICLE \(a9.stringValue!)")))
        #expect(article["url"] == "https://news.example/music/way-home-kim-soo-hyun-released")
        #expect(article["retracted"] == false)
        #expect(article["facts"].arrayValue?.count == 1)
    }

    static func removingSeq(_ document: JSON) -> JSON {
        var fields = document.objectValue ?? [:]
        fields["seq"] = nil
        return .object(fields)
    }
}
