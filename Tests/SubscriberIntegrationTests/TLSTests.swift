import DramaWireClient
import Foundation
import IngestService
import LineProtocol
import LineServer
import TestSupport
import Testing

/// Certificates made for one test run by the openssl command: a CA, a server certificate for
/// `localhost` and 127.0.0.1, a client certificate, and a second CA that signed nothing here.
struct TestCertificates {
    let directory: String
    var ca: String { directory + "/ca.pem" }
    var otherCA: String { directory + "/other-ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var serverByOtherCA: String { directory + "/server-by-other-ca.pem" }
    var serverForOtherName: String { directory + "/server-other-name.pem" }
    var expiredServer: String { directory + "/server-expired.pem" }
    var clientCertificate: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client.key" }

    static func make() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.path + "/dramawire-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let certificates = TestCertificates(directory: directory)
        try certificates.write("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
        try certificates.write("client.ext", "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n")
        try certificates.write("other-name.ext", "subjectAltName=DNS:other.example\nbasicConstraints=CA:FALSE\n")
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        let steps: [[String]] = [
            ["req", "-x509"] + curve + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA"],
            ["req", "-x509"] + curve + [
                "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=Other CA",
            ],
            ["req"] + curve + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
            [
                "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
            ],
            // The server's key, signed three more ways: by the other CA, for another name only,
            // and already expired (valid until yesterday).
            [
                "x509", "-req", "-in", "server.csr", "-CA", "other-ca.pem", "-CAkey", "other-ca.key",
                "-CAcreateserial", "-out", "server-by-other-ca.pem", "-days", "2", "-extfile", "server.ext",
            ],
            [
                "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server-other-name.pem", "-days", "2", "-extfile", "other-name.ext",
            ],
            [
                "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server-expired.pem", "-days", "-1", "-extfile", "server.ext",
            ],
            ["req"] + curve + ["-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=test client"],
            [
                "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "client.pem", "-days", "2", "-extfile", "client.ext",
            ],
        ]
        for step in steps {
            let argv = ["/bin/sh", "-c", "cd '\(directory)' && exec openssl \"$@\"", "openssl"] + step
            let status = try await blocking {
                try TemporaryCluster.spawnAndWait(argv, outputPath: directory + "/openssl.log")
            }
            guard status == 0 else {
                let log = (try? String(contentsOfFile: directory + "/openssl.log", encoding: .utf8)) ?? ""
                throw HarnessError("openssl \(step.joined(separator: " ")) failed: \(log)")
            }
        }
        // The CLI runs as nobody in these tests: the CA file must be readable by anyone.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: certificates.ca)
        return certificates
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    var server: ServerTLS { ServerTLS(certificateFile: serverCertificate, keyFile: serverKey) }
    var mutualServer: ServerTLS {
        ServerTLS(certificateFile: serverCertificate, keyFile: serverKey, clientCAFile: ca)
    }
    var trusting: ClientTLS { ClientTLS(caFile: ca) }
    var presenting: ClientTLS { ClientTLS(caFile: ca, certificateFile: clientCertificate, keyFile: clientKey) }
}

/// TLS on both listeners and on the subscriber's link to ingest, with certificates made now.
@Suite struct TLSTests {
    private func tls(_ address: ServiceAddress, host: String = "127.0.0.1") -> ServiceAddress {
        ServiceAddress(host: host, port: address.port, tls: true)
    }

    /// One request over a fresh connection.
    private func call(_ address: ServiceAddress, _ tls: ClientTLS, _ line: String) async throws -> JSON? {
        try await LineClient.withConnection(to: address, tls: tls) { try await $0.call(line) }
    }

    @Test func ingestSubscriberAndClientsSpeakTLSEndToEnd() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let ingest = try await startIngest { $0.tls = certificates.server }
        defer { Task { await ingest.stop() } }
        let subscriber = try await startSubscriber(ingest: tls(ingest.address)) {
            $0.tls = certificates.server
            $0.ingestTLS = certificates.trusting
        }
        defer { Task { await subscriber.stop() } }

        // By IP address (checked against the certificate's IP entry) and by name (SNI).
        for address in [tls(ingest.address), tls(ingest.address, host: "localhost")] {
            let greeting = try await LineClient.withConnection(to: address, tls: certificates.trusting) {
                $0.greeting
            }
            #expect(greeting["service"] == "ingest")
        }
        let item = newsItem(
            "tls-1", "2024-05-01T09:00:00+09:00", [casting("Signal Over Glass", "Han Seo-yun", status: "confirmed")])
        let reply = try await call(tls(ingest.address), certificates.trusting, "INGEST \(item)")
        let head = try #require(reply?["last_seq"].intValue)

        // The subscriber followed over TLS and serves the document over TLS.
        var applied: Int64 = 0
        for _ in 0..<200 where applied < head {
            applied =
                try await call(tls(subscriber.address), certificates.trusting, "STATS")?["applied_seq"].intValue ?? 0
            if applied < head { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(applied >= head)
        let document = try await call(tls(subscriber.address), certificates.trusting, "GET DRAMA Signal Over Glass")
        #expect(document?["cast"].arrayValue?.first?["person"]["name"] == "Han Seo-yun")
        print(
            "[tls] ingest -> subscriber -> client: acknowledged=1 head=\(head) applied=\(applied) "
                + "cast_entries=\(document?["cast"].arrayValue?.count ?? 0)")

        // The CLI, as a user runs it: --ca for the test CA, tls:// addresses.
        let cli = try await CLITests().dramawire([
            "get", "drama", "Signal Over Glass", "--subscriber", "tls://127.0.0.1:\(subscriber.address.port)",
            "--ca", certificates.ca, "--json",
        ])
        #expect(cli.status == 0, "\(cli.output)")
        #expect(cli.output.contains("Han Seo-yun"), "\(cli.output)")
    }

    @Test func plaintextWrongCAAndMissingClientCertificatesAreRefused() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let ingest = try await startIngest { $0.tls = certificates.server }
        defer { Task { await ingest.stop() } }
        let mutual = try await startIngest(databaseURL: ingest.databaseURL) { $0.tls = certificates.mutualServer }
        defer { Task { await mutual.stop() } }
        let plain = try await startIngest(databaseURL: ingest.databaseURL)
        defer { Task { await plain.stop() } }

        // A plain-TCP client on the TLS port never gets a HELLO: the first bytes must be a TLS
        // handshake, and a request line is not one.
        let lines = try await blocking { () -> [String] in
            let socket = try RawSocket(ingest.address, timeoutSeconds: 10)
            socket.send("PING\n")
            var lines: [String] = []
            while let line = socket.readLine() { lines.append(line) }
            return lines
        }
        #expect(!lines.contains { $0.hasPrefix("HELLO") || $0.hasPrefix("OK") }, "\(lines)")

        // A certificate from a CA the client does not trust.
        await #expect(throws: ClientError.self) {
            try await call(tls(ingest.address), ClientTLS(caFile: certificates.otherCA), "PING")
        }
        // The system roots do not know the test CA either.
        await #expect(throws: ClientError.self) {
            try await call(tls(ingest.address), ClientTLS(), "PING")
        }
        // A TLS client on a plain port.
        await #expect(throws: (any Error).self) {
            try await call(tls(plain.address), certificates.trusting, "PING")
        }
        // Mutual TLS: no client certificate, no session; with one, served.
        await #expect(throws: (any Error).self) {
            try await call(tls(mutual.address), certificates.trusting, "PING")
        }
        #expect(try await call(tls(mutual.address), certificates.presenting, "HEAD")?["seq"] != nil)

        // None of that disturbed anyone: the TLS service still serves a good client.
        #expect(try await call(tls(ingest.address), certificates.trusting, "HEAD")?["seq"] != nil)
    }

    /// The client checks more than the signature: the name (or address) and the dates.
    @Test func aCertificateForAnotherNameOrExpiredIsRefused() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        for (file, hosts) in [
            (certificates.serverForOtherName, ["127.0.0.1", "localhost"]), (certificates.expiredServer, ["127.0.0.1"]),
        ] {
            let ingest = try await startIngest {
                $0.tls = ServerTLS(certificateFile: file, keyFile: certificates.serverKey)
            }
            for host in hosts {
                await #expect(throws: (any Error).self, "\(file) via \(host)") {
                    try await call(tls(ingest.address, host: host), certificates.trusting, "PING")
                }
            }
            await ingest.stop()
        }
    }

    /// SIGHUP rotates the certificate without a restart: new connections get the new one,
    /// and an unusable file keeps the old one in service.
    @Test func aReloadServesTheNewCertificateAndABadFileKeepsTheOld() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let live = certificates.directory + "/live.pem"
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: live)
        let ingest = try await startIngest {
            $0.tls = ServerTLS(certificateFile: live, keyFile: certificates.serverKey)
        }
        defer { Task { await ingest.stop() } }
        let byOther = ClientTLS(caFile: certificates.otherCA)
        #expect(try await call(tls(ingest.address), certificates.trusting, "HEAD")?["seq"] != nil)
        await #expect(throws: (any Error).self) { try await call(tls(ingest.address), byOther, "PING") }

        // A half-written file: the reload fails and the current certificate keeps serving.
        try "-----BEGIN CERTIFICATE-----\ntruncated".write(toFile: live, atomically: true, encoding: .utf8)
        #expect(throws: SettingError.self) { try ingest.server.reloadTLS() }
        #expect(try await call(tls(ingest.address), certificates.trusting, "HEAD")?["seq"] != nil)

        // The rotated certificate, from the other CA.
        try FileManager.default.removeItem(atPath: live)
        try FileManager.default.copyItem(atPath: certificates.serverByOtherCA, toPath: live)
        #expect(try ingest.server.reloadTLS())
        #expect(try await call(tls(ingest.address), byOther, "HEAD")?["seq"] != nil)
        await #expect(throws: (any Error).self) { try await call(tls(ingest.address), certificates.trusting, "PING") }
    }

    /// The executable wires SIGHUP to the reload: a real process, a real signal.
    @Test func sighupRotatesTheCertificateOfARunningService() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let live = certificates.directory + "/live.pem"
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: live)
        let database = try await PostgresHarness.shared().createDatabase()
        let ingest = try await ServiceProcess.startIngest(
            databaseURL: database,
            extraEnvironment: ["DRAMAWIRE_TLS_CERT": live, "DRAMAWIRE_TLS_KEY": certificates.serverKey],
            tls: certificates.trusting)
        var stopped = false
        defer { if !stopped { ingest.stop(signal: SIGKILL) } }
        let byOther = ClientTLS(caFile: certificates.otherCA)
        try FileManager.default.removeItem(atPath: live)
        try FileManager.default.copyItem(atPath: certificates.serverByOtherCA, toPath: live)
        // Until the signal, the old certificate; after it, the new one.
        #expect(try await call(ingest.address, certificates.trusting, "HEAD")?["seq"] != nil)
        kill(ingest.pid, SIGHUP)
        var rotated = false
        for _ in 0..<100 where !rotated {
            rotated = (try? await call(ingest.address, byOther, "HEAD")) != nil
            if !rotated { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(rotated, "the new certificate was not served 10 s after SIGHUP")
        stopped = true
        #expect(ingest.stop() == 0, "SIGHUP must not have stopped the service")
    }

    /// The ingest's link to PostgreSQL goes through libpq's own TLS (`sslmode` in DATABASE_URL):
    /// a server that accepts only TLS, a client that verifies it, and the refusals.
    @Test func ingestReachesPostgresOnlyOverVerifiedTLS() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let cluster = try await blocking {
            try TemporaryCluster.start(tls: (certificates.serverCertificate, certificates.serverKey))
        }
        defer { cluster.destroy() }
        let base = cluster.url(database: "postgres")
        let verified = base + "?sslmode=verify-full&sslrootcert=\(certificates.ca)&application_name=dw-tls-test"

        let ingest = try await startIngest(databaseURL: verified)
        defer { Task { await ingest.stop() } }
        let item = newsItem(
            "pg-tls-1", "2024-05-02T09:00:00+09:00", [casting("Ledger of Rain", "Yoon Ha-rin", status: "rumored")])
        let replies = try await ingestLines([item], to: ingest.address)
        guard case .ok(let reply?) = replies.first else {
            Issue.record("INGEST over a TLS database link failed: \(replies)")
            return
        }
        #expect(reply["last_seq"].intValue ?? 0 >= 1)

        // Every connection the ingest holds is encrypted (plaintext would not even be let in).
        let inspector = try await Inspector.open(verified.replacingOccurrences(of: "dw-tls-test", with: "dw-probe"))
        defer { Task { await inspector.close() } }
        let row = try await inspector.connection.query(
            """
            SELECT count(*)::int, coalesce(bool_and(s.ssl), false), min(s.version)
            FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'dw-tls-test'
            """
        ).rows[0]
        print("[pg-tls] ingest connections=\(row[0] ?? "?") all_ssl=\(row[1] ?? "?") version=\(row[2] ?? "?")")
        #expect(Int(row[0] ?? "0") ?? 0 >= 2, "\(row)")
        #expect(row[1] == "t", "\(row)")

        // Refused: a CA that did not sign the server's certificate, and a plaintext link.
        for (url, expected) in [
            (base + "?sslmode=verify-full&sslrootcert=\(certificates.otherCA)", "certificate verify failed"),
            (base + "?sslmode=disable", "no encryption"),
        ] {
            var configuration = IngestConfiguration(databaseURL: url, host: "127.0.0.1", port: 0)
            configuration.startupTimeout = .seconds(1)
            let server = IngestServer(configuration: configuration, logger: testLogger("ingest"))
            await #expect {
                try await server.run()
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }

    @Test func tlsSettingsAreCheckedAtStartup() async throws {
        #expect(throws: SettingError.self) {
            try ServerTLS.fromSettings(certificate: "/nonexistent/cert.pem", key: nil, clientCA: nil)
        }
        #expect(throws: SettingError.self) {
            try ServerTLS.fromSettings(certificate: nil, key: nil, clientCA: "/nonexistent/ca.pem")
        }
        #expect(try ServerTLS.fromSettings(certificate: nil, key: nil, clientCA: nil) == nil)
        // A file that is not a certificate stops the service before it listens, naming the file.
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let broken = ServerTLS(certificateFile: certificates.serverKey, keyFile: certificates.serverKey)
        #expect {
            try broken.context()
        } throws: { error in
            "\(error)".contains("DRAMAWIRE_TLS_CERT") && "\(error)".contains(certificates.serverKey)
        }
        #expect(ServiceAddress(parsing: "tls://ingest:7400") == ServiceAddress(host: "ingest", port: 7400, tls: true))
        #expect(ServiceAddress(parsing: "tls://[::1]:7400")?.description == "tls://[::1]:7400")
        #expect(ServiceAddress(parsing: "127.0.0.1:7401")?.tls == false)
        #expect(ServiceAddress(parsing: "http://x:1") == nil)
    }
}
