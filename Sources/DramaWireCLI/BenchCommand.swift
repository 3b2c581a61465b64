import ArgumentParser
import DramaWireClient
import Foundation
import LineProtocol

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
        abstract: "INGEST throughput (items/s) and ack latency percentiles, from C connections for S seconds.")

    @OptionGroup var connection: IngestConnectionOptions
    @Option(help: "Concurrent connections, each with one request in flight.") var connections = 1
    @Option(help: "Seconds to run (at most 3600).") var duration: Double = 10
    @Option(help: "Facts per item.") var facts = 3
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        let address = try connection.address()
        let runID = String(UInt64.random(in: 0..<UInt64.max), radix: 36)
        let factsPerItem = max(1, facts)
        let result = try await ClosedLoop.run(
            connections: connections, duration: duration, address: address, token: connection.resolvedToken
        ) { worker, n in
            "INGEST " + SyntheticNews.item(run: runID, worker: worker, n: n, facts: factsPerItem)
        }
        result.print(json: json, unit: "items", rateKey: "items_per_s")
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
