import ArgumentParser
import DramaWireClient
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `dramawire ping`: is a service up and answering?
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "Check that a service answers PING.")

    @OptionGroup var connection: IngestConnectionOptions

    @Flag(help: "Ping the subscriber service instead [DRAMAWIRE_SUBSCRIBER_URL, 127.0.0.1:7401].")
    var subscriber = false

    func run() async throws {
        let address: ServiceAddress
        if subscriber {
            address = try subscriberAddress(nil)
        } else {
            address = try connection.address()
        }
        let start = monotonicSeconds()
        do {
            let service = try await withService(subscriber ? "subscriber" : "ingest", address, token: nil) { session in
                try await session.call("PING")
                return session.greeting["service"].stringValue ?? "?"
            }
            printLine(
                "ok: \(service) at \(address) answered in \(String(format: "%.1f", (monotonicSeconds() - start) * 1000)) ms"
            )
        } catch let failure as CLIFailure {
            throw failure
        } catch {
            printError("ping \(address): \(describe(error))")
            throw ExitCode.failure
        }
    }
}

/// `dramawire head`: the last committed change.
struct HeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "head", abstract: "Print the change log's head seq.")

    @OptionGroup var connection: IngestConnectionOptions

    func run() async throws {
        let head = try await connection.connect { session in
            return try await session.call("HEAD")?["seq"].intValue ?? 0
        }
        printLine(String(head))
    }
}
