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

    // MARK: More status verbs

    @Test("opted out, had to turn down, will not be able to, approached, being considered, removed, scored")
    func moreStatusVerbs() {
        let cases = [
            ("Seo Ye-rin", "declined", "Seo Ye-rin has opted out of 'Paper Lantern' to focus on a film."),
            ("Kang Mi-rae", "declined", "Kang Mi-rae had to turn down the offer for 'Paper Lantern' this spring."),
            ("Yoon Ha-jin", "declined", "Yoon Ha-jin will not be able to star in 'Paper Lantern' after all."),
            (
                "Baek Seo-jun", "declined",
                "The production company confirmed that Baek Seo-jun will not be participating in 'Paper Lantern'."
            ),
            ("Lim Ha-eun", "offered", "Lim Ha-eun has been approached for the female lead of 'Paper Lantern'."),
            ("Jo Min-seo", "in_talks", "Jo Min-seo is now being considered for the lead role in 'Paper Lantern'."),
            ("Choi Yu-na", "in_talks", "Choi Yu-na is being courted to play the heroine of 'Paper Lantern'."),
            ("Hwang Ga-in", "in_talks", "Hwang Ga-in is one of the candidates for the heroine of 'Paper Lantern'."),
            ("Jang Tae-woo", "withdrawn", "Jang Tae-woo has been removed from 'Paper Lantern' after the controversy."),
            ("Kwon Do-hyun", "confirmed", "Kwon Do-hyun has scored the leading role in 'Paper Lantern'."),
            ("Ahn Ji-su", "confirmed", "Ahn Ji-su bagged a main role in 'Paper Lantern'."),
        ]
        for (person, status, body) in cases {
            let facts = extract("Cast news from the drama 'Paper Lantern'", body)
            #expect(facts.castings.count == 1, "\(body)")
            #expect(credit(facts, person)?.drama == "Paper Lantern", "\(body)")
            #expect(credit(facts, person)?.status == status, "\(body)")
        }

        let assume = extract(
            "Cast news from the drama 'Paper Lantern'",
            "Actors Lee Han-gyeol and Park So-yi will assume the main roles in 'Paper Lantern'.")
        #expect(assume.castings.count == 2)
        #expect(assume.castings.allSatisfy { $0.status == "confirmed" && $0.roleType == "lead" })
    }

    @Test("an award candidate, an award under consideration and removed scenes are no casting")
    func moreStatusVerbsNegatives() {
        let facts = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            'Paper Lantern' wrapped filming last week. Kang Mi-rae is one of the candidates for the Best Actress \
            award this year. Jo Min-seo is being considered for the top acting award as well. Baek Seo-ah's scenes \
            were removed from the trailer.
            """)
        #expect(facts.castings.isEmpty)
    }

    // MARK: The drama as the subject of a cast list

    @Test("the melodrama also stars, it will feature, a title with an aside will also star")
    func dramaSubject() {
        let melodrama = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            Kwon Do-hyun will star in the drama 'Paper Lantern'. The melodrama, set to premiere next spring, \
            also stars Baek Seo-ah and Jeon Min-jae.
            """)
        #expect(Set(melodrama.castings.map(\.person)) == ["Kwon Do-hyun", "Baek Seo-ah", "Jeon Min-jae"])
        #expect(melodrama.castings.allSatisfy { $0.drama == "Paper Lantern" && $0.status == "confirmed" })

        let feature = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            'Paper Lantern' is a mystery drama set in a lighthouse town. It will feature Baek Seo-ah, \
            Jeon Min-jae, and Shin Yu-ri.
            """)
        #expect(Set(feature.castings.map(\.person)) == ["Baek Seo-ah", "Jeon Min-jae", "Shin Yu-ri"])
        #expect(feature.castings.allSatisfy { $0.drama == "Paper Lantern" && $0.status == "confirmed" })

        // The subject decides the drama: the other title in the aside gets no credit.
        let aside = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            'Paper Lantern', from the team behind the drama 'Glass Bell', will also star Baek Seo-ah and \
            Jeon Min-jae.
            """)
        #expect(aside.castings.count == 2)
        #expect(aside.castings.allSatisfy { $0.drama == "Paper Lantern" && $0.status == "confirmed" })
    }

    @Test("starred in the original, 'it features' after an OST sentence, a title track give no credit")
    func dramaSubjectNegatives() {
        let original = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            'Paper Lantern' is a remake of the 2009 drama 'Glass Bell'. The original drama starred Baek Seo-ah \
            and Jeon Min-jae.
            """)
        #expect(original.castings.isEmpty)

        let soundtrack = extract(
            "'Paper Lantern' drops its second OST",
            """
            The second OST of 'Paper Lantern' was released on Friday. It features Baek Seo-ah and Jeon Min-jae. \
            The title track of the drama features Shin Yu-ri.
            """)
        #expect(soundtrack.castings.isEmpty)
    }

    // MARK: Played by, without a character before the verb

    @Test("the main characters will be played by, characters played by, a role portrayed by an actress")
    func genericPlayedBy() {
        let characters = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            The drama 'Paper Lantern' follows six neighbors in a seaside village. The main characters will be \
            played by Baek Seo-ah, Jeon Min-jae and Shin Yu-ri.
            """)
        #expect(Set(characters.castings.map(\.person)) == ["Baek Seo-ah", "Jeon Min-jae", "Shin Yu-ri"])
        #expect(characters.castings.allSatisfy { $0.drama == "Paper Lantern" && $0.status == "confirmed" })

        let participle = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            The series follows a diverse set of characters, played by Baek Seo-ah, Jeon Min-jae, and \
            Shin Yu-ri.
            """)
        #expect(participle.castings.count == 3)
        #expect(participle.castings.allSatisfy { $0.drama == "Paper Lantern" && $0.status == "confirmed" })

        let rival = extract(
            "Cast news from the drama 'Paper Lantern'",
            "In the drama, her rival Yoon Seol-hee will be portrayed by actress Kang Mi-rae.")
        #expect(rival.castings.count == 1)
        #expect(credit(rival, "Kang Mi-rae")?.role == "Yoon Seol-hee")
        #expect(credit(rival, "Kang Mi-rae")?.status == "confirmed")
    }

    @Test("played by in an earlier film or in a filmography gives no credit")
    func genericPlayedByNegatives() {
        let facts = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            'Paper Lantern' is based on a novel. In the 2012 film version, the lead role is played by \
            Baek Seo-ah. Of all the roles played by Jeon Min-jae, his turn as a detective stands out.
            """)
        #expect(facts.castings.isEmpty)
    }

    // MARK: Cast-list nouns

    @Test("the other cast, a stellar cast:, the ensemble, the latest addition to the cast, the official lineup")
    func castNouns() {
        let facts = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            The other cast of the drama includes Baek Seo-ah and Jeon Min-jae. The drama has a stellar cast: \
            Shin Yu-ri, Cho Yeon-woo and Lim Ha-eun. The ensemble includes Ahn Ji-su and Jang Tae-woo. \
            Kwon Do-hyun is the latest addition to the cast.
            """)
        #expect(
            Set(facts.castings.map(\.person)) == [
                "Baek Seo-ah", "Jeon Min-jae", "Shin Yu-ri", "Cho Yeon-woo", "Lim Ha-eun", "Ahn Ji-su", "Jang Tae-woo",
                "Kwon Do-hyun",
            ])
        #expect(facts.castings.allSatisfy { $0.drama == "Paper Lantern" && $0.status == "confirmed" })

        let lineup = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            'Paper Lantern' is a mystery drama set in a lighthouse town. The official lineup includes \
            Baek Seo-ah, Jeon Min-jae and Shin Yu-ri.
            """)
        #expect(Set(lineup.castings.map(\.person)) == ["Baek Seo-ah", "Jeon Min-jae", "Shin Yu-ri"])
        #expect(lineup.castings.allSatisfy { $0.status == "confirmed" })
    }

    @Test("a lineup after a soundtrack sentence and an addition to the OST lineup are singers, not cast")
    func castNounsNegatives() {
        let facts = extract(
            "'Paper Lantern' unveils its OST lineup",
            """
            'Paper Lantern' will release its soundtrack in eight parts. The lineup includes Baek Seo-ah and \
            Jeon Min-jae. Cho Yeon-woo is the latest addition to the OST lineup.
            """)
        #expect(facts.castings.isEmpty)
    }

    // MARK: The drama referred to, not named

    @Test("its star-studded cast and an upcoming drama refer to the article's drama; another drama does not")
    func referredDrama() {
        let cast = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            'Paper Lantern' comes from the writer of the drama 'Glass Bell'. Its star-studded cast includes \
            Baek Seo-ah and Jeon Min-jae.
            """)
        #expect(cast.castings.count == 2)
        #expect(cast.castings.allSatisfy { $0.drama == "Paper Lantern" && $0.status == "confirmed" })

        let upcoming = extract(
            "Cast news from the drama 'Paper Lantern'",
            """
            'Paper Lantern' comes from the writer of the drama 'Glass Bell'. Shin Yu-ri has been cast in an \
            upcoming legal drama as a prosecutor. Jeon Min-jae will also appear in another upcoming drama next \
            year. Baek Seo-ah is set to star in a new thriller film.
            """)
        #expect(credit(upcoming, "Shin Yu-ri")?.drama == "Paper Lantern")
        #expect(credit(upcoming, "Shin Yu-ri")?.status == "confirmed")
        #expect(credit(upcoming, "Jeon Min-jae") == nil)
        #expect(credit(upcoming, "Baek Seo-ah") == nil)
    }

    // MARK: Names

    @Test("Jun, Sung and An inside three-part names; 'Starring' is no name")
    func nameSyllables() {
        let names = extract(
            "Cast news from the drama 'Paper Lantern'",
            "Lee Jun Ho, Jung Woo Sung and Won Ji An will star in 'Paper Lantern'.")
        #expect(Set(names.castings.map(\.person)) == ["Lee Jun Ho", "Jung Woo Sung", "Won Ji An"])

        let starring = extract(
            "Cast news from the drama 'Paper Lantern'",
            "Starring actors Baek Seo-ah and Jeon Min-jae, the drama 'Paper Lantern' premieres in May.")
        #expect(credit(starring, "Starring") == nil)
        #expect(Set(starring.castings.map(\.person)) == ["Baek Seo-ah", "Jeon Min-jae"])
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

    // MARK: Titles that describe a person

    @Test("'⟨title⟩' actor X: the modifier title is neither the drama nor a credit")
    func modifierTitle() {
        let facts = extract(
            "Kang Min-jae cast in 'Salt Garden'",
            "'Harbor Lights' actor Kang Min-jae has been cast in the new drama 'Salt Garden'.")
        #expect(credit(facts, "Kang Min-jae")?.drama == "Salt Garden")
        #expect(credit(facts, "Kang Min-jae")?.status == "confirmed")
        #expect(!facts.castings.contains { $0.drama == "Harbor Lights" })
    }

    @Test("'⟨title⟩' star X in talks for an unnamed drama: no credit for the modifier title")
    func modifierTitleOnly() {
        let facts = extract(
            "Kang Min-jae in talks for new drama",
            "'Harbor Lights' star Kang Min-jae is in talks to join a new drama.")
        #expect(!facts.castings.contains { $0.drama == "Harbor Lights" })
    }

    @Test("X, who led ⟨title⟩, has been cast in ⟨title⟩: the aside is past work")
    func pastWorkAside() {
        let facts = extract(
            "Kang Min-jae joins 'Salt Garden'",
            "Kang Min-jae, who led the medical drama 'Harbor Lights', has been cast in 'Salt Garden'.")
        #expect(credit(facts, "Kang Min-jae")?.drama == "Salt Garden")
        #expect(!facts.castings.contains { $0.drama == "Harbor Lights" })
    }

    @Test("X, who led ⟨title⟩, with no casting verb gives nothing")
    func pastWorkAsideOnly() {
        let facts = extract(
            "Kang Min-jae meets fans",
            "Kang Min-jae, who led the medical drama 'Harbor Lights', will hold a fan meeting in Seoul.")
        #expect(facts.castings.isEmpty)
    }

    // MARK: Character (actor) in plot summaries

    @Test("a character followed by the actor in parentheses")
    func characterThenActor() {
        let facts = extract(
            "'Salt Garden' unveils first stills",
            "'Salt Garden' tells the story of Yoon Da-rim (Choi Hyun-woo), a baker who falls for a rival.")
        #expect(credit(facts, "Choi Hyun-woo")?.drama == "Salt Garden")
        #expect(credit(facts, "Choi Hyun-woo")?.role == "Yoon Da-rim")
        #expect(credit(facts, "Yoon Da-rim") == nil)
    }

    @Test("an actor already credited, then the character in parentheses, is not reversed")
    func actorThenCharacter() {
        let facts = extract(
            "Choi Hyun-woo joins 'Salt Garden'",
            """
            Choi Hyun-woo has been cast in 'Salt Garden'. In 'Salt Garden', Choi Hyun-woo (Yoon Da-rim) \
            falls for a rival baker.
            """)
        #expect(credit(facts, "Choi Hyun-woo")?.status == "confirmed")
        #expect(credit(facts, "Yoon Da-rim") == nil)
        let oneWord = extract(
            "'Salt Garden' unveils first stills",
            "'Salt Garden' tells the story of Darim (Choi Hyun-woo), a baker who falls for a rival.")
        #expect(oneWord.castings.isEmpty)
    }

    // MARK: Titles the article marks as titles

    @Test("a bare title marked (literal title)")
    func literalTitle() {
        let facts = extract(
            "Kang Min-jae to make a cameo",
            "Kang Min-jae will make a cameo in Gwigoong (literal title), an upcoming fantasy drama.")
        #expect(credit(facts, "Kang Min-jae")?.drama == "Gwigoong")
    }

    @Test("(lit. …) after a song is not a drama title")
    func literalSongTitle() {
        let facts = extract(
            "Kang Min-jae on a music show",
            "Kang Min-jae sang Saranghae (lit. I Love You) on a music show and will join the cast next week.")
        #expect(!facts.castings.contains { $0.drama == "Saranghae" })
    }

    @Test("a bare title after 'tentatively titled'")
    func tentativelyTitledBare() {
        let facts = extract(
            "Kang Min-jae to star in tvN drama",
            "Kang Min-jae will star in the tvN drama tentatively titled Evernight.")
        #expect(credit(facts, "Kang Min-jae")?.drama == "Evernight")
    }

    @Test("a one-word title after 'drama titled' alone is not registered")
    func dramaTitledOneWord() {
        let facts = extract(
            "Kang Min-jae to star in drama",
            "Kang Min-jae will star in a drama titled Evernight.")
        #expect(!facts.castings.contains { $0.drama == "Evernight" })
    }

    @Test("a quoted title after 'tentatively titled' is a drama, not a song")
    func tentativelyTitledQuoted() {
        let facts = extract(
            "Kang Min-jae to lead new series",
            "Kang Min-jae will star in the series, tentatively titled 'Paper Crane Inn'.")
        #expect(credit(facts, "Kang Min-jae")?.drama == "Paper Crane Inn")
    }

    @Test("a quoted single titled 'X' stays a song")
    func singleTitledQuoted() {
        let facts = extract(
            "Kang Min-jae releases a single",
            "Kang Min-jae released a single titled 'Paper Crane Inn' last week.")
        #expect(facts.castings.isEmpty)
    }

    @Test("melodrama as the head noun of a bare title")
    func melodramaHead() {
        let facts = extract(
            "Kang Min-jae cast in SBS melodrama",
            "Kang Min-jae has been cast in the SBS melodrama Winter Relay Station.")
        #expect(credit(facts, "Kang Min-jae")?.drama == "Winter Relay Station")
    }

    @Test("a name after 'melodrama' is not a title")
    func melodramaHeadName() {
        let facts = extract(
            "Busan melodrama",
            "The melodrama Kang Min-jae chose is set in Busan.")
        #expect(!facts.castings.contains { $0.drama == "Kang Min-jae" })
    }

    // MARK: The drama of the sentence before

    @Test("a casting clause without a title takes the drama of the sentence before")
    func carriedDrama() {
        let facts = extract(
            "Casting news",
            "'Salt Garden' will premiere on tvN in May. Kang Min-jae has been confirmed to join the cast.")
        #expect(credit(facts, "Kang Min-jae")?.drama == "Salt Garden")
        #expect(credit(facts, "Kang Min-jae")?.status == "confirmed")
    }

    @Test("no carry-over to another work, nor from a modifier title")
    func carriedDramaNegatives() {
        let another = extract(
            "Casting news",
            "'Salt Garden' will premiere on tvN in May. Kang Min-jae has been cast in another drama.")
        #expect(another.castings.isEmpty)
        let modifier = extract(
            "Casting news",
            "'Salt Garden' actor Kang Min-jae met fans on Sunday. Kang Min-jae has been confirmed to join the cast.")
        #expect(!modifier.castings.contains { $0.drama == "Salt Garden" })
    }

    // MARK: Inverted subjects

    @Test("'Joining X in the drama are A and B' and 'Also joining the cast is C' credit the cast")
    func invertedJoin() {
        let facts = extract(
            "Salt Garden casting",
            "'Salt Garden' will premiere on tvN in May. "
                + "Joining Kang Min-jae in the drama are Yoon Ara and Park Jun-seo.")
        #expect(credit(facts, "Yoon Ara")?.drama == "Salt Garden")
        #expect(credit(facts, "Park Jun-seo")?.status == "confirmed")
        let also = extract(
            "Salt Garden casting",
            "'Salt Garden' will premiere on tvN in May. Also joining the cast is Choi Woo-jin, who plays a chef.")
        #expect(credit(also, "Choi Woo-jin")?.drama == "Salt Garden")
    }

    @Test("people joining fans at an event are not cast")
    func invertedJoinNegative() {
        let facts = extract(
            "Salt Garden premiere",
            "'Salt Garden' will premiere on tvN in May. "
                + "Joining the fans at the screening were Yoon Ara and Park Jun-seo.")
        #expect(credit(facts, "Yoon Ara") == nil)
    }
}
