import DramaExtract
import LineProtocol
import Testing

@testable import DramaDomain

/// A casting fact as the extractor would report it, with `confidence`.
func extracted(_ fact: Fact, _ confidence: Double) -> Fact {
    var fact = fact
    fact.setExtraction(
        Extraction(
            confidence: confidence, evidence: Evidence(field: .body, start: 0, end: 10, text: "A sentence")))
    return fact
}

@Suite struct ExtractionPolicyTests {
    let drama = EntityRef(key: "thelanternkeeper", name: "The Lantern Keeper")
    let people = ["hanyeoreum": "Han Yeo-reum"]

    func castingState(_ facts: [(String, Fact)]) -> JSON {
        let assertions = facts.enumerated().map { i, pair in assertion("\(i + 1)", pair.0, 0, pair.1) }
        let resolved = Resolver.resolve(
            drama: drama, aliases: ["The Lantern Keeper"], assertions: assertions, personNames: people)
        return resolved.castings.first?.json ?? .null
    }

    @Test func tiers() {
        #expect(ExtractionPolicy.tier(1) == 2)
        #expect(ExtractionPolicy.tier(0.75) == 2)
        #expect(ExtractionPolicy.tier(0.74) == 1)
        #expect(ExtractionPolicy.tier(0.5) == 1)
        #expect(ExtractionPolicy.tier(0.49) == 0)
    }

    /// A weaker extraction published later does not overturn a supplied status.
    @Test func weakLaterExtractionKeepsTheSuppliedStatus() {
        let state = castingState([
            ("2025-03-01T10:00:00+09:00", casting("The Lantern Keeper", "Han Yeo-reum", status: .confirmed)),
            (
                "2025-03-05T10:00:00+09:00",
                extracted(casting("The Lantern Keeper", "Han Yeo-reum", status: .withdrawn), 0.6)
            ),
        ])
        #expect(state["status"] == "confirmed")
        // The history still records both reports, in publication order.
        #expect(state["history"].arrayValue?.map { $0["status"] } == ["confirmed", "withdrawn"])
        #expect(state["unconfirmed"] == .null)
    }

    /// An authoritative extraction published later does.
    @Test func authoritativeLaterExtractionUpdatesTheStatus() {
        let state = castingState([
            ("2025-03-01T10:00:00+09:00", casting("The Lantern Keeper", "Han Yeo-reum", status: .confirmed)),
            (
                "2025-03-05T10:00:00+09:00",
                extracted(casting("The Lantern Keeper", "Han Yeo-reum", status: .withdrawn), 0.8)
            ),
        ])
        #expect(state["status"] == "withdrawn")
    }

    /// An older authoritative fact still beats a newer weak one, whatever the order of arrival.
    @Test func theRuleIsOrderIndependent() {
        let strong = ("2025-03-01T10:00:00+09:00", casting("The Lantern Keeper", "Han Yeo-reum", status: .inTalks))
        let weak = (
            "2025-03-09T10:00:00+09:00",
            extracted(casting("The Lantern Keeper", "Han Yeo-reum", status: .confirmed), 0.55)
        )
        #expect(castingState([strong, weak])["status"] == "in_talks")
        #expect(castingState([weak, strong])["status"] == "in_talks")
    }

    /// A weak fact fills a field nobody stronger gives.
    @Test func weakExtractionFillsAGap() {
        let state = castingState([
            ("2025-03-01T10:00:00+09:00", casting("The Lantern Keeper", "Han Yeo-reum", status: .confirmed)),
            (
                "2025-03-02T10:00:00+09:00",
                extracted(
                    casting("The Lantern Keeper", "Han Yeo-reum", role: "Seo Ha-na", type: .lead, status: nil), 0.55)
            ),
        ])
        #expect(state["status"] == "confirmed")
        #expect(state["role"] == "Seo Ha-na")
        #expect(state["role_type"] == "lead")
    }

