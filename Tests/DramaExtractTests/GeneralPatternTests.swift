import Testing

@testable import DramaExtract

/// Patterns of how entertainment news is written, each with a made-up sentence.
@Suite("General news patterns")
struct GeneralPatternTests {
    // MARK: Names and background

    @Test("wire-style surname reference joins the full name")
    func surnameReference() {
        let facts = extract(
            "Min Tae-oh exits 'Paper Court'",
            """
            Seoul, May 2 (Yonhap) -- Actor Min Tae-oh has stepped down from KBS2's upcoming drama "Paper Court" due to a back injury, his agency said.
            Min had been cast as the male lead, lawyer Gong Hyeon, in the series.
            """)
        let c = facts.castings
        #expect(c.count == 1)
        #expect(c.first?.person == "Min Tae-oh")
        #expect(c.first?.status == "withdrawn")
        #expect(c.first?.role == "Gong Hyeon")
        #expect(c.first?.roleType == "lead")
    }

    @Test("filmography asides with a year produce nothing")
    func filmographyYear() {
        let facts = extract(
            "Singer lends voice to 'Blue Harbor'",
            """
            Singer Yoon Ga-ram will sing the second OST for the drama "Blue Harbor."
            This isn't Yoon's first soundtrack: she sang "Paper Moon" for the 2019 drama "Glass Garden."
            Yoon also drew attention with her role in "Tin Roof" (2021).
            """)
        #expect(!facts.osts.contains { $0.drama == "Glass Garden" })
        #expect(!facts.dramas.contains { $0.title == "Glass Garden" })
        #expect(facts.osts.first?.drama == "Blue Harbor")
        #expect(facts.osts.first?.part == 2)
    }

    @Test("time slots and numbering are not names")
    func slotNotName() {
        let facts = extract(
            "New drama",
            "SBS Monday-Tuesday drama 'River Letters' will premiere on June 3 at 10 p.m.",
            at: "2025-05-20T10:00:00+09:00")
        #expect(facts.dramas.first?.network == "SBS")
        #expect(facts.dramas.first?.premiere == "2025-06-03T22:00:00+09:00")
    }

    @Test("fan comments do not count as the article's dramas")
    func fanReaction() {
        let facts = extract(
            "Pair to reunite?",
            """
            Kang Ha-jin and Seo Mi-rae, who starred together in the 2023 rom-com 'Night Bakery', may share the screen again.
            Kang will reportedly play the lead role of chef Baek Do-yun in Netflix's 'Salt Moon'.
            One user wrote, "Night Bakery couple again??"
            """)
        let c = facts.castings
        #expect(c.count == 1)
        #expect(c.first?.drama == "Salt Moon")
        #expect(c.first?.status == "rumored")
        #expect(c.first?.role == "Baek Do-yun")
    }

    // MARK: OST

    @Test("Hangul gloss before a comma and a feat. credit inside the title")
    func glossAndFeat() {
        let facts = extract(
            "OST news",
            """
            DJ Min's "Harbor Lights (feat. Sora)" is the fourth OST of the drama "Tidewater."
            On March 3 at 6 p.m. KST, singer Ara released "Moonrise (달빛)," the fifth OST of "Tidewater."
            """,
            at: "2025-03-03T20:00:00+09:00")
        let harbor = facts.osts.first { $0.song == "Harbor Lights" }
        #expect(harbor?.artists.contains("Sora") == true)
        let moon = facts.osts.first { $0.part == 5 }
        #expect(moon?.song == "Moonrise")
        #expect(moon?.status == "released")
        #expect(moon?.release == "2025-03-03T18:00:00+09:00")
    }

    @Test("ordinal part of the soundtrack and the track's guest")
    func ordinalPartAndFeature() {
        let facts = extract(
            "New OST",
            """
            Singer Hana released "Firefly," the third part of the soundtrack for the Netflix series "Quiet Summer."
            The track features rapper Dojin, who co-wrote the lyrics with Hana.
            """,
            at: "2025-06-01T20:00:00+09:00")
        let o = facts.osts.first
        #expect(o?.part == 3)
        #expect(o?.song == "Firefly")
        #expect(Set(o?.artists ?? []) == ["Hana", "Dojin"])
        #expect(Set(o?.lyricists ?? []) == ["Hana", "Dojin"])
        #expect(o?.status == "released")
    }

