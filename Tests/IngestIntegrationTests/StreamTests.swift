import DramaWireClient
import LineProtocol
import TestSupport
import Testing

/// Parses `CHANGE <seq> <json>`.
func parseChange(_ line: String) -> (seq: Int64, record: JSON)? {
    guard line.hasPrefix("CHANGE ") else { return nil }
    let rest = line.dropFirst(7)
    let seqText = rest.prefix { $0 != " " }
    guard let seq = Int64(seqText), let record = try? JSON.parse(String(rest.dropFirst(seqText.count + 1))) else {
        return nil
    }
    return (seq, record)
}

@Suite struct StreamTests {
    @Test func backlogThenLiveInOrderFromAnyPoint() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let lines = try sampleNews()
        _ = try await ingestLines(Array(lines.prefix(4)), to: ingest.address)
        let head = try await withSession(ingest.address) { try await $0.call("HEAD")?["seq"].intValue ?? 0 }
        #expect(head > 10)
        try await withSession(ingest.address) { session in
            #expect(try await session.call("SUBSCRIBE 5") == ["head": .int(head)])
            for expected in 6...head {
                let line = try await session.readLine() ?? ""
                let change = try #require(parseChange(line))
                #expect(change.seq == expected)
                #expect(change.record["seq"] == .int(expected))
                #expect(change.record["type"].stringValue != nil && change.record["key"].stringValue != nil)
                #expect(change.record["at"].stringValue?.hasSuffix("Z") == true)
            }
            // Live: a new item arrives without asking.
            let reply = try await ingestLines([lines[4]], to: ingest.address)[0]
            let lastSeq = try #require(okJSON(reply)["last_seq"].intValue)
            let liveLine = try await session.readLine() ?? ""
            let live = try #require(parseChange(liveLine))
            #expect(live.seq == head + 1)
            #expect(live.record["type"] == "article.upserted")
            #expect(live.record["data"]["url"] == "https://wire.example/2024/04/19/kim-soo-hyun-queen-of-tears-ost")
            for expected in (head + 2)...lastSeq {
                let line = try await session.readLine() ?? ""
                #expect(parseChange(line)?.seq == expected)
            }
            // Stream mode accepts only ACK and QUIT.
            try await session.send("HEAD")
            let error = try #require(try await session.readLine())
            #expect(error.hasPrefix("ERR bad_request"))
            try await session.send("ACK x")
            #expect(try await session.readLine()?.hasPrefix("ERR bad_request") == true)
            try await session.send("QUIT")
            var last: String?
            while let line = try await session.readLine() { last = line }
            #expect(last == "OK")
        }
    }

    @Test func resetRequiredBeyondTheHead() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        _ = try await ingestLines([try sampleNews()[0]], to: ingest.address)
        try await withSession(ingest.address) { session in
            let reply = try await session.request("SUBSCRIBE 1000")
            guard case .error(let error) = reply else {
                Issue.record("expected reset_required, got \(reply.line)")
                return
            }
            #expect(error.code == .resetRequired)
            // The refused SUBSCRIBE left the connection in request mode.
            #expect(try await session.request("PING") == .ok(nil))
            expectError(try await session.request("SUBSCRIBE -1"), .badRequest)
            expectError(try await session.request("SUBSCRIBE"), .badRequest)
            expectError(try await session.request("SUBSCRIBE 99999999999999999999"), .badRequest)
        }
    }

    @Test func heartbeatsWhenIdleAndAcksShowInStats() async throws {
        let ingest = try await startIngest { $0.heartbeatInterval = .milliseconds(200) }
        defer { Task { await ingest.stop() } }
        _ = try await ingestLines(Array(try sampleNews().prefix(2)), to: ingest.address)
        let head = try await withSession(ingest.address) { try await $0.call("HEAD")?["seq"].intValue ?? 0 }
        try await withSession(ingest.address) { session in
            _ = try await session.call("SUBSCRIBE 0")
            for _ in 1...head { _ = try await session.readLine() }
            try await session.send("ACK 3")
            let heartbeat = try #require(try await session.readLine())
            #expect(heartbeat == #"HEARTBEAT {"head":\#(head)}"#)
            // ACK has no reply, so the heartbeat may have left before it was read: poll, boundedly.
            var stats: JSON = .null
            for _ in 0..<50 {
                stats = try await withSession(ingest.address) { try await $0.call("STATS") ?? .null }
                if stats["subscribers"].arrayValue?.first?["acked_seq"] == 3 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let subscriber = try #require(stats["subscribers"].arrayValue?.first)
            #expect(subscriber["acked_seq"] == 3)
            #expect(subscriber["sent_seq"] == .int(head))
            #expect(subscriber["lag"] == .int(head - 3))
            #expect(stats["head"] == .int(head))
            #expect(stats["counts"]["articles"] == 2)
        }
        // After the subscriber left, STATS lists nobody. Leaving is noticed asynchronously (the
        // sender finishes its current page first), so poll, boundedly, rather than sleep a guess.
        var subscribers: JSON = .null
        for _ in 0..<100 {
            subscribers = try await withSession(ingest.address) { try await $0.call("STATS") ?? .null }["subscribers"]
            if subscribers == [] { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(subscribers == [])
    }

    @Test func aStalledSubscriberIsCutOffAndSlowsNobody() async throws {
        let ingest = try await startIngest {
            $0.subscriberBufferBytes = 256 << 10
            $0.slowConsumerTimeout = .seconds(1)
        }
        defer { Task { await ingest.stop() } }
        // A subscriber that never reads, with a tiny receive window.
        let stalled = try RawSocket(ingest.address, receiveBuffer: 4096)
        stalled.send("SUBSCRIBE 0\n")
        let body = String(repeating: "Lorem ipsum dolor sit amet. ", count: 3000)  // ~84 KB per record
        var items: [String] = []
        for n in 0..<120 {
            let object: JSON = [
                "url": .string("https://big.example/\(n)"), "source": "Big",
                "published_at": "2024-06-01T10:00:00+09:00",
                "headline": "Big item", "body": .string(body), "facts": [],
            ]
            items.append(object.serialized())
        }
        let started = ContinuousClock.now
        let replies = try await ingestLines(items, to: ingest.address)
        #expect(replies.allSatisfy { if case .ok = $0 { true } else { false } })
        let elapsed = ContinuousClock.now - started
        // Not a timing assertion on ingest speed: only that ingest did not wait for the stalled
        // reader (it would block forever if it did).
        #expect(elapsed < .seconds(60))
        var disconnected = false
        for _ in 0..<100 {
            let stats = try await withSession(ingest.address) { try await $0.call("STATS") ?? .null }
            if stats["subscribers"] == [] {
                disconnected = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(disconnected, "the stalled subscriber was not cut off")
        // Reading now: some records, then the end of the stream (never more than was buffered).
        var lines = 0
        var sawEnd = false
        while let line = stalled.readLine() {
            lines += 1
            if line.hasPrefix("ERR slow_consumer") { sawEnd = true }
        }
        #expect(lines < 120, "the stalled subscriber must not have received everything")
        _ = sawEnd
    }
}
