import DramaWireClient
import Foundation
import LineProtocol
import Synchronization
import TestSupport
import TestUtilities

/// A fault injected by the nemesis.
enum Fault: String, CaseIterable, Sendable {
    /// SIGKILL the ingest service, then start it again on the same port.
    case killIngest = "kill-ingest"
    /// Stop PostgreSQL (`-m immediate`: no checkpoint, like a crash), then start it again.
    case restartPostgres = "restart-postgres"
    /// SIGKILL one subscriber, then start it again on the same port and read model.
    case killSubscriber = "kill-subscriber"
    /// SIGSTOP one subscriber (it stops reading the stream), then SIGCONT it.
    case pauseSubscriber = "pause-subscriber"
    /// Partitions the subscribers from ingest (a black hole both ways or one way, a freeze, a
    /// reset or a slow link, through a fault proxy), then heals it.
    case partitionSubscribers = "partition-subscribers"
    /// Partitions ingest from PostgreSQL the same ways, then heals it.
    case partitionDatabase = "partition-database"
}

/// How the nemesis breaks a link.
enum Partition: String, CaseIterable, Sendable {
    case blackHole = "black-hole"
    case towardTarget = "one-way-to-server"
    case fromTarget = "one-way-from-server"
    case freeze
    case reset
    case slow

    /// Breaks `proxy`'s link; ``heal(_:)`` undoes it.
    func inject(_ proxy: FaultProxy) {
        switch self {
        case .blackHole: proxy.set(.blackHole)
        case .towardTarget: proxy.set(.blackHoleToTarget)
        case .fromTarget: proxy.set(.blackHoleFromTarget)
        case .freeze: proxy.set(.freeze)
        case .reset: proxy.resetAll()
        case .slow: proxy.set(delay: .milliseconds(2))
        }
    }

    static func heal(_ proxy: FaultProxy) {
        proxy.set(delay: .zero)
        proxy.set(.forward)
    }
}

/// A Jepsen-style run: real processes (PostgreSQL, ingest, subscribers), concurrent clients that
/// ingest unique articles, a nemesis that injects faults at random moments chosen by `seed`, and a
/// checker over the recorded history.
///
/// The checker's claims:
/// - every INGEST that got `OK` is stored exactly once (one article per url), with the article id
///   the client was told;
/// - the change log is dense (1…head, no gap, no repeat) and holds exactly one `article.upserted`
///   per article, inside the seq range the client was told;
/// - commit order respects real time: an INGEST acknowledged before another was sent has the lower
///   seqs (Jepsen's "strict serializability" for this single-object workload);
/// - a client that retries an unanswered INGEST with the same url creates no duplicate;
/// - every subscriber applies up to the head and holds exactly the stored articles, and all read
///   models (the survivors' and a fresh one rebuilt from the log afterwards) are identical.
struct Campaign {
    var seed: UInt64
    var duration: Duration
    var clients = 8
    var subscribers = 2
    var faults: [Fault] = Fault.allCases
    /// Pause between faults, chosen uniformly in this range.
    var faultGap: ClosedRange<Double> = 0.5...2.0

    /// What a run counted, for the assertions and the printed summary.
    struct Report: Sendable {
        var acknowledged = 0
        var acknowledgedNew = 0
        var acknowledgedDuplicate = 0
        var rejected: [String: Int] = [:]
        var indeterminate = 0
        var retriedAfterIndeterminate = 0
        var faults: [String] = []
        var storedArticles = 0
        var head: Int64 = 0
        var articleRecords = 0
        var problems: [String] = []
        /// Slowest `ERR unavailable` reply, the outage's fail-fast bound.
        var slowestUnavailable: Duration = .zero
        var subscriberReconnects: [Int] = []
        /// Each partition the nemesis made, as `link:kind`.
        var partitions: [String] = []
        /// Subscriber partitions long enough to be noticed, and how long noticing took.
        var stalenessDetections: [Duration] = []

