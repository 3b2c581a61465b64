import DramaWireClient
import LibPQ
import LineProtocol
import Synchronization
import TestSupport
import Testing

/// What one INGEST returned.
struct Ack: Sendable {
    var article: String
    var firstSeq: Int64
    var lastSeq: Int64
    var changes: Int
}

/// Follows the change stream in the background and keeps everything it receives.
final class Follower: Sendable {
    final class State: Sendable {
        let received = Mutex<[ReceivedChange]>([])
        let failure = Mutex<String?>(nil)
    }
    let state = State()
    let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// Everything received so far.
    var snapshot: [ReceivedChange] { state.received.withLock { $0 } }

    init(_ address: ServiceAddress) {
        let state = self.state
        let handle = Task {
            do {
                try await withSession(address) { session in
                    _ = try await session.call("SUBSCRIBE 0")
                    while let line = try await session.readLine() {
                        if line.hasPrefix("HEARTBEAT") { continue }
                        guard line.hasPrefix("CHANGE ") else {
                            throw ClientError("unexpected line: \(line.prefix(200))")
                        }
                        let rest = line.dropFirst(7)
                        let seqText = rest.prefix { $0 != " " }
                        let change = ReceivedChange(
                            seq: Int64(seqText)!, record: try JSON.parse(String(rest.dropFirst(seqText.count + 1))))
                        let count = state.received.withLock { r in
                            r.append(change)
                            return r.count
                        }
                        if count % 500 == 0 { try await session.send("ACK \(change.seq)") }
                    }
                }
            } catch is CancellationError {
            } catch {
                state.failure.withLock { $0 = "\(error)" }
            }
        }
        task.withLock { $0 = handle }
    }

    var count: Int { state.received.withLock { $0.count } }
    var lastSeq: Int64 { state.received.withLock { $0.last?.seq ?? 0 } }

    /// Waits until the follower has everything up to `head` (or the timeout passes).
    func waitFor(head: Int64, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if lastSeq >= head { return true }
            if state.failure.withLock({ $0 }) != nil { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return lastSeq >= head
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }
}

/// Item number `n` of worker `w`: one casting fact in a drama shared by a few items, so
/// batches mix new and existing dramas, people and castings.
func loadItem(_ w: Int, _ n: Int) -> String {
    let day = n % 28 + 1
    return item(
        url: "https://load.example/\(w)/\(n)", published: "2024-06-\(day < 10 ? "0" : "")\(day)T10:00:00+09:00",
        facts: [
            castingFact(
                "Load Drama \(w % 4)-\(n / 25)", "Actor \(n % 7) Kim", status: ["in_talks", "confirmed"][n % 2])
        ])
}

/// Runs `connections` clients, each sending `perConnection` INGESTs one at a time to one of
/// `addresses` (round robin). Every `invalidEvery`-th request of client 0 is invalid.
func runLoad(
    addresses: [ServiceAddress], connections: Int, perConnection: Int, invalidEvery: Int? = nil
) async throws -> (acks: [Ack], rejected: Int) {
    try await withThrowingTaskGroup(of: ([Ack], Int).self) { group in
        for w in 0..<connections {
            group.addTask {
                try await withSession(addresses[w % addresses.count]) { session in
                    var acks: [Ack] = []
                    var rejected = 0
                    for n in 0..<perConnection {
                        if w == 0, let every = invalidEvery, n % every == every - 1 {
                            let reply = try await session.request(
                                #"INGEST {"url":"https://load.example/bad","published_at":"2023-02-29T00:00:00Z"}"#)
                            guard case .error(let error) = reply, error.code == .invalid else {
                                throw ClientError("expected ERR invalid, got \(reply.line)")
                            }
                            rejected += 1
                        }
                        let reply = try await session.request("INGEST " + loadItem(w, n))
                        guard case .ok(let json?) = reply, let article = json["article"].stringValue,
                            let first = json["first_seq"].intValue, let last = json["last_seq"].intValue,
                            let changes = json["changes"].intValue
                        else {
                            throw ClientError("INGEST \(w)/\(n) failed: \(reply.line)")
                        }
                        acks.append(Ack(article: article, firstSeq: first, lastSeq: last, changes: Int(changes)))
                    }
                    return (acks, rejected)
                }
            }
        }
        var all: [Ack] = []
        var rejected = 0
        for try await (acks, r) in group {
            all += acks
            rejected += r
        }
        return (all, rejected)
    }
}

/// Checks the exactly-once, in-order promise against what the follower received.
func verifyStream(_ received: [ReceivedChange], acks: [Ack], head: Int64) {
    #expect(received.count == Int(head), "received \(received.count) records for head \(head)")
    for (i, change) in received.enumerated() where change.seq != Int64(i + 1) {
        Issue.record("seq \(change.seq) at position \(i): the stream is not contiguous from 1")
        break
    }
    var bySeq: [Int64: JSON] = [:]
    for change in received { bySeq[change.seq] = change.record }
    var articleRecords: [String: Int] = [:]
    for change in received where change.record["type"] == "article.upserted" {
        articleRecords[change.record["key"].stringValue ?? "", default: 0] += 1
    }
    #expect(acks.reduce(0) { $0 + $1.changes } == Int(head), "every change belongs to exactly one acknowledged item")
    var ranges = acks.map { ($0.firstSeq, $0.lastSeq) }.sorted { $0.0 < $1.0 }
    for i in ranges.indices.dropFirst() where ranges[i].0 != ranges[i - 1].1 + 1 {
        Issue.record("acknowledged ranges overlap or leave a gap at \(ranges[i].0)")
        break
    }
    ranges.removeAll()
    for ack in acks {
        #expect(
            articleRecords[ack.article] == 1, "article \(ack.article) appears \(articleRecords[ack.article] ?? 0) times"
        )
        let first = bySeq[ack.firstSeq]
        #expect(first?["type"] == "article.upserted" && first?["key"] == .string(ack.article))
        #expect(Int(ack.lastSeq - ack.firstSeq + 1) == ack.changes)
    }
}

@Suite(.serialized) struct ConcurrencyTests {
    static let connections = 16
    static let perConnection = 500

