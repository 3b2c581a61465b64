import ArgumentParser
import DramaWireClient
import LineProtocol

/// A closed-loop load: C connections, each with one request in flight, for S seconds.
enum ClosedLoop {
    struct Result {
        var histogram: LatencyHistogram
        var errors: Int
        var elapsed: Double
        var connections: Int
        /// Per kind of request, in the order of the labels given to ``runLabelled``.
        var byLabel: [(label: String, histogram: LatencyHistogram, errors: Int)] = []

        var rate: Double { Double(histogram.count) / elapsed }

        /// Prints the figures, as one JSON object (`rateKey`, `p50_ms`, `p90_ms`, `p99_ms`, `max_ms`) or as text.
        func print(json: Bool, unit: String, rateKey: String) {
            if json {
                let object: JSON = [
                    .init(stringLiteral: rateKey): .double(rate.rounded(toPlaces: 1)),
                    "p50_ms": .double(histogram.milliseconds(atPercentile: 50)),
                    "p90_ms": .double(histogram.milliseconds(atPercentile: 90)),
                    "p99_ms": .double(histogram.milliseconds(atPercentile: 99)),
                    "max_ms": .double(histogram.maxMilliseconds),
                    .init(stringLiteral: unit): .int(Int64(histogram.count)),
                    "errors": .int(Int64(errors)), "connections": .int(Int64(connections)),
                    "duration_s": .double(elapsed.rounded(toPlaces: 2)),
                ]
                printLine(object.serialized())
            } else {
                printLine("connections  \(connections)")
                printLine(
                    "\(unit.padding(toLength: 12, withPad: " ", startingAt: 0)) \(histogram.count) in \(format(elapsed)) s (\(errors) errors)"
                )
                printLine("throughput   \(String(format: "%.1f", rate)) \(unit)/s")
                printLine("latency      " + histogram.summary)
            }
        }
    }

    /// Runs `line(worker, n)` requests until `duration` seconds have passed.
    static func run(
        connections: Int, duration: Double, requests: Int? = nil, address: ServiceAddress, token: String?,
        line: @escaping @Sendable (Int, Int) -> String
    ) async throws -> Result {
        try await runLabelled(
            connections: connections, duration: duration, requests: requests, address: address, token: token,
            labels: ["all"]
        ) { worker, n in (0, line(worker, n)) }
    }

    /// Runs `line(worker, n)` requests until `duration` seconds have passed; each request says
    /// which of `labels` it belongs to, and the result keeps a histogram per label.
    /// With `requests`, each connection stops after that many (or at the deadline, whichever
    /// comes first), so a deterministic `line` sends the same requests on every run.
    static func runLabelled(
        connections: Int, duration: Double, requests: Int? = nil, address: ServiceAddress, token: String?,
        labels: [String], line: @escaping @Sendable (Int, Int) -> (label: Int, line: String)
    ) async throws -> Result {
        guard (1...1000).contains(connections) else { throw ValidationError("--connections must be 1...1000") }
        guard duration > 0 && duration <= 3600 else { throw ValidationError("--duration must be in (0, 3600]") }
        let deadline = monotonicSeconds() + duration
        let started = monotonicSeconds()
        let labelCount = labels.count
        let perLabel = try await withThrowingTaskGroup(of: [(LatencyHistogram, Int)].self) { group in
            for worker in 0..<connections {
                group.addTask {
                    var perLabel = Array(repeating: (LatencyHistogram(), 0), count: labelCount)
                    try await LineClient.withConnection(to: address) { session in
                        try await session.authenticate(token)
                        var n = 0
                        while monotonicSeconds() < deadline && n < (requests ?? Int.max) {
                            let (label, request) = line(worker, n)
                            let t0 = monotonicSeconds()
                            // Only the reply's first bytes are looked at: parsing large documents
                            // here would measure the client, not the server.
                            try await session.send(request)
                            guard let reply = try await session.readLine() else {
                                throw ClientError("the server closed the connection")
                            }
                            perLabel[label].0.record(microseconds: UInt64((monotonicSeconds() - t0) * 1e6))
                            if !reply.hasPrefix("OK") { perLabel[label].1 += 1 }
                            n += 1
                        }
                    }
                    return perLabel
                }
            }
            var merged = Array(repeating: (LatencyHistogram(), 0), count: labelCount)
            for try await part in group {
                for (index, (histogram, errors)) in part.enumerated() {
                    merged[index].0.add(histogram)
                    merged[index].1 += errors
                }
            }
            return merged
        }
        var total = LatencyHistogram()
        for (histogram, _) in perLabel { total.add(histogram) }
        return Result(
            histogram: total, errors: perLabel.reduce(0) { $0 + $1.1 }, elapsed: monotonicSeconds() - started,
            connections: connections,
            byLabel: zip(labels, perLabel).map { (label: $0, histogram: $1.0, errors: $1.1) })
    }
}

func format(_ value: Double) -> String { String(format: "%.2f", value) }

extension LatencyHistogram {
    /// `p50 … ms, p90 … ms, p99 … ms, max … ms`.
    var summary: String {
        "p50 \(format(milliseconds(atPercentile: 50))) ms, p90 \(format(milliseconds(atPercentile: 90))) ms, "
            + "p99 \(format(milliseconds(atPercentile: 99))) ms, max \(format(maxMilliseconds)) ms"
    }
}
