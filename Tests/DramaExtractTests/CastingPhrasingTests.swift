import Testing

@testable import DramaExtract

/// Common ways entertainment news words casting news, each in a sentence of our own.
@Suite("Casting phrasings")
struct CastingPhrasingTests {
    private func credit(_ facts: [ExtractedFact], _ person: String) -> CastingFacts? {
        facts.castings.first { $0.person == person }
    }

    // MARK: Confirmed

    @Test("has been cast as a character in a drama")
    func castAs() {
        let facts = extract(
            "Han Do-yoon joins new legal drama",
            "Actor Han Do-yoon has been cast as Baek Seung-ho in the new drama 'Paper Moon Harbor'.")
        let c = credit(facts, "Han Do-yoon")
        #expect(facts.castings.count == 1)
        #expect(c?.drama == "Paper Moon Harbor")
        #expect(c?.role == "Baek Seung-ho")
        #expect(c?.status == "confirmed")
    }

    @Test("will take on the role of a character")
    func takeOnRole() {
        let facts = extract(
            "Lee Ga-eun to play a vet in 'Silver Fern Clinic'",
            """
            Actress Lee Ga-eun will take on the role of Jo Mi-rae in 'Silver Fern Clinic'. \
            Jo Mi-rae is a veterinarian who moves to a small island.
            """)
        #expect(facts.castings.count == 1)
        #expect(credit(facts, "Lee Ga-eun")?.role == "Jo Mi-rae")
        #expect(credit(facts, "Lee Ga-eun")?.status == "confirmed")
    }

    @Test("will transform into a character, with an appositive description")
    func transformInto() {
        let facts = extract(
            "Kwon Ha-jin returns with 'Ink and Ember'",
            """
            Kwon Ha-jin is returning to the small screen with 'Ink and Ember'. In the drama, Kwon will \
            transform into Seo Dal-rae, a fearless reporter chasing a cold case.
            """)
        let c = credit(facts, "Kwon Ha-jin")
        #expect(facts.castings.count == 1)
        #expect(c?.drama == "Ink and Ember")
        #expect(c?.role == "Seo Dal-rae")
        #expect(c?.status == "confirmed")
    }

    @Test("singer-actor is set to headline a drama")
    func headline() {
        let facts = extract(
            "Moon Tae-ri to headline 'Crimson Ledger'",
            "Singer-actor Moon Tae-ri is set to headline 'Crimson Ledger', a revenge thriller.")
        let c = credit(facts, "Moon Tae-ri")
        #expect(facts.castings.count == 1)
        #expect(c?.status == "confirmed")
        #expect(c?.roleType == "lead")
    }

    @Test("tapped to star in an unquoted series title")
    func tappedUnquoted() {
        let facts = extract(
            "Oh Min-seok tapped for new series",
            "Oh Min-seok has been tapped to star in the series Winter Relay, which begins filming next month.")
        #expect(credit(facts, "Oh Min-seok")?.drama == "Winter Relay")
        #expect(credit(facts, "Oh Min-seok")?.status == "confirmed")
    }

    @Test("joins the cast of a drama as a character")
    func joinsCast() {
        let facts = extract(
            "Jeon So-min joins 'Harvest Lane'",
            "Jeon So-min joins the cast of 'Harvest Lane' as Go Eun-byul, a farmer with a secret past.")
        #expect(credit(facts, "Jeon So-min")?.role == "Go Eun-byul")
        #expect(credit(facts, "Jeon So-min")?.status == "confirmed")
    }

    @Test("two actors confirmed to lead a drama")
    func confirmedToLead() {
        let facts = extract(
            "Yoo Seung-ah, Park Jae-hwan to lead 'Blue Hour Bakery'",
            "Yoo Seung-ah and Park Jae-hwan have been confirmed to lead 'Blue Hour Bakery', a romantic comedy.")
        #expect(facts.castings.count == 2)
        for person in ["Yoo Seung-ah", "Park Jae-hwan"] {
            #expect(credit(facts, person)?.status == "confirmed")
            #expect(credit(facts, person)?.roleType == "lead")
        }
    }

