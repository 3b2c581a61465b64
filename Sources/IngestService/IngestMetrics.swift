import CoreMetrics
import LineProtocol
import PostgresStore

/// The ingest service's metrics (swift-metrics handles on the service's own registry).
struct IngestMetrics: Sendable {
    /// INGEST requests committed (duplicates included).
    let items: Counter
    /// RETRACT and MERGE requests committed.
    let otherWrites: Counter
    /// Write requests refused with an error.
    let failedWrites: Counter
    /// Change records appended.
    let changes: Counter
    /// Requests per group-commit transaction.
    let batchSize: Recorder
    /// Duration of a group-commit transaction, from BEGIN to COMMIT.
    let commit: Timer
    /// Duration of each phase of a batch (`phase`: prepare, recompute, append, commit).
    let phases: (prepare: Timer, recompute: Timer, append: Timer, commit: Timer)
    let head: Gauge
    let subscribers: Gauge
    /// The largest lag among subscribers (head minus acknowledged seq).
    let subscriberMaximumLag: Gauge

    init(factory: any MetricsFactory) {
        items = Counter(label: "dramawire_ingest_items_total", factory: factory)
        otherWrites = Counter(label: "dramawire_ingest_other_writes_total", factory: factory)
        failedWrites = Counter(label: "dramawire_ingest_failed_writes_total", factory: factory)
        changes = Counter(label: "dramawire_ingest_changes_total", factory: factory)
        batchSize = Recorder(label: "dramawire_ingest_batch_size", factory: factory)
        commit = Timer(label: "dramawire_ingest_commit_seconds", factory: factory)
        func phase(_ name: String) -> Timer {
            Timer(label: "dramawire_ingest_batch_phase_seconds", dimensions: [("phase", name)], factory: factory)
        }
        phases = (phase("prepare"), phase("recompute"), phase("append"), phase("commit"))
        head = Gauge(label: "dramawire_ingest_head_seq", factory: factory)
        subscribers = Gauge(label: "dramawire_ingest_subscribers", factory: factory)
        subscriberMaximumLag = Gauge(label: "dramawire_ingest_subscriber_max_lag", factory: factory)
    }

    /// Counts one committed batch.
    func committed(
        _ operations: [WriteOperation], replies: [Result<JSON, WireError>], changes: Int, duration: Duration,
        phases timings: BatchOutcome.Phases
    ) {
        commit.recordNanoseconds(duration.nanoseconds)
        phases.prepare.recordNanoseconds(timings.prepare.nanoseconds)
        phases.recompute.recordNanoseconds(timings.recompute.nanoseconds)
        phases.append.recordNanoseconds(timings.append.nanoseconds)
        phases.commit.recordNanoseconds(timings.commit.nanoseconds)
        batchSize.record(operations.count)
        self.changes.increment(by: changes)
        for (operation, reply) in zip(operations, replies) {
            guard case .success = reply else {
                failedWrites.increment()
                continue
            }
            if case .ingest = operation { items.increment() } else { otherWrites.increment() }
        }
    }
}
