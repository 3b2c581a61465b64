import Foundation
import Testing

@testable import DramaDomain

@Suite struct NameKeyTests {
    @Test(arguments: [
        "Kim Soo-Hyun", "Kim Soo Hyun", "KIM SOO-HYUN", "kim soo hyun", "Kim  Soo.Hyun", "Kim Soo–Hyun", "ＫＩＭ ＳＯＯ－ＨＹＵＮ",
    ])
    func spellingVariantsShareOneKey(_ name: String) {
        #expect(NameKey.normalize(name, kind: .person) == "kimsoohyun")
    }

    @Test func similarNamesStayDistinct() {
        #expect(NameKey.normalize("Kim So Hyun", kind: .person) == "kimsohyun")
        #expect(NameKey.normalize("Kim So Hyun", kind: .person) != NameKey.normalize("Kim Soo-hyun", kind: .person))
        #expect(NameKey.normalize("Byeon Woo-seok", kind: .person) != NameKey.normalize("Byun Woo-seok", kind: .person))
    }

    @Test(arguments: [
        "Queen of Tears", "The Queen of Tears", "Queen of Tears (working title)", "'Queen of Tears'",
        "“Queen Of Tears”", "QUEEN OF TEARS",
    ])
    func dramaDecorationsDoNotMakeANewDrama(_ title: String) {
        #expect(NameKey.normalize(title, kind: .drama) == "queenoftears")
    }

    /// Stored keys must never change: the scalar trimming gives exactly the keys Foundation's
    /// `trimmingCharacters(in:)` gave, on random titles made of decorations, spaces and words.
    @Test func dramaKeysMatchTheFoundationTrimmingTheyReplaced() {
        func reference(_ name: String) -> String {
            var text = name.precomposedStringWithCompatibilityMapping.lowercased()
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let quotes = CharacterSet(charactersIn: "\"'“”‘’「」『』《》<>")
            text = text.trimmingCharacters(in: quotes.union(.whitespaces))
            for suffix in ["(working title)", "(tentative title)", "(wt)"] where text.hasSuffix(suffix) {
                text = String(text.dropLast(suffix.count)).trimmingCharacters(in: quotes.union(.whitespaces))
            }
            if text.hasPrefix("the "), text.dropFirst(4).contains(where: { $0.isLetter }) {
                text = String(text.dropFirst(4))
            }
            return String(
                String.UnicodeScalarView(
                    text.unicodeScalars.filter {
                        $0.properties.isAlphabetic
                            || [.decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark].contains(
                                $0.properties.generalCategory)
                    }))
        }
        let pieces = [
            " ", "\t", "\n", "\u{3000}", "\u{2028}", "\u{85}", "'", "“", "”", "「", "<", "The ", "the", "THE ",
            "Queen", " of ", "Tears", "2", "(working title)", "(WT)", "(tentative title)", "김", "é", "e\u{301}", "-",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let title = (0..<Int.random(in: 1...7, using: &generator)).map { _ in
                pieces.randomElement(using: &generator)!
            }
            .joined()
            #expect(NameKey.normalize(title, kind: .drama) == reference(title), "\(title.debugDescription)")
        }
    }

    @Test func numbersAreIdentity() {
        #expect(NameKey.normalize("Soundtrack #1", kind: .drama) == "soundtrack1")
        #expect(NameKey.normalize("Soundtrack #1", kind: .drama) != NameKey.normalize("Soundtrack #2", kind: .drama))
        #expect(NameKey.normalize("School 2020", kind: .drama) != NameKey.normalize("School 2021", kind: .drama))
    }

    @Test func hangulIsKeptAndTheAloneIsNotStripped() {
        #expect(NameKey.normalize("김수현", kind: .person) == "김수현")
        #expect(NameKey.normalize("The", kind: .drama) == "the")
        #expect(NameKey.normalize("The 8 Show", kind: .drama) == "8show")
        #expect(NameKey.normalize("The 2", kind: .drama) == "the2")
    }

    @Test func preferredSpellingIsTheLatestArticlesAndIgnoresInputOrder() {
        let uses = [
            SpellingUse(spelling: "Kim Soo-Hyun", publishedMillis: 100, url: "https://a.example/1"),
            SpellingUse(spelling: "Kim Soo Hyun", publishedMillis: 300, url: "https://a.example/2"),
            SpellingUse(spelling: "Kim Soo-hyun", publishedMillis: 300, url: "https://a.example/3"),
        ]
        #expect(NameKey.preferredSpelling(uses) == "Kim Soo-hyun")
        #expect(NameKey.preferredSpelling(uses.reversed()) == "Kim Soo-hyun")
        #expect(NameKey.preferredSpelling([]) == nil)
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2024-04-19T09:30:00+09:00", Int64(1_713_486_600_000)),
        ("2024-04-19T00:30:00Z", 1_713_486_600_000),
        ("2024-04-19T00:30:00.250Z", 1_713_486_600_250),
        ("2024-02-29T12:00:00-05:30", 1_709_227_800_000),
        ("1999-12-31T23:59:60Z", 946_684_799_000),
    ])
    func parsesRFC3339(_ text: String, _ millis: Int64) throws {
        let t = try #require(Timestamp(text, allowDateOnly: false))
        #expect(t.instantMillis == millis)
        #expect(t.text == text)
        #expect(t.hasTime)
    }

    @Test(arguments: [
        "2014-02-29T10:00:00+09:00", "2023-02-29", "2024-13-01T00:00:00Z", "2024-04-31T00:00:00Z",
        "2024-04-19T24:00:00Z",
        "2024-04-19T10:60:00Z", "2024-04-19T10:00:00", "2024-04-19T10:00:00+9:00", "19-04-2024", "yesterday", "",
        "2024-04-19T10:00:00+09:00 ", "2024-4-19", "0000-01-01",
    ])
    func rejectsImpossibleAndGarbageDates(_ text: String) {
        #expect(Timestamp(text, allowDateOnly: true) == nil)
    }

    @Test func dateOnlyIsAllowedOnlyWhereAsked() {
        #expect(Timestamp("2024-03-09", allowDateOnly: false) == nil)
        let date = Timestamp("2024-03-09", allowDateOnly: true)
        #expect(date?.hasTime == false)
        // A bare date is a KST date: midnight in Seoul.
        #expect(date?.instantMillis == Timestamp("2024-03-09T00:00:00+09:00", allowDateOnly: false)?.instantMillis)
    }

    @Test func formatsUTC() {
        #expect(Timestamp.formatUTC(millis: 1_713_486_600_120) == "2024-04-19T00:30:00.120Z")
        #expect(Timestamp.formatUTC(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.formatUTC(millis: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
    }
}
