import Foundation
import Testing

@testable import DramaExtract

@Suite("Drama facts, dates and text handling")
struct DramaAndTextTests {
    @Test("network, platform, premiere and episodes")
    func dramaFacts() {
        let facts = extract(
            "'Lantern Street' sets premiere",
            "MBC's new drama 'Lantern Street' will premiere on May 10 at 9:50 p.m. KST. The 12-episode series will also stream on Netflix.",
            at: "2025-04-01T10:00:00+09:00")
        let d = facts.dramas
        #expect(d.count == 1)
        #expect(d.first?.title == "Lantern Street")
        #expect(d.first?.network == "MBC")
        #expect(d.first?.premiere == "2025-05-10T21:50:00+09:00")
        #expect(d.first?.episodes == 12)
        #expect(d.first?.platforms == ["Netflix"])
    }

    @Test("episodes already aired are not the episode count")
    func airedEpisodes() {
        let facts = extract("Ratings", "'Lantern Street' has already aired 8 episodes on MBC.")
        #expect(facts.dramas.first?.episodes == nil)
    }

    @Test("relative dates resolve in KST")
    func dates() {
        let r = DateResolver(publishedAt: "2025-03-31T20:00:00Z")  // 2025-04-01 05:00 KST
        #expect(r.published == KSTDate(year: 2025, month: 4, day: 1))
        let m = r.mentions(in: "It will be released on the 15th at 6 p.m.")
        #expect(m.count == 1)
        #expect(r.resolve(m[0], tense: .future) == "2025-04-15T18:00:00+09:00")
        let later = r.mentions(in: "It comes out on the 28th.")
        #expect(r.resolve(later[0], tense: .future) == "2025-04-28")
        #expect(r.resolve(later[0], tense: .past) == "2025-03-28")
        #expect(r.resolve(r.mentions(in: "on February 29")[0], tense: .future) == nil)
        #expect(r.resolve(r.mentions(in: "tomorrow")[0], tense: .future) == "2025-04-02")
    }

    @Test("sentence offsets are UTF-8 byte offsets")
    func offsets() {
        let body = "‘Intro’ is here. Kim Dae-ho will sing the OST for ‘River Crown’."
        let s = SentenceSplitter.sentences(of: body, field: .body)
        #expect(s.count == 2)
        let bytes = Array(body.utf8)
        let second = String(decoding: bytes[s[1].start..<s[1].end], as: UTF8.self)
        #expect(second == s[1].text)
        #expect(second.hasPrefix("Kim Dae-ho"))
    }

    @Test("abbreviations and times do not split sentences")
    func splitting() {
        let s = SentenceSplitter.sentences(of: "It airs at 9 p.m. KST on Fridays. Mr. Park agreed.", field: .body)
        #expect(s.count == 2)
    }

    @Test("link lists and ads are dropped")
    func boilerplate() {
        let body = """
            Real news sentence here.
            HT launches a new app, a one stop destination for sports. Explore now!
            -
            Some celebrity headline about a lawsuit
            -
            Another unrelated headline
            """
        let s = SentenceSplitter.sentences(of: body, field: .body)
        #expect(s.map(\.text) == ["Real news sentence here."])
    }

    @Test("title variants in one article resolve to the body form")
    func titleVariants() {
        let facts = extract(
            "Park Minseo to sing for 'Garden Of The Moon'",
            "Park Min-seo will sing Part 2 of the OST for 'Garden of the Moon'. 'Garden of the Moon' airs on KBS2.")
        #expect(facts.osts.first?.drama == "Garden of the Moon")
    }

    private func dramaFacts(_ body: String) -> [DramaFacts] {
        Extractor(known: KnownNames(people: [], dramas: ["Salt Garden"])).extract(
            Article(headline: "Spring dramas", body: body, publishedAt: "2025-03-04T18:00:00+09:00")
        ).dramas
    }

    @Test("'⟨D⟩ is an upcoming tvN drama' and '⟨D⟩, a Netflix series' name the network and platform")
    func dramaIsChannel() {
        let network = dramaFacts("'Salt Garden' is an upcoming tvN drama about a florist who returns home.")
        #expect(network.first { $0.title == "Salt Garden" }?.network == "tvN")
        let platform = dramaFacts("Kang Min-jae will lead 'Salt Garden', a Netflix series about a florist.")
        #expect(platform.first { $0.title == "Salt Garden" }?.platforms == ["Netflix"])
    }

    @Test("'⟨D⟩ and a tvN drama' does not give the drama that network")
    func dramaIsChannelNegative() {
        let facts = dramaFacts("'Salt Garden' and a tvN drama about chefs were both nominated.")
        #expect(facts.first { $0.title == "Salt Garden" }?.network == nil)
    }

    @Test("'KBS2's weekend drama remake ⟨D⟩', 'the upcoming JTBC series, ⟨D⟩' and 'cable channel JTBC'")
    func channelDescriptors() {
        let owner = dramaFacts("KBS2's weekend drama remake 'Salt Garden' opens in April.")
        #expect(owner.first { $0.title == "Salt Garden" }?.network == "KBS2")
        let appositive = dramaFacts("The upcoming JTBC series, 'Salt Garden', is about a florist.")
        #expect(appositive.first { $0.title == "Salt Garden" }?.network == "JTBC")
        let channel = dramaFacts("'Salt Garden' will premiere on South Korean cable channel JTBC on April 5.")
        #expect(channel.first { $0.title == "Salt Garden" }?.network == "JTBC")
        #expect(channel.first { $0.title == "Salt Garden" }?.premiere == "2025-04-05")
    }

    @Test("a network joined to the title by 'and' is not its channel")
    func channelDescriptorsNegative() {
        let facts = dramaFacts("KBS2 and the drama 'Salt Garden' were praised by critics.")
        #expect(facts.first { $0.title == "Salt Garden" }?.network == nil)
    }
}

@Suite("Regex ranges")
struct RegexRangeTests {
    /// A match may end between a letter and the combining mark after it (the fuzzer found such an
    /// input); its range must still convert instead of trapping.
    @Test("a range ending inside a grapheme cluster converts")
    func rangeInsideAGraphemeCluster() {
        let text = "Part.3 5rops\u{0740} for 'Queen of Tears'"
        let inside = NSRange(location: 0, length: 12)  // up to the "s", before its combining mark
        #expect(Range(inside, in: text) == nil)  // what trapped before
        let range = stringRange(inside, in: text)
        #expect(range != nil)
        #expect(range.map { text.utf16.distance(from: text.utf16.startIndex, to: $0.upperBound) } == 12)
        #expect(stringRange(NSRange(location: NSNotFound, length: 0), in: text) == nil)
        #expect(stringRange(NSRange(location: 0, length: 500), in: text) == nil)
    }
}
