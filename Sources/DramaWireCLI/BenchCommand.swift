import ArgumentParser
import DramaWireClient
import Foundation
import LineProtocol
import Synchronization

/// `dramawire bench …`: load generators. Every loop is bounded by its duration.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure throughput and latency.",
        subcommands: [
            BenchIngestCommand.self, BenchQueryCommand.self, BenchEndToEndCommand.self, BenchReplayCommand.self,
            BenchExtractCommand.self,
        ])
}

/// `dramawire bench ingest`: closed-loop INGEST from C connections for S seconds.
struct BenchIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "INGEST throughput (items/s) and ack latency percentiles, from C connections for S seconds.",
        discussion: """
            The default data set models real news (RealisticNews): --dramas dramas and --people \
            people with Zipf popularity, at most 30 OST parts and 50 cast entries per drama, and a mix \
            of new articles, re-sent duplicates, corrections and status changes. Dramas enter and \
            leave the news as they air (150 at a time, a new one every 200 articles, Zipf among \
            them) and articles arrive in publication order; --popularity stationary keeps the whole \
            catalogue in the news forever instead. --dramas 20 is a \
            hot-spot stress (a few dramas while they air). --preload N first ingests N new articles, \
            pipelined, so the run measures a database with that much history. --data legacy is the \
            old generator (every item on 100 dramas and 200 people; documents grow without bound).
            """)

    @OptionGroup var connection: IngestConnectionOptions
    @Option(help: "Concurrent connections, each with one request in flight.") var connections = 1
    @Option(help: "Seconds to run (at most 3600).") var duration: Double = 10
    @Option(help: "realistic or legacy.") var data = "realistic"
    @Option(help: "Dramas in the catalogue (realistic data).") var dramas = 5000
    @Option(help: "People in the catalogue (realistic data).") var people = 20000
    @Option(help: "New articles to ingest before measuring (at most 10,000,000).") var preload = 0
    @Option(
        help: """
            How articles pick their drama (realistic data): airing (a sliding window of dramas in \
            the news, articles in publication order) or stationary (Zipf over the whole catalogue \
            forever, dates at random).
            """)
    var popularity = RealisticNews.Popularity.airing
    @Option(
        help: """
            Article position on the news timeline where this run starts (realistic data): the \
            preload, if any, then the measured run right after it. Give the number of articles \
            earlier runs stored to continue their timeline.
            """)
    var timelineStart = 0
    @Option(help: "Facts per item (legacy data).") var facts = 3
    @Option(help: "WATCH ALL connections held open on the subscriber during the run (0-1000).") var watchers = 0
    @Option(
        name: .customLong("subscriber"),
        help: "Subscriber for --watchers and its lag after the run [DRAMAWIRE_SUBSCRIBER_URL, 127.0.0.1:7401].")
    var subscriberURL: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard ["realistic", "legacy"].contains(data) else { throw ValidationError("--data is realistic or legacy") }
        guard (0...1000).contains(watchers) else { throw ValidationError("--watchers must be 0...1000") }
        guard (0...10_000_000).contains(preload) else { throw ValidationError("--preload must be 0...10000000") }
        guard timelineStart >= 0 else { throw ValidationError("--timeline-start must be ≥ 0") }
        guard (1...1_000_000).contains(dramas), (2...10_000_000).contains(people) else {
            throw ValidationError("--dramas must be 1 to 1,000,000 and --people 2 to 10,000,000")
        }
    }

    func run() async throws {
        let address = try connection.address()
        let runID = String(UInt64.random(in: 0..<UInt64.max), radix: 36)
        let factsPerItem = max(1, facts)
        let catalogue = RealisticNews(dramas: dramas, people: people, popularity: popularity)
        let legacy = data == "legacy"
        if preload > 0 {
            let early = catalogue.continued(workers: Preload.connections, start: timelineStart)
            try await Preload.run(count: preload, address: address, token: connection.resolvedToken) { worker, n in
                "INGEST " + early.article(run: runID + "p", worker: worker, n: n, variant: 0)
            }
        }
        let news = catalogue.continued(workers: connections, start: timelineStart + preload)
        // The subscriber is only contacted when asked about: --watchers or --subscriber.
        let subscriber = try (watchers > 0 || subscriberURL != nil) ? subscriberAddress(subscriberURL) : nil
        var watching: WatchLoad?
        if let subscriber {
            watching = try await WatchLoad.start(watchers, at: subscriber, token: connection.resolvedToken)
        }
        let before = try? await commitStats()
        let result = try await ClosedLoop.run(
            connections: connections, duration: duration, address: address, token: connection.resolvedToken
        ) { worker, n in
            "INGEST "
                + (legacy
                    ? SyntheticNews.item(run: runID, worker: worker, n: n, facts: factsPerItem)
                    : news.item(run: runID, worker: worker, n: n))
        }
        result.print(json: json, unit: "items", rateKey: "items_per_s")
        if let subscriber, let watching {
            let report = try await watching.finish(
                ingest: address, subscriber: subscriber, token: connection.resolvedToken)
            if !json { report.print() }
        }
        // Where the server's time went during the run (STATS before and after).
        if !json, let before, let after = try? await commitStats() {
            let batches = (after["batches"].intValue ?? 0) - (before["batches"].intValue ?? 0)
            let operations = (after["operations"].intValue ?? 0) - (before["operations"].intValue ?? 0)
            guard batches > 0 else { return }
            func perBatch(_ phase: String) -> String {
                let seconds =
                    (after["phase_seconds"][phase].doubleValue ?? 0) - (before["phase_seconds"][phase].doubleValue ?? 0)
                return "\(phase) " + String(format: "%.2f", seconds * 1000 / Double(batches)) + " ms"
            }
            printLine(
                "batches      \(batches), \(String(format: "%.1f", Double(operations) / Double(batches))) items each, "
                    + "\((after["retries"].intValue ?? 0) - (before["retries"].intValue ?? 0)) retried")
            printLine(
                "per batch    " + ["prepare", "recompute", "append", "commit"].map(perBatch).joined(separator: ", "))
        }
    }

    /// The ingest service's commit counters (STATS `commits`).
    private func commitStats() async throws -> JSON {
        try await connection.connect { session in try await session.call("STATS")?["commits"] ?? .null }
    }
}

