import ArgumentParser
import DramaWireClient
import Foundation
import LineProtocol

/// `dramawire bench …`: load generators. Every loop is bounded by its duration.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure throughput and latency.", subcommands: [BenchIngestCommand.self])
}

/// `dramawire bench ingest`: closed-loop INGEST from C connections for S seconds.
struct BenchIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "INGEST throughput (items/s) and ack latency percentiles, from C connections for S seconds.")

    @OptionGroup var connection: IngestConnectionOptions
    @Option(help: "Concurrent connections, each with one request in flight.") var connections = 1
    @Option(help: "Seconds to run (at most 3600).") var duration: Double = 10
    @Option(help: "Facts per item.") var facts = 3
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        guard (1...1000).contains(connections) else { throw ValidationError("--connections must be 1...1000") }
        guard duration > 0 && duration <= 3600 else { throw ValidationError("--duration must be in (0, 3600]") }
        let address = try connection.address()
        let token = connection.resolvedToken
        let runID = String(UInt64.random(in: 0..<UInt64.max), radix: 36)
        let deadline = monotonicSeconds() + duration
        let factsPerItem = max(1, facts)
        let started = monotonicSeconds()
        let results = try await withThrowingTaskGroup(of: (LatencyHistogram, Int).self) { group in
            for worker in 0..<connections {
                group.addTask {
                    var histogram = LatencyHistogram()
                    var errors = 0
                    try await LineClient.withConnection(to: address) { session in
                        try await session.authenticate(token)
                        var n = 0
                        while monotonicSeconds() < deadline {
                            let line =
                                "INGEST " + SyntheticNews.item(run: runID, worker: worker, n: n, facts: factsPerItem)
                            let t0 = monotonicSeconds()
                            let reply = try await session.request(line)
                            histogram.record(microseconds: UInt64((monotonicSeconds() - t0) * 1e6))
                            if case .error = reply { errors += 1 }
                            n += 1
                        }
                    }
                    return (histogram, errors)
                }
            }
            var total = LatencyHistogram()
            var errors = 0
            for try await (histogram, e) in group {
                total.add(histogram)
                errors += e
            }
            return (total, errors)
        }
        let elapsed = monotonicSeconds() - started
        let histogram = results.0
        let rate = Double(histogram.count) / elapsed
        if json {
            let object: JSON = [
                "items_per_s": .double(rate.rounded(toPlaces: 1)),
                "p50_ms": .double(histogram.milliseconds(atPercentile: 50)),
                "p90_ms": .double(histogram.milliseconds(atPercentile: 90)),
                "p99_ms": .double(histogram.milliseconds(atPercentile: 99)),
                "max_ms": .double(histogram.maxMilliseconds),
                "items": .int(Int64(histogram.count)), "errors": .int(Int64(results.1)),
                "connections": .int(Int64(connections)), "duration_s": .double(elapsed.rounded(toPlaces: 2)),
            ]
            printLine(object.serialized())
        } else {
            printLine("connections  \(connections)")
            printLine("items        \(histogram.count) in \(String(format: "%.2f", elapsed)) s (\(results.1) errors)")
            printLine("throughput   \(String(format: "%.1f", rate)) items/s")
            printLine(
                "ack latency  p50 \(fmt(histogram.milliseconds(atPercentile: 50))) ms, "
                    + "p90 \(fmt(histogram.milliseconds(atPercentile: 90))) ms, "
                    + "p99 \(fmt(histogram.milliseconds(atPercentile: 99))) ms, max \(fmt(histogram.maxMilliseconds)) ms"
            )
        }
    }

    private func fmt(_ value: Double) -> String { String(format: "%.2f", value) }
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
