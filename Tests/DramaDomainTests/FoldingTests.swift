import LineProtocol
import TestUtilities
import Testing

@testable import DramaDomain

/// Folding new assertions into a stored state gives what resolving the whole set gives.
@Suite struct FoldingTests {
    static let statuses: [CastingStatus?] = [.rumored, .inTalks, .confirmed, .confirmed, .withdrawn, nil]

    /// A random report about Kim Ji-won in Queen of Tears, or a drama fact, on one of 20 days.
    static func randomAssertion(_ id: Int, _ g: inout SeededRandom) -> Assertion {
        let day = 1 + Int.random(in: 0..<20, using: &g)
        let hour = ["09", "18"][Int.random(in: 0..<2, using: &g)]
        let published = "2024-01-\(day < 10 ? "0" : "")\(day)T\(hour):00:00+09:00"
        var fact: Fact
        if Int.random(in: 0..<3, using: &g) == 0 {
            fact = .drama(
                DramaFact(
                    title: "Queen of Tears",
                    network: Bool.random(using: &g) ? ["tvN", "JTBC"].randomElement(using: &g) : nil,
                    platforms: Bool.random(using: &g)
                        ? [["Netflix"], ["Netflix", "Viki"]].randomElement(using: &g) : nil,
                    premiere: Bool.random(using: &g) ? Timestamp("2024-03-09", allowDateOnly: true) : nil,
                    episodes: Bool.random(using: &g) ? [12, 16].randomElement(using: &g) : nil))
        } else {
            fact = casting(
                "Queen of Tears", "Kim Ji-won",
                role: Bool.random(using: &g) ? ["Hong Hae-in", "Hae-in"].randomElement(using: &g) : nil,
                type: Bool.random(using: &g) ? .lead : nil, status: statuses.randomElement(using: &g)!)
        }
        // Some extractions, of every tier.
        if Int.random(in: 0..<3, using: &g) == 0 { fact = extracted(fact, [0.3, 0.6, 0.9].randomElement(using: &g)!) }
        return assertion(String(id), published, Int.random(in: 0..<2, using: &g), fact)
    }

    static func resolve(_ assertions: [Assertion]) -> ResolvedDrama {
        Resolver.resolve(drama: queen, aliases: ["Queen of Tears"], assertions: assertions, personNames: names)
    }

    @Test func foldingEqualsResolvingEverything() throws {
        var g = SeededRandom(seed: 11)
        var folded = 0
        var gaveUp = 0
        for round in 0..<400 {
            let all = (0..<Int.random(in: 2..<14, using: &g)).map { Self.randomAssertion(round * 100 + $0, &g) }
            let cut = Int.random(in: 1..<all.count, using: &g)
            // Often the new ones are the latest (news arriving in order), sometimes anywhere.
            let ordered = round % 2 == 0 ? all.sorted { Assertion.later($1, $0) } : all
            let (old, new) = (Array(ordered[..<cut]), Array(ordered[cut...]))
            let before = Self.resolve(old)
            let after = Self.resolve(old + new)

            // The drama's own state (a stored fold round-trips through its text).
            let dramaFold = try #require(StateFold(text: before.dramaFold.text))
            let drama = Resolver.foldDrama(
                state: before.drama.json, fold: dramaFold, adding: new, title: "Queen of Tears",
                aliases: ["Queen of Tears"])
            #expect(drama.state == after.drama.json, "round \(round)")
            #expect(drama.fold == after.dramaFold, "round \(round)")

            // The casting, where the old set had one.
            let key = "queenoftears/kimjiwon"
            guard let stored = before.castings.first, let storedFold = before.castingFolds[key] else { continue }
            #expect(StateFold(text: storedFold.text) == storedFold)
            guard
                let casting = Resolver.foldCasting(
                    state: stored.json, fold: storedFold, adding: new, drama: stored.json["drama"],
                    person: stored.json["person"])
            else {
                gaveUp += 1
                if round % 2 == 0 { Issue.record("round \(round): in-order news must always fold") }
                continue
            }
            folded += 1
            #expect(casting.state == after.castings.first?.json, "round \(round)")
            #expect(casting.fold == after.castingFolds[key], "round \(round)")
        }
        // Both paths were exercised.
        #expect(folded > 150 && gaveUp > 5, "\(folded) folded, \(gaveUp) gave up")
    }