        var summary: String {
            """
            acknowledged=\(acknowledged) (new=\(acknowledgedNew), duplicate=\(acknowledgedDuplicate)) \
            rejected=\(rejected.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")) \
            indeterminate=\(indeterminate) retried=\(retriedAfterIndeterminate) \
            found=\(storedArticles) log_head=\(head) article_records=\(articleRecords) \
            duplicates=\(problems.filter { $0.contains("duplicate") }.count) \
            faults=\(faults.count) [\(Dictionary(grouping: faults, by: { $0 }).map { "\($0.key)×\($0.value.count)" }.sorted().joined(separator: " "))] \
            subscriber_reconnects=\(subscriberReconnects) slowest_unavailable=\(slowestUnavailable) \
            partitions=[\(partitions.joined(separator: " "))] \
            staleness_detected_after=[\(stalenessDetections.map { String(format: "%.2fs", Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18) }.joined(separator: " "))] \
            problems=\(problems.count)
            """
        }
    }

    func run() async throws -> Report {
        let cluster = try TemporaryCluster.start()
        defer { cluster.destroy() }
        let databaseURL = cluster.url(database: "postgres")
        // Ingest reaches PostgreSQL, and the subscribers reach ingest, through fault proxies
        // (forwarding until the nemesis partitions them); clients and the checker go direct.
        let databaseProxy = try FaultProxy(to: ServiceAddress(host: "127.0.0.1", port: cluster.port))
        defer { databaseProxy.stop() }
        let proxiedDatabaseURL = cluster.url(database: "postgres", port: databaseProxy.address.port)
        let heartbeat = 1.0
        let environment = ["DRAMAWIRE_LOG_LEVEL": "warning"]
        let ingestEnvironment = environment.merging([
            "DRAMAWIRE_HEARTBEAT": "\(heartbeat)", "DRAMAWIRE_DB_TIMEOUT": "2",
        ]) { $1 }
        let ingestPort = try TemporaryCluster.freePort()
        let ingest = ProcessSlot(
            try await ServiceProcess.startIngest(
                databaseURL: proxiedDatabaseURL, port: ingestPort, extraEnvironment: ingestEnvironment))
        let ingestAddress = ServiceAddress(host: "127.0.0.1", port: ingestPort)
        let subscriberProxy = try FaultProxy(to: ingestAddress)
        defer { subscriberProxy.stop() }
        let directory = FileManager.default.temporaryDirectory.path + "/dramawire-campaign-\(seed)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var slots: [ProcessSlot] = []
        for index in 0..<subscribers {
            slots.append(
                ProcessSlot(
                    try await ServiceProcess.startSubscriber(
                        ingest: subscriberProxy.address, readModel: "\(directory)/s\(index).sqlite",
                        port: try TemporaryCluster.freePort(), extraEnvironment: environment)))
        }
        let subscriberSlots = slots
        defer {
            ingest.current.stop(signal: SIGKILL)
            for process in subscriberSlots { process.current.stop(signal: SIGKILL) }
        }

        let history = History()
        let stop = StopFlag()
        let started = ContinuousClock.now
        var report = Report()

        // The nemesis and the clients run together until the duration is over.
        let partitionLog = PartitionLog()
        let faultLog = try await withThrowingTaskGroup(of: [String].self) { group in
            for client in 0..<clients {
                group.addTask {
                    await Self.client(client, seed: seed, address: ingestAddress, history: history, stop: stop)
                    return []
                }
            }
            group.addTask {
                var random = SeededRandom(seed: seed)
                var log: [String] = []
                while ContinuousClock.now - started < duration {
                    try await Task.sleep(for: .seconds(Double.random(in: faultGap, using: &random)))
                    guard ContinuousClock.now - started < duration, !faults.isEmpty else { break }
                    let fault = faults[Int.random(in: 0..<faults.count, using: &random)]
                    let downFor = Duration.milliseconds(Int.random(in: 100...1200, using: &random))
                    let victim = Int.random(in: 0..<max(subscriberSlots.count, 1), using: &random)
                    log.append(fault.rawValue)
                    switch fault {
                    case .killIngest:
                        ingest.current.stop(signal: SIGKILL)
                        try await Task.sleep(for: downFor)
                        ingest.current = try await ServiceProcess.startIngest(
                            databaseURL: proxiedDatabaseURL, port: ingestPort, extraEnvironment: ingestEnvironment)
                    case .restartPostgres:
                        try await blocking { try cluster.stop(mode: "immediate") }
                        try await Task.sleep(for: downFor)
                        try await blocking { try cluster.restart() }
                    case .killSubscriber:
                        let process = subscriberSlots[victim]
                        let old = process.current
                        old.stop(signal: SIGKILL)
                        try await Task.sleep(for: downFor)
                        process.current = try await ServiceProcess.startSubscriber(
                            ingest: subscriberProxy.address, readModel: "\(directory)/s\(victim).sqlite",
                            port: old.address.port, extraEnvironment: environment)
                    case .pauseSubscriber:
                        let pid = subscriberSlots[victim].current.pid
                        kill(pid, SIGSTOP)
                        try await Task.sleep(for: downFor)
                        kill(pid, SIGCONT)
                    case .partitionSubscribers, .partitionDatabase:
                        let kind = Partition.allCases[Int.random(in: 0..<Partition.allCases.count, using: &random)]
                        // Often long enough to outlast three heartbeat intervals, or ingest's 2 s
                        // database timeout.
                        let partitionFor = Duration.milliseconds(Int.random(in: 500...5000, using: &random))
                        let proxy = fault == .partitionSubscribers ? subscriberProxy : databaseProxy
                        let link = fault == .partitionSubscribers ? "subscribers" : "database"
                        await partitionLog.add(
                            "\(link):\(kind.rawValue):\(partitionFor.components.seconds * 1000 + partitionFor.components.attoseconds / 1_000_000_000_000_000)ms"
                        )
                        let partitioned = ContinuousClock.now
                        kind.inject(proxy)
                        if fault == .partitionSubscribers && kind != .reset && kind != .slow
                            && kind != .towardTarget && partitionFor > .seconds(3 * heartbeat + 1.5)
                        {
                            // Silence from ingest must show within three heartbeat intervals
                            // (plus the STATS polling and a loaded machine's slack).
                            let detected = await Self.waitUntilDisconnected(
                                subscriberSlots[victim].current.address, within: partitionFor)
                            if let detected {
                                await partitionLog.detected(detected)
                            } else {
                                await partitionLog.problem(
                                    "\(link) \(kind.rawValue) for \(partitionFor): subscriber still connected")
                            }
                        }
                        try await Task.sleep(until: partitioned + partitionFor)
                        Partition.heal(proxy)
                    }
                }
                stop.set()
                return log
            }
            var log: [String] = []
            for try await part in group { log += part }
            return log
        }
        report.faults = faultLog
        report.partitions = await partitionLog.entries
        report.stalenessDetections = await partitionLog.detections
        report.problems += await partitionLog.problems

        // Heal: every process is up again (the nemesis restarts what it kills). Settle every
        // unanswered INGEST by retrying it with the same url, as a careful client would.
        let unsettled = await history.unsettled()
        report.retriedAfterIndeterminate = unsettled.count
        for item in unsettled {
            let deadline = ContinuousClock.now + .seconds(30)
            while true {
                let invoked = ContinuousClock.now
                let reply = try? await request(ingestAddress, "INGEST " + item.line)
                if let reply, case .ok(let json?) = reply {
                    await history.record(item, invoked: invoked, completed: ContinuousClock.now, reply: json)
                    break
                }
                guard ContinuousClock.now < deadline else {
                    report.problems.append("retry of \(item.url) never succeeded: \(String(describing: reply))")
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }

        try await check(
            history: history, databaseURL: databaseURL, ingest: ingestAddress,
            subscribers: subscriberSlots.map { $0.current }, directory: directory, report: &report)
        return report
    }

    /// Polls a subscriber's STATS until it reports `connected:false`; the time that took, or
    /// nil if it still says connected after `limit`.
    static func waitUntilDisconnected(_ address: ServiceAddress, within limit: Duration) async -> Duration? {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < limit {
            if let stats = try? await request(address, "STATS"), case .ok(let json?) = stats,
                json["connected"] == false
            {
                return ContinuousClock.now - started
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// One client: ingests fresh items; after a lost reply it retries that item before moving on.
    static func client(_ client: Int, seed: UInt64, address: ServiceAddress, history: History, stop: StopFlag) async {
        var random = SeededRandom(seed: seed &+ UInt64(client + 1) &* 7919)
        var next = 0
        var pending: Item?
        while !stop.isSet {
            do {
                try await LineClient.withConnection(to: address) { session in
                    while !stop.isSet {
                        let item: Item
                        if let retry = pending {
                            item = retry
                        } else {
                            item = Item.make(seed: seed, client: client, index: next, random: &random)
                            next += 1
                        }
                        pending = item
                        let invoked = ContinuousClock.now
                        let reply = try await session.request("INGEST " + item.line)
                        let completed = ContinuousClock.now
                        switch reply {
                        case .ok(let json?):
                            await history.record(item, invoked: invoked, completed: completed, reply: json)
                            pending = nil
                        case .error(let error):
                            // A definite refusal: nothing was stored. `unavailable` (an outage) is
                            // retried with the same url; anything else would be a client bug.
                            await history.reject(item, code: error.code.rawValue, took: completed - invoked)
                            if error.code != .unavailable { pending = nil }
                            try await Task.sleep(for: .milliseconds(50))
                        case .ok(nil):
                            await history.reject(item, code: "empty_ok", took: completed - invoked)
                        }
                    }
                }
            } catch {
                // The connection broke with a request in flight: its outcome is unknown.
                if let item = pending { await history.lose(item) }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        if let item = pending { await history.lose(item) }
    }

    func check(
        history: History, databaseURL: String, ingest: ServiceAddress, subscribers: [ServiceProcess],
        directory: String, report: inout Report
    ) async throws {
        let acks = await history.acknowledged()
        let counts = await history.counts()
        report.acknowledged = acks.count
        report.acknowledgedDuplicate = acks.filter(\.duplicate).count
        report.acknowledgedNew = acks.count - report.acknowledgedDuplicate
        report.rejected = counts.rejected
        report.indeterminate = counts.lost
        report.slowestUnavailable = counts.slowestUnavailable

        let db = try await Inspector.open(databaseURL)
        defer { Task { await db.close() } }
        // Exactly once in the database.
        let rows = try await db.connection.query("SELECT url, count(*)::int, min(id::text) FROM articles GROUP BY url")
            .rows
        var stored: [String: String] = [:]
        for row in rows {
            if row[1] != "1" { report.problems.append("duplicate article for \(row[0]!): \(row[1]!) rows") }
            stored[row[0]!] = row[2]!
        }
        report.storedArticles = stored.count
        var ackByURL: [String: Ack] = [:]
        for ack in acks {
            if let other = ackByURL[ack.url], other.article != ack.article {
                report.problems.append("\(ack.url) acknowledged as two articles: \(other.article), \(ack.article)")
            }
            if ackByURL[ack.url] == nil || !ack.duplicate { ackByURL[ack.url] = ack }
            if stored[ack.url] != ack.article {
                report.problems.append("acknowledged \(ack.url) (article \(ack.article)) is not stored as such")
            }
        }
        let attempted = await history.attemptedURLs()
        for url in stored.keys where !attempted.contains(url) {
            report.problems.append("stored article \(url) was never sent")
        }

        // The log: dense, one article.upserted per article, inside the acknowledged range.
        let log = try await db.connection.query(
            "SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0), count(DISTINCT seq) FROM change_log"
        ).rows[0]
        let (count, low, high, distinct) = (Int64(log[0]!)!, Int64(log[1]!)!, Int64(log[2]!)!, Int64(log[3]!)!)
        report.head = high
        if count != distinct { report.problems.append("duplicate seqs in the change log") }
        if count > 0 && (low != 1 || high != count) {
            report.problems.append("the change log is not dense: \(count) records in \(low)…\(high)")
        }
        let upserts = try await db.connection.query(
            "SELECT key, seq FROM change_log WHERE type = 'article.upserted'"
        ).rows
        report.articleRecords = upserts.count
        var upsertSeq: [String: Int64] = [:]
        for row in upserts {
            if upsertSeq[row[0]!] != nil { report.problems.append("duplicate article.upserted for \(row[0]!)") }
            upsertSeq[row[0]!] = Int64(row[1]!)!
        }
        for (url, article) in stored where upsertSeq[article] == nil {
            report.problems.append("stored article \(url) has no article.upserted record")
        }
        for ack in acks where !ack.duplicate {
            guard let seq = upsertSeq[ack.article], let first = ack.firstSeq, let last = ack.lastSeq else {
                report.problems.append("acknowledged \(ack.url) has no record in its range")
                continue
            }
            if seq < first || seq > last {
                report.problems.append(
                    "\(ack.url): article.upserted at \(seq), outside the acknowledged \(first)…\(last)")
            }
        }

        // Real-time order: whatever was acknowledged before a request was sent committed first.
        let ordered = acks.filter { !$0.duplicate && $0.firstSeq != nil }.sorted { $0.completed < $1.completed }
        let byInvocation = ordered.sorted { $0.invoked < $1.invoked }
        var index = 0
        var highestBefore: Int64 = 0
        for op in byInvocation {
            while index < ordered.count && ordered[index].completed < op.invoked {
                highestBefore = max(highestBefore, ordered[index].lastSeq!)
                index += 1
            }
            if op.firstSeq! <= highestBefore {
                report.problems.append(
                    "\(op.url) committed at \(op.firstSeq!) before an earlier acknowledgement (\(highestBefore))")
            }
        }

        // Every read model: caught up, exactly the stored articles, identical to a fresh replay.
        let fresh = try await ServiceProcess.startSubscriber(
            ingest: ingest, readModel: "\(directory)/fresh.sqlite", extraEnvironment: ["DRAMAWIRE_LOG_LEVEL": "warning"]
        )
        defer { fresh.stop(signal: SIGKILL) }
        var reference: [String: String]?
        for subscriber in subscribers + [fresh] {
            let stats = try await waitUntilApplied(subscriber.address, seq: high, timeout: .seconds(180))
            if subscriber !== fresh { report.subscriberReconnects.append(Int(stats["reconnects"].intValue ?? -1)) }
            if stats["applied_seq"].intValue != high {
                report.problems.append("subscriber \(subscriber.address) applied \(stats["applied_seq"]) of \(high)")
            }
            let path =
                subscriber === fresh ? "\(directory)/fresh.sqlite" : readModelPath(subscriber, subscribers, directory)
            let documents = try await documents(ofReadModel: path)
            let articles = Set(documents.keys.filter { $0.hasPrefix("article/") }.map { String($0.dropFirst(8)) })
            if articles != Set(stored.values) {
                report.problems.append(
                    "read model \(path) holds \(articles.count) articles, the database \(stored.count)")
            }
            if let reference, reference != documents {
                let differing =
                    Set(reference.keys).symmetricDifference(documents.keys).count
                    + reference.keys.filter { documents[$0] != nil && documents[$0] != reference[$0] }.count
                report.problems.append("read model \(path) differs from the others in \(differing) documents")
            }
            reference = reference ?? documents
        }
    }

    func readModelPath(_ subscriber: ServiceProcess, _ all: [ServiceProcess], _ directory: String) -> String {
        "\(directory)/s\(all.firstIndex { $0 === subscriber }!).sqlite"
    }
}

/// One news item a client sends: a unique url, and facts over a small shared pool of dramas and
/// people so that concurrent items touch the same entities.
struct Item: Sendable {
    var url: String
    var line: String

    static let dramas = ["Queen of Tears", "Soundtrack #1", "Salt Flower Inn", "Winter Ledger", "Last Tram"]
    static let people = ["Kim Soo-hyun", "Kyuhyun", "Park Bo-ram", "Han So-hee", "Lee Seol-ah", "Jung Min-chae"]

    static func make(seed: UInt64, client: Int, index: Int, random: inout SeededRandom) -> Item {
        let url = "https://campaign.example/\(seed)/\(client)/\(index)"
        let drama = dramas[Int.random(in: 0..<dramas.count, using: &random)]
        let person = people[Int.random(in: 0..<people.count, using: &random)]
        let fact: JSON =
            Bool.random(using: &random)
            ? [
                "kind": "ost", "drama": .string(drama), "part": .int(Int.random(in: 1...12, using: &random)),
                "artists": [.string(person)], "status": "announced",
            ]
            : [
                "kind": "casting", "drama": .string(drama), "person": .string(person),
                "status": .string(["rumored", "in_talks", "confirmed"][Int.random(in: 0..<3, using: &random)]),
            ]
        let item: JSON = [
            "url": .string(url), "source": "Campaign", "published_at": "2026-11-30T09:00:00+09:00",
            "headline": .string("Item \(index) from client \(client)"), "facts": [fact],
        ]
        return Item(url: url, line: item.serialized())
    }
}

/// An acknowledged INGEST.
struct Ack: Sendable {
    var url: String
    var article: String
    var firstSeq: Int64?
    var lastSeq: Int64?
    var duplicate: Bool
    var invoked: ContinuousClock.Instant
    var completed: ContinuousClock.Instant
}

/// The history of every operation the clients tried.
actor History {
    private var acks: [Ack] = []
    private var attempted: Set<String> = []
    private var lost: [String: Item] = [:]
    private var rejected: [String: Int] = [:]
    private var lostCount = 0
    private var slowestUnavailable: Duration = .zero

    func record(_ item: Item, invoked: ContinuousClock.Instant, completed: ContinuousClock.Instant, reply: JSON) {
        attempted.insert(item.url)
        lost[item.url] = nil
        acks.append(
            Ack(
                url: item.url, article: reply["article"].stringValue ?? "?", firstSeq: reply["first_seq"].intValue,
                lastSeq: reply["last_seq"].intValue, duplicate: reply["duplicate"] == true, invoked: invoked,
                completed: completed))
    }

    func reject(_ item: Item, code: String, took: Duration) {
        attempted.insert(item.url)
        rejected[code, default: 0] += 1
        if code == "unavailable" { slowestUnavailable = max(slowestUnavailable, took) }
    }

    func lose(_ item: Item) {
        attempted.insert(item.url)
        lost[item.url] = item
        lostCount += 1
    }

    func unsettled() -> [Item] { lost.values.sorted { $0.url < $1.url } }
    func acknowledged() -> [Ack] { acks }
    func attemptedURLs() -> Set<String> { attempted }
    func counts() -> (rejected: [String: Int], lost: Int, slowestUnavailable: Duration) {
        (rejected, lostCount, slowestUnavailable)
    }
}

/// What the nemesis did to the links, and what it saw.
actor PartitionLog {
    private(set) var entries: [String] = []
    private(set) var detections: [Duration] = []
    private(set) var problems: [String] = []
    func add(_ entry: String) { entries.append(entry) }
    func detected(_ after: Duration) { detections.append(after) }
    func problem(_ text: String) { problems.append(text) }
}

/// A process slot whose occupant the nemesis replaces.
final class ProcessSlot: Sendable {
    private let slot: Mutex<ServiceProcess>
    init(_ process: ServiceProcess) { slot = Mutex(process) }
    var current: ServiceProcess {
        get { slot.withLock { $0 } }
        set { slot.withLock { $0 = newValue } }
    }
}

/// Set once, read by every client.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
