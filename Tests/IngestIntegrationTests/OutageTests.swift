import DramaWireClient
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
}
