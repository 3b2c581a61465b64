import DramaWireClient
import Foundation
import LineProtocol
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// URLs whose INGEST got OK, shared by the load tasks.
final class Acknowledged: Sendable {
    let urls = Mutex<[String]>([])
}

/// SIGTERM under load: both services stop within the bound, stream clients get a final line,
/// and every INGEST that was acknowledged is in the database.
@Suite struct ShutdownTests {
    @Test func sigtermDuringLoadStopsBothServicesAndLosesNoAcknowledgedItem() async throws {
        let databaseURL = try await PostgresHarness.shared().createDatabase()
        let ingest = try await ServiceProcess.startIngest(databaseURL: databaseURL)
        let subscriber = try await ServiceProcess.startSubscriber(
            ingest: ingest.address, readModel: temporaryReadModelPath("shutdown"))

        // Stream clients on both services: each should end with a final line.
        let subscribeFinal = Task { try await Self.lastLine(ingest.address, "SUBSCRIBE 0") }
        let watchFinal = Task { try await Self.lastLine(subscriber.address, "WATCH ALL") }

        let acknowledged = Acknowledged()
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        try? await withSession(ingest.address) { session in
                            for n in 0..<100_000 {
                                let url = "https://shutdown.example/\(worker)/\(n)"
                                let item = newsItem(
                                    "x", "2024-07-01T10:00:00+09:00",
                                    [casting("Shutdown Drama \(n % 7)", "Actor \(worker)", status: "confirmed")]
                                )
                                .replacingOccurrences(of: "https://test.example/x", with: url)
                                guard case .ok = try await session.request("INGEST " + item) else { return }
                                acknowledged.urls.withLock { $0.append(url) }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // Signal once the load is well under way (at most 60 s; a loaded CI machine is slow).
        let deadline = ContinuousClock.now + .seconds(60)
        while acknowledged.urls.withLock({ $0.count }) < 50, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let ackedBeforeSignal = acknowledged.urls.withLock { $0.count }

        let started = ContinuousClock.now
        kill(subscriber.pid, SIGTERM)
        kill(ingest.pid, SIGTERM)
        let (ingestStatus, subscriberStatus) = await Task.detached {
            (waitForExit(ingest.pid), waitForExit(subscriber.pid))
        }.value
        let stopped = ContinuousClock.now - started
        try await load.value

        print(
            "acknowledged \(ackedBeforeSignal) before SIGTERM, \(acknowledged.urls.withLock { $0.count }) in all; both exited in \(stopped)"
        )
        #expect(ackedBeforeSignal > 10)
        #expect(ingestStatus == 0)
        #expect(subscriberStatus == 0)
        #expect(stopped < .seconds(10))
        #expect(try await subscribeFinal.value.hasPrefix("ERR shutting_down"))
        #expect(try await watchFinal.value.hasPrefix("ERR shutting_down"))

        // Every acknowledged item is stored, once.
        let inspector = try await Inspector.open(databaseURL)
        defer { Task { await inspector.close() } }
        let stored = Set(try await inspector.articleURLs().values)
        let acked = acknowledged.urls.withLock { $0 }
        #expect(Set(acked).count == acked.count)
        #expect(acked.filter { !stored.contains($0) } == [])
    }

    /// Sends `request`, then reads until the server closes; returns the last line.
    static func lastLine(_ address: ServiceAddress, _ request: String) async throws -> String {
        try await withSession(address) { session in
            try await session.send(request)
            var last = ""
            while let line = try? await session.readLine() { last = line }
            return last
        }
    }
}