    @Test func sixteenConnectionsWhileASubscriberFollows() async throws {
        // Four writer connections, so batches commit concurrently and take turns on row locks.
        let ingest = try await startIngest { $0.writers = 4 }
        defer { Task { await ingest.stop() } }
        let follower = Follower(ingest.address)
        defer { follower.stop() }
        let (acks, _) = try await runLoad(
            addresses: [ingest.address], connections: Self.connections, perConnection: Self.perConnection)
        #expect(acks.count == Self.connections * Self.perConnection)
        let head = try await withSession(ingest.address) { try await $0.call("HEAD")?["seq"].intValue ?? -1 }
        #expect(
            await follower.waitFor(head: head, timeout: .seconds(30)),
            "the subscriber fell behind: \(follower.lastSeq) of \(head)")
        verifyStream(follower.snapshot, acks: acks, head: head)
    }

    @Test func aRolledBackTransactionAndRejectedItemsLeaveNoHole() async throws {
        let ingest = try await startIngest { $0.writers = 2 }
        defer { Task { await ingest.stop() } }
        let follower = Follower(ingest.address)
        defer { follower.stop() }
        // A foreign writer takes sequence numbers and rolls back in the middle of the load.
        let saboteur = Task {
            let db = try await PQConnection.connect(conninfo: ingest.databaseURL, logger: testLogger())
            for round in 0..<5 {
                try await Task.sleep(for: .milliseconds(300))
                try await db.run { conn in
                    try conn.execute("BEGIN")
                    let seq = Int64(try conn.query("SELECT seq FROM log_counter WHERE id = 1 FOR UPDATE").scalar!)!
                    try conn.execute("UPDATE log_counter SET seq = seq + 3 WHERE id = 1")
                    for k in 1...3 {
                        try conn.execute(
                            "INSERT INTO change_log (seq, type, key, record) VALUES ($1, 'bogus', 'rollback', '{}')",
                            [String(seq + Int64(k))])
                    }
                    try conn.execute("SELECT pg_sleep(0.05)")
                    try conn.execute("ROLLBACK")
                }
                _ = round
            }
            await db.close()
        }
        let (acks, rejected) = try await runLoad(
            addresses: [ingest.address], connections: Self.connections, perConnection: Self.perConnection,
            invalidEvery: 50)
        try await saboteur.value
        #expect(rejected == Self.perConnection / 50)
        let head = try await withSession(ingest.address) { try await $0.call("HEAD")?["seq"].intValue ?? -1 }
        #expect(await follower.waitFor(head: head, timeout: .seconds(30)))
        let received = follower.snapshot
        #expect(!received.contains { $0.record["type"] == "bogus" })
        verifyStream(received, acks: acks, head: head)
    }

    @Test func twoIngestProcessesOnOneDatabase() async throws {
        let url = try await PostgresHarness.shared().createDatabase()
        let first = try await ServiceProcess.startIngest(databaseURL: url)
        defer { first.stop() }
        let second = try await ServiceProcess.startIngest(
            databaseURL: url, extraEnvironment: ["DRAMAWIRE_WRITERS": "3"])
        defer { second.stop() }
        // Subscribers on both processes must see the same dense log.
        let followerA = Follower(first.address)
        let followerB = Follower(second.address)
        defer {
            followerA.stop()
            followerB.stop()
        }
        let (acks, _) = try await runLoad(
            addresses: [first.address, second.address], connections: Self.connections, perConnection: Self.perConnection
        )
        let head = try await withSession(first.address) { try await $0.call("HEAD")?["seq"].intValue ?? -1 }
        #expect(await followerA.waitFor(head: head, timeout: .seconds(30)))
        #expect(await followerB.waitFor(head: head, timeout: .seconds(30)))
        let a = followerA.snapshot
        verifyStream(a, acks: acks, head: head)
        #expect(followerB.snapshot.map(\.seq) == a.map(\.seq))
        #expect(followerB.snapshot.map(\.record) == a.map(\.record))
        let db = try await Inspector.open(url)
        let dense = try await db.connection.query("SELECT count(*), min(seq), max(seq) FROM change_log").rows[0]
        #expect(dense == [String(head), "1", String(head)])
        await db.close()
    }
}
