import ArgumentParser
import DramaDomain
import DramaWireClient
import LineProtocol

/// Options shared by commands that talk to the subscriber service.
struct SubscriberConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("subscriber"),
        help: "Subscriber host:port or tls://host:port [DRAMAWIRE_SUBSCRIBER_URL, 127.0.0.1:7401].")
    var subscriberURL: String?

    @Option(help: "Token for AUTH [DRAMAWIRE_TOKEN].")
    var token: String?

    @Flag(help: "Print the server's JSON instead of tables.")
    var json = false

    @Option(help: "PEM CA bundle to verify a tls:// subscriber with [DRAMAWIRE_TLS_CA, system roots].")
    var ca: String?

    func address() throws -> ServiceAddress {
        useCA(ca)
        return try subscriberAddress(subscriberURL)
    }

    /// Sends one request and returns the JSON of its `OK`; an `ERR` is printed and exits non-zero.
    func call(_ line: String) async throws -> JSON {
        try await connect { session in try await session.call(line) ?? .null }
    }

    /// ``withService(_:_:token:_:)`` for the subscriber service.
    func connect<T>(_ body: (inout LineSession) async throws -> T) async throws -> T {
        try await withService("subscriber", try address(), token: token ?? environment("DRAMAWIRE_TOKEN"), body)
    }
}

/// Plain-text tables for terminals: columns padded to their widest cell.
enum TextTable {
    static func render(_ header: [String], _ rows: [[String]], indent: String = "  ") -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }
            return indent + padded.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// A cell's text: strings as they are, arrays joined, null as "-", dates in KST.
    static func cell(_ value: JSON, date: Bool = false) -> String {
        switch value {
        case .null: return "-"
        case .string(let text): return date ? Timestamp.kstDisplay(text) : sanitized(text)
        case .int(let number): return String(number)
        case .array(let items): return items.isEmpty ? "-" : items.map { cell($0) }.joined(separator: ", ")
        default: return value.serialized()
        }
    }

    /// Drops control characters (a stored name must not drive the user's terminal).
    static func sanitized(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
    }

    static func names(_ refs: JSON, field: String = "name") -> String {
        (refs.arrayValue ?? []).compactMap { $0[field].stringValue.map(sanitized) }.joined(separator: ", ")
    }
}

/// Human-readable renderings of documents and query results.
enum Render {
    static func drama(_ doc: JSON) -> String {
        var facts: [String] = []
        if let network = doc["network"].stringValue { facts.append(network) }
        if let platforms = doc["platforms"].arrayValue, !platforms.isEmpty {
            facts.append(TextTable.cell(.array(platforms)))
        }
        if let premiere = doc["premiere"].stringValue { facts.append("premiere \(Timestamp.kstDisplay(premiere))") }
        if let episodes = doc["episodes"].intValue { facts.append("\(episodes) episodes") }
        var out = [
            "\(TextTable.cell(doc["title"]))  [\(TextTable.cell(doc["key"]))]  seq \(TextTable.cell(doc["seq"]))"
        ]
        if !facts.isEmpty { out.append(facts.joined(separator: " · ")) }
        out.append("Also written: " + TextTable.cell(doc["aliases"]))
        out.append("\nCast")
        out.append(
            TextTable.render(
                ["TYPE", "PERSON", "ROLE", "STATUS"],
                (doc["cast"].arrayValue ?? []).map {
                    [
                        TextTable.cell($0["role_type"]), TextTable.cell($0["person"]["name"]),
                        TextTable.cell($0["role"]),
                        TextTable.cell($0["status"]),
                    ]
                }))
        out.append("\nOSTs")
        out.append(osts(doc["osts"].arrayValue ?? [], withDrama: false))
        out.append("\nNews")
        out.append(news(doc["news"]))
        return out.joined(separator: "\n")
    }

