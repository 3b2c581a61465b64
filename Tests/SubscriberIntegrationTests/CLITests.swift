import DramaWireClient
import Foundation
import LineProtocol
import TestSupport
import Testing

/// The `dramawire` executable itself, spawned as a user would run it: the verbs that change
/// data (extract, ingest --extract, retract, merge), their confirmations, and the one-line
/// errors with the same exit codes everywhere.
@Suite struct CLITests {
    struct Run {
        var status: Int32
        var output: String
    }

    /// The command line that starts the CLI, and a directory to remove afterwards: as root (CI),
    /// through setpriv as `nobody`, from a copy that user may execute, because users run it
    /// unprivileged (see UnprivilegedTests). The copy is made by cp on a dispatch thread: never a
    /// blocking wait on the cooperative pool, and never a descriptor of this process that a
    /// concurrent fork could inherit (exec would fail with ETXTBSY).
    static func command() async throws -> (argv: [String], directory: String?) {
        let binary = binaryDirectory().appendingPathComponent("dramawire").path
        guard getuid() == 0 else { return ([binary], nil) }
        let directory = FileManager.default.temporaryDirectory.path + "/dramawire-cli-\(UUID().uuidString)"
        let copy = directory + "/dramawire"
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let copied = try await blocking {
            try TemporaryCluster.spawnAndWait(["/bin/cp", binary, copy], outputPath: "/dev/null")
        }
        guard copied == 0 else { throw HarnessError("cannot copy \(binary) to \(copy)") }
        return (["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", copy], directory)
    }

