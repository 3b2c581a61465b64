import DramaWireClient
import LineProtocol
import LineServer

/// Settings of the subscriber service.
public struct SubscriberConfiguration: Sendable {
    /// Host to listen on.
    public var host: String
    /// Port to listen on (0 picks a free one).
    public var port: Int
    /// Token required by AUTH (`DRAMAWIRE_TOKEN`); nil disables auth.
    public var token: String?
    /// The longest accepted line in bytes.
    public var maximumLineBytes: Int
    /// Connections beyond this get `ERR too_many_connections`.
    public var maximumConnections: Int
    /// A connection silent (no byte either way) for this long is closed (`DRAMAWIRE_IDLE_TIMEOUT`).
    public var idleTimeout: Duration = .seconds(300)
    /// An unfinished request line must be completed within this long (`DRAMAWIRE_LINE_TIMEOUT`).
    public var lineTimeout: Duration = .seconds(30)
    /// The ingest service to follow (`DRAMAWIRE_INGEST_URL`).
    public var ingest: ServiceAddress
    /// The token presented to the ingest service (`DRAMAWIRE_INGEST_TOKEN`).
    public var ingestToken: String?
    /// The SQLite file of the read model (`DRAMAWIRE_READMODEL`).
    public var readModelPath: String
    /// The most records applied in one SQLite transaction. A follower that keeps up applies
    /// what arrived during the previous apply (a few records); one catching up or rebuilding
    /// takes up to this many at once, so each touched document is assembled once per batch
    /// rather than once per few records.
    public var batchLimit: Int
    /// Bytes a watcher may leave unread before it gets `ERR slow_consumer`.
    public var watcherBufferBytes: Int
    /// Bytes of GET replies kept in memory (`DRAMAWIRE_CACHE_BYTES`); 0 turns the cache off.
    public var cacheBytes: Int = 64 << 20
    /// Bytes of documents' entries the applier keeps between batches
    /// (`DRAMAWIRE_PARTS_CACHE_BYTES`); 0 turns it off. Documents are the same either way.
    public var partsCacheBytes: Int = 32 << 20
    /// The interval of `HEARTBEAT` lines to watchers.
    public var heartbeatInterval: Duration
    /// The first and the longest pause between reconnection attempts (jitter is added).
    public var reconnectDelay: (first: Duration, maximum: Duration)
    /// host and port of the Prometheus `/metrics` endpoint (`DRAMAWIRE_METRICS_LISTEN`); nil: off.
    public var metricsListen: (host: String, port: Int)?
    /// TLS on the listener (`DRAMAWIRE_TLS_CERT`, `_KEY`, `_CLIENT_CA`); nil: plain TCP.
    public var tls: ServerTLS?
    /// What the link to ingest trusts and presents when ``ingest`` is a `tls://` address.
    public var ingestTLS: ClientTLS = .environment

    /// Creates a configuration with the contract's defaults.
    public init(
        host: String = "127.0.0.1", port: Int = 7401, token: String? = nil,
        maximumLineBytes: Int = defaultMaximumLineBytes, maximumConnections: Int = 1024,
        ingest: ServiceAddress = ServiceAddress(host: "127.0.0.1", port: 7400), ingestToken: String? = nil,
        readModelPath: String = "./dramawire-readmodel.sqlite", batchLimit: Int = 20_000,
        watcherBufferBytes: Int = 4 << 20, heartbeatInterval: Duration = .seconds(5),
        reconnectDelay: (first: Duration, maximum: Duration) = (.milliseconds(100), .seconds(5)),
        metricsListen: (host: String, port: Int)? = nil
    ) {
        self.metricsListen = metricsListen
        self.host = host
        self.port = port
        self.token = token
        self.maximumLineBytes = maximumLineBytes
        self.maximumConnections = maximumConnections
        self.ingest = ingest
        self.ingestToken = ingestToken
        self.readModelPath = readModelPath
        self.batchLimit = batchLimit
        self.watcherBufferBytes = watcherBufferBytes
        self.heartbeatInterval = heartbeatInterval
        self.reconnectDelay = reconnectDelay
    }
}
