import DramaWireClient
import Foundation
import LineProtocol
import TestSupport
import Testing

/// Idle connections and slow-drip clients do not hold connection slots forever; stream mode
/// stays open on heartbeats.
#if canImport(Glibc)
    import Glibc
#endif

@Suite struct IdleTests {
    @Test func idleAndDrippingConnectionsAreClosedButStreamsStayOpen() async throws {
        let ingest = try await startIngest {
            $0.idleTimeout = .seconds(2)
            $0.lineTimeout = .seconds(2)
            $0.heartbeatInterval = .milliseconds(300)
        }
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address) {
            $0.idleTimeout = .seconds(2)
            $0.lineTimeout = .seconds(2)
            $0.heartbeatInterval = .milliseconds(300)
        }
        defer { Task { await subscriber.stop() } }

        for address in [ingest.address, subscriber.address] {
            // Silent after the greeting: one line saying why, then end of file.
            // Timed from the greeting, which the server writes at accept: on a CI machine running
            // every suite at once the shared event loops can accept late, and that delay says
            // nothing about the idle timeout. A guard that never fires runs into the socket's
            // 60 s read timeout, and its last line is not the idle error.
            let idle = try await blocking { () -> ([String], Double) in
                let socket = try RawSocket(address, timeoutSeconds: 60)
                var lines: [String] = []
                guard let greeting = socket.readLine() else { return ([], 0) }
                lines.append(greeting)
                let start = Date()
                while let line = socket.readLine() { lines.append(line) }
                return (lines, Date().timeIntervalSince(start))
            }
            print("[idle] \(address): closed \(idle.1) s after the greeting (idle timeout 2 s)")
            #expect(idle.0.first?.hasPrefix("HELLO ") == true, "\(idle.0)")
            #expect(idle.0.last?.hasPrefix("ERR bad_request connection idle") == true, "\(idle.0)")
            #expect(idle.1 > 1.5)
            #expect(idle.1 < 30)

            // One byte every 200 ms, never a whole line: cut off by the line deadline (the idle
            // timeout never fires, bytes keep coming).
            let drip = try await blocking { () -> [String] in
                let socket = try RawSocket(address, timeoutSeconds: 30)
                guard let greeting = socket.readLine() else { return [] }
                for byte in Array("PINGPINGPINGPINGPINGPINGPINGPINGPINGPING".utf8) {
                    socket.send([byte])
                    usleep(200_000)
                }
                var lines = [greeting]
                while let line = socket.readLine() { lines.append(line) }
                return lines
            }
            #expect(drip.first?.hasPrefix("HELLO ") == true, "\(drip)")
            #expect(drip.last?.hasPrefix("ERR bad_request a line must be completed") == true, "\(drip)")
        }

        // Stream mode on both services: heartbeats keep it open well past the idle timeout.
        for (address, request) in [(ingest.address, "SUBSCRIBE 0"), (subscriber.address, "WATCH ALL")] {
            let lines = try await blocking { () -> [String] in
                let socket = try RawSocket(address, timeoutSeconds: 5)
                socket.send(request + "\n")
                let start = Date()
                var lines: [String] = []
                while Date().timeIntervalSince(start) < 4, let line = socket.readLine() { lines.append(line) }
                return lines
            }
            #expect(!lines.contains { $0.hasPrefix("ERR") }, "\(request): \(lines.suffix(2))")
            #expect(lines.filter { $0.hasPrefix("HEARTBEAT") }.count >= 3, "\(request)")
        }
    }
}
