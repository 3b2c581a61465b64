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

    @Test("a list of songs with their singers gives one credit per song")
    func songList() {
        let facts = extract(
            "New OST for 'Harbor Lights'",
            "Earlier OST releases for the drama 'Harbor Lights' include 'Blue Gate' by Lee Hana, 'Paper Swan' by Park Min-seo, and 'Low Tide' by Velvet Lamp."
        )
        let ost = facts.osts
        #expect(ost.count == 3)
        #expect(Set(ost.compactMap(\.song)) == ["Blue Gate", "Paper Swan", "Low Tide"])
        #expect(ost.first(where: { $0.song == "Paper Swan" })?.artists == ["Park Min-seo"])
        #expect(ost.allSatisfy({ $0.drama == "Harbor Lights" && $0.status == "released" }))
    }

    @Test("a list of another drama's earlier songs stays background")
    func songListOtherDrama() {
        let facts = extract(
            "Choi Ryan joins 'Salt Garden' soundtrack",
            "Choi Ryan will sing the OST for 'Salt Garden'. Previously released songs for 'Old Harbor' include 'Blue Gate' by Lee Hana and 'Paper Swan' by Park Min-seo."
        )
        #expect(facts.osts.count == 1)
        #expect(facts.osts.first?.artists == ["Choi Ryan"])
    }

    @Test("a lineup sentence with an aside before 'also includes'")
    func lineupWithAside() {
        let facts = extract(
            "Singers for 'Salt Garden' soundtrack",
            "The final lineup for the soundtrack of 'Salt Garden', announced by the production company Moonlab, also includes Yoon Ara, Kim Dae-ho of Skyline and Velvet Lamp."
        )
        let ost = facts.osts
        #expect(ost.count == 3)
        #expect(Set(ost.flatMap(\.artists)) == ["Yoon Ara", "Kim Dae-ho", "Velvet Lamp"])
        #expect(ost.allSatisfy({ $0.drama == "Salt Garden" && $0.status == "announced" }))
    }

    @Test("'lend their voice' and group members sing one song together")
    func singersTogether() {
        let duo = extract(
            "Kim Se-ah and Park Jun-seo lend their voice for 'River Crown' OST",
            "Kim Se-ah and Park Jun-seo lend their voice for the OST of 'River Crown'.")
        #expect(duo.osts.count == 1)
        #expect(duo.osts.first?.artists == ["Kim Se-ah", "Park Jun-seo"])
        let members = extract(
            "Three voices for 'Salt Garden'",
            "The agency announced that the three Secret Lamp members Zuu, Dita, and Soodam will sing the OST of the drama 'Salt Garden'."
        )
        #expect(members.osts.count == 1)
        #expect(members.osts.first?.artists == ["Zuu", "Dita", "Soodam"])
    }

    @Test("singers listed without a shared song stay separate credits")
    func singersSeparate() {
        let facts = extract(
            "Kim Se-ah, Park Jun-seo and Lee Hana sing for 'River Crown'",
            "Kim Se-ah, Park Jun-seo and Lee Hana will sing for the OST of 'River Crown'.")
        #expect(facts.osts.count == 3)
        #expect(facts.osts.allSatisfy({ $0.artists.count == 1 }))
    }

    @Test("a known stage name is not the given name of a full name")
    func stageName() {
        let e = Extractor(known: KnownNames(people: ["Jimin", "Han Ji-min"], dramas: ["Our Blues"]))
        let facts = e.extract(
            Article(
                headline: "BTS Jimin to sing for 'Our Blues'",
                body: "Jimin will sing for the OST of 'Our Blues'. The drama stars Han Ji-min and Lee Byung-hun.",
                publishedAt: "2022-03-16T09:00:00+09:00"))
        #expect(facts.osts.first?.artists == ["Jimin"])
        // A hyphenated given name alone still joins the full name.
        let actress = Extractor(known: KnownNames(people: ["Han Ji-min"], dramas: ["Our Blues"])).extract(
            Article(
                headline: "Han Ji-min to sing for 'Our Blues'",
                body: "Ji-min will sing for the OST of 'Our Blues', the drama starring Han Ji-min.",
                publishedAt: "2022-03-16T09:00:00+09:00"))
        #expect(actress.osts.first?.artists == ["Han Ji-min"])
    }

    @Test("roundup lines: 'Artist – Song (Drama OST)' and 'Artist's “Song”, Drama OST'")
    func roundupLines() {
        let facts = extract(
            "March OST picks",
            """
            Lee Hana – Blue Gate (Harbor Lights OST)

            Velvet Lamp’s “Paper Swan”, Salt Garden OST
            """)
        let ost = facts.osts
        #expect(ost.count == 2)
        #expect(ost.first(where: { $0.drama == "Harbor Lights" })?.song == "Blue Gate")
        #expect(ost.first(where: { $0.drama == "Harbor Lights" })?.artists == ["Lee Hana"])
        #expect(ost.first(where: { $0.drama == "Salt Garden" })?.artists == ["Velvet Lamp"])
        let plain = extract("March OST picks", "Lee Hana – Blue Gate (Live Version)\n\nThe song was a hit.")
        #expect(plain.osts.isEmpty)
    }

    @Test("a composer credit is not a performance; another medium's soundtrack is not the drama's")
    func creditsAndOtherMedia() {
        let composer = extract(
            "New OST for 'Harbor Lights'",
            "Young K of DAY6 contributed to the OST 'For You' for the drama 'Harbor Lights' as a composer.")
        #expect(composer.osts.isEmpty)
        let singer = extract(
            "New OST for 'Harbor Lights'",
            "Young K of DAY6 contributed to the OST 'For You' for the drama 'Harbor Lights'.")
        #expect(singer.osts.first?.artists == ["Young K"])
        let webtoon = extract(
            "Yoon Ara sings for 'Salt Garden'",
            "Yoon Ara will sing the OST for 'Salt Garden'. More recently, Kim Dae-ho lent his voice to the soundtrack of the BTS-based webtoon Seven Fates."
        )
        #expect(webtoon.osts.count == 1)
        #expect(webtoon.osts.first?.artists == ["Yoon Ara"])
    }

    @Test("'are some of the singers' lists a lineup; a possessive without 's' keeps the member")
    func amongSingers() {
        let e = Extractor(known: KnownNames(people: ["Girls' Generation"], dramas: []))
        let facts = e.extract(
            Article(
                headline: "Singers for 'Harbor Lights'",
                body:
                    "Skyline’ Jin and Taeyeon of Girls’ Generation are some of the well-known singers who will be featured in the soundtrack of 'Harbor Lights'.",
                publishedAt: "2022-03-16T09:00:00+09:00"))
        #expect(Set(facts.osts.flatMap(\.artists)) == ["Jin", "Taeyeon"])
    }

    @Test("'A' by X released for a drama, and X's 'A' for a drama, are OST credits without the word OST")
    func songForDrama() {
        let released = extract(
            "A new song for 'River Crown'",
            "'Paper Swan' by Lee Hana has been released for the drama 'River Crown'.")
        #expect(released.osts.first?.drama == "River Crown")
        #expect(released.osts.first?.song == "Paper Swan")
        #expect(released.osts.first?.artists == ["Lee Hana"])
        #expect(released.osts.first?.status == "released")
        let owner = extract(
            "This week in music",
            "Lee Hana's 'Paper Swan' for the tvN drama 'River Crown' topped the charts this week.")
        #expect(owner.osts.first?.song == "Paper Swan")
        #expect(owner.osts.first?.artists == ["Lee Hana"])
    }

    @Test("a song released or charting with no drama named is no OST credit")
    func songWithoutDrama() {
        let released = extract("Lee Hana's new single", "'Paper Swan' by Lee Hana has been released.")
        #expect(released.osts.isEmpty)
        let owner = extract(
            "This week in music",
            "Lee Hana's 'Paper Swan' topped the charts this week. The tvN drama 'River Crown' also rose.")
        #expect(owner.osts.isEmpty)
    }

    @Test("'the second part of the ⟨D⟩ OST' is part 2; 'lent her voice' and 'is released today' are released")
    func partOfDramaOSTAndPastVoice() {
        let part = extract(
            "Lee Hana joins 'River Crown'", "Lee Hana lends her voice to the second part of the 'River Crown' OST.")
        #expect(part.osts.first?.part == 2)
        #expect(part.osts.first?.status == "announced")
        let lent = extract(
            "Lee Hana on 'River Crown'", "Lee Hana lent her voice to the OST of the drama 'River Crown'.")
        #expect(lent.osts.first?.status == "released")
        let today = extract(
            "River Crown OST",
            "'Paper Swan', sung by Lee Hana, is released today as the fourth OST of 'River Crown'.")
        #expect(today.osts.first?.status == "released")
    }

    @Test("another part of the drama is not an OST part; 'will lend' and 'is released next week' are not out")
    func partOfDramaOSTNegatives() {
        let other = extract(
            "Lee Hana joins 'River Crown'",
            "Lee Hana lends her voice to the OST of 'River Crown'. The second part of the drama airs in May.")
        #expect(other.osts.count == 1)
        #expect(other.osts.first?.part == nil)
        let future = extract(
            "Lee Hana on 'River Crown'", "Lee Hana will lend her voice to the OST of the drama 'River Crown'.")
        #expect(future.osts.first?.status == "announced")
        let later = extract(
            "River Crown OST",
            "'Paper Swan', sung by Lee Hana, is released next week as the fourth OST of 'River Crown'.")
        #expect(later.osts.first?.status != "released")
    }
}
