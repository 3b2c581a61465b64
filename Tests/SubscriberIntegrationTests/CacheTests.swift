import DramaWireClient
import LineProtocol
import NIOCore
import SQLiteStore
import SubscriberService
import TestSupport
import Testing

/// The in-memory GET cache: bounded, never older than what a watcher has seen, and invisible on
/// the wire (order of pipelined replies, AUTH).
@Suite struct CacheTests {
    private func event(_ kind: String, _ key: String, _ document: String?) -> DocumentEvent {
        DocumentEvent(seq: 1, kind: kind, key: key, line: "EVENT {}", document: document)
    }

    private func text(_ buffer: ByteBuffer?) -> String? { buffer.map { String(buffer: $0) } }

    @Test func leastRecentlyUsedOutWithinTheByteBound() {
        // Each reply is "OK " + 100 bytes + LF = 104 bytes; 1,000 bytes hold 9 of them.
        let cache = DocumentCache(capacityBytes: 1000)
        let body = String(repeating: "x", count: 100)
        for i in 0..<9 { cache.fill(kind: "drama", name: "d\(i)", key: "d\(i)", document: body, epoch: cache.epoch) }
        #expect(cache.statistics.entries == 9)
        #expect(cache.reply(kind: "drama", name: "d0") != nil)  // d0 is now the most recent; d1 the least
        cache.fill(kind: "drama", name: "d9", key: "d9", document: body, epoch: cache.epoch)
        #expect(cache.statistics.bytes <= 1000)
        #expect(cache.reply(kind: "drama", name: "d1") == nil)
        #expect(text(cache.reply(kind: "drama", name: "d0")) == "OK \(body)\n")
        #expect(cache.reply(kind: "drama", name: "d9") != nil)
        #expect(cache.reply(kind: "person", name: "d9") == nil)  // kinds do not mix
    }

