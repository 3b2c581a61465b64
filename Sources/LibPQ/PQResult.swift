/// The rows of a query result, copied out of libpq's `PGresult` in text format.
///
/// Copying means the `PGresult` is cleared before the result leaves the connection's
/// executor, so nothing non-Sendable escapes and nothing leaks.
public struct PQResult: Sendable {
    /// Column names, in order.
    public var columns: [String]
    /// Rows of text values; `nil` is SQL NULL.
    public var rows: [[String?]]
    /// The number of rows affected, for INSERT/UPDATE/DELETE (from `PQcmdTuples`).
    public var affectedRows: Int

    /// Creates a result.
    public init(columns: [String], rows: [[String?]], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    /// The single value of a one-row, one-column result, or nil.
    public var scalar: String? {
        rows.first?.first ?? nil
    }
}

extension Array where Element == String? {
    /// The value of column `i` as an integer, or nil when NULL or not a number.
    public func int(_ i: Int) -> Int? {
        self[i].flatMap { Int($0) }
    }

    /// The value of column `i` as a PostgreSQL boolean (`t`/`f`).
    public func bool(_ i: Int) -> Bool {
        self[i] == "t"
    }
}