/// Watchers held open on the subscriber while `bench ingest` runs, and how far the subscriber
/// was behind when the load stopped: what the read path costs while ingest runs at full speed.
final class WatchLoad: Sendable {
    /// EVENT lines and their bytes received by all watchers; watchers whose stream ended before
    /// the run did (cut off as slow, or an error).
    private let counts = Mutex<(events: Int, bytes: Int, ended: Int)>((0, 0, 0))
    private let task = Mutex<Task<Void, Never>?>(nil)
    /// Watchers whose WATCH was accepted, and the first failure to start one.
    private let ready = Mutex(0)
    private let failure = Mutex<(unreachable: ConnectionFailure?, message: String)?>(nil)
    let watchers: Int

    private init(watchers: Int) { self.watchers = watchers }

    /// Opens `watchers` connections that each send `WATCH ALL`; returns once all were accepted.
    static func start(_ watchers: Int, at address: ServiceAddress, token: String?) async throws -> WatchLoad {
        let load = WatchLoad(watchers: watchers)
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<watchers {
                    group.addTask {
                        do {
                            try await LineClient.withConnection(to: address) { session in
                                try await session.authenticate(token)
                                try await session.call("WATCH ALL")
                                load.ready.withLock { $0 += 1 }
                                while let line = try await session.readLine() {
                                    guard line.hasPrefix("EVENT ") else { continue }
                                    load.counts.withLock {
                                        $0.events += 1; $0.bytes += line.utf8.count
                                    }
                                }
                            }
                            if !Task.isCancelled { load.counts.withLock { $0.ended += 1 } }
                        } catch {
                            if !Task.isCancelled {
                                load.counts.withLock { $0.ended += 1 }
                                load.failure.withLock { $0 = $0 ?? (error as? ConnectionFailure, "\(error)") }
                            }
                        }
                    }
                }
            }
        }
        load.task.withLock { $0 = task }
        let deadline = monotonicSeconds() + 10
        while load.ready.withLock({ $0 }) < watchers {
            if let failure = load.failure.withLock({ $0 }) {
                task.cancel()
                if let unreachable = failure.unreachable { throw CLIFailure.unreachable("subscriber", unreachable) }
                throw CLIFailure(message: "a watcher could not start: \(failure.message)", exitCode: CLIExitCode.failed)
            }
            guard monotonicSeconds() < deadline else {
                task.cancel()
                throw CLIFailure(
                    message: "\(watchers) watchers did not all start on \(address) within 10 s",
                    exitCode: CLIExitCode.failed)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return load
    }

    struct Report {
        var watchers: Int
        var events: Int
        var bytes: Int
        var ended: Int
        /// Records the subscriber had not applied when the load stopped.
        var lag: Int64
        /// Seconds from then until it had applied everything (nil: not within 60 s).
        var caughtUp: Double?

        func print() {
            if watchers > 0 {
                printLine(
                    "watchers     \(watchers) × WATCH ALL: \(events) events, "
                        + String(format: "%.1f", Double(bytes) / 1_048_576) + " MiB, \(ended) ended early")
            }
            let catchUp =
                caughtUp.map { "caught up " + String(format: "%.2f", $0) + " s later" } ?? "not caught up in 60 s"
            printLine("subscriber   lag \(lag) records when the load stopped; \(catchUp)")
        }
    }

    /// Measures the subscriber's lag now and how long it takes to apply the ingest head, then
    /// closes the watchers (after the last events, so their counts include them).
    func finish(ingest: ServiceAddress, subscriber: ServiceAddress, token: String?) async throws -> Report {
        func head() async throws -> Int64 {
            try await withService("ingest", ingest, token: token) { try await $0.call("HEAD")?["seq"].intValue ?? 0 }
        }
        func applied() async throws -> Int64 {
            try await withService("subscriber", subscriber, token: token) {
                try await $0.call("STATS")?["applied_seq"].intValue ?? 0
            }
        }
        let target = try await head()
        let stopped = monotonicSeconds()
        let lag = max(0, target - (try await applied()))
        var caughtUp: Double?
        while monotonicSeconds() - stopped < 60 {
            if try await applied() >= target {
                caughtUp = monotonicSeconds() - stopped
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        // Events are published after the batch commits: give the last ones a moment on the wire.
        try await Task.sleep(for: .milliseconds(200))
        task.withLock { $0?.cancel() }
        let counted = counts.withLock { $0 }
        return Report(
            watchers: watchers, events: counted.events, bytes: counted.bytes, ended: counted.ended, lag: lag,
            caughtUp: caughtUp)
    }
}

/// Fills the database before a measurement: `count` requests over four pipelined connections.
enum Preload {
    /// Connections a preload uses, each with a window of pipelined requests.
    static let connections = 4

    static func run(
        count: Int, address: ServiceAddress, token: String?, line: @escaping @Sendable (Int, Int) -> String
    ) async throws {
        let window = 128
        let started = monotonicSeconds()
        let failed = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<connections {
                let share = count / connections + (worker < count % connections ? 1 : 0)
                group.addTask {
                    try await LineClient.withConnection(to: address) { session in
                        try await session.authenticate(token)
                        var sent = 0
                        var answered = 0
                        var failed = 0
                        while answered < share {
                            var lines: [String] = []
                            while sent < share && sent - answered < window {
                                lines.append(line(worker, sent))
                                sent += 1
                            }
                            if !lines.isEmpty { try await session.send(lines: lines) }
                            guard let reply = try await session.readLine() else {
                                throw ClientError("the server closed the connection during the preload")
                            }
                            if !reply.hasPrefix("OK") { failed += 1 }
                            answered += 1
                            if worker == 0 && answered % 5000 == 0 && stderrIsTerminal {
                                printError("\rpreload: ~\(answered * connections) of \(count)", terminator: "")
                            }
                        }
                        return failed
                    }
                }
            }
            var failed = 0
            for try await f in group { failed += f }
            return failed
        }
        let elapsed = monotonicSeconds() - started
        printError(
            "\rpreload: \(count) articles in \(String(format: "%.1f", elapsed)) s "
                + "(\(String(format: "%.0f", Double(count) / elapsed))/s, \(failed) failed)")
    }
}

/// `dramawire bench extract DIR`: closed-loop EXTRACT of the articles in DIR (the corpus format
/// of `eval-extract`), cycling through them, from C connections for S seconds.
struct BenchExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "EXTRACT throughput (articles/s) and latency percentiles over a corpus directory.")

    @OptionGroup var connection: IngestConnectionOptions
    @Argument(help: "A directory of NNN-slug.txt articles.") var directory: String
    @Option(help: "Concurrent connections, each with one request in flight.") var connections = 1
    @Option(help: "Seconds to run (at most 3600).") var duration: Double = 10
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        let address = try connection.address()
        let lines = try ExtractionCorpus.articleLines(directory).map { "EXTRACT " + $0 }
        let result = try await ClosedLoop.run(
            connections: connections, duration: duration, address: address, token: connection.resolvedToken
        ) { worker, n in
            lines[(worker &* 7 &+ n) % lines.count]
        }
        result.print(json: json, unit: "articles", rateKey: "articles_per_s")
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let factor = Foundation.pow(10, Double(places))
        return (self * factor).rounded() / factor
    }
}

