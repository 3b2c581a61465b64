import TestUtilities
import Testing

@testable import IngestService

/// The records a stream takes from memory instead of `change_log`: whatever ``ChangeFeed``
/// hands out must be exactly the committed records from the asked seq on, contiguous, or
/// nothing (then the stream reads the database).
@Suite struct ChangeFeedTests {
    static func run(_ seqs: ClosedRange<Int64>) -> [(seq: Int64, text: String)] {
        seqs.map { ($0, "record \($0)") }
    }

    /// Checks one answer of `recent(from:limit:)` against the truth: starts at `from`,
    /// contiguous, the right texts, at most `limit`.
    static func check(_ answer: [(seq: Int64, text: String)]?, from: Int64, limit: Int) {
        guard let answer else { return }
        #expect(!answer.isEmpty && answer.count <= limit)
        for (offset, record) in answer.enumerated() {
            #expect(record.seq == from + Int64(offset))
            #expect(record.text == "record \(record.seq)")
        }
    }

    @Test func runsInOrderAreServedFromTheAskedSeq() {
        let feed = ChangeFeed()
        feed.publish(head: 10, records: Self.run(1...10))
        feed.publish(head: 15, records: Self.run(11...15))
        #expect(feed.head == 15)
        #expect(feed.recent(from: 1, limit: 500)?.map(\.seq) == Array(1...15))
        #expect(feed.recent(from: 12, limit: 2)?.map(\.seq) == [12, 13])
        #expect(feed.recent(from: 16, limit: 500) == nil)
        #expect(feed.recent(from: 0, limit: 500) == nil)
    }

    @Test func writersFinishingOutOfOrderStillMakeOneRun() {
        let feed = ChangeFeed()
        feed.publish(head: 5, records: Self.run(1...5))
        // Two writers: seqs 11-20 committed after 6-10 but published first.
        feed.publish(head: 20, records: Self.run(11...20))
        #expect(feed.recent(from: 11, limit: 500) == nil)
        #expect(feed.recent(from: 1, limit: 500)?.map(\.seq) == Array(1...5))
        feed.publish(head: 10, records: Self.run(6...10))
        #expect(feed.head == 20)
        #expect(feed.recent(from: 1, limit: 500)?.map(\.seq) == Array(1...20))
    }

    @Test func aGapThatIsNeverFilledHereRestartsTheRun() {
        let feed = ChangeFeed()
        feed.publish(head: 5, records: Self.run(1...5))
        // Seqs 6-9 were committed by another process: its head arrives by NOTIFY only.
        feed.advance(to: 9)
        for first in stride(from: Int64(10), through: 90, by: 10) {
            feed.publish(head: first + 9, records: Self.run(first...(first + 9)))
        }
        #expect(feed.head == 99)
        #expect(feed.recent(from: 6, limit: 500) == nil)
        #expect(feed.recent(from: 3, limit: 500)?.map(\.seq) == nil)
        // Nine runs waited on the gap; the feed started again at the lowest and joined the rest.
        #expect(feed.recent(from: 10, limit: 500)?.map(\.seq) == Array(10...99))
    }

    @Test func onlyTheNewestRecordsAreKept() {
        let feed = ChangeFeed(recordLimit: 100, byteLimit: 1 << 20)
        for first in stride(from: Int64(1), through: 2_491, by: 10) {
            feed.publish(head: first + 9, records: Self.run(first...(first + 9)))
        }
        #expect(feed.recent(from: 2_400, limit: 500) == nil)
        #expect(feed.recent(from: 2_401, limit: 500)?.map(\.seq) == Array(2_401...2_500))
        let small = ChangeFeed(recordLimit: 1_000, byteLimit: 100)
        small.publish(head: 30, records: Self.run(1...30))
        // "record NN" is 9 bytes: about 100 bytes' worth of the newest are kept, never none.
        let kept = small.recent(from: 20, limit: 500)?.map(\.seq) ?? []
        #expect(kept.last == 30 && kept.count >= 1 && kept.count <= 12)
    }

    /// Property: batches of random sizes published in a random order by "writers" (and some
    /// never published here), asked from random seqs: every answer is exactly right.
    @Test(arguments: 1...40) func anyOrderOfPublishingNeverServesAWrongOrMissingRecord(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let feed = ChangeFeed(recordLimit: Int.random(in: 20...400, using: &random), byteLimit: 1 << 20)
        var runs: [ClosedRange<Int64>] = []
        var next: Int64 = 1
        while next < 2_000 {
            let size = Int64.random(in: 1...40, using: &random)
            runs.append(next...(next + size - 1))
            next += size
        }
        var pending = runs
        var served = 0
        while !pending.isEmpty {
            // Writers finish a little out of order: take one of the next few.
            let index = Int.random(in: 0..<min(4, pending.count), using: &random)
            let run = pending.remove(at: index)
            if Int.random(in: 0..<20, using: &random) == 0 {
                feed.advance(to: run.upperBound)  // another process's commit
            } else {
                feed.publish(head: run.upperBound, records: Self.run(run))
            }
            for _ in 0..<3 {
                let from = Int64.random(in: 1...next, using: &random)
                let limit = Int.random(in: 1...600, using: &random)
                Self.check(feed.recent(from: from, limit: limit), from: from, limit: limit)
            }
            // What a caught-up stream asks for: the run just published is there.
            if let answer = feed.recent(from: run.lowerBound, limit: 600) {
                Self.check(answer, from: run.lowerBound, limit: 600)
                served += 1
            }
        }
        #expect(feed.head == next - 1)
        // Not a feed that answers nothing. (Here most runs are published ahead of the one
        // before them or behind a gap that never fills, and wait; live, writers seldom finish
        // out of order. The tests above check what is served when.)
        #expect(served > 0, "served \(served) of \(runs.count)")
    }
}
