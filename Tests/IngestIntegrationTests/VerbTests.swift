import DramaWireClient
import LineProtocol
import TestSupport
import Testing

func item(
    url: String, published: String = "2024-05-14T08:45:00+09:00", headline: String = "News", facts: [JSON]
) -> String {
    let object: JSON = [
        "url": .string(url), "source": "Test Wire", "published_at": .string(published), "headline": .string(headline),
        "facts": .array(facts),
    ]
    return object.serialized()
}

func castingFact(_ drama: String, _ person: String, status: String, role: String? = nil) -> JSON {
    [
        "kind": "casting", "drama": .string(drama), "person": .string(person), "status": .string(status),
        "role": .string(role),
    ]
}

func expectError(
    _ reply: Reply, _ code: ErrorCode, _ prefix: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    guard case .error(let error) = reply else {
        Issue.record("expected ERR \(code.rawValue), got \(reply.line)", sourceLocation: sourceLocation)
        return
    }
    #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    #expect(error.message.hasPrefix(prefix), "\(error.message)", sourceLocation: sourceLocation)
}

func okJSON(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) -> JSON {
    guard case .ok(let json) = reply else {
        Issue.record("expected OK, got \(reply.line)", sourceLocation: sourceLocation)
        return .null
    }
    return json ?? .null
}