    @Test("a list of earlier parts gives one credit per part")
    func partList() {
        let facts = extract(
            "'River Song' unveils third OST",
            """
            Singer Jun Ye-rin will sing the third OST of 'River Song'.
            Earlier, Part 1 'Stone Path' by Cho Min-ho and Part 2 'Lanterns' by band The Drifters were released.
            """)
        let one = facts.osts.first { $0.part == 1 }
        let two = facts.osts.first { $0.part == 2 }
        #expect(one?.song == "Stone Path")
        #expect(one?.artists == ["Cho Min-ho"])
        #expect(two?.artists == ["The Drifters"])
        #expect(two?.status == "released")
    }

    @Test("machine-translated credit lines")
    func creditLines() {
        let facts = extract(
            "OST release",
            """
            Singer Moon Ha-ri's 'Evening Bell', the second OST of drama 'Gold Alley', will be released at 6 p.m. today.
            The composing was done by Ahn Jae-woo, and lyrics were written by Moon Ha-ri.
            'Evening Bell' was produced by the team NOVA.
            """,
            at: "2025-04-02T09:00:00+09:00")
        let o = facts.osts.first
        #expect(o?.composers == ["Ahn Jae-woo"])
        #expect(o?.lyricists == ["Moon Ha-ri"])
        #expect(o?.producers == ["NOVA"])
        #expect(o?.release == "2025-04-02T18:00:00+09:00")
    }

    @Test("a soundtrack that will feature several singers is a lineup")
    func soundtrackFeatures() {
        let facts = extract(
            "Lineup",
            """
            The soundtrack of tvN's upcoming drama "Silver Bridge" will feature ballad singer Woo Seo-yun, indie band Paper Kites and R&B vocalist Jiho, the label said.
            """)
        let artists = Set(facts.osts.flatMap(\.artists))
        #expect(artists == ["Woo Seo-yun", "Paper Kites", "Jiho"])
        #expect(facts.osts.allSatisfy { $0.status == "announced" && $0.artists.count == 1 })
    }

    @Test("a weekday release resolves to the next such day")
    func weekdayRelease() {
        let facts = extract(
            "OST",
            "Singer Baek Yu-na will open the soundtrack of 'Cloud Stairs' with Part 1, \"Dawn Walk,\" which will be released at noon on Thursday.",
            at: "2025-03-03T10:00:00+09:00")
        #expect(facts.osts.first?.release == "2025-03-06T12:00:00+09:00")
        #expect(facts.osts.first?.part == 1)
    }

    @Test("an earlier song that followed on a date was released")
    func followedOn() {
        let facts = extract(
            "OSTs",
            """
            Singer Ra Eun sings the first OST, 'Clear Sky', and singer Jo Han sings the second OST, 'Wind Song', for the drama 'Tall Grass'.
            'Wind Song' followed on January 6.
            """,
            at: "2025-01-08T10:00:00+09:00")
        let o = facts.osts.first { $0.song == "Wind Song" }
        #expect(o?.release == "2025-01-06")
        #expect(o?.status == "released")
    }

    // MARK: Casting

    @Test("role after a description of the character")
    func roleDescriptions() {
        let facts = extract(
            "Shin Ho-jae joins 'Night Market'",
            """
            Actor Shin Ho-jae has been confirmed for the drama 'Night Market'.
            Shin plays night-market vendor Bae Yun-ho, and actress Kim Da-rae plays his stubborn sister, Bae Yu-ri.
            """)
        let c = facts.castings
        #expect(c.first { $0.person == "Shin Ho-jae" }?.role == "Bae Yun-ho")
        #expect(c.first { $0.person == "Kim Da-rae" }?.role == "Bae Yu-ri")
    }

    @Test("an absolute 'with X leading the show' clause")
    func withLeading() {
        let facts = extract(
            "Cast set",
            "Netflix confirmed the cast of its new series 'Iron Lotus', with Jeon Woo-jin leading the show as General Ryu Han.",
        )
        let c = facts.castings.first
        #expect(c?.person == "Jeon Woo-jin")
        #expect(c?.status == "confirmed")
        #expect(c?.roleType == "lead")
        #expect(c?.role == "Ryu Han")
    }