    static func person(_ doc: JSON) -> String {
        var out = ["\(TextTable.cell(doc["name"]))  [\(TextTable.cell(doc["key"]))]  seq \(TextTable.cell(doc["seq"]))"]
        out.append("Also written: " + TextTable.cell(doc["aliases"]))
        out.append("\nRoles")
        out.append(
            TextTable.render(
                ["DRAMA", "ROLE", "TYPE", "STATUS"],
                (doc["roles"].arrayValue ?? []).map {
                    [
                        TextTable.cell($0["drama"]["title"]), TextTable.cell($0["role"]),
                        TextTable.cell($0["role_type"]),
                        TextTable.cell($0["status"]),
                    ]
                }))
        out.append("\nSongs")
        out.append(
            TextTable.render(
                ["DRAMA", "PART", "SONG", "RELEASE", "STATUS"],
                (doc["songs"].arrayValue ?? []).map {
                    [
                        TextTable.cell($0["drama"]["title"]), TextTable.cell($0["part"]), TextTable.cell($0["song"]),
                        TextTable.cell($0["release"], date: true), TextTable.cell($0["status"]),
                    ]
                }))
        out.append("\nNews")
        out.append(news(doc["news"]))
        return out.joined(separator: "\n")
    }

    static func article(_ doc: JSON) -> String {
        var out = [
            TextTable.cell(doc["headline"]),
            "\(TextTable.cell(doc["source"])) · \(TextTable.cell(doc["published_at"], date: true)) · \(TextTable.cell(doc["url"]))",
        ]
        if doc["retracted"].boolValue == true { out.append("RETRACTED") }
        out.append(
            "\(doc["facts"].arrayValue?.count ?? 0) facts; article \(TextTable.cell(doc["id"])), seq \(TextTable.cell(doc["seq"]))"
        )
        return out.joined(separator: "\n")
    }

    static func osts(_ items: [JSON], withDrama: Bool) -> String {
        let header = (withDrama ? ["DRAMA"] : []) + ["PART", "SONG", "ARTISTS", "RELEASE", "STATUS"]
        return TextTable.render(
            header,
            items.map { item in
                (withDrama ? [TextTable.cell(item["drama"]["title"])] : []) + [
                    TextTable.cell(item["part"]), TextTable.cell(item["song"]), TextTable.names(item["artists"]),
                    TextTable.cell(item["release"], date: true), TextTable.cell(item["status"]),
                ]
            })
    }

    static func castings(_ items: [JSON]) -> String {
        TextTable.render(
            ["DRAMA", "PERSON", "ROLE", "TYPE", "STATUS"],
            items.map {
                [
                    TextTable.cell($0["drama"]["title"]), TextTable.cell($0["person"]["name"]),
                    TextTable.cell($0["role"]),
                    TextTable.cell($0["role_type"]), TextTable.cell($0["status"]),
                ]
            })
    }

    static func news(_ value: JSON) -> String {
        TextTable.render(
            ["PUBLISHED", "SOURCE", "HEADLINE"],
            (value.arrayValue ?? []).map {
                [
                    TextTable.cell($0["published_at"], date: true), TextTable.cell($0["source"]),
                    TextTable.cell($0["headline"]),
                ]
            })
    }
}

/// `dramawire get drama|person|article NAME…`
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Show a drama, person or article document from the read model.")

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case drama, person, article
    }

    @OptionGroup var connection: SubscriberConnectionOptions
    @Argument(help: "drama, person or article.") var kind: Kind
    @Argument(help: "A key, any known spelling of the name, or an article id.") var name: [String]

    func run() async throws {
        let doc = try await connection.call("GET \(kind.rawValue.uppercased()) \(name.joined(separator: " "))")
        guard !connection.json else { return printLine(doc.serialized()) }
        switch kind {
        case .drama: printLine(Render.drama(doc))
        case .person: printLine(Render.person(doc))
        case .article: printLine(Render.article(doc))
        }
    }
}

