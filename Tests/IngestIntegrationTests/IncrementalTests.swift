import DramaWireClient
import LineProtocol
import PostgresStore
import TestSupport
import TestUtilities
import Testing

/// The write path recomputes only what a batch can have changed. This checks the shortcut
/// against the definition: after a random workload, a full recomputation changes nothing.
@Suite struct IncrementalTests {
    @Test(arguments: [1, 2, 3])
    func incrementalStateEqualsAFullRecomputation(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let lines = try sampleNews()
        let urls = lines.compactMap { (try? JSON.parse($0))?["url"].stringValue }
        var operations: [String] = []
        for line in lines.shuffled(using: &random) {
            operations.append("INGEST " + line)
            switch Int.random(in: 0..<6, using: &random) {
            case 0:
                operations.append(#"RETRACT {"url":"\#(urls.randomElement(using: &random)!)"}"#)
            case 1:
                // A correction: the same url with a later date and one fact changed.
                var object = try JSON.parse(line).objectValue!
                object["published_at"] = "2025-01-01T09:00:00+09:00"
                if case .array(var facts)? = object["facts"], !facts.isEmpty {
                    facts.removeLast()
                    object["facts"] = .array(facts)
                }
                operations.append("INGEST " + JSON.object(object).serialized())
            case 2:
                operations.append(#"MERGE {"kind":"person","from":"kimjiwon","into":"kimsoohyun"}"#)
            default:
                break
            }
        }
        // Pipelined, so batches mix operations.
        _ = try await withSession(ingest.address) { session in
            try await session.send(lines: operations)
            for _ in operations { _ = try await session.readReply() }
        }
        let db = try await Inspector.open(ingest.databaseURL)
        defer { Task { await db.close() } }
        let repairs = try await db.connection.run { conn in try WritePath.pendingRepairs(db: conn) }
        #expect(repairs.isEmpty, "\(repairs.map { "\($0.type.rawValue) \($0.key)" })")
    }
}
