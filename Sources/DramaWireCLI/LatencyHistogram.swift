import Histogram

/// Latencies in microseconds, with HdrHistogram's fixed relative precision (3 digits).
///
/// `Histogram` is imported only here: swift-prometheus also exports a type of that name.
struct LatencyHistogram: Sendable {
    private var histogram = Histogram<UInt64>(
        highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)

    mutating func record(microseconds: UInt64) {
        _ = histogram.record(max(1, min(microseconds, 600_000_000)))
    }

    mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
    }

    var count: UInt64 { histogram.totalCount }

    /// The value at `percentile` (0–100), in milliseconds.
    func milliseconds(atPercentile percentile: Double) -> Double {
        count == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1000
    }

    var maxMilliseconds: Double { count == 0 ? 0 : Double(histogram.max) / 1000 }
}
