import LibPQ
import PostgresStore
import TestSupport
import Testing

@Suite struct MigrationTests {
    /// Instances starting at once must not trip over each other: migrations run in one
    /// transaction under an advisory lock, so exactly one applies them and the rest find nothing.
    @Test func concurrentStartupsMigrateOnce() async throws {
        let url = try await PostgresHarness.shared().createDatabase()
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let connection = try await PQConnection.connect(conninfo: url, logger: testLogger())
                    let versions = try await Migrator.migrate(connection, logger: testLogger())
                    await connection.close()
                    return versions
                }
            }
            var all: [[Int]] = []
            for try await versions in group { all.append(versions) }
            return all
        }
        #expect(applied.filter { !$0.isEmpty } == [[1, 2, 3, 4]])
        let db = try await Inspector.open(url)
        defer { Task { await db.close() } }
        #expect(
            try await db.connection.query("SELECT version FROM schema_migrations ORDER BY version").rows == [
                ["1"], ["2"], ["3"], ["4"],
            ])
    }

    @Test func errorsCarryTheSQLState() async throws {
        let url = try await PostgresHarness.shared().createDatabase()
        let connection = try await PQConnection.connect(conninfo: url, logger: testLogger())
        defer { Task { await connection.close() } }
        try await connection.execute("CREATE TABLE t (id int PRIMARY KEY)")
        try await connection.execute("INSERT INTO t VALUES ($1)", ["1"])
        do {
            try await connection.execute("INSERT INTO t VALUES ($1)", ["1"])
            Issue.record("expected a unique violation")
        } catch let error as PQError {
            #expect(error.sqlState == "23505")
            #expect(error.kind == .queryFailed)
            #expect(!error.isConnectionProblem)
        }
        // Parameters are never interpolated: quotes and semicolons arrive verbatim.
        try await connection.execute("CREATE TABLE s (v text)")
        let hostile = "Robert'); DROP TABLE s;--"
        try await connection.execute("INSERT INTO s VALUES ($1)", [hostile])
        #expect(try await connection.query("SELECT v FROM s").scalar == hostile)
        // COPY escapes tabs, newlines and backslashes.
        let copied = try await connection.copyIn("COPY s (v) FROM STDIN", rows: [["a\tb\nc\\d"], [nil]])
        #expect(copied == 2)
        #expect(
            try await connection.query("SELECT v FROM s ORDER BY v NULLS LAST").rows == [
                [hostile], ["a\tb\nc\\d"], [nil],
            ])
        await connection.close()
        do {
            _ = try await connection.query("SELECT 1")
            Issue.record("a closed connection must fail")
        } catch let error as PQError {
            #expect(error.isConnectionProblem)
        }
    }
}
