import DramaWireClient
import Foundation
import LineProtocol
import TestSupport
import Testing

/// Faults against real processes. Each test prints what it counted; CI keeps the output.
@Suite(.serialized) struct FaultTests {
    /// PostgreSQL crashes (`-m immediate`) and restarts, repeatedly, while 8 clients ingest.
    @Test func postgresRestartsUnderEightClients() async throws {
        let report = try await Campaign(
            seed: 11, duration: .seconds(14), subscribers: 1, faults: [.restartPostgres], faultGap: 2...3
        ).run()
        print("[fault] postgres restarts under 8 clients: \(report.summary)")
        #expect(report.problems.isEmpty, "\(report.problems.prefix(20))")
        #expect(report.faults.count >= 3)
        #expect(report.acknowledged > 50)
        // During each outage requests were refused, quickly, instead of hanging.
        #expect(report.rejected["unavailable", default: 0] > 0)
        #expect(report.slowestUnavailable < .seconds(5))
    }

    /// The ingest service is SIGKILLed and restarted under load with two live subscribers; they
    /// reconnect (backoff with jitter) and resume from their applied seq with no gap or repeat.
    @Test func ingestKilledUnderLoadWithLiveSubscribers() async throws {
        let report = try await Campaign(
            seed: 23, duration: .seconds(14), subscribers: 2, faults: [.killIngest], faultGap: 1.5...2.5
        ).run()
        print("[fault] ingest SIGKILL under load: \(report.summary)")
        #expect(report.problems.isEmpty, "\(report.problems.prefix(20))")
        #expect(report.faults.count >= 3)
        #expect(report.subscriberReconnects.allSatisfy { $0 >= report.faults.count })
    }

    /// Subscribers are SIGKILLed mid-apply and paused; each restarts from its own file.
    @Test func subscribersKilledAndPausedDuringApply() async throws {
        let report = try await Campaign(
            seed: 37, duration: .seconds(12), subscribers: 2, faults: [.killSubscriber, .pauseSubscriber],
            faultGap: 0.5...1.5
        ).run()
        print("[fault] subscriber SIGKILL and SIGSTOP during apply: \(report.summary)")
        #expect(report.problems.isEmpty, "\(report.problems.prefix(20))")
        #expect(report.faults.count >= 4)
    }

    /// Partitions under load, of every kind, between subscribers and ingest and between ingest
    /// and PostgreSQL: nothing acknowledged is lost or applied twice, silence is noticed, and
    /// after healing every read model equals a fresh rebuild.
    @Test func partitionsUnderLoad() async throws {
        let report = try await Campaign(
            seed: 53, duration: .seconds(24), subscribers: 2, faults: [.partitionSubscribers, .partitionDatabase],
            faultGap: 0.3...1.0
        ).run()
        print("[fault] partitions under load: \(report.summary)")
        #expect(report.problems.isEmpty, "\(report.problems.prefix(20))")
        #expect(report.partitions.count >= 4)
        #expect(report.acknowledged > 0)
    }

