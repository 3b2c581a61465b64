import Testing

@testable import DramaExtract

@Suite("OST extraction")
struct OSTExtractionTests {
    @Test("explicit part with relative date and time")
    func explicitPart() {
        let facts = extract(
            "Lee Hana lends her voice to 'Moonlit Harbor' OST",
            "Singer Lee Hana will sing Part 3 of the OST for tvN's 'Moonlit Harbor'. The song, 'Tidewater', will be released on the 15th at 6 p.m. KST.",
            at: "2025-03-04T18:00:00+09:00")
        let ost = facts.osts
        #expect(ost.count == 1)
        #expect(ost.first?.drama == "Moonlit Harbor")
        #expect(ost.first?.artists == ["Lee Hana"])
        #expect(ost.first?.part == 3)
        #expect(ost.first?.status == "announced")
        #expect(ost.first?.song == "Tidewater")
        #expect(ost.first?.release == "2025-03-15T18:00:00+09:00")
        #expect((ost.first?.confidence ?? 0) >= 0.8)
    }

    @Test("song by possessive artist, released, Hangul gloss dropped")
    func releasedPossessive() {
        let facts = extract(
            "Paper Kites OST out now",
            "Girl group Velvet Lamp's 'Snowflower (눈꽃)', the fourth OST of the JTBC drama 'Paper Kites', was released on February 6 KST.",
            at: "2025-02-07T09:00:00+09:00")
        let ost = facts.osts
        #expect(ost.count == 1)
        #expect(ost.first?.song == "Snowflower")
        #expect(ost.first?.part == 4)
        #expect(ost.first?.artists == ["Velvet Lamp"])
        #expect(ost.first?.status == "released")
        #expect(ost.first?.release == "2025-02-06")
    }

    @Test("group member is credited, two parts in one sentence")
    func twoParts() {
        let facts = extract(
            "Two songs for 'Echo Room'",
            "The drama 'Echo Room' unveiled two soundtracks. The first OST, 'Glass Bell', is sung by Starline's Minwoo, and the second OST, 'Paper Moon' is sung by Park Seo Yeon.",
            at: "2025-01-10T12:00:00+09:00")
        let ost = facts.osts.sorted { ($0.part ?? 0) < ($1.part ?? 0) }
        #expect(ost.count == 2)
        #expect(ost.first?.artists == ["Minwoo"])
        #expect(ost.first?.song == "Glass Bell")
        #expect(ost.last?.artists == ["Park Seo Yeon"])
        #expect(ost.last?.part == 2)
    }

    @Test("impossible date gives no release")
    func impossibleDate() {
        let facts = extract(
            "OST news",
            "Kim Dae-ho will sing the OST for 'River Crown', which will be released on February 30.",
            at: "2025-02-10T10:00:00+09:00")
        #expect(facts.osts.count == 1)
        #expect(facts.osts.first?.release == nil)
    }

    @Test("credits attach to the song named earlier")
    func credits() {
        let facts = extract(
            "Yoon Ara joins 'Salt Garden' soundtrack",
            """
            Yoon Ara has joined the OST lineup for 'Salt Garden' with 'Blue Hour'.
            'Blue Hour' is produced by Moonlab, who previously worked on several hit ballads.
            The track will be released tomorrow at noon.
            """,
            at: "2025-05-01T08:00:00+09:00")
        let ost = facts.osts
        #expect(ost.count == 1)
        #expect(ost.first?.producers == ["Moonlab"])
        #expect(ost.first?.release == "2025-05-02T12:00:00+09:00")
    }

    @Test("filmography and boilerplate produce nothing")
    func background() {
        let facts = extract(
            "Actor Choi Ryan returns",
            """
            Choi Ryan previously sang 'Old Road' for the drama 'Winter Letter'.
            ALSO READ| Kim Dae-ho will sing the OST for 'Cloud Bridge'
            Related
            Han Mira confirmed to star in 'Night Market'
            """)
        #expect(facts.osts.isEmpty)
        #expect(facts.castings.isEmpty)
    }
}