    @Test func aReportInsideAnEntryOfAnotherStatusIsNotFolded() throws {
        func report(_ id: String, _ day: Int, _ status: CastingStatus) -> Assertion {
            assertion(id, "2024-01-0\(day)T09:00:00+09:00", 0, casting("Queen of Tears", "Kim Ji-won", status: status))
        }
        let before = Self.resolve([report("1", 1, .confirmed), report("2", 3, .confirmed)])
        let stored = before.castings[0]
        let fold = try #require(before.castingFolds[stored.key])
        // Withdrawn on day 2 splits the confirmed entry (days 1-3): the others are needed.
        #expect(
            Resolver.foldCasting(
                state: stored.json, fold: fold, adding: [report("3", 2, .withdrawn)], drama: .null, person: .null)
                == nil)
        // Confirmed on day 2 is inside an entry of its own status: nothing but the sources changes.
        let same = try #require(
            Resolver.foldCasting(
                state: stored.json, fold: fold, adding: [report("3", 2, .confirmed)], drama: stored.json["drama"],
                person: stored.json["person"]))
        #expect(same.state["history"] == stored.json["history"])
        #expect(same.state["sources"] == ["1", "2", "3"])
    }

    /// A random titled report of one OST (spellings, parts, artists, dates, tiers).
    static func randomOST(_ id: Int, _ g: inout SeededRandom) -> Assertion {
        let day = 1 + Int.random(in: 0..<20, using: &g)
        // Equal instants in different offsets: the first announcement must pick as resolving does.
        let published =
            Bool.random(using: &g)
            ? "2024-04-\(day < 10 ? "0" : "")\(day)T09:00:00+09:00" : "2024-04-\(day < 10 ? "0" : "")\(day)T00:00:00Z"
        var fact = ost(
            "Queen of Tears", song: ["Way Home", "way home", "WAY HOME"].randomElement(using: &g)!,
            part: Bool.random(using: &g) ? [12, 13].randomElement(using: &g) : nil,
            artists: [["Kim Soo-hyun"], ["Kim Soo Hyun", "Kim Ji-won"], []].randomElement(using: &g)!,
            release: Bool.random(using: &g) ? "2024-04-27T18:00:00+09:00" : nil,
            status: [.announced, .released, nil].randomElement(using: &g)!)
        if case .ost(var f) = fact, Bool.random(using: &g) {
            f.credits = Credits(composer: ["Nam Hye-seung"], lyricist: [], producer: [])
            fact = .ost(f)
        }
        if Int.random(in: 0..<3, using: &g) == 0 { fact = extracted(fact, [0.3, 0.6, 0.9].randomElement(using: &g)!) }
        return assertion(String(id), published, Int.random(in: 0..<2, using: &g), fact)
    }

    @Test func foldingATitledOSTEqualsResolvingEverything() throws {
        var g = SeededRandom(seed: 12)
        for round in 0..<400 {
            let all = (0..<Int.random(in: 2..<12, using: &g)).map { Self.randomOST(round * 100 + $0, &g) }
            let cut = Int.random(in: 1..<all.count, using: &g)
            let (old, new) = (Array(all[..<cut]), Array(all[cut...]))
            let before = Self.resolve(old)
            let after = Self.resolve(old + new)
            let key = "queenoftears/song/wayhome"
            let stored = try #require(before.osts.first)
            let fold = try #require(before.ostFolds[key].flatMap { StateFold(text: $0.text) })
            #expect(fold == before.ostFolds[key])
            let folded = Resolver.foldOST(
                state: stored.json, fold: fold, adding: new, drama: stored.json["drama"], personNames: names)
            #expect(folded.state == after.osts.first?.json, "round \(round)")
            #expect(folded.fold == after.ostFolds[key], "round \(round)")
        }
    }

    /// An OST an untitled announcement joined has no fold: its state depends on the others.
    @Test func anOSTAnUntitledAnnouncementJoinedHasNoFold() {
        let resolved = Self.resolve([
            assertion("1", "2024-04-19T10:00:00+09:00", 0, ost("Queen of Tears", song: nil, part: 12, artists: [])),
            assertion(
                "2", "2024-04-25T18:00:00+09:00", 0, ost("Queen of Tears", song: "Way Home", part: 12, artists: [])),
        ])
        #expect(resolved.osts.map(\.key) == ["queenoftears/song/wayhome"])
        #expect(resolved.ostFolds.isEmpty)
    }
}