/// `dramawire search TEXT…`
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Full-text search over titles, names, aliases and songs.")

    @OptionGroup var connection: SubscriberConnectionOptions
    @Argument(help: "Words to search for.") var text: [String]

    func run() async throws {
        let reply = try await connection.call("SEARCH \(text.joined(separator: " "))")
        guard !connection.json else { return printLine(reply.serialized()) }
        printLine(
            TextTable.render(
                ["KIND", "NAME", "KEY", "SCORE"],
                (reply["results"].arrayValue ?? []).map {
                    [
                        TextTable.cell($0["kind"]), TextTable.cell($0["name"]), TextTable.cell($0["key"]),
                        TextTable.cell($0["score"]),
                    ]
                }, indent: ""))
    }
}

/// Filter options that OSTS and CASTING share.
struct PageOptions: ParsableArguments {
    @Option(help: "Items per page (1–500).") var limit: Int?
    @Option(help: "A `next` cursor from a previous page.") var cursor: String?
    @Flag(help: "Follow `next` and print every page.") var all = false
}

/// Runs a paged query, following cursors with `--all`.
func pagedQuery(
    verb: String, filter: [String: JSON], page: PageOptions, connection: SubscriberConnectionOptions,
    render: ([JSON]) -> String
) async throws {
    var filter = filter
    if let limit = page.limit { filter["limit"] = .int(Int64(limit)) }
    var cursor = page.cursor
    repeat {
        filter["cursor"] = .string(cursor)
        let reply = try await connection.call("\(verb) " + JSON.object(filter).serialized())
        if connection.json { printLine(reply.serialized()) } else { printLine(render(reply["items"].arrayValue ?? [])) }
        cursor = reply["next"].stringValue
        if !page.all, let cursor, !connection.json { printLine("next page: --cursor \(cursor)") }
    } while page.all && cursor != nil
}

/// `dramawire osts [--drama D] [--artist A] …`
struct OSTsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "osts", abstract: "List OSTs, filtered.")

    @OptionGroup var connection: SubscriberConnectionOptions
    @OptionGroup var page: PageOptions
    @Option(help: "Drama key or title.") var drama: String?
    @Option(help: "Artist key or name.") var artist: String?
    @Option(help: "announced or released.") var status: String?
    @Option(help: "Released at or after (RFC 3339 date or date-time).") var since: String?
    @Option(help: "Released at or before (a date includes the whole day, KST).") var until: String?

    func run() async throws {
        let filter: [String: JSON] = [
            "drama": .string(drama), "artist": .string(artist), "status": .string(status), "since": .string(since),
            "until": .string(until),
        ]
        try await pagedQuery(
            verb: "OSTS", filter: filter.filter { !$0.value.isNull }, page: page, connection: connection
        ) { Render.osts($0, withDrama: true) }
    }
}

/// `dramawire casting [--drama D] [--person P] …`
struct CastingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "casting", abstract: "List castings, filtered.")

    @OptionGroup var connection: SubscriberConnectionOptions
    @OptionGroup var page: PageOptions
    @Option(help: "Drama key or title.") var drama: String?
    @Option(help: "Person key or name.") var person: String?
    @Option(help: "rumored, in_talks, offered, confirmed, declined, withdrawn or cancelled.") var status: String?
    @Option(name: .customLong("role-type"), help: "lead, supporting, cameo or special.") var roleType: String?

    func run() async throws {
        let filter: [String: JSON] = [
            "drama": .string(drama), "person": .string(person), "status": .string(status),
            "role_type": .string(roleType),
        ]
        try await pagedQuery(
            verb: "CASTING", filter: filter.filter { !$0.value.isNull }, page: page, connection: connection,
            render: Render.castings)
    }
}

