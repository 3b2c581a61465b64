import DramaWireClient
import LineProtocol
import TestSupport
import Testing

/// Prometheus metrics, scraped over HTTP as Prometheus would.
@Suite struct MetricsTests {
    /// `GET /metrics` on 127.0.0.1:`port`: the exposition's lines.
    static func scrape(port: Int) async throws -> [String] {
        let lines = try await blocking {
            let socket = try RawSocket(ServiceAddress(host: "127.0.0.1", port: port))
            socket.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            var lines: [String] = []
            while let line = socket.readLine() { lines.append(line.hasSuffix("\r") ? String(line.dropLast()) : line) }
            return lines
        }
        #expect(lines.first == "HTTP/1.1 200 OK")
        return lines
    }

    /// The value of the sample `series` (name with labels, exactly as exposed), or nil.
    static func value(_ series: String, in lines: [String]) -> Double? {
        for line in lines where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func metricsAreServedAndChangeAfterIngesting() async throws {
        let ingest = try await startIngest { $0.metricsListen = ("127.0.0.1", 0) }
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address) { $0.metricsListen = ("127.0.0.1", 0) }
        defer { Task { await subscriber.stop() } }
        let ingestPort = try await ingest.server.metricsEndpoint.boundPort()
        let subscriberPort = try await subscriber.server.metricsEndpoint.boundPort()

        let before = try await Self.scrape(port: ingestPort)
        #expect(Self.value("dramawire_ingest_items_total", in: before) == 0)
        try await ingestAll(try sampleNews(), to: ingest.address)
        let head = try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address)
        _ = try await getDocument(subscriber.address, "DRAMA Queen of Tears")
        _ = try await getDocument(subscriber.address, "DRAMA no such drama")

        let after = try await Self.scrape(port: ingestPort)
        #expect(Self.value("dramawire_ingest_items_total", in: after) == 20)
        #expect(Self.value("dramawire_ingest_changes_total", in: after) == Double(head))
        #expect((Self.value("dramawire_ingest_commit_seconds_count", in: after) ?? 0) >= 1)
        #expect(after.contains { $0.hasPrefix("dramawire_ingest_commit_seconds_bucket{le=") })
        #expect((Self.value("dramawire_ingest_batch_size_count", in: after) ?? 0) >= 1)

        let subscriberMetrics = try await Self.scrape(port: subscriberPort)
        #expect(Self.value("dramawire_subscriber_applied_seq", in: subscriberMetrics) == Double(head))
        #expect(Self.value("dramawire_subscriber_applied_records_total", in: subscriberMetrics) == Double(head))
        #expect((Self.value("dramawire_subscriber_apply_seconds_count", in: subscriberMetrics) ?? 0) >= 1)
        #expect(
            Self.value(#"dramawire_subscriber_queries_total{verb="GET",result="ok"}"#, in: subscriberMetrics) == 1)
        #expect(
            Self.value(#"dramawire_subscriber_queries_total{verb="GET",result="error"}"#, in: subscriberMetrics) == 1)
        #expect(subscriberMetrics.contains { $0.hasPrefix(#"dramawire_subscriber_query_seconds_bucket{verb="GET""#) })
        #expect(subscriberMetrics.contains { $0.hasPrefix("dramawire_subscriber_watchers") })
    }
}
