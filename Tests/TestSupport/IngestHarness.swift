import DramaWireClient
import Foundation
import IngestService
import LineProtocol
import Logging

/// An ingest service running in the test process on a fresh database and a free port.
public struct RunningIngest: Sendable {
    public let server: IngestServer
    public let address: ServiceAddress
    public let databaseURL: String
    let task: Task<Void, Error>

    /// Stops the service (like SIGTERM: cancellation ends its run loop).
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// Test logger: warnings and errors only, so test output stays readable.
public func testLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel =
        ProcessInfo.processInfo.environment["DRAMAWIRE_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
    return logger
}

/// Starts an ingest service on a new database (or on `databaseURL`).
public func startIngest(
    databaseURL: String? = nil, configure: (inout IngestConfiguration) -> Void = { _ in }
) async throws -> RunningIngest {
    let url: String
    if let databaseURL {
        url = databaseURL
    } else {
        url = try await PostgresHarness.shared().createDatabase()
    }
    var configuration = IngestConfiguration(databaseURL: url, host: "127.0.0.1", port: 0)
    configuration.startupTimeout = .seconds(20)
    configure(&configuration)
    let server = IngestServer(configuration: configuration, logger: testLogger("ingest"))
    let task = Task { try await server.run() }
    let port = try await server.boundPort()
    return RunningIngest(
        server: server, address: ServiceAddress(host: "127.0.0.1", port: port), databaseURL: url, task: task)
}

/// Opens a connection, runs `body`, closes.
public func withSession<T>(_ address: ServiceAddress, _ body: (inout LineSession) async throws -> T) async throws -> T {
    try await LineClient.withConnection(to: address, body)
}

/// Reads `deploy/sample/news.jsonl` from the repository.
public func sampleNews() throws -> [String] {
    let url = repositoryRoot().appendingPathComponent("deploy/sample/news.jsonl")
    return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
}

/// The repository root, found from this file's path.
public func repositoryRoot() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// The directory holding the built executables (`DRAMAWIRE_BIN_DIR`, else `.build/debug`).
public func binaryDirectory() -> URL {
    if let dir = ProcessInfo.processInfo.environment["DRAMAWIRE_BIN_DIR"], !dir.isEmpty {
        return URL(fileURLWithPath: dir)
    }
    return repositoryRoot().appendingPathComponent(".build/debug")
}

/// A change record received in stream mode.
public struct ReceivedChange: Sendable, Equatable {
    public var seq: Int64
    public var record: JSON

    public init(seq: Int64, record: JSON) {
        self.seq = seq
        self.record = record
    }
}

/// Subscribes from `after` and collects records until `until` returns true for the records so
/// far, or `timeout` passes (then it returns what it has).
public func collectChanges(
    from address: ServiceAddress, after: Int64 = 0, timeout: Duration = .seconds(60),
    until: @escaping @Sendable ([ReceivedChange]) -> Bool
) async throws -> [ReceivedChange] {
    try await withThrowingTaskGroup(of: [ReceivedChange]?.self) { group in
        group.addTask {
            try await withSession(address) { session in
                _ = try await session.call("SUBSCRIBE \(after)")
                var received: [ReceivedChange] = []
                while !until(received), let line = try await session.readLine() {
                    guard line.hasPrefix("CHANGE ") else {
                        if line.hasPrefix("ERR") { throw ClientError(line) }
                        continue
                    }
                    let rest = line.dropFirst(7)
                    let seqText = rest.prefix { $0 != " " }
                    let record = try JSON.parse(String(rest.dropFirst(seqText.count + 1)))
                    received.append(ReceivedChange(seq: Int64(seqText)!, record: record))
                    if received.count % 200 == 0 { try await session.send("ACK \(received.last!.seq)") }
                }
                return received
            }
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let result = first else { throw ClientError("timed out collecting changes") }
        return result
    }
}
