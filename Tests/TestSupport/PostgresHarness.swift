import Foundation
import LibPQ
import Logging
import Synchronization

/// A real PostgreSQL for tests.
///
/// If `DATABASE_URL` is set, tests use that server. Otherwise the harness creates a throwaway
/// cluster with initdb in a temporary directory, starts it with pg_ctl on a free loopback port,
/// and stops it when the test process exits. Each test gets a database of its own
/// (``createDatabase()``), so tests can run in parallel. If no server can be had, the tests
/// fail; they never skip.
public final class PostgresHarness: Sendable {
    /// Where to connect for administrative work (creating databases).
    public let adminURL: String
    /// `postgresql://user@host:port/` to which a database name is appended.
    let baseURL: String
    /// The cluster directory when the harness started one.
    public let cluster: TemporaryCluster?
    private let counter = Atomic<Int>(0)

    init(adminURL: String, baseURL: String, cluster: TemporaryCluster?) {
        self.adminURL = adminURL
        self.baseURL = baseURL
        self.cluster = cluster
    }

    private static let sharedResult: Result<PostgresHarness, HarnessError> = {
        do {
            if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
                // Databases are created next to the configured one: replace the path's database.
                let base = url.split(separator: "?").first.map(String.init) ?? url
                let prefix =
                    base.range(of: "/", options: .backwards).map { String(base[..<$0.upperBound]) } ?? base + "/"
                return .success(PostgresHarness(adminURL: url, baseURL: prefix, cluster: nil))
            }
            let cluster = try TemporaryCluster.start()
            registerClusterForExit(cluster)
            cluster.startWatchdog()
            return .success(
                PostgresHarness(
                    adminURL: cluster.url(database: "postgres"), baseURL: cluster.url(database: ""), cluster: cluster))
        } catch let error as HarnessError {
            return .failure(error)
        } catch {
            return .failure(HarnessError("\(error)"))
        }
    }()

    /// The harness for this test process, starting PostgreSQL on first use.
    public static func shared() throws -> PostgresHarness {
        try sharedResult.get()
    }

    /// Creates an empty database and returns its connection URL.
    public func createDatabase(prefix: String = "t") async throws -> String {
        let name =
            "\(prefix)_\(getpid())_\(counter.add(1, ordering: .relaxed).newValue)_\(UInt32.random(in: 0..<UInt32.max))"
        let admin = try await PQConnection.connect(conninfo: adminURL, logger: Logger(label: "test.admin"))
        // CREATE DATABASE cannot take parameters; the name is generated above from digits.
        try await admin.execute("CREATE DATABASE \(name)")
        await admin.close()
        return baseURL + name
    }
}

/// Why the harness could not provide a database.
public struct HarnessError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "PostgreSQL test harness: \(message)" }
}

/// A PostgreSQL cluster in a temporary directory, owned by this test process.
public final class TemporaryCluster: Sendable {
    public let directory: String
    public let port: Int
    let user: String
    let binDir: String
    let runAs: String?
    /// Server options beyond the port and socket directory, kept for restarts.
    let options: String

    init(directory: String, port: Int, user: String, binDir: String, runAs: String?, options: String) {
        self.options = options
        self.directory = directory
        self.port = port
        self.user = user
        self.binDir = binDir
        self.runAs = runAs
    }

    /// A libpq URL for `database` on this cluster, or reaching it through `port` (a proxy's).
    public func url(database: String, port: Int? = nil) -> String {
        "postgresql://\(user)@127.0.0.1:\(port ?? self.port)/\(database)"
    }

