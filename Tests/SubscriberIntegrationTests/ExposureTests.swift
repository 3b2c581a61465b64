import Foundation
import TestSupport
import Testing

/// Without a token, neither service listens on an address other hosts can reach unless told so.
@Suite struct ExposureTests {
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (
        status: Int32, output: String
    ) {
        let log = FileManager.default.temporaryDirectory.path + "/exposure-\(UUID().uuidString).log"
        let binary = binaryDirectory().appendingPathComponent(executable).path
        let pid = try spawnProcess(
            [binary] + arguments,
            environment: environment.merging(["DRAMAWIRE_TOKEN": "", "DRAMAWIRE_READ_TOKEN": ""]) { a, _ in a },
            outputPath: log)
        let status = waitForExit(pid)
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    @Test(arguments: ["dramawire-ingest", "dramawire-subscriber"])
    func refusesAnOpenNonLoopbackAddress(executable: String) throws {
        let readModel = ["--readmodel", temporaryReadModelPath("exposure")]
        let extra = executable == "dramawire-subscriber" ? readModel : ["--database-url", "postgresql://127.0.0.1:1/x"]
        let refused = try Self.run(executable, ["--listen", "0.0.0.0:0"] + extra)
        #expect(refused.status == 1)
        #expect(refused.output.hasPrefix("error: refusing to listen on 0.0.0.0 without a token"))
        #expect(refused.output.split(separator: "\n").count == 1)
        // A bad value for the override is refused too, with one line.
        let bad = try Self.run(
            executable, ["--listen", "0.0.0.0:0"] + extra, environment: ["DRAMAWIRE_ALLOW_UNAUTHENTICATED": "maybe"])
        #expect(bad.status == 1)
        #expect(bad.output.contains("DRAMAWIRE_ALLOW_UNAUTHENTICATED: expected 1 or 0"))
    }

    /// Secrets may come from files (`<NAME>_FILE`), and a database password never reaches the
    /// log or a reply, even when the database cannot be reached.
    @Test func secretsFromFilesNeverReachLogsOrReplies() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/secrets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let password = "S3cret-Passw0rd-\(UInt32.random(in: 0...UInt32.max))"
        try "postgresql://dramawire:\(password)@127.0.0.1:1/dramawire\n".write(
            toFile: directory + "/url", atomically: true, encoding: .utf8)
        let unreachable = try Self.run(
            "dramawire-ingest", [],
            environment: [
                "DATABASE_URL": "", "DATABASE_URL_FILE": directory + "/url", "DRAMAWIRE_STARTUP_TIMEOUT": "1",
                "DRAMAWIRE_INGEST_LISTEN": "127.0.0.1:0",
            ])
        #expect(unreachable.status != 0)
        #expect(unreachable.output.contains("127.0.0.1"), "the error should say which server: \(unreachable.output)")
        #expect(!unreachable.output.contains(password), "the password leaked: \(unreachable.output)")
        let missing = try Self.run(
            "dramawire-ingest", [], environment: ["DATABASE_URL": "", "DATABASE_URL_FILE": directory + "/nope"])
        #expect(missing.status == 1)
        #expect(missing.output.hasPrefix("error: DATABASE_URL_FILE: cannot read \(directory)/nope"))

        // A running service: the URL (with a password the trust-auth test cluster ignores) and
        // the token both come from files; AUTH takes the file's token, and neither is logged.
        let token = "tok-\(UInt32.random(in: 0...UInt32.max))"
        try "\(token)\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let database = try await PostgresHarness.shared().createDatabase(prefix: "secret")
        let withPassword = database + (database.contains("?") ? "&" : "?") + "password=\(password)"
        try withPassword.write(toFile: directory + "/url", atomically: true, encoding: .utf8)
        let ingest = try await ServiceProcess.startIngest(
            databaseURL: "",
            extraEnvironment: [
                "DATABASE_URL_FILE": directory + "/url", "DRAMAWIRE_TOKEN_FILE": directory + "/token",
                "DRAMAWIRE_LOG_LEVEL": "debug",
            ])
        let denied = try await rawExchange(ingest.address, bytes: Array("AUTH wrong\nHEAD\n".utf8), lines: 3)
        #expect(denied.dropFirst().first == "ERR denied wrong token")
        let allowed = try await rawExchange(ingest.address, bytes: Array("AUTH \(token)\nHEAD\n".utf8), lines: 3)
        #expect(allowed.dropFirst().first == "OK")
        #expect(allowed.last?.hasPrefix("OK {\"seq\":") == true)
        ingest.stop()
        let log = try String(contentsOfFile: ingest.logPath, encoding: .utf8)
        #expect(!log.contains(password) && !log.contains(token), "a secret reached the log")
    }
}