@Suite struct VerbTests {
    @Test func greetingPingHelpQuitAndUnknownVerbs() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        try await withSession(ingest.address) { session in
            #expect(session.greeting["service"] == "ingest")
            #expect(session.greeting["protocol"] == 1)
            #expect(session.greeting["auth"] == false)
            #expect(session.greeting["max_line"] == 1_048_576)
            #expect(try await session.request("PING") == .ok(nil))
            #expect(try await session.request("ping") == .ok(nil))
            let help = okJSON(try await session.request("HELP"))
            #expect(
                help["verbs"] == [
                    "INGEST", "RETRACT", "MERGE", "EXTRACT", "HEAD", "SUBSCRIBE", "STATS", "PING", "AUTH", "HELP",
                    "QUIT",
                ])
            expectError(try await session.request("FROB"), .unknownCommand)
            expectError(try await session.request("EXTRACT {}"), .invalid)
            expectError(try await session.request("ACK 3"), .badRequest)
            expectError(try await session.request(""), .badRequest, "empty line")
            expectError(try await session.request("12 PING"), .badRequest)
            #expect(try await session.request("HEAD") == .ok(["seq": 0]))
            #expect(try await session.request("QUIT") == .ok(nil))
            #expect(try await session.readLine() == nil)
        }
    }

    @Test func rejectedRequestsChangeNothing() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        _ = try await ingestLines(try sampleNews().prefix(3).map { $0 }, to: ingest.address)
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        let before = try await db.counts()
        try await withSession(ingest.address) { session in
            expectError(try await session.request("INGEST"), .badJSON)
            expectError(try await session.request("INGEST {\"url\":"), .badJSON)
            expectError(try await session.request("INGEST [1,2]"), .invalid)
            expectError(
                try await session.request(#"INGEST {"url":"https://x.example/a","url":"https://x.example/b"}"#),
                .badJSON)
            expectError(try await session.request(#"INGEST {"published_at":"2024-01-01T00:00:00Z"}"#), .invalid, "url:")
            expectError(
                try await session.request(
                    "INGEST " + item(url: "https://x.example/1", published: "2014-02-29T10:00:00+09:00", facts: [])),
                .invalid, "published_at:")
            expectError(
                try await session.request(
                    "INGEST "
                        + item(
                            url: "https://x.example/2",
                            facts: [
                                castingFact("Moonlit Bakery", "Baek Ji-ho", status: "confirmed"),
                                ["kind": "ost", "drama": "X", "artists": [], "part": 3],
                            ])),
                .invalid, "facts[1].artists:")
            expectError(try await session.request(#"RETRACT {"url":"https://nowhere.example/x"}"#), .notFound)
            expectError(try await session.request(#"RETRACT {"article":"999999"}"#), .notFound)
            expectError(try await session.request(#"RETRACT {"article":"abc"}"#), .notFound)
            expectError(try await session.request(#"RETRACT {}"#), .invalid)
            expectError(
                try await session.request(#"MERGE {"kind":"person","from":"nobody","into":"kyuhyun"}"#), .notFound)
            expectError(
                try await session.request(#"MERGE {"kind":"person","from":"kyuhyun","into":"Kyuhyun"}"#), .invalid,
                "into:")
            expectError(try await session.request(#"MERGE {"kind":"song","from":"a","into":"b"}"#), .invalid, "kind:")
            expectError(try await session.request(#"MERGE {"kind":"person","from":"kyuhyun"}"#), .invalid, "into:")
            #expect(try await session.request("PING") == .ok(nil))
        }
        #expect(try await db.counts() == before)
    }

    /// Batches run without savepoints; when the database rejects one item's statement, the
    /// batch runs again item by item, so only that request fails and the rest commit with
    /// dense sequence numbers. A trigger makes the database reject one url.
    @Test func anItemTheDatabaseRejectsFailsAlone() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        try await db.connection.executeScript(
            """
            CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.url LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned article'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER reject_poison BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION reject_poison();
            """)
        let lines = (0..<6).map { n in
            "INGEST "
                + item(
                    url: n == 3 ? "https://x.example/poison" : "https://x.example/fine/\(n)",
                    facts: [castingFact("Moonlit Bakery", "Baek Ji-ho", status: "confirmed")])
        }
        // Pipelined on one connection, so they share batches.
        let replies = try await withSession(ingest.address) { session in
            try await session.send(lines: lines)
            var replies: [Reply] = []
            for _ in lines { replies.append(try await session.readReply()) }
            return replies
        }
        expectError(replies[3], .internal)
        var next: Int64 = 1
        for (n, reply) in replies.enumerated() where n != 3 {
            let ok = okJSON(reply)
            if ok["changes"].intValue ?? 0 > 0 {
                #expect(ok["first_seq"].intValue == next)
                next = (ok["last_seq"].intValue ?? 0) + 1
            }
        }
        #expect(try await db.counts()["articles"] == 5)
        #expect(try await db.counts()["head"] == Int(next - 1))
    }

    @Test func sameURLSameContentIsADuplicateAndChangedContentACorrection() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let url = "https://news.example/moonlit/1"
        let original = item(
            url: url, facts: [castingFact("Moonlit Bakery", "Baek Ji-ho", status: "in_talks", role: "Kang Do-yun")])
        let corrected = item(
            url: url, facts: [castingFact("Moonlit Bakery", "Baek Ji-ho", status: "confirmed", role: "Kang Do-yun")])
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        try await withSession(ingest.address) { session in
            let first = okJSON(try await session.request("INGEST " + original))
            #expect(first["duplicate"] == false)
            #expect(first["first_seq"] == 1)
            #expect(first["changes"] == first["last_seq"])  // records 1…K
            let again = okJSON(try await session.request("INGEST " + original))
            #expect(
                again == [
                    "article": first["article"], "duplicate": true, "changes": 0, "first_seq": nil, "last_seq": nil,
                ])
            #expect(try await session.request("HEAD") == .ok(["seq": first["last_seq"]]))
            let correction = okJSON(try await session.request("INGEST " + corrected))
            #expect(correction["duplicate"] == false)
            #expect(correction["article"] == first["article"])
            #expect(correction["first_seq"].intValue == first["last_seq"].intValue! + 1)
        }
        let casting = try #require(try await db.state("castings", key: "moonlitbakery/baekjiho"))
        #expect(casting["status"] == "confirmed")
        // The correction replaced the article's facts: its old status is not history any more.
        #expect(
            casting["history"] == [
                ["status": "confirmed", "as_of": "2024-05-14T08:45:00+09:00", "article": .string(url)]
            ])
        #expect(try await db.connection.query("SELECT version FROM articles").scalar == "2")
    }

    @Test func retractWithdrawsWhatOnlyThatArticleSupported() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        _ = try await ingestLines(try sampleNews(), to: ingest.address)
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        let confirmation = "https://fans.example/posts/moonlit-bakery-baek-ji-ho-confirmed"
        let head = try await db.counts()["head"]!
        try await withSession(ingest.address) { session in
            let reply = okJSON(try await session.request(#"RETRACT {"url":"\#(confirmation)"}"#))
            #expect(reply["changes"].intValue ?? 0 >= 3)
            // Retracting again is a no-op.
            #expect(okJSON(try await session.request(#"RETRACT {"url":"\#(confirmation)"}"#))["changes"] == 0)
        }
        // Baek Ji-ho is back to "in talks"; Go Eun-chae's casting had no other source.
        #expect(try await db.state("castings", key: "moonlitbakery/baekjiho")?["status"] == "in_talks")
        #expect(try await db.state("castings", key: "moonlitbakery/goeunchae") == nil)
        let types = try await db.connection.query(
            "SELECT type, key FROM change_log WHERE seq > $1 ORDER BY seq", [String(head)]
        ).rows.map { "\($0[0]!) \($0[1]!)" }
        #expect(types.contains("casting.withdrawn moonlitbakery/goeunchae"))
        #expect(types.contains("casting.upserted moonlitbakery/baekjiho"))
        #expect(types.first?.hasPrefix("article.retracted") == true)
    }

    @Test func mergeLeavesOnePerson() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        _ = try await ingestLines(
            [
                item(
                    url: "https://x.example/1",
                    facts: [castingFact("Lovely Runner", "Byeon Woo-seok", status: "confirmed", role: "Ryu Sun-jae")]),
                item(
                    url: "https://x.example/2", published: "2024-05-20T10:00:00+09:00",
                    facts: [
                        castingFact("Lovely Runner", "Byun Woo Seok", status: "confirmed"),
                        [
                            "kind": "ost", "drama": "Lovely Runner", "song": "Sudden Shower", "part": 1,
                            "artists": ["Byun Woo Seok"],
                        ],
                    ]),
            ], to: ingest.address)
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        #expect(try await db.keys("castings") == ["lovelyrunner/byeonwooseok", "lovelyrunner/byunwooseok"])
        try await withSession(ingest.address) { session in
            let reply = okJSON(
                try await session.request(#"MERGE {"kind":"person","from":"Byun Woo-seok","into":"byeonwooseok"}"#))
            #expect(reply["into"] == "byeonwooseok")
            #expect(reply["changes"].intValue ?? 0 >= 4)
            expectError(
                try await session.request(#"MERGE {"kind":"person","from":"byunwooseok","into":"byeonwooseok"}"#),
                .invalid)
        }
        #expect(try await db.keys("castings") == ["lovelyrunner/byeonwooseok"])
        let casting = try #require(try await db.state("castings", key: "lovelyrunner/byeonwooseok"))
        #expect(casting["role"] == "Ryu Sun-jae")
        // Both spellings reported "confirmed": one status, one history entry, from the earlier.
        #expect(casting["history"].arrayValue?.map { $0["article"] } == [casting["sources"][0]])
        #expect(casting["history"].arrayValue?.map { $0["status"] } == ["confirmed"])
        #expect(
            try await db.state("osts", key: "lovelyrunner/song/suddenshower")?["artists"].arrayValue?.first?["key"]
                == "byeonwooseok")
        #expect(
            try await db.state("people", key: "byeonwooseok")?["aliases"]
                == ["Byeon Woo-seok", "Byun Woo Seok"])
        let log = try await db.connection.query("SELECT type || ' ' || key FROM change_log ORDER BY seq").rows.map {
            $0[0]!
        }
        #expect(log.contains("person.merged byunwooseok"))
        #expect(log.contains("casting.withdrawn lovelyrunner/byunwooseok"))
        // A later article with the merged spelling resolves to the survivor.
        _ = try await ingestLines(
            [
                item(
                    url: "https://x.example/3", published: "2024-05-21T10:00:00+09:00",
                    facts: [castingFact("Lovely Runner", "BYUN WOO-SEOK", status: "confirmed")])
            ],
            to: ingest.address)
        #expect(try await db.keys("castings") == ["lovelyrunner/byeonwooseok"])
    }

    @Test func authTokensGuardEveryVerbButPingAuthHelpQuit() async throws {
        let ingest = try await startIngest { configuration in
            configuration.token = "s3cret"
            configuration.readToken = "reader"
        }
        defer { Task { await ingest.stop() } }
        let news = try sampleNews()[0]
        try await withSession(ingest.address) { session in
            #expect(session.greeting["auth"] == true)
            #expect(try await session.request("PING") == .ok(nil))
            #expect(okJSON(try await session.request("HELP"))["verbs"] != .null)
            expectError(try await session.request("HEAD"), .noauth)
            expectError(try await session.request("INGEST " + news), .noauth)
            expectError(try await session.request("SUBSCRIBE 0"), .noauth)
            expectError(try await session.request("AUTH wrong"), .denied)
            expectError(try await session.request("HEAD"), .noauth)
            #expect(try await session.request("AUTH reader") == .ok(nil))
            #expect(try await session.request("HEAD") == .ok(["seq": 0]))
            expectError(try await session.request("INGEST " + news), .denied)
            #expect(try await session.request("AUTH s3cret") == .ok(nil))
            #expect(okJSON(try await session.request("INGEST " + news))["duplicate"] == false)
        }
    }

    @Test func oversizeLineAndInvalidUTF8() async throws {
        let ingest = try await startIngest { $0.maximumLineBytes = 1024 }
        defer { Task { await ingest.stop() } }
        try await withSession(ingest.address) { session in
            #expect(session.greeting["max_line"] == 1024)
            try await session.send(lines: ["PING", String(repeating: "x", count: 5000)])
            #expect(try await session.readReply() == .ok(nil))
            expectError(try await session.readReply(), .lineTooLong)
            #expect(try await session.readLine() == nil)
        }
        // Invalid UTF-8 gets bad_request and the connection stays usable.
        let reply = try await rawExchange(
            ingest.address, bytes: [0x50, 0xC3, 0x28, 0x0A] + Array("PING\n".utf8), lines: 3)
        #expect(reply.count == 3)
        #expect(reply[1].hasPrefix("ERR bad_request"))
        #expect(reply[2] == "OK")
    }
}