    @Test("a title starring two actors premieres at a time, on a network and platforms")
    func starringPremiere() {
        let facts = extract(
            "'Starlight Courier' sets premiere date",
            """
            'Starlight Courier,' starring Nam Ji-woo and Cha Eun-seol, will premiere on April 12 at 9:10 p.m. \
            KST on JTBC. It will be available to stream on Viki and Viu.
            """)
        #expect(credit(facts, "Nam Ji-woo")?.status == "confirmed")
        #expect(credit(facts, "Cha Eun-seol")?.status == "confirmed")
        let d = facts.dramas.first
        #expect(facts.dramas.count == 1)
        #expect(d?.title == "Starlight Courier")
        #expect(d?.network == "JTBC")
        #expect(d?.platforms == ["Viki", "Viu"])
        #expect(d?.premiere == "2025-04-12T21:10:00+09:00")
    }

    @Test("a cast rundown of 'X plays Y' paragraphs, a 12-part series, a weekly slot is no premiere")
    func rundown() {
        let facts = extract(
            "Meet the cast of 'Lemon Alley'",
            """
            'Lemon Alley' is a 12-part series about the residents of an old alley in Mapo.

            Kim Ye-rin plays Ha Se-na, a chef who returns home after failing in Paris.

            Jung Woo-jin plays Kang Do-hyun, a quiet bookseller with a long memory.

            The drama airs every Friday and Saturday.
            """)
        #expect(facts.castings.count == 2)
        #expect(credit(facts, "Kim Ye-rin")?.role == "Ha Se-na")
        #expect(credit(facts, "Jung Woo-jin")?.role == "Kang Do-hyun")
        #expect(facts.castings.allSatisfy { $0.status == "confirmed" && $0.drama == "Lemon Alley" })
        #expect(facts.dramas.first?.episodes == 12)
        #expect(facts.dramas.first?.premiere == nil)
    }

    @Test("the cast includes a list of actors")
    func castIncludes() {
        let facts = extract(
            "'River of Lanterns' completes lineup",
            """
            The upcoming drama 'River of Lanterns' has completed its lineup. \
            The cast includes Seo Han-gyeol, Lim Ji-ah and Baek Do-won.
            """)
        #expect(facts.castings.count == 3)
        #expect(facts.castings.allSatisfy { $0.status == "confirmed" && $0.drama == "River of Lanterns" })
    }

    @Test("special guest, special cameo, lends support")
    func roleTypes() {
        let guest = extract(
            "Kang Min-ho to appear in 'Sunday Laundry'",
            "Kang Min-ho will appear as a special guest in episode 3 of 'Sunday Laundry'.")
        #expect(credit(guest, "Kang Min-ho")?.roleType == "special")
        #expect(credit(guest, "Kang Min-ho")?.status == "confirmed")

        let cameo = extract(
            "Ahn Seo-ri to surprise viewers of 'Sunday Laundry'",
            "The production team of 'Sunday Laundry' announced a surprise. Ahn Seo-ri will make a special cameo.")
        #expect(credit(cameo, "Ahn Seo-ri")?.roleType == "cameo")
        #expect(credit(cameo, "Ahn Seo-ri")?.status == "confirmed")

        let support = extract(
            "Yang Hee-joon boards 'Blue Hour Bakery'",
            """
            Veteran actor Yang Hee-joon lends support as Choi Dong-gu, the bakery's gruff landlord, \
            in 'Blue Hour Bakery'.
            """)
        #expect(credit(support, "Yang Hee-joon")?.roleType == "supporting")
        #expect(credit(support, "Yang Hee-joon")?.role == "Choi Dong-gu")
        #expect(credit(support, "Yang Hee-joon")?.status == "confirmed")
    }

    // MARK: Talks, reports and offers

    @Test("reportedly in talks is rumored, even under an unhedged headline")
    func reportedlyInTalks() {
        let facts = extract(
            "Go Yoon-jae in talks for 'Ice Garden'",
            "Actor Go Yoon-jae is reportedly in talks to star in 'Ice Garden'.")
        #expect(facts.castings.count == 1)
        #expect(credit(facts, "Go Yoon-jae")?.status == "rumored")
    }

