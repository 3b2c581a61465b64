import DramaDomain
import LineProtocol
import TestUtilities
import Testing

@Suite struct ProjectionTests {
    static func castEntry(_ key: String, _ name: String, _ roleType: JSON) -> JSON {
        ["key": .string(key), "person": ["key": .string(key), "name": .string(name)], "role_type": roleType]
    }

    static let cast: [JSON] = [
        castEntry("d/c", "Cho Yi-hyun", "cameo"),
        castEntry("d/a", "Park Ji-hoon", "supporting"),
        castEntry("d/b", "Ahn Eun-jin", .null),
        castEntry("d/e", "Kim Ji-won", "lead"),
        castEntry("d/d", "Kim Soo-hyun", "lead"),
        castEntry("d/f", "Lee Joo-bin", "special"),
        castEntry("d/g", "Kim Ji-won", "lead"),
    ]

    @Test func castIsOrderedByRoleTypeThenNameThenKey() {
        #expect(
            Projection.sortCast(Self.cast).compactMap { $0["key"].stringValue } == [
                "d/e", "d/g", "d/d", "d/a", "d/c", "d/f", "d/b",
            ])
    }

    static func ostEntry(_ key: String, part: JSON, release: JSON) -> JSON {
        ["key": .string(key), "part": part, "release": release]
    }

    static let osts: [JSON] = [
        ostEntry("x", part: .null, release: "2024-04-01"),
        ostEntry("b", part: 2, release: "2024-04-10T18:00:00+09:00"),
        ostEntry("a", part: 1, release: .null),
        // 09:00Z is 18:00 KST: the same instant as b's release, in another offset.
        ostEntry("c", part: 2, release: "2024-04-10T08:59:00Z"),
        ostEntry("d", part: 1, release: "2024-03-01"),
        ostEntry("e", part: 2, release: "2024-04-10T09:00:00Z"),
    ]

    @Test func ostsAreOrderedByPartThenReleaseInstantThenKey() {
        #expect(Projection.sortOSTs(Self.osts).compactMap { $0["key"].stringValue } == ["d", "a", "c", "b", "e", "x"])
    }

    /// Order-independence: any permutation of the input gives the same sorted arrays.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func sortingDoesNotDependOnInputOrder(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        #expect(Projection.sortCast(Self.cast.shuffled(using: &random)) == Projection.sortCast(Self.cast))
        #expect(Projection.sortOSTs(Self.osts.shuffled(using: &random)) == Projection.sortOSTs(Self.osts))
    }

    @Test func documentsShowCurrentNamesNotTheOnesEmbeddedInRecords() {
        let casting: JSON = [
            "key": "lanternkeeper/kimsoohyun", "drama": ["key": "lanternkeeper", "title": "Lantern Keeper"],
            "person": ["key": "kimsoohyun", "name": "Kim Soo Hyun"], "role": "Seo Do-hyun", "role_type": "lead",
            "status": "confirmed", "history": [], "sources": ["1"],
        ]
        let context = Projection.Context(
            people: ["kimsoohyun": ["key": "kimsoohyun", "name": "Kim Soo-hyun", "aliases": []]],
            dramas: ["lanternkeeper": ["key": "lanternkeeper", "title": "The Lantern Keeper"]])
        let drama = Projection.dramaDocument(
            drama: ["key": "lanternkeeper", "title": "The Lantern Keeper", "aliases": [], "sources": []],
            castings: [casting], osts: [], news: [], context: context, seq: 7)
        #expect(drama["cast"][0]["person"] == ["key": "kimsoohyun", "name": "Kim Soo-hyun"])
        #expect(drama["seq"] == 7)
        let person = Projection.personDocument(
            person: ["key": "kimsoohyun", "name": "Kim Soo-hyun", "aliases": []], castings: [casting], osts: [],
            news: [], context: context, seq: 9)
        #expect(
            person["roles"] == [
                [
                    "key": "lanternkeeper/kimsoohyun",
                    "drama": ["key": "lanternkeeper", "title": "The Lantern Keeper"],
                    "role": "Seo Do-hyun", "role_type": "lead", "status": "confirmed", "sources": ["1"],
                ]
            ])
    }

    @Test func kstDisplayKeepsTheOriginalOffset() {
        #expect(Timestamp.kstDisplay("2024-04-27T18:00:00+09:00") == "2024-04-27 18:00 KST")
        #expect(
            Timestamp.kstDisplay("2024-04-29T03:00:00Z") == "2024-04-29 12:00 KST (given as 2024-04-29T03:00:00Z)")
        // Across midnight and a negative offset: 20:30 in New York on the 29th is 10:30 on the 30th in Seoul.
        #expect(
            Timestamp.kstDisplay("2024-04-29T20:30:00-05:00")
                == "2024-04-30 10:30 KST (given as 2024-04-29T20:30:00-05:00)")
        #expect(Timestamp.kstDisplay("2024-03-09") == "2024-03-09")
        #expect(Timestamp.kstDisplay("not a date") == "not a date")
    }
}
