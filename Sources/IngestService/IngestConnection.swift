import Dispatch
import DramaDomain
import LibPQ
import LineProtocol
import LineServer
import Logging
import NIOCore
import PostgresStore

extension IngestServer {
    /// Serves one connection: requests in order, replies in order, writes pipelined into group
    /// commit; SUBSCRIBE switches the connection to stream mode.
    func handle(_ connection: LineConnection) async {
        var access = tokens.initialAccess
        // One writer for all of this connection's writes keeps them in the order sent.
        let lane = committer.lane()
        var iterator = connection.inbound.makeAsyncIterator()
        var replies = OrderedReplies(writer: connection.writer)
        defer { replies.finish() }
        while true {
            await replies.throttle()
            let frame: LineFrame?
            do {
                frame = try await iterator.next()
            } catch {
                frame = nil
            }
            guard let frame else {
                // The peer finished sending; answer what it asked before closing.
                await replies.drain()
                return
            }
            let request: Request
            switch frame {
            case .tooLong:
                replies.enqueue(
                    .error(WireError(.lineTooLong, "line longer than \(configuration.maximumLineBytes) bytes")))
                await replies.drain()
                return
            case .line(nil):
                replies.enqueue(.error(WireError(.badRequest, "line is not valid UTF-8")))
                continue
            case .line(let text?):
                do {
                    request = try Request.parse(text)
                } catch {
                    replies.enqueue(.error(error))
                    continue
                }
            }
            if shuttingDown.load(ordering: .relaxed), request.verb != "QUIT" {
                replies.enqueue(.error(WireError(.shuttingDown, "the server is shutting down")))
                continue
            }
            switch request.verb {
            case "PING":
                replies.enqueue(.ok(nil))
            case "HELP":
                replies.enqueue(.ok(["verbs": .array(Self.verbs.map { .string($0) })]))
            case "QUIT":
                replies.enqueue(.ok(nil))
                await replies.drain()
                connection.writer.close()
                return
            case "AUTH":
                let token = request.arguments.trimmingASCIIWhitespace()
                if let granted = tokens.access(for: token) {
                    access = granted
                    replies.enqueue(.ok(nil))
                } else {
                    replies.enqueue(.error(WireError(.denied, "wrong token")))
                }
            case "INGEST", "RETRACT", "MERGE":
                guard authorize(access, needs: .write, replies) else { continue }
                let operation: WriteOperation
                do {
                    operation = try Self.decodeWrite(request)
                } catch {
                    replies.enqueue(.error(error))
                    continue
                }
                // Queued here, in the order sent (an article to extract from is extracted first,
                // which holds this connection's later requests back); not awaited: the next
                // request is read while this one waits for its batch.
                var queued = operation
                if case .ingest(var item) = operation, item.extract, item.facts.isEmpty {
                    item.setExtractedFacts(await self.extractedFacts(item))
                    queued = .ingest(item)
                }
                let reply = committer.enqueue(queued, lane: lane)
                replies.enqueueWrite { await reply.value }
            case "EXTRACT":
                guard authorize(access, needs: .write, replies) else { continue }
                let item: NewsItem
                do {
                    item = try Self.extractable(request)
                } catch {
                    replies.enqueue(.error(error))
                    continue
                }
                replies.enqueueRead {
                    .ok(["facts": .array(await self.extractedFacts(item).map(\.json))])
                }
            case "HEAD":
                guard authorize(access, needs: .read, replies) else { continue }
                replies.enqueueRead { await self.head() }
            case "STATS":
                guard authorize(access, needs: .read, replies) else { continue }
                replies.enqueueRead { await self.stats() }
            case "SUBSCRIBE":
                guard authorize(access, needs: .read, replies) else { continue }
                let after: Int64
                do {
                    after = try request.sequenceArgument()
                } catch {
                    replies.enqueue(.error(error))
                    continue
                }
                await replies.drain()
                guard await stream(after: after, connection: connection, iterator: &iterator) else {
                    // Refused before stream mode (ERR already sent): the connection goes on.
                    replies = OrderedReplies(writer: connection.writer)
                    continue
                }
                return
            case "ACK":
                replies.enqueue(.error(WireError(.badRequest, "ACK is only valid after SUBSCRIBE")))
            default:
                replies.enqueue(.error(WireError(.unknownCommand, "unknown verb \(request.verb.prefix(32))")))
            }
        }
    }

