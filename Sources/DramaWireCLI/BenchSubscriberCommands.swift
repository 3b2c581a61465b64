import ArgumentParser
import DramaWireClient
import Foundation
import LineProtocol
import Logging
import SQLiteStore
import SubscriberService
import Synchronization

/// `dramawire bench query`: closed-loop GET DRAMA against the subscriber.
struct BenchQueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "GET DRAMA throughput (queries/s) and latency, from C connections for S seconds.")

    @OptionGroup var connection: SubscriberConnectionOptions
    @Option(help: "Concurrent connections, each with one request in flight.") var connections = 1
    @Option(help: "Seconds to run (at most 3600).") var duration: Double = 10
    @Flag(
        help: """
            A reader's mix instead of one key: every drama and person with Zipf popularity, by key \
            and by name; 50% GET DRAMA, 25% GET PERSON, 10% SEARCH, 7.5% OSTS, 7.5% CASTING, with \
            each verb's rate and percentiles.
            """)
    var mix = false
    @Option(help: "Stop each connection after this many requests (the same ones every run), or at --duration.")
    var requests: Int?
    @Option(help: "Zipf exponent of --mix popularity (1: the 10th most popular gets a tenth of the first's).")
    var zipf: Double = 1.0

    func run() async throws {
        let address = try connection.address()
        let token = connection.token ?? environment("DRAMAWIRE_TOKEN")
        if let requests, requests < 1 { throw ValidationError("--requests must be at least 1") }
        if mix {
            guard zipf >= 0 && zipf <= 5 else { throw ValidationError("--zipf must be in [0, 5]") }
            let connection = self.connection
            let universe = try await QueryMix.collect({ try await connection.call($0) }, exponent: zipf)
            let result = try await ClosedLoop.runLabelled(
                connections: connections, duration: duration, requests: requests, address: address, token: token,
                labels: QueryMix.labels
            ) { worker, n in universe.request(worker: worker, n: n) }
            universe.print(result, json: self.connection.json)
            return
        }
        // Query the dramas the read model has (those with OSTs), by title, round robin.
        let page = try await connection.call(#"OSTS {"limit":500}"#)
        var titles = Set((page["items"].arrayValue ?? []).compactMap { $0["drama"]["title"].stringValue }).sorted()
        if titles.isEmpty { titles = ["Queen of Tears"] }
        let names = titles
        let result = try await ClosedLoop.run(
            connections: connections, duration: duration, requests: requests, address: address, token: token
        ) { worker, n in "GET DRAMA " + names[(worker + n) % names.count] }
        result.print(json: connection.json, unit: "queries", rateKey: "queries_per_s")
    }
}

