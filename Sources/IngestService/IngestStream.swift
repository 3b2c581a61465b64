import LibPQ
import LineProtocol
import LineServer
import Logging
import NIOCore
import Synchronization

/// What wakes a subscriber's sender.
enum StreamEvent: Sendable {
    case wake
    case tick
    case stop(finalLine: String?)
}

extension IngestServer {
    /// The most change records read from the database per page.
    static let pageSize = 500

    /// Stream mode after `SUBSCRIBE <after>`: the backlog from the database, then live records,
    /// contiguous and in order; heartbeats when idle; ACK updates the lag in STATS.
    ///
    /// - Returns: false when SUBSCRIBE was refused (the `ERR` line is already written) and the
    ///   connection stays in request mode; true when stream mode ran and the connection is done.
    func stream(
        after: Int64, connection: LineConnection,
        iterator: inout NIOAsyncChannelInboundStream<LineFrame>.AsyncIterator
    ) async -> Bool {
        let writer = connection.writer
        let bounds: (head: Int64, oldest: Int64?)
        do {
            bounds = try await reader.run { db in
                let row = try db.query(
                    "SELECT (SELECT seq FROM log_counter WHERE id = 1), (SELECT min(seq) FROM change_log)"
                ).rows[0]
                return (Int64(row[0] ?? "0") ?? 0, row[1].flatMap { Int64($0) })
            }
        } catch {
            try? await writer.write(.error(error))
            return false
        }
        feed.advance(to: bounds.head)
        if after > bounds.head {
            try? await writer.write(
                .error(WireError(.resetRequired, "after_seq \(after) is beyond the head \(bounds.head)")))
            return false
        }
        if let oldest = bounds.oldest, after < oldest - 1 {
            try? await writer.write(
                .error(WireError(.resetRequired, "changes before \(oldest) are no longer retained")))
            return false
        }
        try? await writer.write(.ok(["head": .int(bounds.head)]))

        let (events, control) = AsyncStream.makeStream(of: StreamEvent.self, bufferingPolicy: .unbounded)
        let listenerID = feed.listen { control.yield(.wake) }
        let subscriberID = subscribers.add(peer: connection.peer, after: after) {
            control.yield(.stop(finalLine: WireError(.shuttingDown, "the server is shutting down").line))
        }
        defer {
            feed.unlisten(listenerID)
            subscribers.remove(subscriberID)
        }
        let heartbeat = configuration.heartbeatInterval
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                control.yield(.tick)
            }
        }
        let sender = Task { await self.send(after: after, id: subscriberID, events: events, writer: writer) }
        control.yield(.wake)

        // This task reads the peer's lines: ACK and QUIT; anything else is a bad request.
        readLoop: while true {
            guard let frame = try? await iterator.next() else { break }
            switch frame {
            case .tooLong:
                control.yield(.stop(finalLine: WireError(.lineTooLong, "line too long").line))
                break readLoop
            case .line(nil):
                writer.send(WireError(.badRequest, "line is not valid UTF-8").line)
            case .line(let text?):
                guard let request = try? Request.parse(text) else {
                    writer.send(WireError(.badRequest, "expected ACK <seq> or QUIT").line)
                    continue
                }
                switch request.verb {
                case "ACK":
                    if let seq = try? request.sequenceArgument() {
                        subscribers.ack(subscriberID, seq: seq)
                    } else {
                        writer.send(WireError(.badRequest, "ACK expects a sequence number").line)
                    }
                case "QUIT":
                    control.yield(.stop(finalLine: "OK"))
                    break readLoop
                default:
                    writer.send(WireError(.badRequest, "in stream mode only ACK and QUIT are accepted").line)
                }
            }
        }
        control.yield(.stop(finalLine: nil))
        await sender.value
        ticker.cancel()
        control.finish()
        return true
    }

    /// Sends records from `after + 1` on, page by page, as the head grows.
    private func send(after: Int64, id: Int, events: AsyncStream<StreamEvent>, writer: LineWriter) async {
        var next = after + 1
        var sentSinceTick = false
        for await event in events {
            switch event {
            case .stop(let finalLine):
                if let finalLine { try? await writer.write(finalLine) }
                writer.close()
                return
            case .tick:
                if !sentSinceTick {
                    writer.send("HEARTBEAT " + JSON.object(["head": .int(feed.head)]).serialized())
                }
                sentSinceTick = false
            case .wake:
                break
            }
            while next <= feed.head {
                let from = next
                let page: [(Int64, String)]
                if let kept = feed.recent(from: from, limit: Self.pageSize) {
                    // Committed by this process just now: no round trip to the database.
                    page = kept.map { ($0.seq, $0.text) }
                } else {
                    do {
                        page = try await reader.run { db in
                            try db.query(
                                "SELECT seq, record FROM change_log WHERE seq >= $1 ORDER BY seq LIMIT \(Self.pageSize)",
                                [String(from)]
                            ).rows.map { (Int64($0[0]!)!, $0[1]!) }
                        }
                    } catch {
                        // The database is away; the poller or the next wake-up retries.
                        break
                    }
                }
                guard let first = page.first, first.0 == next else {
                    // Committed seqs are dense, so a hole means a bug or a retention cut: never skip.
                    logger.error(
                        "change log gap", metadata: ["expected": "\(next)", "found": "\(page.first?.0 ?? -1)"])
                    try? await writer.write(
                        WireError(.resetRequired, "change \(next) is not available; resubscribe").line)
                    writer.close()
                    return
                }
                var last: EventLoopFuture<Void>?
                for (seq, record) in page {
                    guard seq == next else { break }
                    last = writer.send("CHANGE \(seq) \(record)")
                    next = seq + 1
                }
                sentSinceTick = true
                subscribers.sent(id, seq: next - 1)
                // The bounded buffer: a subscriber that cannot take a page in time, or lets
                // more than the limit pile up, is cut off so it never holds anyone back.
                let flushed = await writer.waitUntilWritten(last, timeout: configuration.slowConsumerTimeout)
                if !flushed || writer.pendingBytes > configuration.subscriberBufferBytes {
                    logger.warning("slow consumer disconnected", metadata: ["subscriber": "\(id)"])
                    let final = writer.send(
                        WireError(.slowConsumer, "not reading fast enough; resubscribe from your last seq").line)
                    // The error line queues behind what the peer has not read; a reader that
                    // wakes up within the grace period (twice the slow-consumer timeout) still
                    // gets it, then EOF. It is no longer a subscriber meanwhile, so STATS stops
                    // counting its lag; its buffer stays bounded by the limit above.
                    subscribers.remove(id)
                    writer.close(after: final, timeout: configuration.slowConsumerTimeout * 2)
                    return
                }
            }
        }
    }
}
