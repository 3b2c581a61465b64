import ArgumentParser
import DramaWireClient
import Foundation
import LineProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// How a raw article file becomes an EXTRACT (or `INGEST` with `"extract": true`) argument.
///
/// A file may be a JSON article object (`url`, `source`, `published_at`, `headline`, `body`),
/// the corpus format (`key: value` header lines, a `---` line, then the body), HTML, or plain
/// text whose first non-empty line is the headline. Flags override what the file says.
struct ArticleOptions: ParsableArguments {
    @Option(help: "The article's URL (it identifies the article) [from the file].") var url: String?
    @Option(help: "The outlet [from the file, else the URL's host].") var source: String?
    @Option(help: "When it was published, RFC 3339 [from the file, else now, in KST].") var publishedAt: String?
    @Option(help: "The headline [from the file: its title, or first line].") var headline: String?

    /// The article fields of `path` (`-`: standard input). `defaultURL` stands in for a missing URL.
    func article(_ path: String, defaultURL: ((String) -> String)?) throws -> [String: JSON] {
        var fields = try ArticleText.fields(String(decoding: try readInput(path), as: UTF8.self), name: path)
        fields["facts"] = nil
        fields["extract"] = nil
        if let url { fields["url"] = .string(url) }
        if let source { fields["source"] = .string(source) }
        if let publishedAt { fields["published_at"] = .string(publishedAt) }
        if let headline { fields["headline"] = .string(headline) }
        if fields["url"]?.stringValue == nil {
            guard let defaultURL else {
                throw CLIFailure(
                    message: "\(path): no URL; give one with --url (a stored article is identified by its URL)",
                    exitCode: CLIExitCode.usage)
            }
            fields["url"] = .string(defaultURL(path))
        }
        if fields["source"]?.stringValue == nil {
            let host = URLComponents(string: fields["url"]?.stringValue ?? "")?.host ?? "unknown"
            fields["source"] = .string(host)
        }
        if fields["published_at"]?.stringValue == nil { fields["published_at"] = .string(ArticleText.nowKST()) }
        if fields["headline"]?.stringValue == nil { fields["headline"] = .string((path as NSString).lastPathComponent) }
        return fields
    }
}

/// Turning file contents into article fields.
enum ArticleText {
    static func fields(_ text: String, name: String) throws -> [String: JSON] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") {
            guard let json = try? JSON.parse(trimmed), let object = json.objectValue else {
                throw CLIFailure(message: "\(name): not a JSON article object", exitCode: CLIExitCode.usage)
            }
            return object
        }
        if let header = try? ExtractionCorpus.articleFields(text, name: name), header["url"] != nil {
            return header
        }
        if looksLikeHTML(trimmed) {
            let (title, body) = htmlText(trimmed)
            var fields: [String: JSON] = ["body": .string(body)]
            if let title, !title.isEmpty { fields["headline"] = .string(title) }
            return fields
        }
        // Plain text: the first non-empty line is the headline.
        let lines = trimmed.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true)
        var fields: [String: JSON] = [:]
        if let first = lines.first { fields["headline"] = .string(first.trimmingCharacters(in: .whitespaces)) }
        fields["body"] = .string(lines.count > 1 ? String(lines[1]) : "")
        return fields
    }

    static func looksLikeHTML(_ text: String) -> Bool {
        let head = text.prefix(2000).lowercased()
        return head.hasPrefix("<") || head.contains("<html") || head.contains("<p>") || head.contains("</p>")
    }

    /// The `<title>` (or first `<h1>`) and the readable text of an HTML page: scripts, styles
    /// and tags removed, block ends as line breaks, common entities decoded.
    static func htmlText(_ html: String) -> (title: String?, body: String) {
        let title = firstElement("title", in: html) ?? firstElement("h1", in: html)
        var text = html
        for tag in ["head", "script", "style", "noscript"] {
            text = text.replacingOccurrences(
                of: "<\(tag)\\b[^>]*>[\\s\\S]*?</\(tag)>", with: " ", options: [.regularExpression, .caseInsensitive])
        }
        return finish(title: title, text)
    }

    private static func finish(title: String?, _ html: String) -> (title: String?, body: String) {
        var text = html.replacingOccurrences(
            of: "<(br|/p|/div|/h[1-6]|/li|/tr|/blockquote|/figcaption)\\b[^>]*>", with: "\n",
            options: [.regularExpression, .caseInsensitive])
        text = text.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
        text = decodeEntities(text)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "[ \\t\\r]+", with: " ", options: .regularExpression) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var paragraphs: [String] = []
        for line in lines where !line.isEmpty { paragraphs.append(line) }
        return (
            title.map { decodeEntities($0).trimmingCharacters(in: .whitespacesAndNewlines) },
            paragraphs.joined(separator: "\n\n")
        )
    }

    private static func firstElement(_ tag: String, in html: String) -> String? {
        guard
            let range = html.range(
                of: "<\(tag)\\b[^>]*>[\\s\\S]*?</\(tag)>", options: [.regularExpression, .caseInsensitive])
        else { return nil }
        return String(html[range]).replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = text
        for (entity, value) in [
            ("&nbsp;", " "), ("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&lt;", "<"), ("&gt;", ">"),
            ("&lsquo;", "‘"), ("&rsquo;", "’"), ("&ldquo;", "“"), ("&rdquo;", "”"), ("&hellip;", "…"),
            ("&ndash;", "–"), ("&mdash;", "—"),
        ] {
            out = out.replacingOccurrences(of: entity, with: value)
        }
        // Numeric entities.
        while let range = out.range(of: "&#(x[0-9a-fA-F]+|[0-9]+);", options: .regularExpression) {
            let body = out[range].dropFirst(2).dropLast()
            let value = body.hasPrefix("x") ? UInt32(body.dropFirst(), radix: 16) : UInt32(body)
            out.replaceSubrange(range, with: value.flatMap(Unicode.Scalar.init).map { String(Character($0)) } ?? "")
        }
        return out.replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Now, to the second, at +09:00 (news dates are KST).
    static func nowKST() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 9 * 3600)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return formatter.string(from: Date())
    }
}

