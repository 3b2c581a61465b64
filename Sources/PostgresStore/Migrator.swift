import DramaDomain
import LibPQ
import LineProtocol
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
                if migration.version == 3 { try backfillSongKeys(conn) }
                try conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", [String(migration.version)])
                done.append(migration.version)
            }
            return done
        }
    }

    /// Fills `facts.song_norm` for OST facts stored before version 3 (the key is the Swift
    /// normalization of the title, which SQL cannot compute), then `ost_song_artists` from it.
    static func backfillSongKeys(_ conn: isolated PQConnection) throws {
        var ids: [String?] = []
        var keys: [String?] = []
        for row in try conn.query("SELECT id, body FROM facts WHERE kind = 'ost' AND song_norm IS NULL").rows {
            guard let body = row[1], let json = try? JSON.parse(body) else { continue }
            ids.append(row[0])
            keys.append(WritePath.songKey(json["song"].stringValue))
        }
        if !ids.isEmpty {
            try conn.execute(
                """
                UPDATE facts f SET song_norm = u.k FROM unnest($1::bigint[], $2::text[]) AS u(id, k) WHERE f.id = u.id
                """, [SQLValue.textArray(ids), SQLValue.textArray(keys)])
        }
        try conn.execute(
            """
            INSERT INTO ost_song_artists (drama_id, person_id, song_norm)
            SELECT DISTINCT drama_id, unnest(person_ids), song_norm FROM facts WHERE kind = 'ost' AND song_norm <> ''
            ON CONFLICT DO NOTHING
            """)
    }
}
