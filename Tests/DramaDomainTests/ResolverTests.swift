import LineProtocol
import TestUtilities
import Testing

@testable import DramaDomain

/// Builds assertions the way the store does: names resolved to normalization keys.
func assertion(_ article: String, _ published: String, _ index: Int = 0, _ fact: Fact) -> Assertion {
    Assertion(
        articleID: article, url: "https://news.example/\(article)",
        publishedAt: Timestamp(published, allowDateOnly: false)!,
        index: index, fact: fact, dramaKey: NameKey.normalize(fact.dramaName, kind: .drama),
        personKeys: fact.personNames.map { NameKey.normalize($0, kind: .person) })
}

func ost(
    _ drama: String, song: String?, part: Int?, artists: [String], release: String? = nil, status: OSTStatus? = nil
) -> Fact {
    .ost(
        OSTFact(
            drama: drama, song: song, part: part, artists: artists,
            release: release.flatMap { Timestamp($0, allowDateOnly: true) }, status: status, credits: nil))
}

func casting(_ drama: String, _ person: String, role: String? = nil, type: RoleType? = nil, status: CastingStatus?)
    -> Fact
{
    .casting(CastingFact(drama: drama, person: person, role: role, roleType: type, status: status))
}

let queen = EntityRef(key: "queenoftears", name: "Queen of Tears")
let names = ["kimsoohyun": "Kim Soo-hyun", "kimjiwon": "Kim Ji-won", "kimsohyun": "Kim So-hyun"]

@Suite struct ResolverTests {
    @Test func untitledOSTJoinsTheLaterTitledOne() {
        let announced = assertion(
            "1", "2024-04-19T10:00:00+09:00", 0,
            ost("Queen of Tears", song: nil, part: nil, artists: ["Kim Soo-Hyun"], status: .announced))
        let titled = assertion(
            "2", "2024-04-25T18:00:00+09:00", 0,
            ost(
                "Queen of Tears", song: "Way Home", part: 12, artists: ["Kim Soo-hyun"],
                release: "2024-04-27T18:00:00+09:00", status: .released))
        let resolved = Resolver.resolve(
            drama: queen, aliases: ["Queen of Tears"], assertions: [announced, titled], personNames: names)
        #expect(resolved.osts.count == 1)
        let expected: JSON = [
            "key": "queenoftears/song/wayhome",
            "drama": ["key": "queenoftears", "title": "Queen of Tears"],
            "song": "Way Home", "part": 12,
            "artists": [["key": "kimsoohyun", "name": "Kim Soo-hyun", "credited_as": "Kim Soo-hyun"]],
            "release": "2024-04-27T18:00:00+09:00", "status": "released",
            "credits": ["composer": [], "lyricist": [], "producer": []],
            "announced_at": "2024-04-19T10:00:00+09:00",
            "sources": ["1", "2"],
        ]
        #expect(resolved.osts[0].json == expected)
    }

    @Test func untitledOSTOfAnotherArtistStaysSeparate() {
        let a = assertion(
            "1", "2024-04-19T10:00:00+09:00", 0, ost("Queen of Tears", song: nil, part: nil, artists: ["Kim Ji-won"]))
        let b = assertion(
            "2", "2024-04-25T18:00:00+09:00", 0,
            ost("Queen of Tears", song: "Way Home", part: 12, artists: ["Kim Soo-hyun"]))
        let resolved = Resolver.resolve(drama: queen, aliases: [], assertions: [a, b], personNames: names)
        #expect(resolved.osts.map(\.key) == ["queenoftears/by/kimjiwon", "queenoftears/song/wayhome"])
    }

    @Test func untitledWithPartJoinsTheSamePart() {
        let a = assertion(
            "1", "2024-04-19T10:00:00+09:00", 0, ost("Queen of Tears", song: nil, part: 3, artists: ["Kim Ji-won"]))
        let b = assertion(
            "2", "2024-04-25T18:00:00+09:00", 0, ost("Queen of Tears", song: "Song", part: 3, artists: ["Kim Ji-won"]))
        let c = assertion(
            "3", "2024-04-26T18:00:00+09:00", 0, ost("Queen of Tears", song: "Other", part: 4, artists: ["Kim Ji-won"]))
        let resolved = Resolver.resolve(drama: queen, aliases: [], assertions: [a, b, c], personNames: names)
        #expect(resolved.osts.map(\.key) == ["queenoftears/song/other", "queenoftears/song/song"])
        #expect(resolved.osts[1].json["sources"] == ["1", "2"])
    }