    /// The Jepsen-style checker with every fault mixed in. CI runs two seeds; set
    /// `DRAMAWIRE_CAMPAIGN_SEEDS` (e.g. `1-20` or `5,9`) and `DRAMAWIRE_CAMPAIGN_SECONDS` to run
    /// more (`deploy/dev campaign`); a failing seed replays the same fault schedule.
    @Test func mixedFaultCampaign() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seeds = try parseSeeds(environment["DRAMAWIRE_CAMPAIGN_SEEDS"] ?? "101,202")
        let seconds = Int(environment["DRAMAWIRE_CAMPAIGN_SECONDS"] ?? "") ?? 15
        for seed in seeds {
            let started = ContinuousClock.now
            let report = try await Campaign(seed: seed, duration: .seconds(seconds)).run()
            print(
                "[campaign] seed=\(seed) duration=\(seconds)s took=\(ContinuousClock.now - started): \(report.summary)")
            #expect(report.problems.isEmpty, "seed \(seed): \(report.problems.prefix(20))")
            #expect(report.acknowledged > 0, "seed \(seed) acknowledged nothing")
        }
    }

    func parseSeeds(_ text: String) throws -> [UInt64] {
        try text.split(separator: ",").flatMap { part -> [UInt64] in
            let bounds = part.split(separator: "-").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1 where bounds[0] != nil: return [bounds[0]!]
            case 2 where bounds[0] != nil && bounds[1] != nil && bounds[0]! <= bounds[1]!:
                return Array(bounds[0]!...bounds[1]!)
            default: throw HarnessError("DRAMAWIRE_CAMPAIGN_SEEDS: cannot read '\(part)'")
            }
        }
    }

    /// A subscriber that stops reading: the writers' latency does not grow, the stalled one gets
    /// `ERR slow_consumer` within a bound, and the ingest process's memory stays bounded.
    @Test func stalledSubscriber() async throws {
        let databaseURL = try await PostgresHarness.shared().createDatabase(prefix: "stall")
        let ingest = try await ServiceProcess.startIngest(databaseURL: databaseURL)
        defer { ingest.stop() }
        // ~84 KB per article record: 8 MiB of unsent output (the default limit) is ~100 items.
        let body = String(repeating: "Lorem ipsum dolor sit amet. ", count: 3000)
        func items(_ label: String, _ count: Int) -> [String] {
            (0..<count).map { n in
                let object: JSON = [
                    "url": .string("https://stall.example/\(label)/\(n)"), "source": "Stall",
                    "published_at": "2024-06-01T10:00:00+09:00", "headline": "Big item", "body": .string(body),
                    "facts": [["kind": "casting", "drama": "Stall Drama", "person": .string("Person \(n % 7)")]],
                ]
                return object.serialized()
            }
        }
        let baselineRSS = try residentKilobytes(ingest.pid)
        let baseline = try await timedWriters(items("baseline", 160), to: ingest.address)

        let stalled = try RawSocket(ingest.address, receiveBuffer: 4096)
        _ = try await blocking { stalled.readLine() }  // the greeting
        stalled.send("SUBSCRIBE 0\n")
        let sampler = Task {
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, (try? residentKilobytes(ingest.pid)) ?? 0)
                try? await Task.sleep(for: .milliseconds(50))
            }
            return peak
        }
        let stallStarted = ContinuousClock.now
        let during = try await timedWriters(items("stalled", 160), to: ingest.address)
        // One session polls STATS (cheap, so the cut-off is seen at once even on a loaded machine).
        let cutOffAfter = try await withSession(ingest.address) { session -> Duration? in
            for _ in 0..<1200 {
                if try await session.call("STATS")?["subscribers"] == [] { return ContinuousClock.now - stallStarted }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }
        sampler.cancel()
        let peakRSS = await sampler.value
        let (received, ending) = try await blocking { () -> (Int, String?) in
            var lines = 0
            var last: String?
            while let line = stalled.readLine() {
                lines += 1
                last = line
            }
            return (lines, last)
        }
        print(
            """
            [fault] stalled subscriber: writers p50 \(baseline.p50) → \(during.p50), p99 \(baseline.p99) → \(during.p99); \
            cut off after \(cutOffAfter.map { "\($0)" } ?? "never") with '\(ending?.prefix(60) ?? "")' after \(received) lines \
            (head \(try await headSeq(ingest.address))); \
            ingest RSS \(baselineRSS / 1024) MiB → peak \(peakRSS / 1024) MiB
            """)
        #expect(baseline.failures == 0 && during.failures == 0)
        #expect(cutOffAfter != nil && cutOffAfter! < .seconds(40), "the stalled subscriber was not cut off")
        #expect(ending?.hasPrefix("ERR slow_consumer") == true)
        let head = try await headSeq(ingest.address)
        // `OK {"head":…}`, some CHANGE lines, the error: never the whole log it fell behind on.
        #expect(received - 2 < head, "the stalled subscriber received all \(head) records")
        // Bounded memory: the 8 MiB output limit plus the records in flight, not the backlog.
        #expect(peakRSS - baselineRSS < 96 * 1024, "ingest grew by \((peakRSS - baselineRSS) / 1024) MiB")
        // Generous, load-tolerant bound: a stalled reader must not make writers wait for it.
        #expect(during.p50 < baseline.p50 * 4 + .milliseconds(100))
    }

    /// 1,000 connections: a limit answers `ERR too_many_connections`, idle ones are closed, and
    /// a client dripping one byte a second cannot keep its slot.
    @Test func aThousandConnections() async throws {
        let databaseURL = try await PostgresHarness.shared().createDatabase(prefix: "conns")
        let ingest = try await ServiceProcess.startIngest(
            databaseURL: databaseURL,
            extraEnvironment: [
                // Idle timeout well above the time it takes to open 1,000 sockets on a loaded machine.
                "DRAMAWIRE_MAX_CONNECTIONS": "1000", "DRAMAWIRE_IDLE_TIMEOUT": "15", "DRAMAWIRE_LINE_TIMEOUT": "3",
            ])
        defer { ingest.stop() }
        let address = ingest.address
        let (sockets, greeted) = try await blocking { () -> ([RawSocket], Int) in
            var sockets: [RawSocket] = []
            var greeted = 0
            for _ in 0..<1000 {
                let socket = try RawSocket(address, timeoutSeconds: 30)
                if socket.readLine()?.hasPrefix("HELLO ") == true { greeted += 1 }
                sockets.append(socket)
            }
            return (sockets, greeted)
        }
        #expect(greeted == 1000)
        let refused = try await rawExchange(address, bytes: Array("PING\n".utf8), lines: 2)
        #expect(refused.first?.hasPrefix("ERR too_many_connections") == true, "\(refused)")

        // One socket answers PING (the slots are live), one drips a byte a second.
        let (ping, dripResult) = try await blocking { () -> (String?, String?) in
            sockets[0].send("PING\n")
            let ping = sockets[0].readLine()
            let drip = sockets[1]
            for byte in Array("PING".utf8) {
                drip.send([byte])
                sleep(1)
            }
            return (ping, drip.readLine())
        }
        #expect(ping == "OK")
        #expect(dripResult?.hasPrefix("ERR") == true, "the dripping client kept its slot: \(dripResult ?? "nil")")

        // Every other connection is closed for idleness.
        let started = ContinuousClock.now
        let closed = try await blocking { () -> Int in
            sockets.dropFirst(2).reduce(0) { count, socket in
                while let line = socket.readLine() { _ = line }  // the idle ERR, then EOF
                return count + 1
            }
        }
        let took = ContinuousClock.now - started
        #expect(closed == 998)
        let after = try await request(address, "PING")
        #expect(after == .ok(nil))
        print(
            "[fault] 1,000 connections: greeted \(greeted), the 1,001st got '\(refused.first ?? "")', dripping client got '\(dripResult ?? "")', \(closed) idle connections closed within \(took)"
        )
    }

    /// The read model's disk fills up: the subscriber stops applying with a clear error and
    /// does not advance applied_seq; once space is freed it resumes and catches up.
    @Test func readModelDiskFull() async throws {
        let databaseURL = try await PostgresHarness.shared().createDatabase(prefix: "full")
        let ingest = try await ServiceProcess.startIngest(databaseURL: databaseURL)
        defer { ingest.stop() }
        let mount = try SmallFilesystem(megabytes: 64)
        defer { mount.remove() }
        let subscriber = try await ServiceProcess.startSubscriber(
            ingest: ingest.address, readModel: mount.path + "/readmodel.sqlite")
        defer { subscriber.stop() }

        let body = String(repeating: "Filler text for a full disk. ", count: 1000)  // ~29 KB
        func items(_ from: Int, _ count: Int) -> [String] {
            (from..<(from + count)).map { n in
                let object: JSON = [
                    "url": .string("https://full.example/\(n)"), "published_at": "2024-06-01T10:00:00+09:00",
                    "headline": .string("Item \(n)"), "body": .string(body), "facts": [],
                ]
                return object.serialized()
            }
        }
        _ = try await ingestLines(items(0, 20), to: ingest.address)
        let before = try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address)

        // Fill the disk, then send more than fits.
        let filler = try mount.fill(leavingKilobytes: 256)
        _ = try await ingestLines(items(20, 200), to: ingest.address)
        let head = try await headSeq(ingest.address)
        var stuck: JSON = .null
        for _ in 0..<300 {
            stuck = try await withSession(subscriber.address) { try await $0.call("STATS") ?? .null }
            if stuck["last_error"].stringValue != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let error = stuck["last_error"].stringValue ?? ""
        try await Task.sleep(for: .seconds(2))
        let still = try await withSession(subscriber.address) { try await $0.call("STATS") ?? .null }
        #expect(error.lowercased().contains("full"), "last_error should name the full disk: \(error)")
        #expect((still["applied_seq"].intValue ?? 0) < head, "applied_seq moved past what could be written")
        #expect(still["applied_seq"] == stuck["applied_seq"], "applied_seq moved while the disk was full")
        #expect(try await getDocument(subscriber.address, "ARTICLE x") == nil)  // still answering

        try FileManager.default.removeItem(atPath: filler)
        let resumed = try await waitUntilApplied(subscriber.address, seq: head, timeout: .seconds(60))
        #expect(resumed["last_error"] == .null, "the error should clear once applying succeeds")
        let documents = try await documents(ofReadModel: mount.path + "/readmodel.sqlite")
        #expect(documents.keys.filter { $0.hasPrefix("article/") }.count == 220)
        print(
            "[fault] read model disk full: applied \(before) → stuck at \(still["applied_seq"]) of \(head) with '\(error.prefix(80))', resumed to \(resumed["applied_seq"]) after space was freed"
        )
    }
}

