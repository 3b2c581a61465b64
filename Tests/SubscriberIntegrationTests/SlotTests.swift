import Foundation
import SQLiteStore
import Testing

/// Replicas sharing a directory each claim their own read model file.
@Suite struct SlotTests {
    @Test func eachClaimGetsItsOwnFileUntilReleased() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/dramawire-slots-\(UUID().uuidString)/"
        #expect(ReadModelSlot.isDirectory(directory))
        #expect(!ReadModelSlot.isDirectory("/tmp/readmodel.sqlite"))
        // flock is per open file description, so claims in one process exclude each other too.
        let first = try ReadModelSlot.claim(in: directory)
        let second = try ReadModelSlot.claim(in: directory)
        #expect(first.hasSuffix("/readmodel-1.sqlite"))
        #expect(second.hasSuffix("/readmodel-2.sqlite"))
        #expect(throws: SlotError.self) { try ReadModelSlot.claim(in: directory, maximumSlots: 2) }
    }
}