    @Test("production side in talks with an actor")
    func talksWith() {
        let facts = extract(
            "'Steel Verdict' seeks a new lead",
            "The production team of the drama 'Steel Verdict' is in discussions with actor Goo Ji-han to take over the lead role."
        )
        #expect(facts.castings.first?.person == "Goo Ji-han")
        #expect(facts.castings.first?.status == "in_talks")
    }

    @Test("a denied report produces no credit")
    func denial() {
        let facts = extract(
            "Agency denies reports that Yeo Jin-a will star in 'Salt Road'",
            """
            Actress Yeo Jin-a's agency has denied reports that she will lead MBC's drama 'Salt Road'.
            Earlier, an outlet reported that Yeo had signed on to play the female lead.
            """)
        #expect(facts.castings.isEmpty)
    }

    @Test("a conditional role keeps the offer status")
    func conditionalRole() {
        let facts = extract(
            "Han Do-yun offered 'Snack Detective'",
            """
            Actor Han Do-yun has been offered the lead role in the drama 'Snack Detective'.
            If he accepts, Han would play Gong Mu-yeol, a snack seller who solves crimes.
            """)
        let c = facts.castings.first
        #expect(facts.castings.count == 1)
        #expect(c?.status == "offered")
        #expect(c?.role == "Gong Mu-yeol")
    }

    @Test("roles in the order of the cast list")
    func respectiveRoles() {
        let facts = extract(
            "'Glass Farm' finds its leads",
            """
            Actors Seol Min-jae and Ok Ha-na have been confirmed as the leads of 'Glass Farm', playing botanist Kim Yeon-ho and detective Ma Seul, who investigate a death.
            """)
        let c = facts.castings
        #expect(c.first { $0.person == "Seol Min-jae" }?.role == "Kim Yeon-ho")
        #expect(c.first { $0.person == "Ok Ha-na" }?.role == "Ma Seul")
        #expect(c.allSatisfy { $0.roleType == "lead" })
    }

    @Test("'Leads X and Y' and 'supporting actor Z' give role types")
    func roleTypeHints() {
        let facts = extract(
            "'Long Run' cast shine at press conference",
            """
            JTBC's new drama 'Long Run' held its press conference on May 2.
            Leads Pyo Jun-ho and Ra Mi-so were joined by supporting actor Gil Do-hyun.
            Pyo Jun-ho plays Seo Han, while Ra Mi-so plays Oh Yu-na. Gil Do-hyun plays the coach, Gu Tae-il.
            """)
        let c = facts.castings
        #expect(c.first { $0.person == "Pyo Jun-ho" }?.roleType == "lead")
        #expect(c.first { $0.person == "Ra Mi-so" }?.roleType == "lead")
        #expect(c.first { $0.person == "Gil Do-hyun" }?.roleType == "supporting")
        #expect(c.first { $0.person == "Gil Do-hyun" }?.role == "Gu Tae-il")
    }

    @Test("an unnamed 'nothing decided' answer does not downgrade confirmed credits")
    func unnamedUndecided() {
        let facts = extract(
            "'Grey Court' casting update",
            """
            Actress Noh Ji-ah was confirmed as the female lead of SBS's 'Grey Court' in October.
            SBS is in talks with actor Pi Seung-woo to join the drama.
            "Nothing has been finalized, but talks are going in a positive direction," an SBS official said.
            """)
        #expect(facts.castings.first { $0.person == "Noh Ji-ah" }?.status == "confirmed")
        #expect(facts.castings.first { $0.person == "Pi Seung-woo" }?.status == "in_talks")
    }

    @Test("a cast list after a description of the drama")
    func looseStarring() {
        let facts = extract(
            "'Third Street' OST",
            """
            Singer Lee Bo-ra sings the third OST of 'Third Street'.
            Meanwhile, 'Third Street' is a drama about neighbours in an old building, starring actors Moon Ga-yeon and Heo Jun-seo, and it airs every Monday at 9 p.m. on ENA.
            """)
        let people = Set(facts.castings.map(\.person))
        #expect(people == ["Moon Ga-yeon", "Heo Jun-seo"])
        #expect(facts.dramas.first?.network == "ENA")
    }
}
