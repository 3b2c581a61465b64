import DramaWireClient
import Foundation
import LineProtocol
import TestSupport
import Testing

/// Hostile input, table-driven, against both services: each case gets its specific `ERR` code,
/// nothing is stored, and the service keeps serving.
@Suite(.serialized) struct HostileInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        /// The expected reply's prefix, e.g. `ERR invalid` (or `OK` for valid-but-nasty input).
        var expected: String
        var description: String { name }

        init(_ name: String, _ line: String, _ expected: String) {
            self.name = name
            self.bytes = Array((line + "\n").utf8)
            self.expected = expected
        }

        init(_ name: String, bytes: [UInt8], _ expected: String) {
            self.name = name
            self.bytes = bytes
            self.expected = expected
        }
    }

    static func item(_ fields: [String: JSON]) -> String {
        var base: [String: JSON] = [
            "url": "https://hostile.example/a", "source": "Test Wire", "published_at": "2024-05-01T10:00:00+09:00",
            "headline": "Hostile", "facts": [],
        ]
        for (key, value) in fields { base[key] = value }
        return "INGEST " + JSON.object(base).serialized()
    }

    static func castingFact(person: String) -> JSON {
        ["kind": "casting", "drama": "Hostile Drama", "person": .string(person), "status": "confirmed"]
    }

    static let ingestCases: [Case] = [
        Case("invalid UTF-8", bytes: Array("INGEST ".utf8) + [0xFF, 0xFE, 0x0A], "ERR bad_request"),
        Case("NUL in the verb", bytes: Array("HE".utf8) + [0] + Array("AD\n".utf8), "ERR bad_request"),
        Case("binary garbage", bytes: [0x01, 0x02, 0x9C, 0x7F, 0x80, 0x0A], "ERR bad_request"),
        Case("empty line", "", "ERR bad_request"),
        Case("whitespace line", "   ", "ERR bad_request"),
        Case("unknown verb", "FROBNICATE now", "ERR unknown_command"),
        Case("verb with digits", "HEAD2", "ERR bad_request"),
        Case("SUBSCRIBE without seq", "SUBSCRIBE", "ERR bad_request"),
        Case("SUBSCRIBE non-numeric", "SUBSCRIBE ten", "ERR bad_request"),
        Case("SUBSCRIBE negative", "SUBSCRIBE -1", "ERR bad_request"),
        Case("SUBSCRIBE overflowing", "SUBSCRIBE 99999999999999999999999", "ERR bad_request"),
        Case("SUBSCRIBE beyond head", "SUBSCRIBE 1000000", "ERR reset_required"),
        Case("INGEST without JSON", "INGEST", "ERR bad_json"),
        Case("bad JSON", "INGEST {\"url\":", "ERR bad_json"),
        Case("JSON of the wrong type", "INGEST [1,2,3]", "ERR invalid"),
        Case("missing url", "INGEST {\"published_at\":\"2024-05-01T10:00:00+09:00\",\"facts\":[]}", "ERR invalid"),
        Case("url not http", item(["url": "ftp://hostile.example/a"]), "ERR invalid"),
        Case(
            "very large number",
            item(["facts": [["kind": "ost", "drama": "D", "artists": ["A"], "part": .double(1e300)]]]), "ERR invalid"),
        Case("number too large to parse", "INGEST {\"url\":\"https://h.example/n\",\"x\":1e999}", "ERR bad_json"),
        Case(
            "deep nesting", "INGEST " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
            "ERR bad_json"),
        Case(
            "duplicate keys", "INGEST {\"url\":\"https://h.example/a\",\"url\":\"https://h.example/b\"}", "ERR bad_json"
        ),
        Case("impossible date", item(["published_at": "2014-02-29T10:00:00+09:00"]), "ERR invalid"),
        Case("garbage date", item(["published_at": "yesterday evening"]), "ERR invalid"),
        Case("empty name", item(["facts": [castingFact(person: "   ")]]), "ERR invalid"),
        Case("control character in a name", item(["facts": [castingFact(person: "Kim\u{07}Soo-hyun")]]), "ERR invalid"),
        Case("terminal escape in a name", item(["facts": [castingFact(person: "\u{1B}[31mKim")]]), "ERR invalid"),
        Case(
            "name over 300 characters", item(["facts": [castingFact(person: String(repeating: "K", count: 301))]]),
            "ERR invalid"),
        Case(
            "unknown status", item(["facts": [["kind": "casting", "drama": "D", "person": "P", "status": "maybe"]]]),
            "ERR invalid"),
        Case(
            "part out of range", item(["facts": [["kind": "ost", "drama": "D", "artists": ["A"], "part": 0]]]),
            "ERR invalid"),
        Case("OST without artists", item(["facts": [["kind": "ost", "drama": "D", "artists": []]]]), "ERR invalid"),
        Case("unknown fact kind", item(["facts": [["kind": "rumor", "drama": "D"]]]), "ERR invalid"),
        Case(
            "1,001 facts", item(["facts": .array(Array(repeating: castingFact(person: "Kim"), count: 1001))]),
            "ERR invalid"),
        Case("RETRACT of an unknown url", "RETRACT {\"url\":\"https://nowhere.example/x\"}", "ERR not_found"),
        Case("RETRACT without a target", "RETRACT {}", "ERR invalid"),
        Case(
            "MERGE into itself", "MERGE {\"kind\":\"person\",\"from\":\"kimsoohyun\",\"into\":\"kimsoohyun\"}",
            "ERR invalid"),
        Case(
            "MERGE of an unknown key", "MERGE {\"kind\":\"person\",\"from\":\"nobody\",\"into\":\"noone\"}",
            "ERR not_found"),
        Case("MERGE of a bad kind", "MERGE {\"kind\":\"song\",\"from\":\"a\",\"into\":\"b\"}", "ERR invalid"),
        Case("ACK outside stream mode", "ACK 5", "ERR bad_request"),
        Case("EXTRACT without JSON", "EXTRACT", "ERR bad_json"),
        Case(
            "EXTRACT with facts", "EXTRACT " + item(["facts": [castingFact(person: "Kim")]]).dropFirst(7), "ERR invalid"
        ),
        Case(
            "EXTRACT of a 72 KB body",
            "EXTRACT " + item(["body": .string(String(repeating: "Kim Soo-hyun sings. ", count: 3_600))]).dropFirst(7),
            "ERR invalid"),
        Case(
            "INGEST extract with a 72 KB body",
            item(["extract": true, "body": .string(String(repeating: "Kim Soo-hyun sings. ", count: 3_600))]),
            "ERR invalid"),
        Case(
            "EXTRACT with a bidi override in the headline",
            "EXTRACT " + item(["headline": "Kim \u{202E}Soo"]).dropFirst(7), "ERR invalid"),
    ]

    static let subscriberCases: [Case] = [
        Case("invalid UTF-8", bytes: Array("GET DRAMA ".utf8) + [0xC3, 0x28, 0x0A], "ERR bad_request"),
        Case("empty line", "", "ERR bad_request"),
        Case("unknown verb", "DELETE everything", "ERR unknown_command"),
        Case("GET without arguments", "GET", "ERR bad_request"),
        Case("GET of an unknown kind", "GET SONG Way Home", "ERR bad_request"),
        Case("GET of nothing", "GET DRAMA ' OR 1=1 --", "ERR not_found"),
        Case("OSTS of the wrong type", "OSTS [1]", "ERR invalid"),
        Case("OSTS bad JSON", "OSTS {\"drama\":", "ERR bad_json"),
        Case(
            "OSTS deep nesting",
            "OSTS " + String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100),
            "ERR bad_json"),
        Case("OSTS duplicate keys", "OSTS {\"limit\":1,\"limit\":2}", "ERR bad_json"),
        Case("OSTS huge limit", "OSTS {\"limit\":1e300}", "ERR invalid"),
        Case("OSTS impossible date", "OSTS {\"since\":\"2014-02-29\"}", "ERR invalid"),
        Case("CASTING unknown status", "CASTING {\"status\":\"maybe\"}", "ERR invalid"),
        Case("FEED negative before", "FEED {\"before\":-1}", "ERR invalid"),
        Case("SEARCH of punctuation only", "SEARCH \"*'\";--", "ERR invalid"),
        Case("WATCH without a target", "WATCH", "ERR bad_request"),
        // Valid queries full of SQL and FTS metacharacters are answered, not errors.
        Case("OSTS with SQL in a name", "OSTS {\"drama\":\"'); DROP TABLE osts;--\"}", "OK {\"items\":[]"),
        Case("SEARCH with FTS syntax", "SEARCH NEAR(\"queen\" tears) OR title:*", "OK {\"results\":"),
    ]

    /// Sends the case on a new connection and returns the first reply line.
    static func reply(_ address: ServiceAddress, _ testCase: Case) async throws -> String {
        try await blocking {
            let socket = try RawSocket(address, timeoutSeconds: 30)
            _ = socket.readLine()  // greeting
            socket.send(testCase.bytes)
            return socket.readLine() ?? "<closed>"
        }
    }

    @Test func ingestRefusesEachCaseAndStoresNothing() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        try await ingestAll(try sampleNews(), to: ingest.address)
        let head = try await headSeq(ingest.address)
        #expect(Self.ingestCases.count + Self.subscriberCases.count >= 40)
        for testCase in Self.ingestCases {
            let line = try await Self.reply(ingest.address, testCase)
            #expect(line.hasPrefix(testCase.expected), "\(testCase): \(line.prefix(120))")
        }
        // Nothing stored, and the service still serves.
        #expect(try await headSeq(ingest.address) == head)
        #expect(try await request(ingest.address, "PING") == .ok(nil))
    }

    @Test func subscriberRefusesEachCaseAndKeepsServing() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address)
        defer { Task { await subscriber.stop() } }
        try await ingestAll(try sampleNews(), to: ingest.address)
        let head = try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address)
        let before = try await documents(ofReadModel: subscriber.path)
        for testCase in Self.subscriberCases {
            let line = try await Self.reply(subscriber.address, testCase)
            #expect(line.hasPrefix(testCase.expected), "\(testCase): \(line.prefix(120))")
        }
        #expect(try await documents(ofReadModel: subscriber.path) == before)
        let stats = DocumentTests.ok(try await request(subscriber.address, "STATS"))
        #expect(stats?["applied_seq"].intValue == head)
    }

    /// Valid strings with quotes, SQL metacharacters and other scripts are stored verbatim.
    @Test func nastyButValidStringsAreStoredVerbatim() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address)
        defer { Task { await subscriber.stop() } }
        let title = "Robert'); DROP TABLE dramas;-- \"Quoted\" 눈물의 여왕 % _ \\ *"
        let person = "O'Brien \"The Voice\" Kim"
        let reply = try await request(
            ingest.address,
            Self.item([
                "url": "https://hostile.example/ok", "headline": .string(title),
                "facts": [
                    ["kind": "casting", "drama": .string(title), "person": .string(person), "status": "confirmed"]
                ],
            ]))
        let article = try #require(DocumentTests.ok(reply)?["article"].stringValue)
        try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address)
        let stored = try JSON.parse(try #require(try await getDocument(subscriber.address, "ARTICLE \(article)")))
        #expect(stored["headline"].stringValue == title)
        let drama = try JSON.parse(try #require(try await getDocument(subscriber.address, "DRAMA \(title)")))
        #expect(drama["title"].stringValue == title)
        #expect(drama["cast"][0]["person"]["name"].stringValue == person)
    }
}

