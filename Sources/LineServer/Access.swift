/// What a connection may do.
public enum AccessLevel: Int, Sendable, Comparable {
    /// Only PING, AUTH, HELP and QUIT.
    case none
    /// Reads (SUBSCRIBE, HEAD, STATS on ingest; queries on the subscriber).
    case read
    /// Everything.
    case write

    public static func < (a: AccessLevel, b: AccessLevel) -> Bool { a.rawValue < b.rawValue }
}

/// The tokens a service accepts.
public struct Tokens: Sendable {
    /// Full access (`DRAMAWIRE_TOKEN`).
    public var full: String?
    /// Read-only access (`DRAMAWIRE_READ_TOKEN`).
    public var readOnly: String?

    public init(full: String?, readOnly: String? = nil) {
        self.full = full?.isEmpty == true ? nil : full
        self.readOnly = readOnly?.isEmpty == true ? nil : readOnly
    }

    /// Whether AUTH is required.
    public var required: Bool { full != nil || readOnly != nil }

    /// The access a new connection starts with.
    public var initialAccess: AccessLevel { required ? .none : .write }

    /// The access `candidate` grants, or nil when it matches no token.
    public func access(for candidate: String) -> AccessLevel? {
        // Both comparisons always run, so timing does not reveal which token was close.
        let isFull = full.map { constantTimeEquals($0, candidate) } ?? false
        let isRead = readOnly.map { constantTimeEquals($0, candidate) } ?? false
        if isFull { return .write }
        if isRead { return .read }
        return nil
    }
}

/// Compares two strings in time that depends only on their lengths, not on where they differ.
public func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        let p = i < x.count ? x[i] : 0
        let q = i < y.count ? y[i] : 0
        difference |= p ^ q
    }
    return difference == 0
}

/// Whether `host` is a loopback address (`localhost`, 127.0.0.0/8 or `::1`).
public func isLoopbackHost(_ host: String) -> Bool {
    let lowered = host.lowercased()
    return lowered == "localhost" || lowered == "::1" || lowered == "0:0:0:0:0:0:0:1" || lowered.hasPrefix("127.")
}

/// Refuses to serve without a token on an address other hosts can reach, unless the operator
/// said so explicitly: an open write endpoint on a network is a mistake far more often than a
/// choice. Returns a warning to log when it is allowed.
public func checkExposure(host: String, tokens: Tokens, allowUnauthenticated: Bool) throws -> String? {
    guard !tokens.required, !isLoopbackHost(host) else { return nil }
    guard allowUnauthenticated else {
        throw SettingError(
            "refusing to listen on \(host) without a token: set DRAMAWIRE_TOKEN, listen on 127.0.0.1, "
                + "or set DRAMAWIRE_ALLOW_UNAUTHENTICATED=1 (--allow-unauthenticated)")
    }
    return "listening on \(host) without a token: anyone who can reach it has full access"
}
