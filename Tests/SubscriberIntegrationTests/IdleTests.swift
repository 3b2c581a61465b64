import DramaWireClient
import Foundation
import LineProtocol
import TestSupport
import Testing

/// Idle connections and slow-drip clients do not hold connection slots forever; stream mode
/// stays open on heartbeats.
@Suite struct IdleTests {
    @Test func idleAndDrippingConnectionsAreClosedButStreamsStayOpen() async throws {
        let ingest = try await startIngest {
            $0.idleTimeout = .seconds(1)
            $0.lineTimeout = .seconds(1)
            $0.heartbeatInterval = .milliseconds(300)
        }
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address) {
            $0.idleTimeout = .seconds(1)
            $0.lineTimeout = .seconds(1)
            $0.heartbeatInterval = .milliseconds(300)
        }
        defer { Task { await subscriber.stop() } }

        for address in [ingest.address, subscriber.address] {
            // Silent after the greeting: one line saying why, then end of file.
            let idle = try RawSocket(address, timeoutSeconds: 5)
            let start = Date()
            #expect(idle.readLine()?.hasPrefix("HELLO ") == true)
            #expect(idle.readLine()?.hasPrefix("ERR bad_request connection idle") == true)
            #expect(idle.readLine() == nil)
            #expect(Date().timeIntervalSince(start) < 3)

            // One byte every 200 ms, never a whole line: cut off by the line deadline.
            let drip = try RawSocket(address, timeoutSeconds: 5)
            #expect(drip.readLine()?.hasPrefix("HELLO ") == true)
            let dripStart = Date()
            for byte in Array("PINGPINGPINGPINGPING".utf8) {
                drip.send([byte])
                try await Task.sleep(for: .milliseconds(200))
                if Date().timeIntervalSince(dripStart) > 1.6 { break }
            }
            #expect(drip.readLine()?.hasPrefix("ERR bad_request a line must be completed") == true)
            #expect(drip.readLine() == nil)
        }

        // Stream mode on both services: heartbeats keep it open well past the idle timeout.
        for (address, request) in [(ingest.address, "SUBSCRIBE 0"), (subscriber.address, "WATCH ALL")] {
            let stream = try RawSocket(address, timeoutSeconds: 5)
            stream.send(request + "\n")
            let start = Date()
            var lines: [String] = []
            while Date().timeIntervalSince(start) < 2.5, let line = stream.readLine() { lines.append(line) }
            #expect(!lines.contains { $0.hasPrefix("ERR") }, "\(request): \(lines.suffix(2))")
            #expect(lines.filter { $0.hasPrefix("HEARTBEAT") }.count >= 3, "\(request)")
        }
    }
}
