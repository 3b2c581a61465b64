import ArgumentParser
import DramaWireClient
import LineProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// Options shared by commands that talk to the ingest service.
struct IngestConnectionOptions: ParsableArguments {
    @Option(name: .customLong("ingest"), help: "Ingest service host:port [DRAMAWIRE_INGEST_URL, 127.0.0.1:7400].")
    var ingestURL: String?

    @Option(help: "Token for AUTH [DRAMAWIRE_TOKEN].")
    var token: String?

    func address() throws -> ServiceAddress {
        let text = ingestURL ?? environment("DRAMAWIRE_INGEST_URL") ?? "127.0.0.1:7400"
        guard let address = ServiceAddress(parsing: text) else {
            throw ValidationError("DRAMAWIRE_INGEST_URL: expected host:port, got \"\(text)\"")
        }
        return address
    }

    var resolvedToken: String? { token ?? environment("DRAMAWIRE_TOKEN") }
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
