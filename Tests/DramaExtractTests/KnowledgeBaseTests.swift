import Testing

@testable import DramaExtract

/// The shipped lists of real titles and performers: what an article mentions is found by its
/// words, and ordinary words never pass for names.
@Suite struct KnowledgeBaseTests {
    @Test func listsAreCompiledIn() {
        let counts = KnowledgeBase.counts
        #expect(counts.dramas > 1000, "\(counts)")
        #expect(counts.people > 1000, "\(counts)")
    }

    @Test func findsStageNamesGroupsAndUnquotedTitles() {
        let found = KnowledgeBase.names(
            in: "Super Junior's Kyuhyun and IU's new song top the charts, as Crash Landing on You returns on tvN.")
        #expect(found.people.contains("Kyuhyun"))
        #expect(found.people.contains("IU"))
        #expect(found.people.contains("Super Junior"))
        #expect(found.dramas.contains("Crash Landing on You"))
    }

    @Test func ordinaryWordsSurnamesAndKoreanFullNamesAreNotListed() {
        let found = KnowledgeBase.names(
            in: "The song will be released in April on Saturday. Kim Soo-hyun plays Baek Hyun-woo; Song Kang returns.")
        for word in ["Song", "April", "Saturday", "Kim Soo-hyun", "Baek Hyun-woo", "Song Kang"] {
            #expect(!found.people.contains(word), "\(word) must come from the extractor's own rules, not the list")
        }
        #expect(found.dramas.isEmpty, "\(found.dramas)")
        // The group APRIL only where the text writes it in capitals.
        #expect(!found.people.contains("APRIL"))
        #expect(KnowledgeBase.names(in: "APRIL returns").people.contains("APRIL"))
    }

    @Test func wordsMatchWholeWordsOnly() {
        // "Baekhyun" is one word; "Baek Hyun-woo" is three: neither finds the other.
        #expect(!KnowledgeBase.names(in: "Baek Hyun-woo").people.contains("Baekhyun"))
        #expect(KnowledgeBase.names(in: "EXO's Baekhyun").people.contains("Baekhyun"))
        #expect(KnowledgeBase.words("KIM SOO-HYUN’s") == ["kim", "soo", "hyun", "s"])
    }
}