    @Test("in talks, said by the agency")
    func inTalks() {
        let facts = extract(
            "Shin Ha-ram eyes 'Ice Garden'", "Shin Ha-ram is in talks to join 'Ice Garden', her agency said on Tuesday."
        )
        #expect(credit(facts, "Shin Ha-ram")?.status == "in_talks")
    }

    @Test("offered the lead role, then positively considering the offer")
    func offeredThenConsidering() {
        let offered = extract(
            "Lee Joon-young offered 'Moth Street' lead",
            "Lee Joon-young has been offered the lead role in 'Moth Street'.")
        #expect(credit(offered, "Lee Joon-young")?.status == "offered")
        #expect(credit(offered, "Lee Joon-young")?.roleType == "lead")

        let considering = extract(
            "Lee Joon-young considering 'Moth Street'",
            """
            Lee Joon-young has been offered the lead role in 'Moth Street'. A representative of his agency said, \
            "Lee Joon-young is positively considering the offer."
            """)
        #expect(considering.castings.count == 1)
        #expect(credit(considering, "Lee Joon-young")?.status == "in_talks")
    }

    // MARK: Declined, withdrawn, replaced, cancelled

    @Test("turned down the offer, passed on the drama")
    func declined() {
        let turned = extract(
            "Kim Yu-bin turns down 'Moth Street'",
            "Kim Yu-bin, who was offered a role in 'Moth Street', turned down the offer due to scheduling conflicts.")
        #expect(credit(turned, "Kim Yu-bin")?.status == "declined")

        let passed = extract(
            "Choi Soo-ah passes on 'Moth Street'",
            "Choi Soo-ah has passed on 'Moth Street'. She will focus on her film instead.")
        #expect(credit(passed, "Choi Soo-ah")?.status == "declined")

        let both = extract(
            "Baek Na-rae turns down 'Moth Street'",
            "Baek Na-rae was offered the female lead in 'Moth Street' but turned it down, her agency said.")
        #expect(credit(both, "Baek Na-rae")?.status == "declined")
        #expect(credit(both, "Baek Na-rae")?.roleType == "lead")
    }

    @Test("exited, stepped down, no longer appears, dropped out")
    func withdrawn() {
        let cases = [
            ("Bae Ji-hoon", "Bae Ji-hoon has stepped down from 'Cold Current' for health reasons."),
            ("Song Da-bin", "Song Da-bin will no longer appear in 'Cold Current', the production company said."),
            ("Ryu Ha-na", "Ryu Ha-na dropped out of 'Cold Current' last week."),
            ("Jang Hyun-woo", "Jang Hyun-woo has exited the project 'Cold Current'."),
        ]
        for (person, body) in cases {
            let facts = extract("Cast change for drama", body)
            #expect(facts.castings.count == 1, "\(body)")
            #expect(credit(facts, person)?.drama == "Cold Current", "\(body)")
            #expect(credit(facts, person)?.status == "withdrawn", "\(body)")
        }
    }

    @Test("a replacement takes over the role")
    func replacement() {
        let takeOver = extract(
            "Jang Hyun-woo exits 'Cold Current'",
            "Jang Hyun-woo has exited the project 'Cold Current'. Kim Tae-hoon will take over the role.")
        #expect(credit(takeOver, "Jang Hyun-woo")?.status == "withdrawn")
        #expect(credit(takeOver, "Kim Tae-hoon")?.status == "confirmed")

        let replace = extract(
            "Kim Tae-hoon replaces Jang Hyun-woo",
            "Kim Tae-hoon has been cast to replace Jang Hyun-woo in 'Cold Current'.")
        #expect(credit(replace, "Kim Tae-hoon")?.status == "confirmed")
        #expect(credit(replace, "Jang Hyun-woo")?.status == "withdrawn")
    }

    @Test("the project fell through, the drama was shelved")
    func cancelled() {
        let fell = extract(
            "'Night Ferry' plans collapse",
            """
            Lim Soo-jung and Oh Hyun-bin had been confirmed to star in 'Night Ferry'. However, the project \
            fell through after the investor pulled out.
            """)
        #expect(fell.castings.count == 2)
        #expect(fell.castings.allSatisfy { $0.status == "cancelled" && $0.drama == "Night Ferry" })

        let shelved = extract(
            "'Night Ferry' shelved", "'Night Ferry', starring Lim Soo-jung and Oh Hyun-bin, has been shelved.")
        #expect(shelved.castings.count == 2)
        #expect(shelved.castings.allSatisfy { $0.status == "cancelled" })
    }