/// Synthetic but realistic news items for benchmarks: a drama, an OST and a casting, drawn
/// from fixed pools of names so that entities are shared across items as in real news.
enum SyntheticNews {
    static let families = ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"]
    static let givens = [
        "Ji-won", "Soo-hyun", "Min-ho", "Hye-jin", "Woo-seok", "Seo-yeon", "Do-yoon", "Ha-eun", "Jae-wook", "Yu-na",
        "Tae-oh", "Bo-young", "Sung-kyung", "Hyun-bin", "Ye-jin", "Joon-ho", "Na-ra", "Eun-woo", "Ji-chang", "So-min",
    ]
    static let words = ["Moon", "Tears", "Spring", "Garden", "Signal", "Crown", "River", "Letter", "Winter", "Star"]

    static func person(_ i: Int) -> String {
        "\(families[i % families.count]) \(givens[(i / families.count) % givens.count])"
    }
    static func drama(_ i: Int) -> String {
        "The \(words[i % words.count]) of \(words[(i / words.count) % words.count])"
    }

    static func item(run: String, worker: Int, n: Int, facts: Int) -> String {
        let seed = worker &* 7919 &+ n &* 104_729
        let drama = drama(seed % 100)
        var list: [JSON] = []
        for f in 0..<facts {
            switch f % 3 {
            case 0:
                list.append([
                    "kind": "ost", "drama": .string(drama), "song": .string("Song \(seed % 500)"),
                    "part": .int(Int64(seed % 12 + 1)),
                    "artists": [.string(person(seed % 200))], "release": "2024-05-01T18:00:00+09:00",
                    "status": "released",
                ])
            case 1:
                list.append([
                    "kind": "casting", "drama": .string(drama), "person": .string(person((seed / 7) % 200)),
                    "role": .string("Role \(seed % 50)"), "role_type": "supporting",
                    "status": .string(["in_talks", "confirmed", "offered"][seed % 3]),
                ])
            default:
                list.append(["kind": "drama", "title": .string(drama), "network": "tvN", "platforms": ["Netflix"]])
            }
        }
        let item: JSON = [
            "url": .string("https://bench.example/\(run)/\(worker)/\(n)"), "source": "Bench Wire",
            "published_at": .string("2024-04-\(String(format: "%02d", n % 28 + 1))T10:00:00+09:00"),
            "headline": .string("Benchmark item \(n) of worker \(worker)"), "facts": .array(list),
        ]
        return item.serialized()
    }
}
