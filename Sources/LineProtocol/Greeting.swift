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
public func greetingLine(service: String, authRequired: Bool, maxLine: Int) -> String {
    let body: JSON = [
        "service": .string(service),
        "version": .string(dramaWireVersion),
        "protocol": .int(Int64(protocolVersion)),
        "auth": .bool(authRequired),
        "max_line": .int(Int64(maxLine)),
    ]
    return "HELLO " + body.serialized()
}