    @Test func aFillThatReadBeforeAPublishedBatchIsDropped() {
        let cache = DocumentCache(capacityBytes: 1 << 20)
        let before = cache.epoch
        cache.publish([event("drama", "other", "{}")])
        cache.fill(kind: "drama", name: "Queen of Tears", key: "queenoftears", document: #"{"v":1}"#, epoch: before)
        #expect(cache.reply(kind: "drama", name: "queenoftears") == nil)
        cache.fill(
            kind: "drama", name: "Queen of Tears", key: "queenoftears", document: #"{"v":2}"#, epoch: cache.epoch)
        #expect(text(cache.reply(kind: "drama", name: "Queen of Tears")) == "OK {\"v\":2}\n")
        #expect(text(cache.reply(kind: "drama", name: "queenoftears")) == "OK {\"v\":2}\n")
    }

    @Test func publishingReplacesDeletesAndForgetsNames() {
        let cache = DocumentCache(capacityBytes: 1 << 20)
        cache.fill(
            kind: "drama", name: "Queen of Tears", key: "queenoftears", document: #"{"v":1}"#, epoch: cache.epoch)
        cache.fill(kind: "person", name: "kimsoohyun", key: "kimsoohyun", document: #"{"p":1}"#, epoch: cache.epoch)
        cache.publish([event("drama", "queenoftears", #"{"v":2}"#), event("person", "kimsoohyun", nil)])
        #expect(text(cache.reply(kind: "drama", name: "queenoftears")) == "OK {\"v\":2}\n")
        // A batch may add a spelling or merge, so names resolve afresh (through the read model).
        #expect(cache.reply(kind: "drama", name: "Queen of Tears") == nil)
        #expect(cache.reply(kind: "person", name: "kimsoohyun") == nil)
        // A document the cache did not hold is not added by a batch.
        cache.publish([event("drama", "lovelyrunner", "{}")])
        #expect(cache.reply(kind: "drama", name: "lovelyrunner") == nil)
    }

    @Test func offWhenCapacityIsZero() {
        let cache = DocumentCache(capacityBytes: 0)
        cache.fill(kind: "drama", name: "a", key: "a", document: "{}", epoch: cache.epoch)
        #expect(cache.reply(kind: "drama", name: "a") == nil)
    }

    /// After a client has received the EVENT of a document, no GET (by key or by a spelling,
    /// inline or through the read model) may answer with an older version of it.
    @Test func noGetIsOlderThanAnEventAlreadySeen() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address)
        defer { Task { await subscriber.stop() } }
        let address = subscriber.address
        try await ingestAll(
            [
                newsItem(
                    "cache-0", "2024-03-01T09:00:00+09:00",
                    [ost("Queen of Tears", ["Kim Soo-hyun"], song: "S0", part: 1)])
            ],
            to: ingest.address)
        try await waitUntilCaughtUp(address, ingest: ingest.address)

        let rounds = 25
        let checked = Task {
            try await withSession(address) { watcher -> Int in
                try await withSession(address) { reader -> Int in
                    try await watcher.call("WATCH DRAMA queenoftears")
                    // Batches may coalesce several items into one EVENT, so the watcher stops at
                    // the document that holds the last song, not after a number of events.
                    var seen = 0
                    var last = false
                    while !last, let line = try await watcher.readLine() {
                        guard line.hasPrefix("EVENT ") else { continue }
                        let event = try JSON.parse(String(line.dropFirst(6)))
                        let seq = event["doc"]["seq"].intValue ?? 0
                        last = (event["doc"]["osts"].arrayValue ?? []).contains { $0["song"] == .string("S\(rounds)") }
                        // Pipelined: the first may be answered inline, the others queue behind it.
                        try await reader.send(lines: [
                            "GET DRAMA queenoftears", "GET DRAMA Queen of Tears", "GET DRAMA QUEEN OF TEARS",
                        ])
                        for _ in 0..<3 {
                            guard case .ok(let doc) = try await reader.readReply() else {
                                Issue.record("GET failed")
                                return seen
                            }
                            let got = doc?["seq"].intValue ?? -1
                            #expect(got >= seq, "a GET returned seq \(got) after the EVENT of seq \(seq)")
                        }
                        seen += 1
                    }
                    return seen
                }
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        for i in 1...rounds {
            try await ingestAll(
                [
                    newsItem(
                        "cache-\(i)", "2024-03-0\(1 + i % 8)T09:00:00+09:00",
                        [ost("Queen of Tears", ["Kim Soo-hyun"], song: "S\(i)", part: Int64(i + 1))])
                ],
                to: ingest.address)
        }
        let seen = try await checked.value
        #expect(seen >= 1 && seen <= rounds, "\(seen) events checked")
        let stats = try await withSession(address) { try await $0.call("STATS") }
        #expect((stats?["cache"]["hits"].intValue ?? 0) > 0, "the cache was never used: \(stats?.serialized() ?? "")")
    }

    /// Cached GETs are answered on the event loop; that must change nothing a client can see:
    /// pipelined replies stay in order and AUTH still gates a document already in the cache.
    @Test func inlineRepliesKeepOrderAndAuth() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address) { $0.token = "s3cret" }
        defer { Task { await subscriber.stop() } }
        try await ingestAll(
            [
                newsItem(
                    "cache-auth", "2024-03-01T09:00:00+09:00", [ost("Queen of Tears", ["Kim Soo-hyun"], song: "S0")])
            ],
            to: ingest.address)
        let head = try await headSeq(ingest.address)
        for _ in 0..<600 {
            let stats = try await withSession(subscriber.address) { session in
                try await session.authenticate("s3cret")
                return try await session.call("STATS")
            }
            if (stats?["applied_seq"].intValue ?? 0) >= head { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Fill the cache from an authorized connection.
        let first = try await rawExchange(
            subscriber.address, bytes: Array("AUTH s3cret\nGET DRAMA Queen of Tears\n".utf8), lines: 3)
        #expect(first.count == 3 && first[2].hasPrefix("OK {"), "\(first)")

        let lines = try await rawExchange(
            subscriber.address,
            bytes: Array(
                """
                GET DRAMA queenoftears
                AUTH wrong
                GET DRAMA queenoftears
                AUTH s3cret
                GET DRAMA queenoftears
                PING
                GET DRAMA Queen of Tears
                GET DRAMA no such drama
                GET DRAMA queenoftears
                GET FILM queenoftears

                """.utf8), lines: 11)
        let expected = [
            "HELLO", "ERR noauth", "ERR denied", "ERR noauth", "OK", "OK {", "OK", "OK {", "ERR not_found", "OK {",
            "ERR bad_request",
        ]
        #expect(lines.count == expected.count, "\(lines)")
        for (line, prefix) in zip(lines, expected) {
            #expect(line.hasPrefix(prefix), "expected \(prefix)…, got \(line.prefix(60))")
        }
        #expect(lines[5] == lines[7] && lines[7] == lines[9])
        #expect(lines[5] == first[2])

        // One request at a time on an authorized connection: every cached GET is answered on
        // the event loop (a handler that miscounted the replies it owes would send them all
        // the slow way, still correct but at half the throughput).
        func inline() async throws -> Int64 {
            try await withSession(subscriber.address) { session in
                try await session.authenticate("s3cret")
                return try await session.call("STATS")?["cache"]["inline"].intValue ?? -1
            }
        }
        let before = try await inline()
        try await withSession(subscriber.address) { session in
            try await session.authenticate("s3cret")
            for _ in 0..<3 { try await session.call("GET DRAMA queenoftears") }
        }
        #expect(try await inline() == before + 3)
    }
}