/// `dramawire bench e2e`: INGEST at a fixed rate; time from each ack to the watcher's EVENT.
struct BenchEndToEndCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e", abstract: "INGEST ack → EVENT seen by a WATCH ALL watcher: latency at a fixed rate.")

    @OptionGroup var ingest: IngestConnectionOptions
    @Option(name: .customLong("subscriber"), help: "Subscriber host:port [DRAMAWIRE_SUBSCRIBER_URL, 127.0.0.1:7401].")
    var subscriberURL: String?
    @Option(help: "Items per second to offer.") var rate: Double = 100
    @Option(help: "Seconds to run (at most 3600).") var duration: Double = 10
    @Flag(help: "Print one JSON object.") var json = false

    /// Ack and event times per article id.
    final class Timings: Sendable {
        let state = Mutex<(acks: [String: Double], events: [String: Double])>(([:], [:]))
    }

    func run() async throws {
        guard rate > 0 && rate <= 100_000 else { throw ValidationError("--rate must be in (0, 100000]") }
        guard duration > 0 && duration <= 3600 else { throw ValidationError("--duration must be in (0, 3600]") }
        let ingestAddress = try ingest.address()
        let subscriberAddress = try subscriberAddress(subscriberURL)
        let token = ingest.resolvedToken
        let timings = Timings()
        let runID = String(UInt64.random(in: 0..<UInt64.max), radix: 36)
        let (rate, duration) = (self.rate, self.duration)

        let watcher = Task {
            try await LineClient.withConnection(to: subscriberAddress) { session in
                try await session.authenticate(token)
                try await session.call("WATCH ALL")
                while let line = try await session.readLine() {
                    guard line.hasPrefix("EVENT "), line.contains(#""kind":"article""#),
                        let event = try? JSON.parse(String(line.dropFirst(6))), let key = event["key"].stringValue
                    else { continue }
                    let now = monotonicSeconds()
                    timings.state.withLock { if $0.events[key] == nil { $0.events[key] = now } }
                }
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        let started = monotonicSeconds()
        let (sent, errors) = try await LineClient.withConnection(to: ingestAddress) { session in
            try await session.authenticate(token)
            let sender = session.sender
            let total = Int(rate * duration)
            // Open loop: the sender keeps the schedule whatever the replies do.
            let sending = Task {
                for n in 0..<total {
                    let due = started + Double(n) / rate
                    let wait = due - monotonicSeconds()
                    if wait > 0 { try await Task.sleep(for: .microseconds(Int64(wait * 1e6))) }
                    try await sender.send("INGEST " + SyntheticNews.item(run: runID, worker: 0, n: n, facts: 1))
                }
            }
            var errors = 0
            for _ in 0..<total {
                let reply = try await session.readReply()
                let now = monotonicSeconds()
                guard case .ok(let body) = reply, let id = body?["article"].stringValue else {
                    errors += 1
                    continue
                }
                timings.state.withLock { $0.acks[id] = now }
            }
            try await sending.value
            return (total, errors)
        }
        let ingestElapsed = monotonicSeconds() - started
        // Give the last events up to 10 s to arrive.
        let deadline = monotonicSeconds() + 10
        while monotonicSeconds() < deadline {
            let done = timings.state.withLock { state in state.acks.keys.allSatisfy { state.events[$0] != nil } }
            if done { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        watcher.cancel()
        var histogram = LatencyHistogram()
        var missing = 0
        timings.state.withLock { state in
            for (id, ack) in state.acks {
                // An event can arrive before the client has read its ack; that counts as 0.
                if let seen = state.events[id] {
                    histogram.record(microseconds: UInt64(max(0, seen - ack) * 1e6))
                } else {
                    missing += 1
                }
            }
        }
        let achieved = Double(sent - errors) / ingestElapsed
        if json {
            printLine(
                JSON.object([
                    "offered_per_s": .double(rate), "achieved_per_s": .double(achieved.rounded(toPlaces: 1)),
                    "items": .int(Int64(sent)), "errors": .int(Int64(errors)), "missing_events": .int(Int64(missing)),
                    "p50_ms": .double(histogram.milliseconds(atPercentile: 50)),
                    "p90_ms": .double(histogram.milliseconds(atPercentile: 90)),
                    "p99_ms": .double(histogram.milliseconds(atPercentile: 99)),
                    "max_ms": .double(histogram.maxMilliseconds),
                ]).serialized())
        } else {
            printLine(
                "offered      \(format(rate)) items/s for \(format(duration)) s; achieved \(format(achieved)) items/s")
            printLine("items        \(sent) (\(errors) errors, \(missing) events not seen)")
            printLine("ack → EVENT  " + histogram.summary)
        }
    }
}

/// `dramawire bench replay`: how fast a new subscriber replays the whole log.
struct BenchReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay the change log from seq 0 into a fresh read model (in this process); records/s.")

    @OptionGroup var ingest: IngestConnectionOptions
    @Option(help: "Read model file to build (deleted first) [a temporary file].") var readmodel: String?
    @Option(help: "Bytes of documents' entries kept between batches; 0: off (as the subscriber's flag).")
    var partsCacheBytes = 32 << 20
    @Option(help: "Most records applied in one transaction (as the subscriber's; small values imitate following live).")
    var batchLimit = 20_000
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard (1...1_000_000).contains(batchLimit) else { throw ValidationError("--batch-limit must be 1...1000000") }
    }

    func run() async throws {
        let address = try ingest.address()
        let token = ingest.resolvedToken
        let head = try await LineClient.withConnection(to: address) { session in
            try await session.authenticate(token)
            return try await session.call("HEAD")?["seq"].intValue ?? 0
        }
        let path =
            readmodel ?? FileManager.default.temporaryDirectory.path + "/dramawire-replay-\(UUID().uuidString).sqlite"
        try ReadModel.remove(path: path)
        var logger = Logger(label: "dramawire.bench")
        logger.logLevel = .warning
        var configuration = SubscriberConfiguration(port: 0, ingest: address, ingestToken: token, readModelPath: path)
        configuration.partsCacheBytes = partsCacheBytes
        configuration.batchLimit = batchLimit
        let server = try SubscriberServer(configuration: configuration, logger: logger)
        let started = monotonicSeconds()
        let running = Task { try await server.run() }
        while server.appliedSeq < head {
            try await Task.sleep(for: .milliseconds(10))
            if monotonicSeconds() - started > 3600 { throw ValidationError("replay did not finish within an hour") }
        }
        let elapsed = monotonicSeconds() - started
        running.cancel()
        _ = try? await running.value
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if readmodel == nil { try? ReadModel.remove(path: path) }
        let rate = Double(head) / elapsed
        if json {
            printLine(
                JSON.object([
                    "records": .int(head), "seconds": .double(elapsed.rounded(toPlaces: 2)),
                    "records_per_s": .double(rate.rounded(toPlaces: 1)), "file_bytes": .int(Int64(size)),
                ]).serialized())
        } else {
            printLine("replayed \(head) records in \(format(elapsed)) s: \(String(format: "%.0f", rate)) records/s")
        }
    }
}