    /// initdb + pg_ctl start on a free port.
    ///
    /// - Parameter tls: a PEM certificate and key: the server then speaks TLS with them and
    ///   refuses TCP clients that do not (`hostssl` only in pg_hba.conf).
    public static func start(tls: (certificate: String, key: String)? = nil) throws -> TemporaryCluster {
        let binDir = try postgresBinDir()
        let root = geteuid() == 0
        // initdb refuses to run as root; the cluster then belongs to the `postgres` user.
        let runAs: String? = root ? "postgres" : nil
        let user = runAs ?? (ProcessInfo.processInfo.environment["USER"] ?? "postgres")
        let base =
            FileManager.default.temporaryDirectory.path
            + "/dramawire-pg-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        if let runAs {
            try run("/bin/chown", [runAs, base])
        }
        let data = base + "/data"
        try run(binDir + "/initdb", ["-D", data, "-A", "trust", "-U", user, "--no-sync", "-E", "UTF8"], runAs: runAs)
        var tlsOptions = ""
        if let tls {
            // PostgreSQL refuses a key that others can read or that is not its user's.
            let certificate = base + "/server.pem"
            let key = base + "/server.key"
            try FileManager.default.copyItem(atPath: tls.certificate, toPath: certificate)
            try FileManager.default.copyItem(atPath: tls.key, toPath: key)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
            if let runAs { try run("/bin/chown", [runAs, certificate, key]) }
            let hba = data + "/pg_hba.conf"
            let rules = try String(contentsOfFile: hba, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("host ") ? "hostssl " + $0.dropFirst(5) : String($0) }
            try rules.joined(separator: "\n").write(toFile: hba, atomically: false, encoding: .utf8)
            tlsOptions = " -c ssl=on -c ssl_cert_file=\(certificate) -c ssl_key_file=\(key)"
        }
        var lastError: Error?
        for _ in 0..<5 {
            let port = try freePort()
            let serverOptions = "-c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" + tlsOptions
            let options = "-p \(port) -k \(base) " + serverOptions
            do {
                try run(
                    binDir + "/pg_ctl",
                    ["-D", data, "-o", options, "-l", base + "/postgres.log", "-w", "-t", "60", "start"],
                    runAs: runAs)
                return TemporaryCluster(
                    directory: base, port: port, user: user, binDir: binDir, runAs: runAs, options: serverOptions)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? HarnessError("pg_ctl start failed")
    }

    /// Stops the server (`-m fast` or `immediate`).
    public func stop(mode: String = "fast") throws {
        try Self.run(binDir + "/pg_ctl", ["-D", directory + "/data", "-m", mode, "-w", "stop"], runAs: runAs)
    }

    /// Starts the server again after ``stop(mode:)``, on the same port.
    public func restart() throws {
        let options = "-p \(port) -k \(directory) " + self.options
        try Self.run(
            binDir + "/pg_ctl",
            ["-D", directory + "/data", "-o", options, "-l", directory + "/postgres.log", "-w", "start"],
            runAs: runAs)
    }

    /// Stops the cluster when this test process dies, even by SIGKILL: a detached shell polls
    /// the test process and cleans up after it. (atexit alone misses crashes and kills.)
    func startWatchdog() {
        let pgctl = binDir + "/pg_ctl"
        let stop = runAs.map { "runuser -u \($0) -- " } ?? ""
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            \(stop)\(pgctl) -D '\(directory)/data' -m immediate stop >/dev/null 2>&1
            rm -rf '\(directory)'
            """
        _ = try? Self.spawnAndWait(["/usr/bin/setsid", "/bin/sh", "-c", script], outputPath: "/dev/null", wait: false)
    }

    /// Stops the server and deletes the directory.
    public func destroy() {
        try? stop(mode: "immediate")
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func postgresBinDir() throws -> String {
        if let dir = ProcessInfo.processInfo.environment["PG_BIN"], !dir.isEmpty { return dir }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        throw HarnessError("initdb not found under /usr/lib/postgresql (install postgresql, or set DATABASE_URL)")
    }

    /// A port that was free a moment ago (bind to 0, read it, close).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw HarnessError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a command to completion; throws with its output when it fails.
    ///
    /// Output goes to a file, not a pipe: pg_ctl's server inherits the descriptors, and a pipe
    /// held open by the server would never reach end-of-file.
    static func run(_ path: String, _ arguments: [String], runAs: String? = nil) throws {
        let argv = runAs.map { ["/usr/sbin/runuser", "-u", $0, "--", path] } ?? [path]
        let logPath =
            FileManager.default.temporaryDirectory.path
            + "/dramawire-cmd-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let status = try spawnAndWait(argv + arguments, outputPath: logPath)
        guard status == 0 else {
            let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw HarnessError("\(path) failed (\(status)): \(output.suffix(2000))")
        }
    }

    /// Runs `argv` (output to `outputPath`) and, if `wait`, returns its exit status.
    public static func spawnAndWait(_ argv: [String], outputPath: String, wait: Bool = true) throws -> Int32 {
        let pid = try spawnProcess(argv, environment: [:], outputPath: outputPath)
        guard wait else { return 0 }
        return waitForExit(pid)
    }
}

/// The cluster to stop when the test process exits (atexit cannot capture context). Safe: it is
/// written once, inside the one-time static initializer above and before `atexit` registers the
/// reader, and read only by that exit handler.
nonisolated(unsafe) private var clusterToStop: TemporaryCluster?

private func registerClusterForExit(_ cluster: TemporaryCluster) {
    clusterToStop = cluster
    atexit {
        clusterToStop?.destroy()
    }
}
