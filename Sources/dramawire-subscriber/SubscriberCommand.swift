import ArgumentParser
import LineServer
import Logging
import SubscriberService

/// `dramawire-subscriber`: the read model service (front door only in this version).
@main
struct SubscriberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dramawire-subscriber",
        abstract: "DramaWire subscriber service (line protocol, default port 7401).")

    @Option(help: "host:port to listen on [DRAMAWIRE_SUBSCRIBER_LISTEN, 127.0.0.1:7401].") var listen: String?
    @Option(help: "Token required by AUTH [DRAMAWIRE_TOKEN].") var token: String?
    @Option(help: "Log level [DRAMAWIRE_LOG_LEVEL, info].") var logLevel: String?

    func run() async throws {
        let logger = bootstrapLogging(
            label: "dramawire.subscriber", level: Settings.string(logLevel, env: "DRAMAWIRE_LOG_LEVEL"))
        let configuration: SubscriberConfiguration
        do {
            let (host, port) = try Settings.address(
                listen, env: "DRAMAWIRE_SUBSCRIBER_LISTEN", default: "127.0.0.1:7401")
            configuration = SubscriberConfiguration(
                host: host, port: port, token: Settings.string(token, env: "DRAMAWIRE_TOKEN"))
        } catch {
            printStartupFailure("\(error)")
            throw ExitCode.failure
        }
        let server = SubscriberServer(configuration: configuration, logger: logger)
        guard await runUntilSignalled(server, logger: logger) else { throw ExitCode.failure }
    }
}
