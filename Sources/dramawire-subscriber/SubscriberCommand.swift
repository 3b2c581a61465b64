import ArgumentParser
import DramaWireClient
import LineServer
import Logging
import SQLiteStore
import SubscriberService

/// `dramawire-subscriber`: follows the ingest change log into a SQLite read model and serves it.
@main
struct SubscriberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dramawire-subscriber",
        abstract: "DramaWire subscriber service (line protocol, default port 7401).")

    @Option(help: "host:port to listen on [DRAMAWIRE_SUBSCRIBER_LISTEN, 127.0.0.1:7401].") var listen: String?
    @Option(help: "Token required by AUTH [DRAMAWIRE_TOKEN].") var token: String?
    @Option(help: "host:port or tls://host:port of the ingest service [DRAMAWIRE_INGEST_URL, 127.0.0.1:7400].")
    var ingestURL: String?
    @Option(help: "Token presented to the ingest service [DRAMAWIRE_INGEST_TOKEN].") var ingestToken: String?
    @Option(help: "SQLite read model file, or a directory for one file per replica [DRAMAWIRE_READMODEL].")
    var readmodel: String?
    @Flag(help: "Delete the read model first and replay the change log from seq 0.") var rebuild = false
    @Option(help: "Longest request line in bytes [DRAMAWIRE_MAX_LINE, 1048576].") var maxLine: Int?
    @Option(help: "Connection limit [DRAMAWIRE_MAX_CONNECTIONS, 1024].") var maxConnections: Int?
    @Option(help: "Unread bytes allowed per watcher [DRAMAWIRE_WATCH_BUFFER, 4194304].") var watchBuffer: Int?
    @Option(help: "Bytes of GET replies cached in memory; 0: off [DRAMAWIRE_CACHE_BYTES, 67108864].")
    var cacheBytes: Int?
    @Option(
        help: "Bytes of large documents' entries kept between batches; 0: off [DRAMAWIRE_PARTS_CACHE_BYTES, 33554432].")
    var partsCacheBytes: Int?
    @Option(help: "host:port for Prometheus /metrics [DRAMAWIRE_METRICS_LISTEN, off].") var metricsListen: String?
    @Option(help: "Close connections silent for this many seconds [DRAMAWIRE_IDLE_TIMEOUT, 300].")
    var idleTimeout: Double?
    @Option(help: "Seconds a client has to finish a request line [DRAMAWIRE_LINE_TIMEOUT, 30].")
    var lineTimeout: Double?
    @Flag(help: "Serve without a token on a non-loopback address [DRAMAWIRE_ALLOW_UNAUTHENTICATED].")
    var allowUnauthenticated = false
    @Option(help: "PEM certificate chain: the listener speaks only TLS [DRAMAWIRE_TLS_CERT].") var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert [DRAMAWIRE_TLS_KEY].") var tlsKey: String?
    @Option(help: "PEM CA bundle: require client certificates it signed [DRAMAWIRE_TLS_CLIENT_CA].")
    var tlsClientCa: String?
    @Option(help: "Log level: trace, debug, info, warning, error [DRAMAWIRE_LOG_LEVEL, info].") var logLevel: String?

    func run() async throws {
        // Before anything opens SQLite (see configureProcess).
        let sqliteConfigured = ReadModel.configureProcess()
        let logger = bootstrapLogging(
            label: "dramawire.subscriber", level: Settings.string(logLevel, env: "DRAMAWIRE_LOG_LEVEL"))
        if !sqliteConfigured { logger.warning("SQLite was initialized before its process settings could be applied") }
        let server: SubscriberServer
        do {
            let (host, port) = try Settings.address(
                listen, env: "DRAMAWIRE_SUBSCRIBER_LISTEN", default: "127.0.0.1:7401")
            let allow = try Settings.bool(allowUnauthenticated, env: "DRAMAWIRE_ALLOW_UNAUTHENTICATED")
            let fullToken = try Settings.secret(token, env: "DRAMAWIRE_TOKEN")
            let tokens = Tokens(full: fullToken)
            if let warning = try checkExposure(host: host, tokens: tokens, allowUnauthenticated: allow) {
                logger.warning("\(warning)")
            }
            let ingestText = Settings.string(ingestURL, env: "DRAMAWIRE_INGEST_URL") ?? "127.0.0.1:7400"
            guard let ingest = ServiceAddress(parsing: ingestText) else {
                throw SettingError("DRAMAWIRE_INGEST_URL: expected host:port or tls://host:port, got \"\(ingestText)\"")
            }
            var path = Settings.string(readmodel, env: "DRAMAWIRE_READMODEL") ?? "./dramawire-readmodel.sqlite"
            if ReadModelSlot.isDirectory(path) { path = try ReadModelSlot.claim(in: path) }
            if rebuild { try ReadModel.remove(path: path) }
            var configuration = SubscriberConfiguration(
                host: host, port: port, token: fullToken,
                maximumLineBytes: try Settings.positiveInt(maxLine, env: "DRAMAWIRE_MAX_LINE", default: 1 << 20),
                maximumConnections: try Settings.positiveInt(
                    maxConnections, env: "DRAMAWIRE_MAX_CONNECTIONS", default: 1024),
                ingest: ingest,
                ingestToken: try Settings.secret(ingestToken, env: "DRAMAWIRE_INGEST_TOKEN"), readModelPath: path,
                watcherBufferBytes: try Settings.positiveInt(
                    watchBuffer, env: "DRAMAWIRE_WATCH_BUFFER", default: 4 << 20),
                metricsListen: try Settings.optionalAddress(metricsListen, env: "DRAMAWIRE_METRICS_LISTEN"))
            configuration.cacheBytes = try Settings.nonNegativeInt(
                cacheBytes, env: "DRAMAWIRE_CACHE_BYTES", default: 64 << 20)
            configuration.partsCacheBytes = try Settings.nonNegativeInt(
                partsCacheBytes, env: "DRAMAWIRE_PARTS_CACHE_BYTES", default: 32 << 20)
            configuration.idleTimeout = try Settings.seconds(idleTimeout, env: "DRAMAWIRE_IDLE_TIMEOUT", default: 300)
            configuration.lineTimeout = try Settings.seconds(lineTimeout, env: "DRAMAWIRE_LINE_TIMEOUT", default: 30)
            configuration.tls = try ServerTLS.fromSettings(certificate: tlsCert, key: tlsKey, clientCA: tlsClientCa)
            server = try SubscriberServer(configuration: configuration, logger: logger)
        } catch {
            printStartupFailure("\(error)")
            throw ExitCode.failure
        }
        let onHangup = reloadingTLS({ [server] in try server.reloadTLS() }, logger: logger)
        guard await runUntilSignalled(server, logger: logger, onHangup: onHangup) else { throw ExitCode.failure }
    }
}
