import Testing

@testable import DramaExtract

/// Phrasings found while reading real development articles, each in a sentence of our own.
@Suite("Phrasings from real news")
struct RealPhrasingTests {
    private func credit(_ facts: [ExtractedFact], _ person: String) -> CastingFacts? {
        facts.castings.first { $0.person == person }
    }

    @Test("a cast list whose names carry parentheses and 'as well as'")
    func parenthesizedList() {
        let facts = extract(
            "Casting news",
            "Yoon Ha-rin (Cloud Nine) and Baek Seo-jun (Velvet Lamp) as well as Min Tae-gu have been cast in 'Glass Orchard'."
        )
        for person in ["Yoon Ha-rin", "Baek Seo-jun", "Min Tae-gu"] {
            #expect(credit(facts, person)?.drama == "Glass Orchard")
            #expect(credit(facts, person)?.status == "confirmed")
        }
        // What the parentheses hold is where the actors come from, not more of the cast.
        #expect(credit(facts, "Cloud Nine") == nil)
    }

    @Test("a quantified cast list: 'stars several actors, including …'")
    func quantifiedList() {
        let facts = extract(
            "New series lineup",
            "'Glass Orchard' stars several well-known actors, including Yoon Ha-rin, Min Tae-gu and Seo Ji-ah.")
        #expect(Set(facts.castings.map(\.person)) == ["Yoon Ha-rin", "Min Tae-gu", "Seo Ji-ah"])
        #expect(facts.castings.allSatisfy { $0.drama == "Glass Orchard" && $0.status == "confirmed" })
    }

    @Test("an inverted subject: 'Reprising their roles … were A and B'")
    func invertedSubject() {
        let facts = extract(
            "Season two news",
            "The drama 'Glass Orchard' returns this winter. Reprising their roles in the sequel were Yoon Ha-rin and Min Tae-gu."
        )
        #expect(credit(facts, "Yoon Ha-rin")?.status == "confirmed")
        #expect(credit(facts, "Min Tae-gu")?.status == "confirmed")
    }

    @Test("a pronoun subject reads as the one person of the sentence before")
    func pronounSubject() {
        let facts = extract(
            "Casting news",
            "Min Tae-gu was in talks to join 'Glass Orchard'. However, he declined the offer because of a film schedule."
        )
        #expect(credit(facts, "Min Tae-gu")?.status == "declined")
    }

    @Test("no pronoun resolution when two people came before")
    func pronounAmbiguous() {
        let facts = extract(
            "Casting news",
            "Min Tae-gu and Yoon Ha-rin were in talks to join 'Glass Orchard'. He declined the offer.")
        #expect(!facts.castings.contains { $0.status == "declined" })
    }

    @Test("a creator's credit names a past work, not the story's drama")
    func creatorCredit() {
        let facts = extract(
            "New thriller by the 'Paper Moon' director casts Min Tae-gu",
            "Min Tae-gu has been cast in 'Glass Orchard', a new thriller by the 'Paper Moon' director.")
        #expect(credit(facts, "Min Tae-gu")?.drama == "Glass Orchard")
        #expect(!facts.castings.contains { $0.drama == "Paper Moon" })
    }

    @Test("a one-word title after a genre word counts once it recurs")
    func oneWordTitle() {
        let facts = extract(
            "Casting news",
            "Min Tae-gu has been cast in the upcoming tvN series Lantern. Lantern follows a night-shift nurse.")
        #expect(credit(facts, "Min Tae-gu")?.drama == "Lantern")
        let once = extract("Casting news", "Min Tae-gu has been cast in the upcoming tvN series Lantern.")
        #expect(!once.castings.contains { $0.drama == "Lantern" })
    }

    @Test("season numbers name their own drama")
    func seasons() {
        let facts = extract(
            "Sequel casting",
            "Min Tae-gu will star in the second season of 'Glass Orchard'.")
        #expect(credit(facts, "Min Tae-gu")?.drama == "Glass Orchard 2")
    }

    @Test("a one-letter hyphen part stays in a Korean name")
    func shortGivenPart() {
        let facts = extract(
            "Casting news", "Shin Ha-a and Min Tae-gu have been cast in 'Glass Orchard'.")
        #expect(Set(facts.castings.map(\.person)) == ["Shin Ha-a", "Min Tae-gu"])
    }

    @Test("a song introduced in the sentence after the credit")
    func songIntroducedAfter() {
        let facts = extract(
            "OST news",
            "Singer Seo Ji-ah will sing the OST of 'Glass Orchard'. \"Pale Lanterns\" is a ballad about waiting.")
        #expect(facts.osts.first?.song == "Pale Lanterns")
        #expect(facts.osts.first?.artists == ["Seo Ji-ah"])
    }

    @Test("'the fourth part of the OST' gives the part; 'Part 3' is never a title")
    func partForms() {
        let facts = extract(
            "OST news",
            "Seo Ji-ah will release 'Pale Lanterns', the fourth part of the 'Glass Orchard' OST, on May 3.")
        #expect(facts.osts.first?.part == 4)
        let numbered = extract(
            "OST news", "Seo Ji-ah sings 'Pale Lanterns', Part 3 of the OST for 'Glass Orchard'.")
        #expect(!numbered.osts.contains { $0.drama == "Part 3" })
    }
}
