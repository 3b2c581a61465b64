import ArgumentParser
import DramaWireClient
import Foundation
import LineProtocol

/// The request mix of `bench query --mix`: what readers of a news site ask for, with some
/// dramas and people far more popular than the rest.
///
/// Every drama and person with a cast entry or an OST in the read model is in the universe,
/// ranked by how many entries it has (the big, much-reported dramas first), and drawn with Zipf
/// popularity over that rank. Requests are 50 % GET DRAMA and 25 % GET PERSON (half by key, half
/// by the name as written), 10 % SEARCH, 7.5 % OSTS of a drama and 7.5 % CASTING of a person.
/// The draw is a pure function of the worker and request number, so runs are repeatable.
struct QueryMix: Sendable {
    struct Entity: Sendable {
        var key: String
        var name: String
    }

    static let labels = ["GET DRAMA", "GET PERSON", "SEARCH", "OSTS", "CASTING"]
    /// Cumulative shares of the labels, in per mille.
    static let cumulativeShares = [500, 750, 850, 925, 1000]

    let dramas: [Entity]
    let people: [Entity]
    private let dramaCDF: [Double]
    private let peopleCDF: [Double]
    let exponent: Double

    init(dramas: [Entity], people: [Entity], exponent: Double) {
        self.dramas = dramas
        self.people = people
        self.exponent = exponent
        dramaCDF = RealisticNews.zipfCDF(dramas.count, exponent: exponent)
        peopleCDF = RealisticNews.zipfCDF(people.count, exponent: exponent)
    }

    /// Pages through CASTING and OSTS (at most `maximumItems` of each) for the universe.
    static func collect(
        _ call: (String) async throws -> JSON, maximumItems: Int = 200_000, exponent: Double
    ) async throws -> QueryMix {
        var dramaCounts: [String: (name: String, count: Int)] = [:]
        var personCounts: [String: (name: String, count: Int)] = [:]
        func count(_ entity: JSON, into table: inout [String: (name: String, count: Int)], nameField: String) {
            guard let key = entity["key"].stringValue, let name = entity[nameField].stringValue else { return }
            table[key, default: (name, 0)].count += 1
        }
        for verb in ["CASTING", "OSTS"] {
            var cursor: String?
            var seen = 0
            repeat {
                let filter: JSON = cursor.map { ["limit": .int(500), "cursor": .string($0)] } ?? ["limit": .int(500)]
                let page = try await call("\(verb) \(filter.serialized())")
                let items = page["items"].arrayValue ?? []
                for item in items {
                    count(item["drama"], into: &dramaCounts, nameField: "title")
                    if verb == "CASTING" {
                        count(item["person"], into: &personCounts, nameField: "name")
                    } else {
                        for artist in item["artists"].arrayValue ?? [] {
                            count(artist, into: &personCounts, nameField: "name")
                        }
                    }
                }
                seen += items.count
                cursor = page["next"].stringValue
            } while cursor != nil && seen < maximumItems
        }
        func ranked(_ table: [String: (name: String, count: Int)]) -> [Entity] {
            table.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
                .map { Entity(key: $0.key, name: $0.value.name) }
        }
        let mix = QueryMix(dramas: ranked(dramaCounts), people: ranked(personCounts), exponent: exponent)
        guard !mix.dramas.isEmpty, !mix.people.isEmpty else {
            throw ValidationError("the read model has no cast entries or OSTs to query (ingest some news first)")
        }
        return mix
    }

    /// The request number `n` of `worker`, and its label's index.
    func request(worker: Int, n: Int) -> (label: Int, line: String) {
        var state = UInt64(truncatingIfNeeded: worker) << 40 ^ UInt64(truncatingIfNeeded: n)
        let verb = Int(Self.next(&state) % 1000)
        let label = Self.cumulativeShares.firstIndex { verb < $0 } ?? 0
        let byName = Self.next(&state) & 1 == 0
        let u = Double(Self.next(&state) >> 11) / Double(1 << 53)
        switch label {
        case 0:
            let drama = dramas[RealisticNews.draw(dramaCDF, u)]
            return (0, "GET DRAMA " + (byName ? drama.name : drama.key))
        case 1:
            let person = people[RealisticNews.draw(peopleCDF, u)]
            return (1, "GET PERSON " + (byName ? person.name : person.key))
        case 2:
            // A reader types part of a name: its first word, or the whole of it.
            let name: String
            if byName {
                name = dramas[RealisticNews.draw(dramaCDF, u)].name
            } else {
                name = people[RealisticNews.draw(peopleCDF, u)].name
            }
            let words = name.split(separator: " ")
            let text = Self.next(&state) & 1 == 0 || words.count < 2 ? name : String(words[0])
            return (2, "SEARCH " + text)
        case 3:
            let drama = dramas[RealisticNews.draw(dramaCDF, u)]
            return (3, "OSTS " + (["drama": .string(drama.key), "limit": .int(20)] as JSON).serialized())
        default:
            let person = people[RealisticNews.draw(peopleCDF, u)]
            return (4, "CASTING " + (["person": .string(person.key), "limit": .int(20)] as JSON).serialized())
        }
    }

    /// splitmix64: a fast, well-mixed step, enough for choosing requests.
    static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Prints the result per verb and in total, as text or one JSON object.
    func print(_ result: ClosedLoop.Result, json: Bool) {
        if json {
            var verbs: [String: JSON] = [:]
            for entry in result.byLabel {
                verbs[entry.label] = [
                    "queries": .int(Int64(entry.histogram.count)),
                    "queries_per_s": .double((Double(entry.histogram.count) / result.elapsed).rounded(toPlaces: 1)),
                    "p50_ms": .double(entry.histogram.milliseconds(atPercentile: 50)),
                    "p90_ms": .double(entry.histogram.milliseconds(atPercentile: 90)),
                    "p99_ms": .double(entry.histogram.milliseconds(atPercentile: 99)),
                    "errors": .int(Int64(entry.errors)),
                ]
            }
            let object: JSON = [
                "queries_per_s": .double(result.rate.rounded(toPlaces: 1)),
                "p50_ms": .double(result.histogram.milliseconds(atPercentile: 50)),
                "p99_ms": .double(result.histogram.milliseconds(atPercentile: 99)),
                "queries": .int(Int64(result.histogram.count)), "errors": .int(Int64(result.errors)),
                "connections": .int(Int64(result.connections)),
                "duration_s": .double(result.elapsed.rounded(toPlaces: 2)),
                "dramas": .int(Int64(dramas.count)), "people": .int(Int64(people.count)),
                "zipf_exponent": .double(exponent), "verbs": .object(verbs),
            ]
            printLine(object.serialized())
            return
        }
        printLine(
            "connections  \(result.connections); mix over \(dramas.count) dramas and \(people.count) people, "
                + "Zipf exponent \(format(exponent))")
        printLine("verb         queries      rate/s   p50 ms   p90 ms   p99 ms  errors")
        let rows =
            result.byLabel.map { ($0.label, $0.histogram, $0.errors) } + [("total", result.histogram, result.errors)]
        for (label, histogram, errors) in rows {
            let rate = Double(histogram.count) / result.elapsed
            printLine(
                label.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + String(
                        format: " %9llu %11.1f %8.2f %8.2f %8.2f %7d", histogram.count, rate,
                        histogram.milliseconds(atPercentile: 50), histogram.milliseconds(atPercentile: 90),
                        histogram.milliseconds(atPercentile: 99), errors))
        }
    }
}
