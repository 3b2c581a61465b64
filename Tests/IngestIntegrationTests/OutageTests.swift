import DramaWireClient
import Foundation
import LineProtocol
import TestSupport
import Testing

@Suite(.serialized) struct OutageTests {
    /// PostgreSQL stops and comes back: requests fail fast with `unavailable`, nothing is
    /// half-written, and the service reconnects by itself.
    @Test func databaseRestart() async throws {
        let cluster = try TemporaryCluster.start()
        defer { cluster.destroy() }
        let ingest = try await startIngest(databaseURL: cluster.url(database: "postgres"))
        defer { Task { await ingest.stop() } }
        let lines = try sampleNews()
        _ = try await ingestLines(Array(lines.prefix(3)), to: ingest.address)

        try cluster.stop(mode: "fast")
        try await withSession(ingest.address) { session in
            for line in lines[3..<6] {
                let started = ContinuousClock.now
                expectError(try await session.request("INGEST " + line), .unavailable)
                // Fails fast, not after libpq's and the kernel's timeouts (minutes). The bound
                // allows for a loaded CI machine: with every suite starting at once on two
                // cores, one such reply took 5.0009 s.
                #expect(ContinuousClock.now - started < .seconds(10), "an outage must not make requests hang")
            }
            expectError(try await session.request("HEAD"), .unavailable)
            #expect(try await session.request("PING") == .ok(nil))
        }

        try cluster.restart()
        // The service reconnects on its own; retrying the same items is safe.
        var recovered = false
        for _ in 0..<100 {
            let replies = try await ingestLines(Array(lines[3..<6]), to: ingest.address)
            if replies.allSatisfy({ if case .ok = $0 { true } else { false } }) {
                recovered = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(recovered, "no successful INGEST within 10 s of the restart")
        let replies = try await ingestLines(Array(lines.prefix(6)), to: ingest.address)
        #expect(replies.allSatisfy { okJSON($0)["duplicate"] == true })
        let db = try await Inspector.open(cluster.url(database: "postgres"))
        defer { Task { await db.close() } }
        #expect(try await db.counts()["articles"] == 6)
        let dense = try await db.connection.query("SELECT count(*) = max(seq) FROM change_log").scalar
        #expect(dense == "t")
    }

    /// The link between ingest and PostgreSQL fails in each way a network does, through a
    /// fault proxy: black holes both ways and each one way, a frozen peer, resets and delay.
    /// No request hangs past the database timeout, nothing acknowledged is lost, a retry of an
    /// unanswered item never stores it twice, and the log stays dense.
    @Test func databaseLinkPartitionedEachWay() async throws {
        let cluster = try TemporaryCluster.start()
        defer { cluster.destroy() }
        let proxy = try FaultProxy(to: ServiceAddress(host: "127.0.0.1", port: cluster.port))
        defer { proxy.stop() }
        let proxied = cluster.url(database: "postgres", port: proxy.address.port)
        let timeout = Duration.seconds(1)
        let ingest = try await startIngest(databaseURL: proxied) { $0.databaseTimeout = timeout }
        defer { Task { await ingest.stop() } }
        let lines = try sampleNews()
        var acknowledged = Set<String>()
        func url(_ line: String) -> String { (try? JSON.parse(line))?["url"].stringValue ?? "?" }
        for line in lines.prefix(2) where (try? okJSON(await ingestLines([line], to: ingest.address)[0])) != nil {
            acknowledged.insert(url(line))
        }

        let faults: [(String, @Sendable () -> Void)] = [
            ("black hole", { proxy.set(.blackHole) }),
            ("black hole toward PostgreSQL", { proxy.set(.blackHoleToTarget) }),
            ("black hole from PostgreSQL", { proxy.set(.blackHoleFromTarget) }),
            ("frozen", { proxy.set(.freeze) }),
        ]
        var next = 2
        for (name, inject) in faults {
            let line = lines[next]
            next += 1
            inject()
            let started = ContinuousClock.now
            // Bounded here too, so that a broken timeout fails the test instead of hanging it.
            let during = try await withThrowingTaskGroup(of: Reply?.self) { group in
                group.addTask { try await ingestLines([line], to: ingest.address)[0] }
                group.addTask {
                    // Healing lets a request that waits without a bound finish, so the group
                    // can end.
                    try? await Task.sleep(for: .seconds(20))
                    proxy.set(.forward)
                    return nil
                }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
            guard let during else {
                Issue.record("\(name): no reply within 20 s")
                return
            }
            let took = ContinuousClock.now - started
            print("[db-partition] \(name): \(during) after \(took)")
            expectError(during, .unavailable)
            // The timeout, plus a reconnect attempt bounded by connect_timeout (2 s), plus
            // slack for a loaded machine.
            #expect(took < .seconds(10), "\(name): a partitioned database must not make requests hang")
            proxy.set(.forward)
            // Healed: the same item again, as a careful client does after ERR unavailable.
            var settled = false
            for _ in 0..<100 where !settled {
                let reply = try await ingestLines([line], to: ingest.address)[0]
                if case .ok = reply {
                    settled = true
                } else {
                    print("[db-partition] \(name): retry got \(reply)")
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            #expect(settled, "\(name): no successful retry within 20 s of healing")
            if settled { acknowledged.insert(url(line)) }
        }

        // A reset of every connection, then a slow link (2 ms each way per chunk; a fresh
        // connection's first batch prepares its statements, a few dozen round trips, which
        // must fit in the 1 s timeout): both still serve.
        proxy.resetAll()
        proxy.set(delay: .milliseconds(2))
        for line in lines[next..<next + 2] {
            var settled = false
            for _ in 0..<100 where !settled {
                if case .ok = try await ingestLines([line], to: ingest.address)[0] {
                    settled = true
                } else {
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            #expect(settled, "no successful INGEST after a reset on a delayed link")
            if settled { acknowledged.insert(url(line)) }
        }
        proxy.set(delay: .zero)

        let db = try await Inspector.open(cluster.url(database: "postgres"))
        defer { Task { await db.close() } }
        let stored = Set(try await db.articleURLs().values)
        let once = try await db.connection.query(
            "SELECT count(*) = count(DISTINCT url) FROM articles"
        ).scalar
        let dense = try await db.connection.query("SELECT count(*) = max(seq) FROM change_log").scalar
        let upserts = try await db.connection.query(
            "SELECT count(*) = count(DISTINCT key) FROM change_log WHERE type = 'article.upserted'"
        ).scalar
        print(
            "[db-partition] acknowledged=\(acknowledged.count) found=\(acknowledged.intersection(stored).count) "
                + "stored=\(stored.count) once=\(once ?? "?") dense=\(dense ?? "?") upserts_once=\(upserts ?? "?")")
        #expect(acknowledged.isSubset(of: stored), "acknowledged but not stored")
        #expect(stored.count == next + 2, "every item sent was acknowledged once healed")
        #expect(once == "t")
        #expect(dense == "t")
        #expect(upserts == "t")
    }
}
