import LibPQ
import Logging

/// Applies the versioned SQL in ``Migrations`` at startup.
///
/// All pending migrations run in one transaction under a transaction-level advisory lock, so
/// two instances starting at once are safe: the second waits, then finds nothing to do.
public enum Migrator {
    /// The advisory lock key ("DWMIGRAT" as ASCII bytes).
    static let lockKey = "4924787170358396244"

    /// Brings the schema up to date; returns the versions applied.
    @discardableResult
    public static func migrate(_ connection: PQConnection, logger: Logger) async throws -> [Int] {
        let migrations = Migrations.all
        return try await connection.withTransaction { conn in
            try conn.execute("SELECT pg_advisory_xact_lock(\(lockKey))")
            try conn.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """)
            let applied = Set(try conn.query("SELECT version FROM schema_migrations").rows.compactMap { $0.int(0) })
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                try conn.executeScript(migration.sql)
                try conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", [String(migration.version)])
                done.append(migration.version)
            }
            return done
        }
    }
}
