import Testing

@testable import DramaExtract

@Suite("Casting extraction")
struct CastingExtractionTests {
    @Test("confirmed lead with role")
    func confirmed() {
        let facts = extract(
            "Jang Mi-rae confirmed for new romance",
            "Actress Jang Mi-rae has been confirmed to star in 'Spring Ledger' as Oh Da-eun, the female lead.")
        let c = facts.castings
        #expect(c.count == 1)
        #expect(c.first?.person == "Jang Mi-rae")
        #expect(c.first?.drama == "Spring Ledger")
        #expect(c.first?.role == "Oh Da-eun")
        #expect(c.first?.roleType == "lead")
        #expect(c.first?.status == "confirmed")
    }

    @Test("every name of an Oxford-comma cast list gets the verb")
    func oxfordCommaList() {
        let facts = extract(
            "Cast set for 'Winter Harbor'",
            "Yoon Ha-rin, Baek Do-hyun, Moon Se-ah, and Kang Tae-oh will star in 'Winter Harbor'.")
        #expect(
            Set(facts.castings.map(\.person)) == ["Yoon Ha-rin", "Baek Do-hyun", "Moon Se-ah", "Kang Tae-oh"])
        #expect(facts.castings.allSatisfy { $0.drama == "Winter Harbor" && $0.status == "confirmed" })
    }

    @Test("machine-translated positive review is in talks")
    func positivelyReviewing() {
        let facts = extract(
            "Seo Jun-ho eyes drama return",
            "According to the broadcasting industry on the 3rd, actor Seo Jun-ho is positively reviewing the appearance in the new drama 'Harbor Lights'."
        )
        #expect(facts.castings.first?.status == "in_talks")
        #expect(facts.castings.first?.person == "Seo Jun-ho")
    }

    @Test("report answered with nothing decided stays rumored")
    func rumored() {
        let facts = extract(
            "Report: Kang Yuri to lead 'Glass Orchard'",
            """
            Kang Yuri will reportedly star in the upcoming drama 'Glass Orchard'.
            In response, her agency said, "Nothing has been decided yet."
            """)
        #expect(facts.castings.count == 1)
        #expect(facts.castings.first?.status == "rumored")
    }

    @Test("withdrawal and decline")
    func withdrawn() {
        let facts = extract(
            "Changes to 'Iron Petal' cast",
            "Lim Taeo has dropped out of 'Iron Petal' due to scheduling issues. Meanwhile, Baek Sora declined the offer to appear in 'Iron Petal'."
        )
        let byPerson = Dictionary(facts.castings.map { ($0.person, $0.status) }, uniquingKeysWith: { a, _ in a })
        #expect(byPerson["Lim Taeo"] == "withdrawn")
        #expect(byPerson["Baek Sora"] == "declined")
    }

    @Test("a cancelled production marks its cast")
    func cancelled() {
        let facts = extract(
            "'Red Lantern' scrapped",
            "Jung Hae-in was confirmed to star in 'Red Lantern' last month. The drama 'Red Lantern' has been cancelled."
        )
        #expect(facts.castings.first?.status == "cancelled")
    }

    @Test("several spellings of one name resolve to the fullest form")
    func nameVariants() {
        let facts = extract(
            "Kim So Hyun to join 'Velvet Shore' OST",
            "Kim Soo-hyun will sing the OST for 'Velvet Shore'. Soo-hyun last sang for a drama years ago. Kim Soo-hyun is set to record this week."
        )
        #expect(facts.osts.count == 1)
        #expect(facts.osts.first?.artists == ["Kim Soo-hyun"])
    }

    @Test("known names are reported with the stored spelling")
    func knownNames() {
        let e = Extractor(known: KnownNames(people: ["Kim Soo-hyun"], dramas: ["Queen of Tears"]))
        let facts = e.extract(
            Article(
                headline: "News", body: "Kim Soo Hyun will sing the OST for 'Queen Of Tears'.",
                publishedAt: "2024-04-19T09:30:00+09:00"))
        #expect(facts.osts.first?.artists == ["Kim Soo-hyun"])
        #expect(facts.osts.first?.drama == "Queen of Tears")
    }
}
