import CoreMetrics
import LineServer

/// The subscriber service's metrics (swift-metrics handles on the service's own registry).
struct SubscriberMetrics: Sendable {
    let appliedSeq: Gauge
    let headSeq: Gauge
    let lag: Gauge
    /// Records applied to the read model.
    let appliedRecords: Counter
    /// Duration of one batch's SQLite transaction.
    let apply: Timer
    let watchers: Gauge
    /// 1 while the follower holds a live stream from the ingest service, else 0.
    let connected: Gauge
    /// Ingest connections closed because nothing arrived for three heartbeat intervals.
    let silentClosures: Counter
    /// GETs answered from the document cache on the event loop (not in `queries`).
    let cachedQueries: Counter
    /// Per verb: answered queries (ok, error) and their latency.
    private let queries: [String: (ok: Counter, error: Counter, latency: Timer)]

    init(factory: any MetricsFactory, verbs: [String]) {
        var queries: [String: (ok: Counter, error: Counter, latency: Timer)] = [:]
        for verb in verbs + ["OTHER"] {
            queries[verb] = (
                Counter(
                    label: "dramawire_subscriber_queries_total", dimensions: [("verb", verb), ("result", "ok")],
                    factory: factory),
                Counter(
                    label: "dramawire_subscriber_queries_total", dimensions: [("verb", verb), ("result", "error")],
                    factory: factory),
                Timer(label: "dramawire_subscriber_query_seconds", dimensions: [("verb", verb)], factory: factory)
            )
        }
        self.queries = queries
        appliedSeq = Gauge(label: "dramawire_subscriber_applied_seq", factory: factory)
        headSeq = Gauge(label: "dramawire_subscriber_head_seq", factory: factory)
        lag = Gauge(label: "dramawire_subscriber_lag", factory: factory)
        appliedRecords = Counter(label: "dramawire_subscriber_applied_records_total", factory: factory)
        apply = Timer(label: "dramawire_subscriber_apply_seconds", factory: factory)
        watchers = Gauge(label: "dramawire_subscriber_watchers", factory: factory)
        connected = Gauge(label: "dramawire_subscriber_ingest_connected", factory: factory)
        silentClosures = Counter(label: "dramawire_subscriber_ingest_silent_closures_total", factory: factory)
        cachedQueries = Counter(label: "dramawire_subscriber_cached_gets_total", factory: factory)
    }

    /// Counts one answered query.
    func query(verb: String, duration: Duration, failed: Bool) {
        guard let handles = queries[verb] ?? queries["OTHER"] else { return }
        (failed ? handles.error : handles.ok).increment()
        handles.latency.recordNanoseconds(duration.nanoseconds)
    }
}
