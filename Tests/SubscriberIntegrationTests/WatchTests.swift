import DramaWireClient
import LineProtocol
import TestSupport
import Testing

/// Watchers: a slow one never holds back applying, and is cut off with `ERR slow_consumer`.
@Suite struct WatchTests {
    @Test func aWatcherThatNeverReadsDoesNotDelayApplying() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address) { $0.watcherBufferBytes = 1 << 20 }
        defer { Task { await subscriber.stop() } }

        // 1 MiB: a healthy reader in a loaded debug-build test process can fall a few hundred
        // KiB behind a burst; the stalled one still passes the bound within its first lines.
        // The stalled watcher: a tiny receive window, and it never reads after WATCH.
        let stalled = try RawSocket(subscriber.address, receiveBuffer: 4096, timeoutSeconds: 20)
        stalled.send("WATCH ALL\n")
        // A healthy watcher counts events as they come.
        let healthy = Task {
            try await withSession(subscriber.address) { session -> Int in
                try await session.call("WATCH ALL")
                var events = 0
                var last = ""
                while let line = try await session.readLine() {
                    if line.hasPrefix("EVENT ") { events += 1 }
                    if line.contains("\"key\":\"done\"") { return events }
                    last = line
                }
                print("the healthy watcher was cut off after \(events) events; last line: \(last.prefix(200))")
                return -1  // cut off before the last event
            }
        }
        try await Task.sleep(for: .milliseconds(200))

        let start = ContinuousClock.now
        _ = try await Workload.run(count: 1500, seed: 7, to: ingest.address)
        let loaded = ContinuousClock.now
        try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address, timeout: .seconds(120))
        let caughtUp = ContinuousClock.now
        // Applying finishes promptly after the last item: the stalled watcher held nothing back.
        print("ingest took \(loaded - start); the subscriber caught up \(caughtUp - loaded) later")
        #expect(caughtUp - loaded < .seconds(30))

        // The last event the healthy watcher waits for.
        try await ingestAll(
            [newsItem("done", "2024-09-01T10:00:00+09:00", [casting("Done", "Done", status: "confirmed")])],
            to: ingest.address)
        let events = try await healthy.value
        #expect(events > 100)

        // The stalled watcher was disconnected: its socket reaches end-of-file (not the 20 s read
        // timeout) after the lines that were already in flight. The final `ERR slow_consumer`
        // is queued behind those, so a peer that stopped reading may never see it.
        let readStart = ContinuousClock.now
        let (lines, lastLine) = try await blocking { () -> (Int, String?) in
            var lines = 0
            var lastLine: String?
            while let line = stalled.readLine() {
                lines += 1
                lastLine = line
            }
            return (lines, lastLine)
        }
        print("healthy watcher saw \(events) events; the stalled one got \(lines) lines, then end of file")
        #expect(ContinuousClock.now - readStart < .seconds(15))
        #expect(lines < events)
        #expect(lastLine != nil)
        var watchers: JSON = .null
        // Both are gone soon after (10 s: the whole suite runs in parallel on two cores).
        for _ in 0..<200 {
            watchers = DocumentTests.ok(try await request(subscriber.address, "STATS"))?["counts"]["watchers"] ?? .null
            if watchers == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(watchers == 0)
    }
}