/// `dramawire feed [--limit N] [--before SEQ]`
struct FeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "feed", abstract: "The latest changes, newest first.")

    @OptionGroup var connection: SubscriberConnectionOptions
    @Option(help: "How many (1–500).") var limit: Int = 20
    @Option(help: "Only changes before this seq.") var before: Int64?

    func run() async throws {
        var filter: [String: JSON] = ["limit": .int(Int64(limit))]
        if let before { filter["before"] = .int(before) }
        let reply = try await connection.call("FEED " + JSON.object(filter).serialized())
        guard !connection.json else { return printLine(reply.serialized()) }
        printLine(
            TextTable.render(
                ["SEQ", "AT", "TYPE", "KEY", "WHAT"],
                (reply["items"].arrayValue ?? []).map {
                    [
                        TextTable.cell($0["seq"]), TextTable.cell($0["at"], date: true), TextTable.cell($0["type"]),
                        TextTable.cell($0["key"]), TextTable.cell($0["label"]),
                    ]
                }, indent: ""))
    }
}

/// `dramawire stats`
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "How far the subscriber has applied the log, and what it holds.")

    @OptionGroup var connection: SubscriberConnectionOptions

    func run() async throws {
        let stats = try await connection.call("STATS")
        guard !connection.json else { return printLine(stats.serialized()) }
        printLine(
            "applied \(TextTable.cell(stats["applied_seq"])) of \(TextTable.cell(stats["head_seq"])) (lag \(TextTable.cell(stats["lag"]))), "
                + (stats["connected"].boolValue == true
                    ? "connected to \(TextTable.cell(stats["ingest"]))"
                    : "NOT connected to \(TextTable.cell(stats["ingest"]))"))
        let counts = (stats["counts"].objectValue ?? [:]).sorted { $0.key < $1.key }
        printLine(counts.map { "\($0.key) \(TextTable.cell($0.value))" }.joined(separator: ", "))
        if let error = stats["last_error"].stringValue { printLine("last error: \(TextTable.sanitized(error))") }
    }
}

/// `dramawire watch all | drama NAME | person NAME`
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Print documents as they change (until interrupted).")

    @OptionGroup var connection: SubscriberConnectionOptions
    @Argument(help: "all, drama NAME or person NAME.") var target: [String]
    @Option(help: "Stop after this many events.") var count: Int?

    func run() async throws {
        guard let first = target.first?.lowercased(), ["all", "drama", "person"].contains(first),
            first == "all" ? target.count == 1 : target.count > 1
        else { throw ValidationError("expected: watch all | watch drama NAME | watch person NAME") }
        let request = "WATCH " + ([first.uppercased()] + target.dropFirst()).joined(separator: " ")
        let json = connection.json
        let limit = count
        var seen = 0
        do {
            // A reconnect watches again from the current documents: a document that changed
            // meanwhile shows as one event with its latest state.
            try await followAcrossReconnects { connected in
                try await connection.connect { session in
                    try await session.call(request)
                    connected = true
                    session.expectHeartbeats()
                    while let line = try await session.readLine() {
                        if line.hasPrefix("HEARTBEAT ") { continue }
                        guard line.hasPrefix("EVENT "), let event = try? JSON.parse(String(line.dropFirst(6))) else {
                            if case .error(let error)? = Reply.parse(line) { throw error }
                            continue
                        }
                        if json {
                            printLine(event.serialized())
                        } else {
                            let doc = event["doc"]
                            let name =
                                doc["title"].stringValue ?? doc["name"].stringValue ?? doc["headline"].stringValue
                            let what = doc.isNull ? "removed" : "updated"
                            printLine(
                                "seq \(TextTable.cell(event["seq"]))  \(TextTable.cell(event["kind"])) \(TextTable.cell(event["key"])) \(what)"
                                    + (name.map { ": " + TextTable.sanitized($0) } ?? ""))
                        }
                        seen += 1
                        if let limit, seen >= limit { return true }
                    }
                    return false
                }
            }
        } catch let failure as CLIFailure {
            throw failure
        } catch {
            printError(describe(error))
            throw ExitCode.failure
        }
    }
}