/// Huge input within a raised line limit, and a partial line cut off by a disconnect.
@Suite struct HugeInputTests {
    @Test func hugeStringsAndTwentyThousandFactsAreRefusedWithinTheLineLimit() async throws {
        let ingest = try await startIngest { $0.maximumLineBytes = 32 << 20 }
        defer { Task { await ingest.stop() } }
        let head = try await headSeq(ingest.address)
        let tenMegabytes = String(repeating: "가", count: 10 << 20 / 3)
        let cases: [(String, String)] = [
            ("10 MB headline", HostileInputTests.item(["headline": .string(tenMegabytes)])),
            (
                "10 MB name",
                HostileInputTests.item(["facts": [HostileInputTests.castingFact(person: tenMegabytes)]])
            ),
            (
                "20,000 facts",
                HostileInputTests.item([
                    "facts": .array(Array(repeating: HostileInputTests.castingFact(person: "Kim"), count: 20_000))
                ])
            ),
        ]
        for (name, line) in cases {
            let reply = try await HostileInputTests.reply(ingest.address, .init(name, line, ""))
            #expect(reply.hasPrefix("ERR invalid"), "\(name): \(reply.prefix(120))")
        }
        // A partial line, then the client goes away: nothing happens, the service serves on.
        let partial = try RawSocket(ingest.address)
        partial.send("INGEST {\"url\":\"https://hostile.example/partial\",")
        _ = consume partial
        #expect(try await request(ingest.address, "PING") == .ok(nil))
        #expect(try await headSeq(ingest.address) == head)
    }
}
