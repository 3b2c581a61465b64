import Testing

@testable import DramaExtract

/// The three seed stories, retold in our own words.
@Suite("Seed stories retold")
struct SeedStoryTests {
    @Test("actor returns to singing for his current drama's OST")
    func actorSingsOST() {
        let facts = extract(
            "Kim So Hyun set for singing return with 'Queen of Tears' OST",
            """
            Kim Soo-Hyun will lend his voice to a soundtrack for the tvN drama ‘Queen of Tears’, which is also streaming on Netflix, a local outlet reported.
            ALSO READ| Queen of Tears beats another drama in ratings
            Soo-Hyun’s last OST was for ‘My Love From the Start’, where he sang ‘Promise’.
            In ‘My Love from the Star’, he also showed off his vocals.
            """,
            at: "2024-04-19T09:30:00+09:00")
        #expect(facts.osts.count == 1)
        #expect(facts.osts.first?.drama == "Queen of Tears")
        #expect(facts.osts.first?.artists == ["Kim Soo-Hyun"])
        #expect(facts.osts.first?.status == "announced")
        #expect(facts.dramas.first?.network == "tvN")
        #expect(facts.dramas.first?.platforms == ["Netflix"])
        #expect(!facts.osts.contains { $0.drama.contains("Star") || $0.drama.contains("Start") })
    }

    @Test("music drama releases its first two OSTs")
    func musicDrama() {
        let facts = extract(
            "'Soundtrack #1' drops first OSTs",
            """
            The upcoming music drama ‘Soundtrack #1’ has released two original soundtracks.
            The first OST, ‘Love Beyond Words’, is sung by Super Junior’s Kyuhyun, and the second OST, ‘Want to Be Happy’, is sung by Park Bo Ram.
            ‘Love Beyond Words’ is produced by DOKO, who previously produced other hit songs. The track came out on December 30, 2021.
            """,
            at: "2022-01-07T10:00:00+09:00")
        let ost = facts.osts.sorted { ($0.part ?? 0) < ($1.part ?? 0) }
        #expect(ost.count == 2)
        #expect(ost.first?.artists == ["Kyuhyun"])
        #expect(ost.first?.producers == ["DOKO"])
        #expect(ost.first?.status == "released")
        #expect(ost.last?.artists == ["Park Bo Ram"])
        #expect(ost.last?.song == "Want to Be Happy")
    }
}
