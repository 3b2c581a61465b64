import ArgumentParser
import DramaWireClient
import Foundation
import LineProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// Options shared by commands that talk to the ingest service.
struct IngestConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("ingest"),
        help: "Ingest service host:port or tls://host:port [DRAMAWIRE_INGEST_URL, 127.0.0.1:7400].")
    var ingestURL: String?

    @Option(help: "Token for AUTH [DRAMAWIRE_TOKEN].")
    var token: String?

    @Option(help: "PEM CA bundle to verify a tls:// ingest service with [DRAMAWIRE_TLS_CA, system roots].")
    var ca: String?

    func address() throws -> ServiceAddress {
        useCA(ca)
        let text = ingestURL ?? environment("DRAMAWIRE_INGEST_URL") ?? "127.0.0.1:7400"
        guard let address = ServiceAddress(parsing: text) else {
            throw ValidationError("DRAMAWIRE_INGEST_URL: expected host:port or tls://host:port, got \"\(text)\"")
        }
        return address
    }

    var resolvedToken: String? { token ?? environment("DRAMAWIRE_TOKEN") }
}

/// `--ca` overrides `DRAMAWIRE_TLS_CA` for this process: every connection the CLI opens reads
/// its TLS setting from the environment (``ClientTLS/environment``).
func useCA(_ file: String?) {
    if let file { setenv("DRAMAWIRE_TLS_CA", file, 1) }
}

/// The subscriber service's address: `flag`, else `DRAMAWIRE_SUBSCRIBER_URL`, else 127.0.0.1:7401.
func subscriberAddress(_ flag: String?) throws -> ServiceAddress {
    let text = flag ?? environment("DRAMAWIRE_SUBSCRIBER_URL") ?? "127.0.0.1:7401"
    guard let address = ServiceAddress(parsing: text) else {
        throw ValidationError("DRAMAWIRE_SUBSCRIBER_URL: expected host:port or tls://host:port, got \"\(text)\"")
    }
    return address
}

/// An environment variable, or nil when unset or empty.
func environment(_ name: String) -> String? {
    guard let raw = getenv(name) else { return nil }
    let value = String(cString: raw)
    return value.isEmpty ? nil : value
}

/// Writes to standard error without buffering (progress bars, diagnostics).
func printError(_ text: String, terminator: String = "\n") {
    let bytes = Array((text + terminator).utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Writes a line to standard output at once (unbuffered), so piped output is not held back.
func printLine(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        if written <= 0 { return }
        offset += written
    }
}

/// The contents of `path`, or standard input for `-`; an unreadable file is the CLI's one-line error.
func readInput(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let contents = FileManager.default.contents(atPath: path) else {
        throw CLIFailure(message: "cannot read \(path)", exitCode: CLIExitCode.noInput)
    }
    return contents
}

/// Whether standard error is a terminal (progress bars only there).
var stderrIsTerminal: Bool { isatty(2) == 1 }

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Formats a `WireError` for people.
func describe(_ error: Error) -> String {
    if let wire = error as? WireError { return "ERR \(wire.code.rawValue) \(wire.message)" }
    return "\(error)"
}

/// The CLI's exit codes, the same for every command (README, "The CLI").
public enum CLIExitCode {
    /// The service answered `ERR`, some items failed, or a confirmation was declined.
    public static let failed: Int32 = 1
    /// Bad flags or arguments (ArgumentParser's EX_USAGE).
    public static let usage: Int32 = 64
    /// A file to read could not be read (EX_NOINPUT).
    public static let noInput: Int32 = 66
    /// The service could not be reached (EX_UNAVAILABLE).
    public static let unreachable: Int32 = 69
}

/// An error the CLI reports as one line that says what failed and what to try, with its exit code.
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32

    var description: String { message }

    static func unreachable(_ service: String, _ failure: ConnectionFailure) -> CLIFailure {
        CLIFailure(
            message:
                "cannot reach \(service) at \(failure.address): \(failure.reason); is it running? (./deploy/dev up)",
            exitCode: CLIExitCode.unreachable)
    }

    static func refused(_ error: WireError) -> CLIFailure {
        CLIFailure(message: "ERR \(error.code.rawValue) \(error.message)", exitCode: CLIExitCode.failed)
    }
}

/// Connects to `service` (`ingest` or `subscriber`) at `address`, authenticates with `token`,
/// and runs `body`; an unreachable service becomes the CLI's one-line error.
func withService<T>(
    _ service: String, _ address: ServiceAddress, token: String?, _ body: (inout LineSession) async throws -> T
) async throws -> T {
    do {
        return try await LineClient.withConnection(to: address) { session in
            try await session.authenticate(token)
            return try await body(&session)
        }
    } catch let failure as ConnectionFailure {
        throw CLIFailure.unreachable(service, failure)
    }
}

/// Runs a stream (`tail --follow`, `watch`) across reconnects: `attempt` opens a connection
/// and returns true when the stream is finished. The protocol's liveness rule applies: a
/// connection that falls silent for three heartbeat intervals, is reset, or is closed by the
/// server is reported on stderr and opened again after a backoff (up to 5 s). The first
/// connection's failure, and errors the server states (`ERR`), end the command as before.
func followAcrossReconnects(_ attempt: (_ connected: inout Bool) async throws -> Bool) async throws {
    var everConnected = false
    var failures = 0
    while true {
        var connected = false
        do {
            if try await attempt(&connected) { return }
            printError("dramawire: the server closed the stream; reconnecting")
        } catch let error as WireError {
            throw error
        } catch let failure as CLIFailure where !everConnected || failure.exitCode != CLIExitCode.unreachable {
            throw failure
        } catch let error where everConnected || connected {
            printError("dramawire: \(describe(error)); reconnecting")
        }
        everConnected = everConnected || connected
        failures = connected ? 1 : failures + 1
        let step = min(5000, 100 << min(failures, 6))
        try await Task.sleep(for: .milliseconds(step / 2 + Int.random(in: 0...(step / 2))))
    }
}

extension IngestConnectionOptions {
    /// ``withService(_:_:token:_:)`` for the ingest service.
    func connect<T>(_ body: (inout LineSession) async throws -> T) async throws -> T {
        try await withService("ingest", try address(), token: resolvedToken, body)
    }
}
