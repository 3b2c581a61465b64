/// The stable error codes of the protocol (`ERR <code> <message>`).
public enum ErrorCode: String, Sendable, CaseIterable {
    case badRequest = "bad_request"
    case unknownCommand = "unknown_command"
    case badJSON = "bad_json"
    case invalid
    case lineTooLong = "line_too_long"
    case noauth
    case denied
    case notFound = "not_found"
    case conflict
    case unavailable
    case tooManyConnections = "too_many_connections"
    case slowConsumer = "slow_consumer"
    case resetRequired = "reset_required"
    case shuttingDown = "shutting_down"
    case `internal`
}

/// An error that may be shown to a client: a stable code and a one-line message.
///
/// Only this type is ever written to the wire. Other errors (database, I/O) are logged and
/// mapped to a `WireError` with a generic message first, so internals never leak.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable code.
    public var code: ErrorCode
    /// A human-readable message; newlines are removed when it is written.
    public var message: String

    /// Creates an error.
    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The reply line, without the trailing LF.
    public var line: String {
        Reply.error(self).line
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// `ERR invalid` naming the offending field path.
    public static func invalid(_ path: String, _ reason: String) -> WireError {
        WireError(.invalid, "\(path): \(reason)")
    }
}

/// One reply line.
public enum Reply: Sendable, Equatable {
    /// `OK` or `OK <json>`.
    case ok(JSON?)
    /// `ERR <code> <message>`.
    case error(WireError)

    /// The line, without the trailing LF.
    public var line: String {
        switch self {
        case .ok(nil): return "OK"
        case .ok(let json?): return "OK " + json.serialized()
        case .error(let error):
            let clean = error.message.unicodeScalars.map { scalar -> String in
                scalar.value < 0x20 || scalar.value == 0x7F ? " " : String(scalar)
            }.joined()
            return clean.isEmpty ? "ERR \(error.code.rawValue)" : "ERR \(error.code.rawValue) \(clean)"
        }
    }

    /// Parses a reply line (client side).
    public static func parse(_ line: String) -> Reply? {
        if line == "OK" { return .ok(nil) }
        if line.hasPrefix("OK ") {
            guard let json = try? JSON.parse(String(line.dropFirst(3))) else { return nil }
            return .ok(json)
        }
        if line.hasPrefix("ERR ") {
            let rest = line.dropFirst(4)
            let codeText = rest.prefix { $0 != " " }
            let message = rest.dropFirst(codeText.count).drop { $0 == " " }
            let code = ErrorCode(rawValue: String(codeText)) ?? .internal
            return .error(WireError(code, String(message)))
        }
        return nil
    }
}
