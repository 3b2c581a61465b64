/// The protocol version spoken by this build.
public let protocolVersion = 1

/// The software version announced in the greeting.
public let dramaWireVersion = "0.1.0"

/// The default maximum line length: 1 MiB.
public let defaultMaximumLineBytes = 1 << 20

/// Builds the greeting line a server sends on connect.
///
/// - Parameters:
///   - service: `ingest` or `subscriber`.
///   - authRequired: whether a token is configured.
///   - maxLine: the line limit in bytes.
///   - heartbeat: the interval of HEARTBEAT lines on an idle stream. A stream client that hears
///     nothing for three of them presumes the connection dead.
public func greetingLine(service: String, authRequired: Bool, maxLine: Int, heartbeat: Duration) -> String {
    let body: JSON = [
        "service": .string(service),
        "version": .string(dramaWireVersion),
        "protocol": .int(Int64(protocolVersion)),
        "auth": .bool(authRequired),
        "max_line": .int(Int64(maxLine)),
        "heartbeat": heartbeatSeconds(heartbeat),
    ]
    return "HELLO " + body.serialized()
}

/// A heartbeat interval as the greeting states it: whole seconds as an integer, otherwise a
/// fraction (tests run with sub-second heartbeats).
func heartbeatSeconds(_ interval: Duration) -> JSON {
    let (seconds, attoseconds) = interval.components
    return attoseconds == 0 ? .int(seconds) : .double(Double(seconds) + Double(attoseconds) / 1e18)
}

/// How long a stream client waits for a line before it presumes the connection dead: three
/// heartbeat intervals, as the greeting states them (5 s when it does not).
public func silenceLimit(greeting: JSON) -> Duration {
    let interval = greeting["heartbeat"].doubleValue ?? 5
    return .milliseconds(Int64((max(interval, 0.05) * 3 * 1000).rounded()))
}