/// `dramawire extract FILE…`: the facts the ingest service would extract, stored nowhere.
struct ExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Show the facts extracted from raw articles (text, HTML or JSON files); stores nothing.",
        discussion: """
            Each FILE is sent as EXTRACT. Without a URL (--url or in the file) the article gets \
            https://file.invalid/NAME, since nothing is stored. Prints a table of facts with their \
            confidence and evidence, or the server's JSON with --json.
            """)

    @OptionGroup var connection: IngestConnectionOptions
    @OptionGroup var article: ArticleOptions
    @Flag(help: "Print the server's JSON (one line per file).") var json = false
    @Argument(help: "Article files; - reads standard input.") var files: [String]

    func run() async throws {
        let lines = try files.map { file in
            "EXTRACT "
                + JSON.object(
                    try article.article(file) { "https://file.invalid/" + ($0 as NSString).lastPathComponent }
                ).serialized()
        }
        let json = self.json
        let files = self.files
        var failed = false
        try await connection.connect { session in
            for (file, line) in zip(files, lines) {
                switch try await session.request(line) {
                case .error(let error):
                    printError("\(file): ERR \(error.code.rawValue) \(error.message)")
                    failed = true
                case .ok(let reply):
                    let facts = reply?["facts"].arrayValue ?? []
                    if json {
                        printLine(reply?.serialized() ?? "{}")
                    } else {
                        if files.count > 1 { printLine("\(file):") }
                        printLine(Self.table(facts))
                    }
                }
            }
        }
        if failed { throw ExitCode(CLIExitCode.failed) }
    }

    static func table(_ facts: [JSON]) -> String {
        guard !facts.isEmpty else { return "  no facts found" }
        let rows = facts.map { fact -> [String] in
            let kind = fact["kind"].stringValue ?? "?"
            let who: String
            let what: String
            switch kind {
            case "ost":
                who = TextTable.cell(fact["artists"])
                what = [
                    fact["song"].stringValue.map { "\"\($0)\"" }, fact["part"].intValue.map { "part \($0)" },
                    fact["status"].stringValue, fact["release"].stringValue,
                ].compactMap { $0 }.joined(separator: ", ")
            case "casting":
                who = TextTable.cell(fact["person"])
                what = [
                    fact["role"].stringValue.map { "as \($0)" }, fact["role_type"].stringValue,
                    fact["status"].stringValue,
                ].compactMap { $0 }.joined(separator: ", ")
            default:
                who = "-"
                what = [
                    fact["network"].stringValue,
                    (fact["platforms"].arrayValue ?? []).isEmpty ? nil : TextTable.cell(fact["platforms"]),
                    fact["premiere"].stringValue.map { "premiere \($0)" },
                    fact["episodes"].intValue.map { "\($0) episodes" },
                ].compactMap { $0 }.joined(separator: ", ")
            }
            let drama = TextTable.cell(fact[kind == "drama" ? "title" : "drama"])
            let confidence = fact["confidence"].doubleValue.map { String(format: "%.2f", $0) } ?? "-"
            var evidence = TextTable.sanitized(fact["evidence"]["text"].stringValue ?? "")
            if evidence.count > 70 { evidence = String(evidence.prefix(69)) + "…" }
            return [kind, drama, who, what.isEmpty ? "-" : TextTable.sanitized(what), confidence, evidence]
        }
        return TextTable.render(["kind", "drama", "who", "what", "conf.", "evidence"], rows)
    }
}

