import DramaWireClient
import LineProtocol
import TestSupport
import TestUtilities

/// A seeded, mixed news workload: new articles with spelling variants, corrections of earlier
/// urls, retractions and the occasional MERGE, sent over several pipelined connections.
enum Workload {
    static let dramas = [
        "Queen of Tears", "Lantern Keeper", "Moon Signal", "Spring Garden", "The River of Letters", "Crown of Winter",
        "Soundtrack #1", "Star Harbor", "Winter Signal", "Garden of Moons", "Tears of Spring", "Letter to Crown",
    ]
    /// People, each with spellings that share a normalization key.
    static let people = [
        ["Kim Soo-hyun", "Kim Soo Hyun", "KIM SOO-HYUN"], ["Kim Ji-won", "Kim Ji Won"], ["Park Bo-ram", "Park Boram"],
        ["Han So-hee", "Han Sohee"], ["Lee Min-ho", "Lee Minho"], ["Yoon Ha-eun", "Yoon Ha Eun"], ["Kyuhyun"],
        ["Davichi"], ["Choi Do-yoon", "Choi Do Yoon"], ["Jung Seo-yeon"], ["Kang Tae-oh", "Kang Tae Oh"],
        ["Kim So-hyun", "Kim So Hyun"], ["Lim Na-ra"], ["Jang Woo-seok"],
    ]
    static let statuses = ["rumored", "in_talks", "offered", "confirmed", "declined", "withdrawn"]
    static let roleTypes = ["lead", "supporting", "cameo", "special"]

    /// One request line for item `n`.
    static func line(_ n: Int, random: inout SeededRandom) -> String {
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        // Every 40th: a correction of an earlier article (same url, other content).
        let target = n % 40 == 39 ? Int(random.next() % UInt64(n)) : n
        if n % 97 == 96 {
            return "RETRACT "
                + JSON.object(["url": .string("https://load.example/\(Int(random.next() % UInt64(n)))")])
                .serialized()
        }
        if n % 613 == 612 {
            let from = pick(people)[0]
            let into = pick(people)[0]
            return "MERGE "
                + JSON.object([
                    "kind": "person", "from": .string(keyOf(from)), "into": .string(keyOf(into)),
                ]).serialized()
        }
        let drama = pick(dramas)
        var facts: [JSON] = []
        for _ in 0..<(1 + Int(random.next() % 3)) {
            if random.next() % 2 == 0 {
                let artists = (0..<(1 + Int(random.next() % 2))).map { _ in JSON.string(pick(pick(people))) }
                let part = Int64(1 + random.next() % 8)
                let titled = random.next() % 3 != 0
                facts.append([
                    "kind": "ost", "drama": .string(drama), "artists": .array(artists),
                    "song": titled ? .string("Song \(part) of \(drama)") : .null, "part": .int(part),
                    "release": .string("2024-0\(1 + random.next() % 9)-1\(random.next() % 10)T18:00:00+09:00"),
                    "status": .string(pick(["announced", "released"])),
                ])
            } else {
                facts.append([
                    "kind": "casting", "drama": .string(drama), "person": .string(pick(pick(people))),
                    "role": .string("Role \(random.next() % 20)"), "role_type": .string(pick(roleTypes)),
                    "status": .string(pick(statuses)),
                ])
            }
        }
        if random.next() % 4 == 0 {
            facts.append([
                "kind": "drama", "title": .string(drama), "network": .string(pick(["tvN", "JTBC", "SBS", "KBS2"])),
                "platforms": .array([.string(pick(["Netflix", "Disney+", "TVING"]))]),
            ])
        }
        let item: JSON = [
            "url": .string("https://load.example/\(target)"),
            "source": .string(pick(["Wire A", "Fan Board", "Daily"])),
            "published_at": .string(
                "2024-0\(1 + random.next() % 9)-\(10 + random.next() % 18)T0\(random.next() % 10):00:00+09:00"),
            "headline": .string("Load item \(n) about \(drama)"), "facts": .array(facts),
        ]
        return "INGEST " + item.serialized()
    }

    static func keyOf(_ name: String) -> String {
        String(
            name.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }.map(
                Character.init))
    }

    /// Sends `count` requests over `connections` connections (each pipelining up to 16).
    /// Returns how many got OK and how many ERR (RETRACT/MERGE of unknown things are expected).
    static func run(count: Int, seed: UInt64, to address: ServiceAddress, connections: Int = 4) async throws -> (
        ok: Int, err: Int
    ) {
        var random = SeededRandom(seed: seed)
        let lines = (0..<count).map { line($0, random: &random) }
        return try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for c in 0..<connections {
                let mine = stride(from: c, to: lines.count, by: connections).map { lines[$0] }
                group.addTask {
                    try await withSession(address) { session in
                        var ok = 0
                        var err = 0
                        var index = 0
                        while index < mine.count {
                            let chunk = Array(mine[index..<min(index + 16, mine.count)])
                            try await session.send(lines: chunk)
                            for _ in chunk {
                                if case .ok = try await session.readReply() { ok += 1 } else { err += 1 }
                            }
                            index += chunk.count
                        }
                        return (ok, err)
                    }
                }
            }
            var total = (ok: 0, err: 0)
            for try await (ok, err) in group {
                total.ok += ok
                total.err += err
            }
            return total
        }
    }
}