    /// A casting only unconfirmed extractions support is marked, and so is its history entry.
    @Test func onlyUnconfirmedSupportIsMarked() {
        let state = castingState([
            (
                "2025-03-01T10:00:00+09:00",
                extracted(casting("The Lantern Keeper", "Han Yeo-reum", status: .rumored), 0.4)
            )
        ])
        #expect(state["unconfirmed"] == true)
        #expect(state["status"] == "rumored")
        #expect(state["history"][0]["unconfirmed"] == true)
        let entry = Projection.castEntry(state, context: Projection.Context())
        #expect(entry["unconfirmed"] == true)
        let person = Projection.personDocument(
            person: ["key": "hanyeoreum", "name": "Han Yeo-reum"], castings: [state], osts: [], news: [],
            context: Projection.Context(), seq: 1)
        #expect(person["roles"][0]["unconfirmed"] == true)
    }

    /// Extraction data survives storage (canonical JSON, then the trusted decoder), and a client
    /// cannot claim it.
    @Test func extractionRoundTripsThroughStorageOnly() throws {
        let fact = extracted(casting("The Lantern Keeper", "Han Yeo-reum", status: .confirmed), 0.42)
        let json = fact.json
        #expect(json["confidence"] == .double(0.42))
        #expect(json["unconfirmed"] == true)
        #expect(json["evidence"] == ["field": "body", "start": 0, "end": 10, "text": "A sentence"])
        #expect(NewsItem.decodeStoredFact(json) == fact)
        let fromClient = try NewsItem.validateFact(json, path: "facts[0]")
        #expect(fromClient.extraction == nil)
        #expect(fromClient.confidence == 1)
    }

    /// Extracted facts go through the same validation as supplied ones.
    @Test func invalidExtractedFactsAreDropped() {
        let evidence = Evidence(field: .headline, start: 0, end: 4, text: "Head")
        let tooLong = String(repeating: "x", count: 301)
        let bad = ExtractedFact.casting(
            CastingFacts(drama: tooLong, person: "Han Yeo-reum", evidence: evidence, confidence: 0.9))
        let good = ExtractedFact.casting(
            CastingFacts(
                drama: "The Lantern Keeper", person: "Han Yeo-reum", status: "in_talks", evidence: evidence,
                confidence: 0.9))
        #expect(NewsItem.fact(from: bad) == nil)
        #expect(
            NewsItem.fact(from: good)
                == extractedWithEvidence(
                    casting("The Lantern Keeper", "Han Yeo-reum", status: .inTalks), 0.9, evidence))
    }

    func extractedWithEvidence(_ fact: Fact, _ confidence: Double, _ evidence: Evidence) -> Fact {
        var fact = fact
        fact.setExtraction(Extraction(confidence: confidence, evidence: evidence))
        return fact
    }
}

@Suite struct KnownNameIndexTests {
    @Test func findsTheNamesAnArticleMentionsByKey() {
        let index = KnownNameIndex(
            people: ["Kim Soo-hyun", "IU", "Han Yeo-reum"], dramas: ["Queen of Tears", "Home", "The Lantern Keeper"])
        let names = index.names(in: "KIM SOO HYUN will sing for queen of tears, at home, with IU.")
        #expect(names.people == ["Kim Soo-hyun", "IU"])
        // "Home" is too short a title to look for: every "home" would become a drama.
        #expect(names.dramas == ["Queen of Tears"])
        #expect(index.names(in: "Nothing known here.").people.isEmpty)
    }

    /// Names are found by whole words however spaced or hyphenated, with a possessive after
    /// them, and never inside a longer word; 25,000 known names cost one lookup each.
    @Test func findsWholeWordsAmongManyNames() {
        var people = ["Kim Soo-hyun", "Ali", "Lee Hi"]
        for i in 0..<25_000 { people.append("Person Number\(i)") }
        let index = KnownNameIndex(people: people, dramas: [])
        let names = index.names(in: "Kim Soohyun's agency said Alison and LEE HI will duet.")
        #expect(names.people == ["Kim Soo-hyun", "Lee Hi"])
        #expect(index.names(in: "Girls' Generation and KIM SOO-HYUN").people == ["Kim Soo-hyun"])
    }

