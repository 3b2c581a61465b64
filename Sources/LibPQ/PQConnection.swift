import CLibPQ
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// One PostgreSQL connection through libpq.
///
/// Every isolated method runs on the connection's own serial dispatch queue (see
/// ``SerialQueueExecutor``), never on Swift's cooperative pool, because libpq blocks.
/// The raw `PGconn` never leaves the actor. Only parameterized statements take user data;
/// ``executeScript(_:)`` exists for static SQL such as migrations.
///
/// To run many statements without hopping executors, use ``withTransaction(_:)`` or
/// ``run(_:)``, whose closure receives the isolated connection.
public actor PQConnection {
    private nonisolated let executor: SerialQueueExecutor
    private var conn: OpaquePointer?
    private let logger: Logger
    /// Statement names by SQL text. Preparing once per connection skips the parse and
    /// analysis PostgreSQL would otherwise repeat on every call, which dominates short queries.
    private var prepared: [String: String] = [:]
    private static let maximumPrepared = 512
    /// Shuts the socket down when a call waits longer than the reply timeout; nil: no bound.
    private let watchdog: ReplyWatchdog?
    /// Whether a call is already under the watchdog (`run` wraps the `query` calls it makes).
    private var guarding = false

    /// The connection's executor: a private serial queue.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    private init(label: String, logger: Logger, replyTimeout: Duration?) {
        self.executor = SerialQueueExecutor(label: label)
        self.logger = logger
        self.watchdog = replyTimeout.map { ReplyWatchdog(limit: $0) }
    }

    /// Opens a connection.
    ///
    /// - Parameters:
    ///   - conninfo: a libpq connection string or URI; empty means libpq's defaults, and
    ///     libpq's PG* environment variables apply either way.
    ///   - logger: where server notices and connection events go.
    ///   - replyTimeout: the longest any one call (a statement, a pipeline, a whole `run` or
    ///     `withTransaction`) may wait for the server; past it the connection is cut and the
    ///     call throws `connectionLost`. It also bounds connecting (libpq's `connect_timeout`)
    ///     and turns on TCP keepalives, unless `conninfo` or the PG* variables set them. Nil
    ///     waits as long as libpq does, which for a partitioned server can be forever.
    public static func connect(
        conninfo: String, logger: Logger, replyTimeout: Duration? = nil
    ) async throws -> PQConnection {
        let connection = PQConnection(label: "dramawire.pq", logger: logger, replyTimeout: replyTimeout)
        try await connection.open(conninfo: conninfo, replyTimeout: replyTimeout)
        return connection
    }

    /// Settings placed before the caller's `conninfo`, which (as `dbname`, expanded) overrides
    /// them: libpq keeps the last value of a repeated keyword.
    static func defaultParameters(replyTimeout: Duration?, environment: [String: String]) -> [(String, String)] {
        guard let replyTimeout else { return [] }
        var parameters: [(String, String)] = []
        if environment["PGCONNECT_TIMEOUT"] == nil {
            // libpq counts whole seconds and treats 1 as 2.
            let seconds = max(2, Int(replyTimeout.components.seconds))
            parameters.append(("connect_timeout", String(seconds)))
        }
        parameters += [
            ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
        ]
        return parameters
    }

    private func open(conninfo: String, replyTimeout: Duration?) throws {
        let defaults = Self.defaultParameters(
            replyTimeout: replyTimeout, environment: ProcessInfo.processInfo.environment)
        let raw: OpaquePointer?
        if defaults.isEmpty {
            raw = PQconnectdb(conninfo)
        } else {
            let pairs = defaults + [("dbname", conninfo)]
            let keywords = pairs.map { strdup($0.0) }
            let values = pairs.map { strdup($0.1) }
            defer {
                keywords.forEach { free($0) }
                values.forEach { free($0) }
            }
            let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
            let valuePointers = values.map { UnsafePointer($0) } + [nil]
            raw = PQconnectdbParams(keywordPointers, valuePointers, 1)
        }
        guard let raw else {
            throw PQError(.clientFailure, message: "PQconnectdb returned NULL (out of memory)")
        }
        guard PQstatus(raw) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(raw))
            PQfinish(raw)
            throw PQError(.connectionFailed, message: message)
        }
        // Server NOTICEs would otherwise be printed to stderr by libpq; route them to the logger.
        PQsetNoticeProcessor(
            raw,
            { _, message in
                guard let message else { return }
                noticeLogger.debug("postgres notice: \(PQConnection.trimmed(message))")
            }, nil)
        conn = raw
    }

    isolated deinit {
        if let conn { PQfinish(conn) }
    }

    /// Closes the connection. Later calls fail with `connectionLost`.
    public func close() {
        if let conn { PQfinish(conn) }
        conn = nil
    }

    /// Whether libpq believes the connection is usable.
    public var isOpen: Bool {
        guard let conn else { return false }
        return PQstatus(conn) == CONNECTION_OK
    }

    /// Runs `body` with the isolated connection, so a sequence of statements needs no hops.
    /// The reply timeout bounds the whole body.
    public func run<T: Sendable>(_ body: @Sendable (isolated PQConnection) throws -> T) throws -> T {
        try guarded { try body(self) }
    }

    /// Runs `body` under the watchdog unless an outer call already is.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        guard let watchdog, !guarding, let conn else { return try body() }
        guarding = true
        defer { guarding = false }
        let token = watchdog.arm(socket: PQsocket(conn))
        let value: T
        do {
            value = try body()
        } catch {
            if watchdog.disarm(token) {
                throw PQError(
                    .connectionLost, message: "no reply from the database within \(watchdog.description)")
            }
            throw error
        }
        // Finished just as the deadline passed: the value is good, the socket is not, and the
        // next call finds the connection broken.
        _ = watchdog.disarm(token)
        return value
    }

    /// Runs `body` inside BEGIN … COMMIT. Any thrown error rolls back and is rethrown.
    public func withTransaction<T: Sendable>(
        _ body: @Sendable (isolated PQConnection) throws -> T
    ) throws -> T {
        try guarded {
            try execute("BEGIN")
            do {
                let value = try body(self)
                try execute("COMMIT")
                return value
            } catch {
                // Best effort: if the connection is gone, the server rolls back anyway.
                _ = try? execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs one parameterized statement and returns its rows.
    ///
    /// Parameters are sent separately from the SQL text (`PQexecParams`), in text format;
    /// `nil` is SQL NULL.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> PQResult {
        try guarded { try unguardedQuery(sql, parameters) }
    }

    private func unguardedQuery(_ sql: String, _ parameters: [String?]) throws -> PQResult {
        let conn = try requireConnection()
        // strdup'd copies keep the C strings alive for the whole call; freed on every path.
        let cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { cStrings.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
        let name = try preparedName(for: sql, parameterCount: parameters.count, conn: conn)
        let result = pointers.withUnsafeBufferPointer { buffer in
            if let name {
                return PQexecPrepared(conn, name, Int32(parameters.count), buffer.baseAddress, nil, nil, 0)
            }
            return PQexecParams(conn, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        return try consume(result, conn: conn)
    }

    /// Runs statements in libpq's pipeline mode: all are sent before any result is read, so
    /// together they cost one round trip instead of one each. Returns one result per statement.
    ///
    /// If one fails, the server skips the rest up to the end of the pipeline; the first error is
    /// thrown (inside a transaction, which is then aborted). Results must stay small (ids, a few
    /// rows): in blocking mode the whole pipeline is sent before reading, and a server whose
    /// replies filled the socket buffers would stop reading it.
    public func pipeline(_ statements: [(sql: String, parameters: [String?])]) throws -> [PQResult] {
        try guarded { try unguardedPipeline(statements) }
    }

    private func unguardedPipeline(_ statements: [(sql: String, parameters: [String?])]) throws -> [PQResult] {
        guard statements.count > 1 else { return try statements.map { try query($0.sql, $0.parameters) } }
        let conn = try requireConnection()
        // Preparing is a synchronous exchange of its own, so it happens before the pipeline.
        let names = try statements.map {
            try preparedName(for: $0.sql, parameterCount: $0.parameters.count, conn: conn)
        }
        guard PQenterPipelineMode(conn) == 1 else {
            throw PQError(.clientFailure, message: "cannot enter pipeline mode: " + Self.trimmed(PQerrorMessage(conn)))
        }
        defer { _ = PQexitPipelineMode(conn) }
        for (statement, name) in zip(statements, names) {
            // libpq copies the parameters into its output buffer during the call.
            let cStrings: [UnsafeMutablePointer<CChar>?] = statement.parameters.map { $0.flatMap { strdup($0) } }
            defer { cStrings.forEach { free($0) } }
            let pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
            let count = Int32(statement.parameters.count)
            let sent = pointers.withUnsafeBufferPointer { buffer in
                if let name { return PQsendQueryPrepared(conn, name, count, buffer.baseAddress, nil, nil, 0) }
                return PQsendQueryParams(conn, statement.sql, count, nil, buffer.baseAddress, nil, nil, 0)
            }
            guard sent == 1 else {
                throw PQError(.connectionLost, message: Self.trimmed(PQerrorMessage(conn)))
            }
        }
        guard PQpipelineSync(conn) == 1 else {
            throw PQError(.connectionLost, message: Self.trimmed(PQerrorMessage(conn)))
        }
        // Each statement's results end with a null; the sync comes last.
        var results: [PQResult] = []
        var failure: PQError?
        for _ in statements {
            var consumed = false
            while let result = PQgetResult(conn) {
                if consumed {
                    PQclear(result)
                    continue
                }
                consumed = true
                if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                    results.append(PQResult(columns: [], rows: [], affectedRows: 0))
                    continue
                }
                do {
                    results.append(try consume(result, conn: conn))
                } catch let error as PQError {
                    failure = failure ?? error
                    results.append(PQResult(columns: [], rows: [], affectedRows: 0))
                }
            }
            if !consumed {
                throw PQError(.connectionLost, message: Self.trimmed(PQerrorMessage(conn)))
            }
        }
        while let result = PQgetResult(conn) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if let failure { throw failure }
        return results
    }

    /// Runs a statement without returning rows.
    public func execute(_ sql: String, _ parameters: [String?] = []) throws {
        _ = try query(sql, parameters)
    }

    /// Runs static SQL that may hold several statements (migrations). Never pass user data.
    public func executeScript(_ sql: String) throws {
        try guarded {
            let conn = try requireConnection()
            _ = try consume(PQexec(conn, sql), conn: conn)
        }
    }

    /// Sends rows with `COPY … FROM STDIN` in text format and returns the number of rows copied.
    ///
    /// - Parameters:
    ///   - sql: a `COPY table (columns) FROM STDIN` statement.
    ///   - rows: values per row; `nil` is NULL.
    @discardableResult
    public func copyIn(_ sql: String, rows: [[String?]]) throws -> Int {
        try guarded { try unguardedCopyIn(sql, rows: rows) }
    }

    private func unguardedCopyIn(_ sql: String, rows: [[String?]]) throws -> Int {
        let conn = try requireConnection()
        let start = PQexec(conn, sql)
        let startStatus = PQresultStatus(start)
        if startStatus != PGRES_COPY_IN {
            _ = try consume(start, conn: conn)
            throw PQError(.copyFailed, message: "statement did not start COPY FROM STDIN")
        }
        PQclear(start)
        // Built as bytes: the escapes are ASCII, which never occurs inside a multi-byte UTF-8
        // sequence, so escaping byte by byte is exact (and far cheaper than by scalar).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows.count * 256)
        for row in rows {
            for (i, value) in row.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: "\t")) }
                guard let value else {
                    bytes.append(UInt8(ascii: "\\"))
                    bytes.append(UInt8(ascii: "N"))
                    continue
                }
                Self.appendCopyEscaped(value, to: &bytes)
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        let sent = bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                PQputCopyData(conn, $0, Int32(buffer.count))
            }
        }
        let ended = PQputCopyEnd(conn, sent == 1 ? nil : "client failed to send data")
        // Drain every result, or the connection stays busy.
        var failure: PQError?
        var copied = 0
        while let result = PQgetResult(conn) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil {
                failure = Self.error(from: result, conn: conn, kind: .copyFailed)
            } else {
                copied = Int(String(cString: PQcmdTuples(result))) ?? 0
            }
            PQclear(result)
        }
        if let failure { throw failure }
        if sent != 1 || ended != 1 {
            throw PQError(.copyFailed, message: Self.trimmed(PQerrorMessage(conn)))
        }
        return copied
    }

    /// Sends `NOTIFY channel, payload` through `pg_notify`, parameterized.
    public func notify(channel: String, payload: String = "") throws {
        try execute("SELECT pg_notify($1, $2)", [channel, payload])
    }

    // MARK: - Internals

    /// The prepared statement for `sql`, preparing it on first use; nil once the cache is full
    /// (then the statement runs unprepared, which is correct, only slower).
    private func preparedName(for sql: String, parameterCount: Int, conn: OpaquePointer) throws -> String? {
        if let name = prepared[sql] { return name }
        guard prepared.count < Self.maximumPrepared else { return nil }
        let name = "dw\(prepared.count + 1)"
        _ = try consume(PQprepare(conn, name, sql, Int32(parameterCount), nil), conn: conn)
        prepared[sql] = name
        return name
    }

    private func requireConnection() throws -> OpaquePointer {
        guard let conn else { throw PQError(.connectionLost, message: "connection is closed") }
        return conn
    }

    private func consume(_ result: OpaquePointer?, conn: OpaquePointer) throws -> PQResult {
        guard let result else {
            throw PQError(
                PQstatus(conn) == CONNECTION_OK ? .clientFailure : .connectionLost,
                message: Self.trimmed(PQerrorMessage(conn)))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PQResult(columns: [], rows: [], affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0)
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            let columnCount = Int(PQnfields(result))
            let rowCount = Int(PQntuples(result))
            let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
            var rows: [[String?]] = []
            rows.reserveCapacity(rowCount)
            for r in 0..<rowCount {
                var row: [String?] = []
                row.reserveCapacity(columnCount)
                for c in 0..<columnCount {
                    if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                        row.append(nil)
                    } else {
                        row.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                    }
                }
                rows.append(row)
            }
            return PQResult(columns: columns, rows: rows, affectedRows: rowCount)
        default:
            throw Self.error(from: result, conn: conn, kind: .queryFailed)
        }
    }

    private static func error(from result: OpaquePointer, conn: OpaquePointer, kind: PQError.Kind) -> PQError {
        let sqlState = PQresultErrorField(result, CLIBPQ_DIAG_SQLSTATE).map { String(cString: $0) }
        var message = PQresultErrorField(result, CLIBPQ_DIAG_MESSAGE_PRIMARY).map { String(cString: $0) }
        if message == nil || message?.isEmpty == true {
            message = trimmed(PQresultErrorMessage(result))
        }
        if message?.isEmpty ?? true { message = trimmed(PQerrorMessage(conn)) }
        let lost = PQstatus(conn) != CONNECTION_OK
        return PQError(lost ? .connectionLost : kind, sqlState: sqlState, message: message ?? "unknown error")
    }

    static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        var text = String(cString: message)
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }

    /// Escapes a value for COPY's text format: backslash, tab, newline and carriage return.
    static func copyEscape(_ value: String) -> String {
        var bytes: [UInt8] = []
        appendCopyEscaped(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendCopyEscaped(_ value: String, to bytes: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(byte); bytes.append(byte)
            case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            default: bytes.append(byte)
            }
        }
    }
}

/// Notices are rare and carry no connection state, so one module-level logger serves all
/// connections; libpq's C callback cannot capture a Swift context safely.
let noticeLogger = Logger(label: "dramawire.pq.notice")