    /// Runs `dramawire ARGS` with standard input from /dev/null; output is stdout and stderr.
    func dramawire(_ arguments: [String], environment: [String: String] = [:]) async throws -> Run {
        let log = FileManager.default.temporaryDirectory.path + "/dramawire-cli-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let command = try await Self.command()
        defer { if let directory = command.directory { try? FileManager.default.removeItem(atPath: directory) } }
        // The caller's own service URLs must not leak in: every test names its addresses.
        let pid = try spawnProcess(
            command.argv + arguments,
            environment: ["DRAMAWIRE_INGEST_URL": "", "DRAMAWIRE_SUBSCRIBER_URL": "", "DRAMAWIRE_TOKEN": ""]
                .merging(environment) { $1 }, outputPath: log)
        let status = try await blocking { waitForExit(pid) }
        return Run(status: status, output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    func temporaryFile(_ name: String, _ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/\(UUID().uuidString)-\(name)"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let article = """
        IU to sing OST for tvN's "Queen of Tears"

        Singer IU will sing "Love Wins All", Part 3 of the OST for the tvN drama "Queen of Tears". \
        The song will be released on April 21 at 6 p.m. KST.
        """

    @Test func unreachableServicesGetOneLineAndExitCode69() async throws {
        let port = try TemporaryCluster.freePort()
        let ping = try await dramawire(["ping", "--ingest", "127.0.0.1:\(port)"])
        #expect(ping.status == 69)
        #expect(
            ping.output
                == "dramawire: cannot reach ingest at 127.0.0.1:\(port): connection refused; is it running? (./deploy/dev up)\n"
        )
        let get = try await dramawire(["get", "drama", "Queen of Tears", "--subscriber", "127.0.0.1:\(port)"])
        #expect(get.status == 69)
        #expect(get.output.hasPrefix("dramawire: cannot reach subscriber at 127.0.0.1:\(port): connection refused"))
        #expect(get.output.split(separator: "\n").count == 1)
        let subscriberPing = try await dramawire(
            ["ping", "--subscriber"], environment: ["DRAMAWIRE_SUBSCRIBER_URL": "127.0.0.1:\(port)"])
        #expect(subscriberPing.status == 69)
        #expect(subscriberPing.output.hasPrefix("dramawire: cannot reach subscriber at"))
        let badUsage = try await dramawire(["merge", "film", "a", "b"])
        #expect(badUsage.status == 64)
        let missing = try await dramawire(["extract", "/nonexistent/article.txt", "--ingest", "127.0.0.1:\(port)"])
        #expect(missing.status == 66)
        #expect(missing.output == "dramawire: cannot read /nonexistent/article.txt\n")
    }

    @Test func extractShowsFactsAndStoresNothing() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let file = try temporaryFile("article.txt", Self.article)
        let table = try await dramawire([
            "extract", file, "--ingest", ingest.address.description, "--published-at", "2024-04-19T09:30:00+09:00",
        ])
        #expect(table.status == 0, "\(table.output)")
        let lines = table.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("conf.") == true && lines.first?.contains("evidence") == true, "\(table.output)")
        let ostRow = lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("ost") }
        #expect(ostRow?.contains("IU") == true && ostRow?.contains("Queen of Tears") == true, "\(table.output)")
        #expect(lines.contains { $0.contains("\"Love Wins All\"") && $0.contains("2024-04-21T18:00:00+09:00") })

        let json = try await dramawire(["extract", file, "--json", "--ingest", ingest.address.description])
        #expect(json.status == 0)
        let facts =
            try JSON.parse(json.output.trimmingCharacters(in: .whitespacesAndNewlines))["facts"].arrayValue ?? []
        #expect(!facts.isEmpty)
        for fact in facts {
            #expect(fact["confidence"].doubleValue != nil && fact["evidence"]["text"].stringValue != nil)
        }
        #expect(try await headSeq(ingest.address) == 0, "extract stored something")
    }

    /// `bench query --mix`: every verb of the mix is sent and answered OK (so every request it
    /// builds, by key and by name, is one the subscriber accepts), and the universe is the read
    /// model's dramas and people.
    @Test func benchQueryMixAsksEveryVerbAndGetsNoErrors() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address)
        defer { Task { await subscriber.stop() } }
        _ = try await ingestLines(try sampleNews(), to: ingest.address)
        try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address)
        let stats = try await withSession(subscriber.address) { try await $0.call("STATS") }

        let run = try await dramawire([
            // A fixed number of requests, not a duration: the draw is a pure function of the
            // request number, so these 200 are the same on every run, however slow the machine.
            "bench", "query", "--mix", "--connections", "1", "--requests", "200", "--duration", "300", "--json",
            "--subscriber", subscriber.address.description,
        ])
        #expect(run.status == 0, "\(run.output)")
        let result = try JSON.parse(run.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(result["errors"] == 0, "\(run.output)")
        #expect(result["queries"] == 200, "\(run.output)")
        for verb in ["GET DRAMA", "GET PERSON", "SEARCH", "OSTS", "CASTING"] {
            #expect(result["verbs"][verb]["queries"].intValue ?? 0 > 0, "\(verb): \(run.output)")
            #expect(result["verbs"][verb]["errors"] == 0, "\(verb): \(run.output)")
        }
        // Dramas and people with a cast entry or an OST: at most those in the read model.
        let dramas = result["dramas"].intValue ?? 0
        #expect(dramas > 0 && dramas <= stats?["counts"]["dramas"].intValue ?? 0, "\(run.output)")
        #expect(result["people"].intValue ?? 0 > 0, "\(run.output)")
    }

    @Test func benchIngestWithWatchersCountsTheirEventsAndTheSubscribersLag() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address)
        defer { Task { await subscriber.stop() } }
        let run = try await dramawire([
            "bench", "ingest", "--connections", "2", "--duration", "2", "--watchers", "3",
            "--ingest", ingest.address.description, "--subscriber", subscriber.address.description,
        ])
        #expect(run.status == 0, "\(run.output)")
        func number(after prefix: String) -> Int? {
            guard let line = run.output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else {
                return nil
            }
            return Int(line.dropFirst(prefix.count).prefix { $0.isNumber })
        }
        let items = try #require(number(after: "items        "), "\(run.output)")
        let events = try #require(number(after: "watchers     3 × WATCH ALL: "), "\(run.output)")
        // Each new article changes at least its own document (a re-sent duplicate, a tenth of the
        // items, changes nothing), and each of the three watchers of everything hears of it: the
        // report waits until the subscriber has caught up.
        #expect(items > 0 && events >= 3 * (items / 2), "\(run.output)")
        #expect(run.output.contains(", 0 ended early"), "\(run.output)")
        #expect(run.output.contains("records when the load stopped; caught up"), "\(run.output)")
    }

    @Test func ingestExtractRetractAndMerge() async throws {
        let ingest = try await startIngest()
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: ingest.address)
        defer { Task { await subscriber.stop() } }
        let urls = [
            "DRAMAWIRE_INGEST_URL": ingest.address.description,
            "DRAMAWIRE_SUBSCRIBER_URL": subscriber.address.description,
        ]
        let file = try temporaryFile("article.txt", Self.article)

        // A raw article, extracted and stored.
        let ingested = try await dramawire(
            [
                "ingest", "--extract", file, "--url", "https://cli.example/iu-ost", "--published-at",
                "2024-04-19T09:30:00+09:00",
            ],
            environment: urls)
        #expect(ingested.status == 0, "\(ingested.output)")
        #expect(ingested.output.contains("ingested 1, duplicates 0, failed 0"), "\(ingested.output)")
        try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address)
        let drama = try await withSession(subscriber.address) { try await $0.call("GET DRAMA Queen of Tears") }
        #expect(drama?["osts"][0]["artists"][0]["name"] == "IU", "\(drama?.serialized() ?? "")")
        let articleID = drama?["news"][0]["article"].stringValue ?? ""

        // Retract: refused without a terminal or --yes, and nothing changes.
        let refused = try await dramawire(["retract", articleID], environment: urls)
        #expect(refused.status == 1)
        #expect(refused.output.contains("will retract article \(articleID)"), "\(refused.output)")
        #expect(refused.output.contains("dramawire: not confirmed"), "\(refused.output)")
        let headBefore = try await headSeq(ingest.address)
        let retracted = try await dramawire(["retract", "https://cli.example/iu-ost", "--yes"], environment: urls)
        #expect(retracted.status == 0, "\(retracted.output)")
        #expect(retracted.output.contains("retracted: "), "\(retracted.output)")
        #expect(try await headSeq(ingest.address) > headBefore)
        let unknown = try await dramawire(["retract", "https://cli.example/never", "--yes"], environment: urls)
        #expect(unknown.status == 1)
        #expect(unknown.output.hasPrefix("will retract") && unknown.output.contains("dramawire: ERR not_found"))

        // Merge two spellings that are one person.
        try await ingestAll(
            [
                newsItem(
                    "cli-merge-1", "2024-05-01T09:00:00+09:00",
                    [casting("Hotel Del Luna", "Lee Ji-eun", status: "confirmed")]),
                newsItem("cli-merge-2", "2024-05-02T09:00:00+09:00", [ost("Hotel Del Luna", ["IU"], song: "Persona")]),
            ], to: ingest.address)
        try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address)
        let declined = try await dramawire(["merge", "person", "Lee Ji-eun", "IU"], environment: urls)
        #expect(declined.status == 1)
        #expect(declined.output.contains("will merge person \"Lee Ji-eun\""), "\(declined.output)")
        let merged = try await dramawire(["merge", "person", "Lee Ji-eun", "IU", "--yes"], environment: urls)
        #expect(merged.status == 0, "\(merged.output)")
        #expect(merged.output.contains("merged into iu"), "\(merged.output)")
        try await waitUntilCaughtUp(subscriber.address, ingest: ingest.address)
        let person = try await withSession(subscriber.address) { try await $0.call("GET PERSON Lee Ji-eun") }
        #expect(person?["key"] == "iu")
        #expect(person?["roles"].arrayValue?.count == 1 && person?["songs"].arrayValue?.count == 1)
        let notFound = try await dramawire(["merge", "person", "Nobody At All", "IU", "--yes"], environment: urls)
        #expect(notFound.status == 1)
        #expect(notFound.output.contains("dramawire: ERR not_found"), "\(notFound.output)")
    }
}