    @Test func latestPublishedWinsForStatusAndRole() {
        let talks = assertion(
            "1", "2024-01-05T09:00:00+09:00", 0,
            casting("Queen of Tears", "Kim Ji-won", role: "Hong Hae-in", type: .lead, status: .inTalks))
        let confirmed = assertion(
            "2", "2024-01-20T09:00:00+09:00", 0, casting("Queen of Tears", "Kim Ji-won", status: .confirmed))
        let resolved = Resolver.resolve(drama: queen, aliases: [], assertions: [confirmed, talks], personNames: names)
        let expected: JSON = [
            "key": "queenoftears/kimjiwon",
            "drama": ["key": "queenoftears", "title": "Queen of Tears"],
            "person": ["key": "kimjiwon", "name": "Kim Ji-won"],
            "role": "Hong Hae-in", "role_type": "lead", "status": "confirmed",
            "history": [
                ["status": "in_talks", "as_of": "2024-01-05T09:00:00+09:00", "article": "1"],
                ["status": "confirmed", "as_of": "2024-01-20T09:00:00+09:00", "article": "2"],
            ],
            "sources": ["1", "2"],
        ]
        #expect(resolved.castings == [DerivedState(key: "queenoftears/kimjiwon", json: expected)])
    }

    /// Re-reports of a status are one history entry (from the first report); a different status
    /// in between starts a new one, so a flip and a flip back are both kept.
    @Test func historyListsStatusChangesNotReports() {
        func report(_ id: String, _ day: Int, _ status: CastingStatus) -> Assertion {
            assertion(
                id, "2024-01-\(day < 10 ? "0" : "")\(day)T09:00:00+09:00", 0,
                casting("Queen of Tears", "Kim Ji-won", status: status))
        }
        let reports = [
            report("1", 1, .rumored), report("2", 2, .rumored), report("3", 3, .confirmed), report("4", 4, .confirmed),
            report("5", 5, .confirmed), report("6", 6, .withdrawn), report("7", 7, .confirmed),
        ]
        let expected: JSON = [
            ["status": "rumored", "as_of": "2024-01-01T09:00:00+09:00", "article": "1"],
            ["status": "confirmed", "as_of": "2024-01-03T09:00:00+09:00", "article": "3"],
            ["status": "withdrawn", "as_of": "2024-01-06T09:00:00+09:00", "article": "6"],
            ["status": "confirmed", "as_of": "2024-01-07T09:00:00+09:00", "article": "7"],
        ]
        var generator = SeededRandom(seed: 7)
        for _ in 0..<20 {
            let resolved = Resolver.resolve(
                drama: queen, aliases: [], assertions: reports.shuffled(using: &generator), personNames: names)
            #expect(resolved.castings[0].json["history"] == expected)
            #expect(resolved.castings[0].json["sources"] == ["1", "2", "3", "4", "5", "6", "7"])
        }
        // A report inside a run (same instant as 4, a later url) splits it, as its status differs.
        let inside = Resolver.resolve(
            drama: queen, aliases: [], assertions: reports + [report("8", 4, .declined)], personNames: names)
        #expect(
            inside.castings[0].json["history"].arrayValue?.map { $0["article"] } == ["1", "3", "8", "5", "6", "7"])
    }

    /// A folded entry is unconfirmed only when every report in it is.
    @Test func foldedHistoryEntryIsUnconfirmedOnlyIfAllReportsAre() {
        let weak = assertion(
            "1", "2024-01-01T09:00:00+09:00", 0,
            extracted(casting("Queen of Tears", "Kim Ji-won", status: .confirmed), 0.3))
        let weakAgain = assertion(
            "2", "2024-01-02T09:00:00+09:00", 0,
            extracted(casting("Queen of Tears", "Kim Ji-won", status: .confirmed), 0.4))
        let supplied = assertion(
            "3", "2024-01-03T09:00:00+09:00", 0, casting("Queen of Tears", "Kim Ji-won", status: .confirmed))
        let onlyWeak = Resolver.resolve(drama: queen, aliases: [], assertions: [weakAgain, weak], personNames: names)
        #expect(
            onlyWeak.castings[0].json["history"] == [
                ["status": "confirmed", "as_of": "2024-01-01T09:00:00+09:00", "article": "1", "unconfirmed": true]
            ])
        let mixed = Resolver.resolve(
            drama: queen, aliases: [], assertions: [supplied, weakAgain, weak], personNames: names)
        #expect(
            mixed.castings[0].json["history"] == [
                ["status": "confirmed", "as_of": "2024-01-01T09:00:00+09:00", "article": "1"]
            ])
    }

    @Test func tiesAreBrokenByURLNotByOrder() {
        let a = assertion(
            "a", "2024-01-05T09:00:00+09:00", 0, casting("Queen of Tears", "Kim Ji-won", status: .declined))
        let b = assertion("b", "2024-01-05T00:00:00Z", 0, casting("Queen of Tears", "Kim Ji-won", status: .confirmed))
        // Same instant (09:00 KST = 00:00 UTC); the later url ("…/b") wins either way.
        for order in [[a, b], [b, a]] {
            let resolved = Resolver.resolve(drama: queen, aliases: [], assertions: order, personNames: names)
            #expect(resolved.castings[0].json["status"] == "confirmed")
        }
    }

    @Test func similarNamesAreDifferentPeople() {
        let a = assertion(
            "1", "2024-01-05T09:00:00+09:00", 0, casting("Queen of Tears", "Kim Soo-hyun", status: .confirmed))
        let b = assertion(
            "2", "2024-01-06T09:00:00+09:00", 0, casting("Queen of Tears", "Kim So Hyun", status: .rumored))
        let resolved = Resolver.resolve(drama: queen, aliases: [], assertions: [a, b], personNames: names)
        #expect(resolved.castings.map(\.key) == ["queenoftears/kimsohyun", "queenoftears/kimsoohyun"])
    }

    @Test func dramaFieldsTakeTheLatestNonNullValue() {
        let a = assertion(
            "1", "2024-01-05T09:00:00+09:00", 0,
            .drama(
                DramaFact(
                    title: "Queen of Tears", network: "tvN", platforms: ["Netflix"],
                    premiere: Timestamp("2024-03-01", allowDateOnly: true), episodes: 12)))
        let b = assertion(
            "2", "2024-02-05T09:00:00+09:00", 0,
            .drama(
                DramaFact(
                    title: "Queen of Tears", network: nil, platforms: nil,
                    premiere: Timestamp("2024-03-09", allowDateOnly: true), episodes: 16)))
        let resolved = Resolver.resolve(
            drama: queen, aliases: ["Queen of Tears", "The Queen of Tears"], assertions: [b, a], personNames: names)
        #expect(
            resolved.drama.json == [
                "key": "queenoftears", "title": "Queen of Tears", "aliases": ["Queen of Tears", "The Queen of Tears"],
                "network": "tvN", "platforms": ["Netflix"], "premiere": "2024-03-09", "episodes": 16,
                "sources": ["1", "2"],
            ])
    }

    /// Property: the result depends only on the set of assertions, not their order.
    @Test func resultIsIndependentOfOrder() {
        var generator = SeededRandom(seed: 7)
        let dramas = ["Queen of Tears"]
        let people = ["Kim Soo-hyun", "Kim Ji-won", "Kim So Hyun"]
        for round in 0..<200 {
            var assertions: [Assertion] = []
            for i in 0..<Int.random(in: 1...12, using: &generator) {
                let day = Int.random(in: 1...5, using: &generator)
                let published = "2024-04-0\(day)T10:00:00+09:00"
                let person = people.randomElement(using: &generator)!
                let fact: Fact
                switch Int.random(in: 0..<3, using: &generator) {
                case 0:
                    fact = casting(
                        dramas[0], person, role: Bool.random(using: &generator) ? "Role" : nil,
                        status: CastingStatus.allCases.randomElement(using: &generator))
                case 1:
                    let titled = Bool.random(using: &generator)
                    fact = ost(
                        dramas[0], song: titled ? ["Way Home", "Promise"].randomElement(using: &generator) : nil,
                        part: Bool.random(using: &generator) ? Int.random(in: 1...3, using: &generator) : nil,
                        artists: [person],
                        status: OSTStatus.allCases.randomElement(using: &generator))
                default:
                    fact = .drama(
                        DramaFact(
                            title: dramas[0], network: ["tvN", "JTBC", nil].randomElement(using: &generator)!,
                            platforms: nil, premiere: nil, episodes: Int.random(in: 12...16, using: &generator)))
                }
                assertions.append(assertion("\(round)-\(i)", published, i, fact))
            }
            let reference = Resolver.resolve(
                drama: queen, aliases: ["Queen of Tears"], assertions: assertions, personNames: names)
            for _ in 0..<5 {
                let shuffled = assertions.shuffled(using: &generator)
                #expect(
                    Resolver.resolve(
                        drama: queen, aliases: ["Queen of Tears"], assertions: shuffled, personNames: names)
                        == reference)
            }
        }
    }
}