    private func authorize(_ access: AccessLevel, needs: AccessLevel, _ replies: OrderedReplies) -> Bool {
        if access >= needs { return true }
        if access == .none {
            replies.enqueue(.error(WireError(.noauth, "AUTH first")))
        } else {
            replies.enqueue(.error(WireError(.denied, "this token is read-only")))
        }
        return false
    }

    static func decodeWrite(_ request: Request) throws(WireError) -> WriteOperation {
        let json = try request.jsonArgument()
        switch request.verb {
        case "INGEST":
            let item = try NewsItem.validate(json)
            // The facts are extracted when the request's turn comes (known names need the
            // database); the size check refuses a too-long body now, before anything queues.
            if item.extract && item.facts.isEmpty { try checkExtractable(item) }
            return .ingest(item)
        case "RETRACT": return try WriteOperation.retract(from: json)
        default: return try WriteOperation.merge(from: json)
        }
    }

    /// EXTRACT's argument: an article without facts, short enough to extract from.
    static func extractable(_ request: Request) throws(WireError) -> NewsItem {
        let item = try NewsItem.validate(try request.jsonArgument())
        guard item.facts.isEmpty else {
            throw .invalid("facts", "EXTRACT takes an article without facts")
        }
        try checkExtractable(item)
        return item
    }

    /// The facts of an article's text, with the names the database knows.
    func extractedFacts(_ item: NewsItem) async -> [Fact] {
        let index = await knownNames.index()
        // Extraction is CPU work (~25 ms for an article, ~2 s for a 64 KiB body), so it runs
        // on its own queue, one article at a time, never on Swift's cooperative pool where it
        // would stall every connection's I/O.
        return await withCheckedContinuation { continuation in
            Self.extractionQueue.async {
                let known = index.names(in: item.headline + "\n" + (item.body ?? ""))
                continuation.resume(returning: item.extractedFacts(known: known))
            }
        }
    }

    static let extractionQueue = DispatchQueue(label: "dramawire.ingest.extract")

    /// The most body text extraction reads: articles are a few KB, and extraction runs one
    /// article at a time, so an unbounded body would let one client hold everyone's EXTRACT.
    static let maximumExtractBodyBytes = 64 << 10

    static func checkExtractable(_ item: NewsItem) throws(WireError) {
        if let body = item.body, body.utf8.count > maximumExtractBodyBytes {
            throw .invalid("body", "extraction reads at most \(maximumExtractBodyBytes >> 10) KiB of text")
        }
    }

    func head() async -> Reply {
        do {
            let head = try await reader.run { db in
                Int64(try db.query("SELECT seq FROM log_counter WHERE id = 1").scalar ?? "0") ?? 0
            }
            feed.advance(to: head)
            return .ok(["seq": .int(head)])
        } catch {
            return .error(error)
        }
    }

    func stats() async -> Reply {
        do {
            let counts = try await reader.run { db in
                try db.query(
                    """
                    SELECT (SELECT seq FROM log_counter WHERE id = 1),
                           (SELECT count(*) FROM articles), (SELECT count(*) FROM articles WHERE retracted),
                           (SELECT count(*) FROM dramas WHERE merged_into IS NULL),
                           (SELECT count(*) FROM people WHERE merged_into IS NULL),
                           (SELECT count(*) FROM osts), (SELECT count(*) FROM castings)
                    """
                ).rows[0]
            }
            let head = Int64(counts[0] ?? "0") ?? 0
            feed.advance(to: head)
            let commits = committer.statistics
            func n(_ i: Int) -> JSON { .int(Int64(counts[i] ?? "0") ?? 0) }
            return .ok([
                "head": .int(head),
                "subscribers": subscribers.json(head: head),
                "connections": .int(Int64(lineServer.connectionCount)),
                "counts": [
                    "articles": n(1), "retracted": n(2), "dramas": n(3), "people": n(4), "osts": n(5), "castings": n(6),
                ],
                "commits": [
                    "batches": .int(Int64(commits.batches)), "operations": .int(Int64(commits.operations)),
                    "changes": .int(Int64(commits.changes)), "largest_batch": .int(Int64(commits.largestBatch)),
                    "retries": .int(Int64(commits.retries)),
                    "phase_seconds": [
                        "prepare": .double((commits.prepare * 1000).rounded() / 1000),
                        "recompute": .double((commits.recompute * 1000).rounded() / 1000),
                        "append": .double((commits.append * 1000).rounded() / 1000),
                        "commit": .double((commits.commit * 1000).rounded() / 1000),
                    ],
                ],
            ])
        } catch {
            return .error(error)
        }
    }
}
