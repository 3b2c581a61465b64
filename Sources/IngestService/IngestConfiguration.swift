import LineProtocol
import LineServer

/// Settings of the ingest service. Every one has a flag and an environment variable (see the
/// executable and the README's configuration table).
public struct IngestConfiguration: Sendable {
    /// libpq connection string or URI; empty means libpq's defaults and PG* variables.
    public var databaseURL: String
    /// Host to listen on.
    public var host: String
    /// Port to listen on (0 picks a free one).
    public var port: Int
    /// Token for full access (`DRAMAWIRE_TOKEN`); nil disables auth.
    public var token: String?
    /// Token for read-only access: SUBSCRIBE, HEAD, STATS (`DRAMAWIRE_READ_TOKEN`).
    public var readToken: String?
    /// The longest accepted line in bytes.
    public var maximumLineBytes: Int
    /// Connections beyond this get `ERR too_many_connections`.
    public var maximumConnections: Int
    /// A connection silent (no byte either way) for this long is closed (`DRAMAWIRE_IDLE_TIMEOUT`).
    public var idleTimeout: Duration = .seconds(300)
    /// An unfinished request line must be completed within this long (`DRAMAWIRE_LINE_TIMEOUT`).
    public var lineTimeout: Duration = .seconds(30)
    /// Idle stream connections get a HEARTBEAT this often.
    public var heartbeatInterval: Duration
    /// A subscriber whose unsent output exceeds this many bytes is disconnected (`slow_consumer`).
    public var subscriberBufferBytes: Int
    /// A subscriber that cannot take a page of records within this time is disconnected.
    public var slowConsumerTimeout: Duration
    /// The change-log poll interval, the fallback when notifications are lost.
    public var pollInterval: Duration
    /// How long to keep trying to reach the database at startup.
    public var startupTimeout: Duration
    /// The longest one database operation (a batch's whole transaction, a read) may take
    /// (`DRAMAWIRE_DB_TIMEOUT`). Past it the connection is cut and clients get
    /// `ERR unavailable`: a partitioned or frozen database costs a client this long at most,
    /// never libpq's unbounded wait. It also bounds each reconnect attempt. A batch makes a
    /// dozen round trips or so, so on a slow link keep it well above a dozen round-trip times.
    public var databaseTimeout: Duration = .seconds(10)
    /// The most write requests committed in one transaction.
    public var maximumBatch: Int
    /// Writer connections, each committing its own batches (`DRAMAWIRE_WRITERS`). One makes the
    /// biggest batches; more overlap round trips when the database is far away.
    public var writers: Int = 1
    /// host and port of the Prometheus `/metrics` endpoint (`DRAMAWIRE_METRICS_LISTEN`); nil: off.
    public var metricsListen: (host: String, port: Int)?
    /// TLS on the listener (`DRAMAWIRE_TLS_CERT`, `_KEY`, `_CLIENT_CA`); nil: plain TCP.
    public var tls: ServerTLS?

    /// Creates a configuration with the contract's defaults.
    public init(
        databaseURL: String = "", host: String = "127.0.0.1", port: Int = 7400, token: String? = nil,
        readToken: String? = nil, maximumLineBytes: Int = defaultMaximumLineBytes, maximumConnections: Int = 1024,
        heartbeatInterval: Duration = .seconds(5), subscriberBufferBytes: Int = 8 << 20,
        slowConsumerTimeout: Duration = .seconds(10), pollInterval: Duration = .seconds(1),
        startupTimeout: Duration = .seconds(30), maximumBatch: Int = 256,
        metricsListen: (host: String, port: Int)? = nil
    ) {
        self.metricsListen = metricsListen
        self.databaseURL = databaseURL
        self.host = host
        self.port = port
        self.token = token
        self.readToken = readToken
        self.maximumLineBytes = maximumLineBytes
        self.maximumConnections = maximumConnections
        self.heartbeatInterval = heartbeatInterval
        self.subscriberBufferBytes = subscriberBufferBytes
        self.slowConsumerTimeout = slowConsumerTimeout
        self.pollInterval = pollInterval
        self.startupTimeout = startupTimeout
        self.maximumBatch = maximumBatch
    }
}