    /// Through the service's path (the index, then the extractor), 20,000 names an article never
    /// mentions change nothing, and a known spelling in the text still wins.
    @Test func absentKnownNamesChangeNothing() {
        let article = Article(
            headline: "Casting news",
            body: "Yoon Harin and Min Tae-gu have been cast in 'Glass Orchard', tvN's new drama.",
            publishedAt: "2025-03-04T18:00:00+09:00")
        let text = article.headline + "\n" + article.body
        var people = ["Yoon Ha-rin"]
        var dramas = ["Glass Orchard"]
        let few = KnownNameIndex(people: people, dramas: dramas).names(in: text)
        for i in 0..<20_000 {
            people.append("Person Number\(i)")
            if i % 4 == 0 { dramas.append("Drama Title \(i)") }
        }
        let many = KnownNameIndex(people: people, dramas: dramas).names(in: text)
        #expect(many.people == ["Yoon Ha-rin"] && many.dramas == ["Glass Orchard"])
        func castings(_ known: KnownNames) -> [CastingFacts] {
            Extractor(known: known).extract(article).compactMap {
                if case .casting(let f) = $0 { return f }
                return nil
            }
        }
        let a = castings(few)
        let b = castings(many)
        #expect(a.map(\.person).sorted() == ["Min Tae-gu", "Yoon Ha-rin"])
        #expect(b.map(\.person).sorted() == a.map(\.person).sorted())
        #expect(b.map(\.drama) == a.map(\.drama))
    }
}

@Suite struct ExtractionEvaluationTests {
    @Test func scoresKindsFieldsMissesAndFalseHits() {
        let expected: [Fact] = [
            casting("Harbor Lights", "Kim Soo-hyun", role: "Baek Hyun-woo", type: .lead, status: .confirmed),
            casting("Harbor Lights", "Lee Min-ji", status: .inTalks),
            ost("Harbor Lights", song: "Tidewater", part: 3, artists: ["Han Yeo-reum"], status: .announced),
        ]
        let predicted: [Fact] = [
            // Same person spelled differently; role right, role type missing, status wrong.
            casting("Harbor Lights", "Kim Soo Hyun", role: "Baek Hyun-woo", status: .rumored),
            // Not labelled.
            casting("Harbor Lights", "Park Ji-hoon", status: .confirmed),
            // Paired by song; part wrong.
            ost("Harbor Lights", song: "Tidewater", part: 4, artists: ["Han Yeo-reum"], status: .announced),
        ]
        let e = ExtractionEvaluation([.init(name: "a", expected: expected, predicted: predicted)])
        #expect(e.kinds["casting"] == counts(tp: 1, fp: 1, fn: 1))
        #expect(e.kinds["ost"] == counts(tp: 1, fp: 0, fn: 0))
        #expect(e.fields["casting.role"] == counts(tp: 1, fp: 0, fn: 0))
        #expect(e.fields["casting.role_type"] == counts(tp: 0, fp: 0, fn: 1))
        // Wrong status: a false positive and a false negative; the unmatched ones count too.
        #expect(e.fields["casting.status"] == counts(tp: 0, fp: 2, fn: 2))
        #expect(e.fields["ost.part"] == counts(tp: 0, fp: 1, fn: 1))
        #expect(e.fields["ost.song"] == counts(tp: 1, fp: 0, fn: 0))
        #expect(e.misses == ["a: casting Harbor Lights / Lee Min-ji (in_talks)"])
        #expect(e.falseHits == ["a: casting Harbor Lights / Park Ji-hoon (confirmed)"])
        #expect(e.overall == counts(tp: 2, fp: 1, fn: 1))
        #expect(abs(e.kinds["casting"]!.precision - 0.5) < 1e-9)
        #expect(abs(e.overall.f1 - 2.0 / 3.0) < 1e-9)
    }

    func counts(tp: Int, fp: Int, fn: Int) -> ExtractionEvaluation.Counts {
        var c = ExtractionEvaluation.Counts()
        c.truePositives = tp
        c.falsePositives = fp
        c.falseNegatives = fn
        return c
    }
}
