import DramaWireClient
import Foundation

/// A service executable running as a real child process.
public final class ServiceProcess: Sendable {
    public let pid: pid_t
    public let address: ServiceAddress
    public let logPath: String
    /// What a client trusts to reach it when it speaks TLS.
    public let clientTLS: ClientTLS

    init(pid: pid_t, address: ServiceAddress, logPath: String, clientTLS: ClientTLS = .environment) {
        self.pid = pid
        self.address = address
        self.logPath = logPath
        self.clientTLS = clientTLS
    }

    /// Starts `dramawire-ingest` on `port` (a free loopback port when nil) and waits until it
    /// answers PING. With `tls`, the service is expected to speak TLS (its certificate comes
    /// from `extraEnvironment`) and is reached trusting what `tls` says.
    public static func startIngest(
        databaseURL: String, port: Int? = nil, extraEnvironment: [String: String] = [:], tls: ClientTLS? = nil
    ) async throws -> ServiceProcess {
        try await start(
            "dramawire-ingest", listenVariable: "DRAMAWIRE_INGEST_LISTEN", port: port,
            environment: extraEnvironment.merging(["DATABASE_URL": databaseURL]) { $1 }, tls: tls)
    }

    /// Starts `dramawire-subscriber` following `ingest`, with its read model at `readModel`.
    public static func startSubscriber(
        ingest: ServiceAddress, readModel: String, port: Int? = nil, arguments: [String] = [],
        extraEnvironment: [String: String] = [:]
    ) async throws -> ServiceProcess {
        try await start(
            "dramawire-subscriber", listenVariable: "DRAMAWIRE_SUBSCRIBER_LISTEN", port: port, arguments: arguments,
            environment: extraEnvironment.merging([
                "DRAMAWIRE_INGEST_URL": ingest.description, "DRAMAWIRE_READMODEL": readModel,
            ]) { $1 })
    }

    static func start(
        _ executable: String, listenVariable: String, port fixedPort: Int? = nil, arguments: [String] = [],
        environment extra: [String: String], tls: ClientTLS? = nil
    ) async throws -> ServiceProcess {
        let port = try fixedPort ?? TemporaryCluster.freePort()
        var environment = [listenVariable: "127.0.0.1:\(port)"]
        for (k, v) in extra { environment[k] = v }
        let binary = binaryDirectory().appendingPathComponent(executable).path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw HarnessError("\(binary) is missing; build the package first (swift build)")
        }
        let logPath = FileManager.default.temporaryDirectory.path + "/\(executable)-\(port).log"
        let pid = try spawnProcess([binary] + arguments, environment: environment, outputPath: logPath)
        let process = ServiceProcess(
            pid: pid, address: ServiceAddress(host: "127.0.0.1", port: port, tls: tls != nil), logPath: logPath,
            clientTLS: tls ?? .environment)
        do {
            try await process.waitUntilAnswering()
        } catch {
            process.stop(signal: SIGKILL)
            throw error
        }
        return process
    }

    /// Polls PING until it answers (20 s at most).
    public func waitUntilAnswering(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let answered =
                (try? await LineClient.withConnection(to: address, tls: clientTLS) { session -> Bool in
                    try await session.call("PING")
                    return true
                }) ?? false
            if answered { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw HarnessError("service on \(address) did not answer: \(log.suffix(1500))")
    }

    /// Sends a signal (SIGTERM by default) and waits for exit; returns the exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Int32 {
        kill(pid, signal)
        return waitForExit(pid)
    }
}

/// Spawns `argv` with `environment` added to this process's environment; output goes to a file.
///
/// posix_spawn rather than Foundation's Process: Process did not reap children reliably inside
/// the test runner, and a pipe inherited by pg_ctl's server would never reach end-of-file.
public func spawnProcess(_ argv: [String], environment: [String: String], outputPath: String) throws -> pid_t {
    var merged = ProcessInfo.processInfo.environment
    for (k, v) in environment { merged[k] = v }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    var cEnv: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        cArgs.forEach { free($0) }
        cEnv.forEach { free($0) }
    }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, &cEnv)
    guard result == 0 else { throw HarnessError("cannot start \(argv[0]): error \(result)") }
    return pid
}

/// Waits for `pid` and returns its exit status (128 + signal when killed).
public func waitForExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // WEXITSTATUS / WTERMSIG, spelled out (the macros are not imported).
    return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
}
