import DramaWireClient
import Foundation
import LineProtocol
import SQLiteStore
import SubscriberService

/// A subscriber service running in the test process, following `ingest`, on a free port and a
/// fresh SQLite file (or `path`).
public struct RunningSubscriber: Sendable {
    public let server: SubscriberServer
    public let address: ServiceAddress
    public let path: String
    let task: Task<Void, Error>

    /// Stops the service.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// A path for a new read model file in the temporary directory.
public func temporaryReadModelPath(_ label: String = "readmodel") -> String {
    FileManager.default.temporaryDirectory.path + "/dramawire-\(label)-\(UUID().uuidString).sqlite"
}

/// Starts a subscriber that follows `ingest`.
public func startSubscriber(
    ingest: ServiceAddress, path: String? = nil, configure: (inout SubscriberConfiguration) -> Void = { _ in }
) async throws -> RunningSubscriber {
    let file = path ?? temporaryReadModelPath()
    var configuration = SubscriberConfiguration(
        host: "127.0.0.1", port: 0, ingest: ingest, readModelPath: file,
        reconnectDelay: (.milliseconds(50), .milliseconds(500)))
    configure(&configuration)
    let server = try SubscriberServer(configuration: configuration, logger: testLogger("subscriber"))
    let task = Task { try await server.run() }
    let port = try await server.boundPort()
    return RunningSubscriber(
        server: server, address: ServiceAddress(host: "127.0.0.1", port: port), path: file, task: task)
}

/// The ingest head seq.
public func headSeq(_ ingest: ServiceAddress) async throws -> Int64 {
    try await withSession(ingest) { try await $0.call("HEAD")?["seq"].intValue ?? 0 }
}

/// Polls the subscriber's STATS until its applied seq reaches `seq`; fails after `timeout`.
@discardableResult
public func waitUntilApplied(
    _ subscriber: ServiceAddress, seq: Int64, timeout: Duration = .seconds(120)
) async throws -> JSON {
    let deadline = ContinuousClock.now + timeout
    var last: JSON = .null
    while ContinuousClock.now < deadline {
        if let stats = try? await withSession(subscriber, { try await $0.call("STATS") }) {
            last = stats
            if (last["applied_seq"].intValue ?? -1) >= seq { return last }
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw HarnessError(
        "subscriber at \(subscriber) did not apply up to \(seq) in time; last STATS: \(last.serialized())")
}

/// Waits until the subscriber has applied everything the ingest service has committed.
@discardableResult
public func waitUntilCaughtUp(
    _ subscriber: ServiceAddress, ingest: ServiceAddress, timeout: Duration = .seconds(120)
) async throws -> Int64 {
    let head = try await headSeq(ingest)
    try await waitUntilApplied(subscriber, seq: head, timeout: timeout)
    return head
}

/// Sends one request to a service and returns the parsed reply.
public func request(_ address: ServiceAddress, _ line: String) async throws -> Reply {
    try await withSession(address) { try await $0.request(line) }
}

/// `GET …` on the subscriber: the document's JSON text, or nil for `ERR not_found`.
public func getDocument(_ subscriber: ServiceAddress, _ what: String) async throws -> String? {
    try await withSession(subscriber) { session in
        try await session.send("GET \(what)")
        guard let line = try await session.readLine() else { throw HarnessError("connection closed") }
        if line.hasPrefix("ERR not_found") { return nil }
        guard line.hasPrefix("OK ") else { throw HarnessError("GET \(what): \(line)") }
        return String(line.dropFirst(3))
    }
}

/// Every document of a read model file, opened read-only alongside its writer.
/// Documents of the read model at `path` that differ from what ``Projection`` builds from its
/// entity states (the definition of a document): empty when every fragment was fresh.
public func projectionMismatches(ofReadModel path: String) async throws -> [String] {
    let model = try ReadModel(path: path, logger: testLogger())
    defer { try? model.close() }
    return try await model.documentsDifferingFromProjection()
}

public func documents(ofReadModel path: String) async throws -> [String: String] {
    let model = try ReadModel(path: path, logger: testLogger())
    defer { try? model.close() }
    return try await model.allDocuments()
}
