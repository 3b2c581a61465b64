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
}
