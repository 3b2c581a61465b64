/// An error from libpq or from the PostgreSQL server.
///
/// `sqlState` carries the five-character SQLSTATE when the server sent one, so callers can
/// tell a unique violation (`23505`) from a lost connection (class `08`).
public struct PQError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in broad strokes.
    public enum Kind: String, Sendable {
        /// The connection could not be established.
        case connectionFailed
        /// The connection is gone (server restart, network, or it was closed).
        case connectionLost
        /// The server rejected a statement.
        case queryFailed
        /// A COPY could not be completed.
        case copyFailed
        /// libpq misbehaved (out of memory, unexpected result status).
        case clientFailure
    }

    /// The broad kind of failure.
    public var kind: Kind
    /// The SQLSTATE the server reported, if any.
    public var sqlState: String?
    /// The primary message from libpq or the server.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, sqlState: String? = nil, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
    }

    /// Whether retrying on a fresh connection could succeed: the connection broke, or the
    /// server is shutting down or not yet accepting connections.
    public var isConnectionProblem: Bool {
        switch kind {
        case .connectionFailed, .connectionLost: return true
        case .queryFailed, .copyFailed, .clientFailure:
            guard let state = sqlState else { return false }
            // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now.
            return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
        }
    }

    /// Whether this is a serialization failure or deadlock, which a transaction may retry.
    public var isRetryableConflict: Bool {
        sqlState == "40001" || sqlState == "40P01"
    }

    public var description: String {
        if let sqlState { return "\(kind.rawValue) [\(sqlState)]: \(message)" }
        return "\(kind.rawValue): \(message)"
    }
}
