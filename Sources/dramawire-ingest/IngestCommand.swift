import ArgumentParser
import IngestService
import LineServer
import Logging

/// `dramawire-ingest`: news in over TCP, PostgreSQL, and the change log out.
@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dramawire-ingest", abstract: "DramaWire ingest service (line protocol, default port 7400).")

    @Option(help: "libpq connection string or URI [DATABASE_URL, or a file named by DATABASE_URL_FILE].")
    var databaseURL: String?
    @Option(help: "host:port to listen on [DRAMAWIRE_INGEST_LISTEN, 127.0.0.1:7400].") var listen: String?
    @Option(help: "Token required by AUTH [DRAMAWIRE_TOKEN].") var token: String?
    @Option(help: "Read-only token: SUBSCRIBE, HEAD, STATS [DRAMAWIRE_READ_TOKEN].") var readToken: String?
    @Option(help: "Longest request line in bytes [DRAMAWIRE_MAX_LINE, 1048576].") var maxLine: Int?
    @Option(help: "Connection limit [DRAMAWIRE_MAX_CONNECTIONS, 1024].") var maxConnections: Int?
    @Option(help: "Heartbeat interval in seconds [DRAMAWIRE_HEARTBEAT, 5].") var heartbeat: Double?
    @Option(help: "Seconds to wait for the database at startup [DRAMAWIRE_STARTUP_TIMEOUT, 30].") var startupTimeout:
        Double?
    @Option(help: "host:port for Prometheus /metrics [DRAMAWIRE_METRICS_LISTEN, off].") var metricsListen: String?
    @Option(help: "Close connections silent for this many seconds [DRAMAWIRE_IDLE_TIMEOUT, 300].")
    var idleTimeout: Double?
    @Option(help: "Seconds a client has to finish a request line [DRAMAWIRE_LINE_TIMEOUT, 30].")
    var lineTimeout: Double?
    @Option(
        help: "Seconds a database call may wait for a reply before the connection is cut [DRAMAWIRE_DB_TIMEOUT, 10].")
    var dbTimeout: Double?
    @Option(help: "Writer connections committing batches concurrently [DRAMAWIRE_WRITERS, 1].")
    var writers: Int?
    @Flag(help: "Serve without a token on a non-loopback address [DRAMAWIRE_ALLOW_UNAUTHENTICATED].")
    var allowUnauthenticated = false
    @Option(help: "PEM certificate chain: the listener speaks only TLS [DRAMAWIRE_TLS_CERT].") var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert [DRAMAWIRE_TLS_KEY].") var tlsKey: String?
    @Option(help: "PEM CA bundle: require client certificates it signed [DRAMAWIRE_TLS_CLIENT_CA].")
    var tlsClientCa: String?
    @Option(help: "Log level: trace, debug, info, warning, error [DRAMAWIRE_LOG_LEVEL, info].") var logLevel: String?

    func run() async throws {
        let logger = bootstrapLogging(
            label: "dramawire.ingest", level: Settings.string(logLevel, env: "DRAMAWIRE_LOG_LEVEL"))
        var configuration: IngestConfiguration
        do {
            let (host, port) = try Settings.address(listen, env: "DRAMAWIRE_INGEST_LISTEN", default: "127.0.0.1:7400")
            let fullToken = try Settings.secret(token, env: "DRAMAWIRE_TOKEN")
            let readOnlyToken = try Settings.secret(readToken, env: "DRAMAWIRE_READ_TOKEN")
            let tokens = Tokens(full: fullToken, readOnly: readOnlyToken)
            let allow = try Settings.bool(allowUnauthenticated, env: "DRAMAWIRE_ALLOW_UNAUTHENTICATED")
            if let warning = try checkExposure(host: host, tokens: tokens, allowUnauthenticated: allow) {
                logger.warning("\(warning)")
            }
            configuration = IngestConfiguration(
                databaseURL: try Settings.secret(databaseURL, env: "DATABASE_URL") ?? "",
                host: host, port: port,
                token: fullToken, readToken: readOnlyToken,
                maximumLineBytes: try Settings.positiveInt(maxLine, env: "DRAMAWIRE_MAX_LINE", default: 1 << 20),
                maximumConnections: try Settings.positiveInt(
                    maxConnections, env: "DRAMAWIRE_MAX_CONNECTIONS", default: 1024),
                heartbeatInterval: try Settings.seconds(heartbeat, env: "DRAMAWIRE_HEARTBEAT", default: 5),
                startupTimeout: try Settings.seconds(startupTimeout, env: "DRAMAWIRE_STARTUP_TIMEOUT", default: 30),
                metricsListen: try Settings.optionalAddress(metricsListen, env: "DRAMAWIRE_METRICS_LISTEN"))
            configuration.idleTimeout = try Settings.seconds(idleTimeout, env: "DRAMAWIRE_IDLE_TIMEOUT", default: 300)
            configuration.lineTimeout = try Settings.seconds(lineTimeout, env: "DRAMAWIRE_LINE_TIMEOUT", default: 30)
            configuration.tls = try ServerTLS.fromSettings(certificate: tlsCert, key: tlsKey, clientCA: tlsClientCa)
            configuration.databaseTimeout = try Settings.seconds(dbTimeout, env: "DRAMAWIRE_DB_TIMEOUT", default: 10)
            configuration.writers = try Settings.positiveInt(writers, env: "DRAMAWIRE_WRITERS", default: 1)
        } catch {
            printStartupFailure("\(error)")
            throw ExitCode.failure
        }
        let server = IngestServer(configuration: configuration, logger: logger)
        let onHangup = reloadingTLS({ [server] in try server.reloadTLS() }, logger: logger)
        guard await runUntilSignalled(server, logger: logger, onHangup: onHangup) else { throw ExitCode.failure }
    }
}
