import DramaWireClient
import Foundation
import LineProtocol
import TestSupport
import Testing

/// Production runs the services as an ordinary user, and tests run as root: a socket option
/// that needs CAP_NET_ADMIN (SO_DEBUG, set by mistake for TCP_NODELAY) once made every accept
/// and connect fail for everyone but root, and no test noticed. This one runs both service
/// executables and the CLI as `nobody` and checks the whole path: CLI → subscriber, subscriber
/// → ingest, ingest → PostgreSQL.
@Suite struct UnprivilegedTests {
    /// `nobody:nogroup` on Debian; the binaries are copied where that user can run them.
    static let uid = 65534

    @Test func servicesAndCLIWorkAsAnUnprivilegedUser() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/dramawire-nobody-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory)
        for name in ["dramawire-ingest", "dramawire-subscriber", "dramawire"] {
            // cp in a child process, waited for on a dispatch thread: a copy written here could
            // leak its descriptor into a child another test forks meanwhile (exec then fails with
            // ETXTBSY), and a blocking wait must not hold a cooperative thread.
            let source = binaryDirectory().appendingPathComponent(name).path
            let copied = try await blocking {
                try TemporaryCluster.spawnAndWait(["/bin/cp", source, directory + "/" + name], outputPath: "/dev/null")
            }
            #expect(copied == 0)
        }
        // As root, drop to nobody; as anyone else, the tests already run unprivileged.
        let prefix =
            getuid() == 0
            ? ["/usr/bin/setpriv", "--reuid=\(Self.uid)", "--regid=\(Self.uid)", "--clear-groups", "--"] : []
        func spawn(_ argv: [String], _ environment: [String: String], log: String) throws -> pid_t {
            try spawnProcess(prefix + argv, environment: environment, outputPath: directory + "/" + log)
        }
        func log(_ name: String) -> String {
            (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
        }

        let databaseURL = try await PostgresHarness.shared().createDatabase(prefix: "nobody")
        let ingestPort = try TemporaryCluster.freePort()
        let subscriberPort = try TemporaryCluster.freePort()
        let ingest = try spawn(
            [directory + "/dramawire-ingest"],
            ["DATABASE_URL": databaseURL, "DRAMAWIRE_INGEST_LISTEN": "127.0.0.1:\(ingestPort)"], log: "ingest.log")
        defer {
            kill(ingest, SIGTERM)
            _ = waitForExit(ingest)
        }
        let subscriber = try spawn(
            [directory + "/dramawire-subscriber"],
            [
                "DRAMAWIRE_INGEST_URL": "127.0.0.1:\(ingestPort)",
                "DRAMAWIRE_SUBSCRIBER_LISTEN": "127.0.0.1:\(subscriberPort)",
                "DRAMAWIRE_READMODEL": directory + "/readmodel.sqlite",
            ], log: "subscriber.log")
        defer {
            kill(subscriber, SIGTERM)
            _ = waitForExit(subscriber)
        }
        let ingestAddress = ServiceAddress(host: "127.0.0.1", port: ingestPort)
        let subscriberAddress = ServiceAddress(host: "127.0.0.1", port: subscriberPort)

        // The CLI, as nobody, against both services (retried while they start).
        func ping(_ arguments: [String], _ environment: [String: String] = [:]) async throws -> Int32 {
            var status: Int32 = -1
            for _ in 0..<100 {
                let pid = try spawn([directory + "/dramawire", "ping"] + arguments, environment, log: "ping.log")
                status = try await blocking { waitForExit(pid) }
                if status == 0 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            return status
        }
        let pingedIngest = try await ping(["--ingest", ingestAddress.description])
        #expect(pingedIngest == 0, "ping as nobody failed: \(log("ping.log")) \(log("ingest.log").suffix(800))")
        let pingedSubscriber = try await ping(
            ["--subscriber"], ["DRAMAWIRE_SUBSCRIBER_URL": subscriberAddress.description])
        #expect(
            pingedSubscriber == 0,
            "ping --subscriber as nobody failed: \(log("ping.log")) \(log("subscriber.log").suffix(800))")

        // And the services among themselves: a news item reaches the read model.
        try await ingestAll(
            [
                newsItem(
                    "nobody", "2024-04-19T09:30:00+09:00", [ost("Queen of Tears", ["Kim Soo-hyun"], song: "Proposal")])
            ],
            to: ingestAddress)
        try await waitUntilCaughtUp(subscriberAddress, ingest: ingestAddress, timeout: .seconds(60))
        let document = try await withSession(subscriberAddress) { try await $0.call("GET DRAMA Queen of Tears") }
        #expect(document?["osts"][0]["song"] == "Proposal")
    }
}
