import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// Sets up swift-log on stderr at `level` (default info) and returns a logger.
public func bootstrapLogging(label: String, level: String?) -> Logger {
    LoggingSystem.bootstrap(StreamLogHandler.standardError)
    var logger = Logger(label: label)
    logger.logLevel = level.flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
    return logger
}

/// Prints `reason` as one line on stderr (the executable then exits non-zero).
public func printStartupFailure(_ reason: String) {
    // One line, whatever the reason contains (libpq messages span several).
    let flat = reason.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(
        separator: " ")
    let line = Array("error: \(flat)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Runs `service` until SIGTERM or SIGINT, then shuts it down gracefully. On SIGHUP it calls
/// `onHangup` (reloading certificates), and goes on serving.
///
/// - Returns: false when the service failed (the reason is already printed as one line).
public func runUntilSignalled(
    _ service: some Service, logger: Logger, onHangup: (@Sendable () -> Void)? = nil
) async -> Bool {
    var hangups: Task<Void, Never>?
    if let onHangup {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        hangups = Task {
            for await _ in signals { onHangup() }
        }
    }
    defer { hangups?.cancel() }
    let group = ServiceGroup(
        configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
        try await group.run()
        return true
    } catch {
        printStartupFailure("\(error)")
        return false
    }
}

/// The SIGHUP action of a service with a TLS listener: reload its certificate, log the outcome.
public func reloadingTLS(_ reload: @escaping @Sendable () throws -> Bool, logger: Logger) -> @Sendable () -> Void {
    {
        do {
            if try !reload() { logger.info("SIGHUP: no TLS listener, nothing to reload") }
        } catch {
            logger.error(
                "SIGHUP: TLS reload failed; the previous certificate stays in use", metadata: ["error": "\(error)"])
        }
    }
}
