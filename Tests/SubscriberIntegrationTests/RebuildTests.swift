import DramaWireClient
import Foundation
import LineProtocol
import SQLiteStore
import TestSupport
import TestUtilities
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Exactly-once apply and determinism: whatever the batch boundaries and crashes, the read model
/// equals one rebuilt from seq 0, byte for byte.
@Suite(.serialized) struct RebuildTests {
    /// Property: a read model that followed live (small batches, interleaved with ingestion)
    /// equals one rebuilt afterwards (large batches), for several seeds.
    @Test(arguments: [UInt64(1), 2, 3])
    func liveAndRebuiltReadModelsAreIdentical(seed: UInt64) async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let live = try await startSubscriber(ingest: ingest.address)
        let counts = try await Workload.run(count: 600, seed: seed, to: ingest.address)
        try await waitUntilCaughtUp(live.address, ingest: ingest.address)
        await live.stop()
        let rebuilt = try await startSubscriber(ingest: ingest.address) { $0.batchLimit = 100_000 }
        defer { Task { await rebuilt.stop() } }
        let head = try await waitUntilCaughtUp(rebuilt.address, ingest: ingest.address)
        let liveDocuments = try await documents(ofReadModel: live.path)
        let rebuiltDocuments = try await documents(ofReadModel: rebuilt.path)
        print("seed \(seed): \(counts.ok) ok, \(counts.err) refused, \(head) records, \(liveDocuments.count) documents")
        #expect(liveDocuments.count > 50)
        #expect(liveDocuments == rebuiltDocuments)
        // Assembled from fragments, each document equals the one built from the states whole.
        #expect(try await projectionMismatches(ofReadModel: live.path) == [])
    }

    /// Property: the documents' entries kept between batches never change a document. The same
    /// records, applied in random batches with the parts cache off, with a budget so small that
    /// it evicts on nearly every store, and with a large one (and a refused batch in between,
    /// which empties it), give byte-identical documents, each equal to its projection.
    @Test(arguments: [UInt64(11), 12, 13])
    func keptDocumentPartsNeverChangeADocument(seed: UInt64) async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        _ = try await Workload.run(count: 500, seed: seed, to: ingest.address)
        let head = try await headSeq(ingest.address)
        let records = try await collectChanges(from: ingest.address) { $0.count >= Int(head) }
            .map { ReceivedRecord(seq: $0.seq, record: $0.record) }
        var random = SeededRandom(seed: seed)
        var results: [[String: String]] = []
        for budget in [0, 4 << 10, 64 << 20] {
            let path = temporaryReadModelPath("parts-\(budget)")
            let model = try ReadModel(path: path, partsCacheBytes: budget, logger: testLogger())
            var start = 0
            var refused = false
            while start < records.count {
                let size = budget == 0 ? records.count : 1 + Int(random.next() % 40)
                let end = min(records.count, start + size)
                if !refused, budget > 0, start > records.count / 2, end < records.count - 1 {
                    // A batch with a hole fails whole, after its records were partly applied.
                    refused = true
                    await #expect(throws: ReadModelError.self) {
                        try await model.apply(Array(records[start..<end]) + [records[records.count - 1]])
                    }
                }
                _ = try await model.apply(Array(records[start..<end]))
                start = end
            }
            results.append(try await model.allDocuments())
            try model.close()
            #expect(try await projectionMismatches(ofReadModel: path) == [])
        }
        #expect(results[0].count > 50)
        #expect(results[1] == results[0])
        #expect(results[2] == results[0])
    }

    /// Property: every EVENT carries the document a GET reads afterwards. Drama and person
    /// documents are not stored whole: the applier assembles them from kept, patched parts for
    /// the EVENT (and the GET cache), and a read assembles them from the rows. The last event of
    /// each document, over random batches and every parts budget, equals what the read model
    /// returns for it (a deleted one is absent).
    @Test(arguments: [UInt64(21), 22])
    func eventsCarryTheDocumentsReadsReturn(seed: UInt64) async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        _ = try await Workload.run(count: 500, seed: seed, to: ingest.address)
        let head = try await headSeq(ingest.address)
        let records = try await collectChanges(from: ingest.address) { $0.count >= Int(head) }
            .map { ReceivedRecord(seq: $0.seq, record: $0.record) }
        var random = SeededRandom(seed: seed)
        for budget in [0, 4 << 10, 64 << 20] {
            let path = temporaryReadModelPath("events-\(budget)")
            let model = try ReadModel(path: path, partsCacheBytes: budget, logger: testLogger())
            var published: [String: String?] = [:]
            var start = 0
            while start < records.count {
                let end = min(records.count, start + 1 + Int(random.next() % 40))
                for event in try await model.apply(Array(records[start..<end])).events {
                    published["\(event.kind)/\(event.key)"] = .some(event.document)
                }
                start = end
            }
            let read = try await model.allDocuments()
            #expect(published.values.filter { $0 != nil }.count == read.count)
            for (id, document) in published { #expect(read[id] == document, "\(id), parts budget \(budget)") }
            try model.close()
        }
    }

    /// Applying the same records twice changes nothing the second time; a gap is refused whole.
    @Test func reapplyingIsANoOpAndAGapIsRefused() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        try await ingestAll(try sampleNews(), to: ingest.address)
        let head = try await headSeq(ingest.address)
        let changes = try await collectChanges(from: ingest.address) { $0.count >= Int(head) }
        let records = changes.map { ReceivedRecord(seq: $0.seq, record: $0.record) }
        let model = try ReadModel(path: temporaryReadModelPath("reapply"), logger: testLogger())
        defer { try? model.close() }

        let first = try await model.apply(Array(records.prefix(10)))
        #expect(first.appliedSeq == 10)
        // A batch that starts after a hole: refused, nothing written.
        await #expect(throws: ReadModelError.self) { try await model.apply(Array(records[11...])) }
        #expect(try await model.appliedSeq() == 10)
        let all = try await model.apply(records)
        #expect(all.applied == records.count - 10)
        let before = try await model.allDocuments()
        let again = try await model.apply(records)
        #expect(again.applied == 0 && again.events.isEmpty)
        #expect(try await model.allDocuments() == before)
    }

    /// SIGKILL of the subscriber process at random moments while 5,000 items stream in, 10 times.
    @Test func sigkillDuringApplyNeverCorruptsNorDiverges() async throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["DRAMAWIRE_TEST_SEED"] ?? "") ?? 20_261_122
        var random = SeededRandom(seed: seed)
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let path = temporaryReadModelPath("crash")
        var subscriber = try await ServiceProcess.startSubscriber(ingest: ingest.address, readModel: path)
        let port = subscriber.address.port
        let load = Task { try await Workload.run(count: 5000, seed: seed, to: ingest.address) }

        var lastApplied: Int64 = 0
        for kill in 1...10 {
            try await Task.sleep(for: .milliseconds(Int(200 + random.next() % 1500)))
            let before = (try? await request(subscriber.address, "STATS")).flatMap(DocumentTests.ok)?["applied_seq"]
                .intValue
            lastApplied = max(lastApplied, before ?? 0)
            subscriber.stop(signal: SIGKILL)
            subscriber = try await ServiceProcess.startSubscriber(ingest: ingest.address, readModel: path, port: port)
            // What was committed before the kill is still there: nothing applied is lost.
            let after = try #require(DocumentTests.ok(try await request(subscriber.address, "STATS")))
            #expect((after["applied_seq"].intValue ?? -1) >= lastApplied, "kill \(kill)")
            print("kill \(kill): applied \(before ?? -1) before, \(after["applied_seq"].intValue ?? -1) after restart")
        }
        let counts = try await load.value
        let head = try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address, timeout: .seconds(300))
        let model = try ReadModel(path: path, logger: testLogger())
        #expect(try await model.integrityCheck() == "ok")
        let crashed = try await model.allDocuments()
        try? model.close()
        subscriber.stop()

        // `--rebuild` deletes the file and replays the log from seq 0 into a fresh one.
        let rebuilt = try await ServiceProcess.startSubscriber(
            ingest: ingest.address, readModel: path, arguments: ["--rebuild"])
        defer { rebuilt.stop() }
        try await waitUntilApplied(rebuilt.address, seq: head, timeout: .seconds(300))
        let fresh = try await documents(ofReadModel: path)
        print("seed \(seed): \(counts.ok) ok, \(counts.err) refused; \(head) records; \(crashed.count) documents")
        #expect(crashed.count == fresh.count)
        #expect(crashed == fresh)
        if crashed != fresh {
            let differing = fresh.keys.filter { crashed[$0] != fresh[$0] }.sorted().prefix(5)
            Issue.record("documents differ after crashes, e.g. \(Array(differing))")
        }
    }
}