/// Asks "Proceed? [y/N]" on the terminal; without one, refuses unless `--yes` was given.
func confirm(_ question: String, yes: Bool) throws {
    if yes { return }
    guard isatty(0) == 1 else {
        throw CLIFailure(
            message: "not confirmed: standard input is not a terminal; add --yes to \(question.lowercased())",
            exitCode: CLIExitCode.failed)
    }
    printError("\(question)? [y/N] ", terminator: "")
    let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
    guard answer == "y" || answer == "yes" else {
        throw CLIFailure(message: "not confirmed; nothing changed", exitCode: CLIExitCode.failed)
    }
}

/// Options of the commands that change stored data after showing what will change.
struct ChangeOptions: ParsableArguments {
    @Option(
        name: .customLong("subscriber"),
        help: "Subscriber host:port, to show what will change [DRAMAWIRE_SUBSCRIBER_URL, 127.0.0.1:7401].")
    var subscriberURL: String?
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var yes = false

    /// The document `request` (a GET) returns from the read model, for the preview; nil when
    /// the subscriber is unreachable or answers `ERR`: a preview never blocks the change.
    func preview(_ request: String, token: String?) async -> JSON? {
        guard let address = try? subscriberAddress(subscriberURL) else { return nil }
        return try? await LineClient.withConnection(to: address) { session -> JSON? in
            try await session.authenticate(token)
            guard case .ok(let doc) = try await session.request(request) else { return nil }
            return doc
        }
    }
}

extension IngestConnectionOptions {
    /// Sends one write; its `OK` JSON, or the CLI's one-line error for an `ERR`.
    func write(_ line: String) async throws -> JSON? {
        switch try await connect({ session in try await session.request(line) }) {
        case .ok(let json): return json
        case .error(let error): throw CLIFailure.refused(error)
        }
    }
}

/// `dramawire retract URL|ID`: withdraw an article; its facts stop counting.
struct RetractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retract",
        abstract: "Retract an article (by URL or id): every fact it asserted stops counting.")

    @OptionGroup var connection: IngestConnectionOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The article's URL or id.") var article: String

    func run() async throws {
        let byURL = article.contains("://")
        let target: JSON = byURL ? ["url": .string(article)] : ["article": .string(article)]
        var preview = "article \(article)"
        if !byURL, let doc = await change.preview("GET ARTICLE \(article)", token: connection.resolvedToken) {
            let headline = TextTable.sanitized(doc["headline"].stringValue ?? "")
            let facts = doc["facts"].arrayValue?.count ?? 0
            preview = "article \(article): \"\(headline)\" (\(doc["source"].stringValue ?? "?"), \(facts) facts)"
        }
        printLine("will retract \(preview); the documents it supports are recomputed without it")
        try confirm("Retract it", yes: change.yes)
        let reply = try await connection.write("RETRACT " + target.serialized())
        printLine("retracted: \(reply?["changes"].intValue ?? 0) changes")
    }
}

/// `dramawire merge person|drama FROM INTO`: join two spellings that are one entity.
struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge one person or drama into another (two spellings of one entity).",
        discussion: "FROM and INTO are keys or any known spelling. Every document that shows FROM then shows INTO.")

    @OptionGroup var connection: IngestConnectionOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "person or drama.") var kind: String
    @Argument(help: "The entity that goes away (key or name).") var from: String
    @Argument(help: "The entity that stays (key or name).") var into: String

    func validate() throws {
        guard ["person", "drama"].contains(kind.lowercased()) else {
            throw ValidationError("the kind is person or drama, not \"\(kind)\"")
        }
    }

    func run() async throws {
        let kind = self.kind.lowercased()
        let token = connection.resolvedToken
        let fromDoc = await change.preview("GET \(kind.uppercased()) \(from)", token: token)
        let intoDoc = await change.preview("GET \(kind.uppercased()) \(into)", token: token)
        printLine("will merge \(kind) \(Self.summary(kind, from, fromDoc)) into \(Self.summary(kind, into, intoDoc))")
        try confirm("Merge them", yes: change.yes)
        let reply = try await connection.write(
            "MERGE " + JSON.object(["kind": .string(kind), "from": .string(from), "into": .string(into)]).serialized())
        printLine("merged into \(reply?["into"].stringValue ?? into): \(reply?["changes"].intValue ?? 0) changes")
    }

    static func summary(_ kind: String, _ name: String, _ doc: JSON?) -> String {
        guard let doc, !doc.isNull else { return "\"\(name)\" (not in the read model)" }
        let title = TextTable.sanitized(doc[kind == "drama" ? "title" : "name"].stringValue ?? name)
        let counts =
            kind == "drama"
            ? "\(doc["cast"].arrayValue?.count ?? 0) cast, \(doc["osts"].arrayValue?.count ?? 0) OSTs"
            : "\(doc["roles"].arrayValue?.count ?? 0) roles, \(doc["songs"].arrayValue?.count ?? 0) songs"
        return
            "\"\(title)\" [\(doc["key"].stringValue ?? "?")] (\(counts), \(doc["news"].arrayValue?.count ?? 0) articles)"
    }
}
