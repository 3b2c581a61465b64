import DramaWireClient
import LibPQ
import LineProtocol
import Logging

/// Reads the ingest database directly, to check what was stored.
public struct Inspector: Sendable {
    public let connection: PQConnection

    public static func open(_ databaseURL: String) async throws -> Inspector {
        Inspector(connection: try await PQConnection.connect(conninfo: databaseURL, logger: testLogger()))
    }

    public func close() async { await connection.close() }

    /// Article ids by url and urls by id.
    public func articleURLs() async throws -> [String: String] {
        var map: [String: String] = [:]
        for row in try await connection.query("SELECT id::text, url FROM articles").rows { map[row[0]!] = row[1]! }
        return map
    }

    /// A derived state with article ids replaced by urls (ids depend on ingestion order).
    public func state(_ table: String, key: String) async throws -> JSON? {
        guard let text = try await connection.query("SELECT state FROM \(table) WHERE key = $1", [key]).scalar else {
            return nil
        }
        return Self.replacingArticleIDs(try JSON.parse(text), urls: try await articleURLs())
    }

    /// Keys of a derived table, sorted.
    public func keys(_ table: String, where condition: String = "TRUE") async throws -> [String] {
        try await connection.query("SELECT key FROM \(table) WHERE \(condition) ORDER BY key").rows.map { $0[0]! }
    }

    /// Every derived state (dramas, people, OSTs, castings), article ids replaced by urls.
    public func snapshot() async throws -> [String: JSON] {
        let urls = try await articleURLs()
        var result: [String: JSON] = [:]
        for table in ["dramas", "people", "osts", "castings"] {
            let rows = try await connection.query("SELECT key, state FROM \(table) WHERE state IS NOT NULL").rows
            for row in rows {
                result["\(table):\(row[0]!)"] = Self.replacingArticleIDs(try JSON.parse(row[1]!), urls: urls)
            }
        }
        return result
    }

    /// Counts of stored rows, for "nothing changed" checks.
    public func counts() async throws -> [String: Int] {
        var result: [String: Int] = [:]
        for table in ["articles", "dramas", "people", "aliases", "facts", "osts", "castings", "change_log"] {
            result[table] = Int(try await connection.query("SELECT count(*) FROM \(table)").scalar ?? "0")
        }
        result["head"] = Int(try await connection.query("SELECT seq FROM log_counter").scalar ?? "0")
        return result
    }

    static func replacingArticleIDs(_ json: JSON, urls: [String: String]) -> JSON {
        switch json {
        case .object(var members):
            for (key, value) in members {
                if key == "sources", case .array(let ids) = value {
                    // Sorted by url, since id order is ingestion order.
                    members[key] = .array(ids.map { urls[$0.stringValue ?? ""] ?? "?" }.sorted().map { .string($0) })
                } else if key == "article", let id = value.stringValue {
                    members[key] = .string(urls[id] ?? "?")
                } else {
                    members[key] = replacingArticleIDs(value, urls: urls)
                }
            }
            return .object(members)
        case .array(let items):
            return .array(items.map { replacingArticleIDs($0, urls: urls) })
        default:
            return json
        }
    }
}

/// Sends every line as INGEST on one pipelined connection; returns the replies in order.
public func ingestLines(_ lines: [String], to address: ServiceAddress, token: String? = nil) async throws -> [Reply] {
    try await withSession(address) { session in
        try await session.authenticate(token)
        var replies: [Reply] = []
        var index = 0
        while index < lines.count {
            let chunk = Array(lines[index..<min(index + 32, lines.count)])
            try await session.send(lines: chunk.map { "INGEST " + $0 })
            for _ in chunk { replies.append(try await session.readReply()) }
            index += chunk.count
        }
        return replies
    }
}