    // MARK: Subjects and titles

    @Test("member of a group, in both forms")
    func groupMembers() {
        let facts = extract(
            "Yuna to star in 'Candy Radio'",
            "Yuna (of Stellar9) has been cast in 'Candy Radio'. ASTRO's Minhyuk will also join the drama.")
        #expect(facts.castings.count == 2)
        #expect(credit(facts, "Yuna")?.status == "confirmed")
        #expect(credit(facts, "Minhyuk")?.status == "confirmed")
    }

    @Test("a name with and without a hyphen is one person")
    func hyphenVariants() {
        let facts = extract(
            "Park Seo-yul cast in 'Glass Tide'",
            "Park Seoyul has been confirmed to star in 'Glass Tide'. Park Seo-yul will play Do Yi-jun.")
        #expect(facts.castings.count == 1)
        #expect(facts.castings.first?.person == "Park Seo-yul")
        #expect(facts.castings.first?.role == "Do Yi-jun")
    }

    @Test("an unquoted title before (working title) or after 'drama'")
    func unquotedTitles() {
        let working = extract(
            "Yoon Bo-ra cast", "Yoon Bo-ra will star in Moonlit Ledger (working title), a fantasy romance.")
        #expect(credit(working, "Yoon Bo-ra")?.drama == "Moonlit Ledger")
        #expect(credit(working, "Yoon Bo-ra")?.status == "confirmed")

        let drama = extract(
            "Yoon Bo-ra cast in drama", "Yoon Bo-ra has been cast in the upcoming drama Moonlit Ledger as Seo Ha-yeon.")
        #expect(credit(drama, "Yoon Bo-ra")?.drama == "Moonlit Ledger")
        #expect(credit(drama, "Yoon Bo-ra")?.role == "Seo Ha-yeon")
    }

    @Test("a half-year release window is no premiere date")
    func releaseWindow() {
        let facts = extract(
            "'Moonlit Ledger' eyes 2025", "'Moonlit Ledger' is slated for a first-half 2025 release on tvN.")
        #expect(facts.dramas.first?.network == "tvN")
        #expect(facts.dramas.first?.premiere == nil)
    }

    // MARK: Nothing to report

    @Test("filmography, fan comments and denied reports give no credit")
    func negatives() {
        let filmography = extract(
            "Han Do-yoon's new film",
            """
            Han Do-yoon, who starred in 'Summer Ballad' and 'Blue Spring', will return to theaters next month \
            with a comedy film.
            """)
        #expect(filmography.castings.isEmpty)

        let previously = extract(
            "Han Do-yoon on his past roles",
            "Han Do-yoon previously played a detective in 'Summer Ballad'. He is preparing for a stage play.")
        #expect(previously.castings.isEmpty)

        let fans = extract(
            "Fans react",
            """
            'Ice Garden' has become a hot topic. One fan commented, "Lee Joon-young should star in 'Ice Garden'!" \
            Another wrote, "Cast Shin Ha-ram as the lead please."
            """)
        #expect(fans.castings.isEmpty)

        let denied = extract(
            "Agency denies rumour",
            """
            A report claimed that Go Yoon-jae will star in 'Ice Garden'. However, the agency said it is not true.
            """)
        #expect(denied.castings.isEmpty)

        let background = extract(
            "Lim Soo-jung joins 'Ice Garden'",
            "Lim Soo-jung will star in the drama 'Ice Garden'. Her previous project fell through last year.")
        #expect(credit(background, "Lim Soo-jung")?.status == "confirmed")

        let ostLineup = extract(
            "Joo Ha-neul joins 'Harvest Lane' OST",
            "Singer Joo Ha-neul joins the OST lineup of the drama 'Harvest Lane'.")
        #expect(ostLineup.castings.isEmpty)
    }
}