/// Latencies of 8 concurrent writers, each sending its share of `lines` one request at a time.
func timedWriters(_ lines: [String], to address: ServiceAddress) async throws -> (
    p50: Duration, p99: Duration, failures: Int
) {
    let shares = (0..<8).map { w in stride(from: w, to: lines.count, by: 8).map { lines[$0] } }
    let results = try await withThrowingTaskGroup(of: ([Duration], Int).self) { group in
        for share in shares {
            group.addTask {
                try await withSession(address) { session in
                    var latencies: [Duration] = []
                    var failures = 0
                    for line in share {
                        let started = ContinuousClock.now
                        if case .error = try await session.request("INGEST " + line) { failures += 1 }
                        latencies.append(ContinuousClock.now - started)
                    }
                    return (latencies, failures)
                }
            }
        }
        return try await group.reduce(into: [([Duration], Int)]()) { $0.append($1) }
    }
    let latencies = results.flatMap(\.0).sorted()
    return (
        latencies[latencies.count / 2], latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
        results.map(\.1).reduce(0, +)
    )
}

/// VmRSS of a process, in KiB.
func residentKilobytes(_ pid: pid_t) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let value = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    else { throw HarnessError("no VmRSS for \(pid)") }
    return value
}

/// A small tmpfs, so a test can fill a disk for real. Needs root (CI runs as root); without it
/// the test fails rather than pretending.
struct SmallFilesystem {
    let path: String

    init(megabytes: Int) throws {
        path = FileManager.default.temporaryDirectory.path + "/dramawire-small-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let status = try TemporaryCluster.spawnAndWait(
            ["/bin/mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path], outputPath: "/dev/null")
        guard status == 0 else {
            throw HarnessError("mount -t tmpfs failed (status \(status)); the disk-full test needs root")
        }
    }

    /// Writes a file that leaves about `leavingKilobytes` free; returns its path.
    func fill(leavingKilobytes: Int) throws -> String {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { throw HarnessError("statvfs \(path) failed") }
        let free = Int(stats.f_bavail) * Int(stats.f_frsize)
        let size = max(0, free - leavingKilobytes * 1024)
        let file = path + "/filler"
        guard FileManager.default.createFile(atPath: file, contents: Data(count: size)) else {
            throw HarnessError("cannot write \(size) bytes to \(file)")
        }
        return file
    }

    func remove() {
        _ = try? TemporaryCluster.spawnAndWait(["/bin/umount", "-l", path], outputPath: "/dev/null")
        try? FileManager.default.removeItem(atPath: path)
    }
}
