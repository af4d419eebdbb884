import Foundation
import PostgresNIO
import RegisterStore
import RegisterTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The server's pool keeps its connections open (`DatabaseSettings.keepsConnectionsOpen`) and checks
/// the idle ones itself, in place of PostgresNIO's keep-alive (`Database.checkIdleConnections`).
@Suite("Connections kept open: opened at start, the idle ones checked, one that does not answer replaced")
struct IdleConnectionCheckTests {
    static let poolSize = 3

    static func kept(_ db: TestDatabase) -> DatabaseSettings {
        var settings = db.app
        settings.poolSize = poolSize
        settings.keepsConnectionsOpen = true
        return settings
    }

    /// The sessions of the service's role on this test's database other than the observer's own,
    /// with the last statement each sent (a role sees its own sessions' statements).
    static func sessions(_ db: TestDatabase) async throws -> [(pid: Int32, query: String)] {
        try await TestDatabase.withClient(db.app) { client in
            var found: [(pid: Int32, query: String)] = []
            let rows = try await client.query(
                """
                SELECT pid, query FROM pg_stat_activity
                WHERE datname = \(db.name) AND usename = current_user AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                ORDER BY pid
                """, logger: TestDatabase.logger)
            for try await (pid, query) in rows.decode((Int32, String).self) { found.append((pid, query)) }
            return found
        }
    }

    /// Waits until the pool holds `count` sessions, none of them `gone` (at most 20 s).
    static func waitForSessions(_ db: TestDatabase, count: Int, without gone: Int32? = nil) async throws -> [(pid: Int32, query: String)] {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let now = try await sessions(db)
            if now.count == count && !now.contains(where: { $0.pid == gone }) { return now }
            guard ContinuousClock.now < deadline else {
                Issue.record("the pool holds \(now.count) sessions (\(now.map(\.pid))), not \(count) without \(String(describing: gone))")
                return now
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test("the pool opens all its connections at start, and a check sends SELECT 1 on each one idle")
    func everyIdleConnectionChecked() async throws {
        try await TestDatabase.with { db in
            try await withDatabase(Self.kept(db)) { database in
                // Opened at start: one read was made (withDatabase's own), yet all three are there.
                let opened = try await Self.waitForSessions(db, count: Self.poolSize)
                #expect(opened.filter { $0.query == "SELECT 1" }.count <= 1)
                let check = await database.checkIdleConnections(answerWithin: .seconds(10), logger: TestDatabase.logger)
                #expect(check == IdleConnectionCheck(answered: Self.poolSize, closed: 0))
                let after = try await Self.sessions(db)
                #expect(after.map(\.pid) == opened.map(\.pid), "no connection was replaced")
                #expect(after.allSatisfy { $0.query == "SELECT 1" }, "each connection was checked: \(after)")
            }
        }
    }

    @Test("a connection a request holds is left alone: only the idle ones are checked")
    func heldConnectionNotChecked() async throws {
        try await TestDatabase.with { db in
            try await withDatabase(Self.kept(db)) { database in
                _ = try await Self.waitForSessions(db, count: Self.poolSize)
                let held = HeldConnection()
                async let holding: Void = held.hold(database)
                await held.waitUntilHeld()
                let check = await database.checkIdleConnections(answerWithin: .seconds(10), logger: TestDatabase.logger)
                held.release()
                try await holding
                #expect(check == IdleConnectionCheck(answered: Self.poolSize - 1, closed: 0))
            }
        }
    }

    @Test("a connection whose database does not answer is closed, the pool opens another, and reads go on")
    func silentConnectionReplaced() async throws {
        try await TestDatabase.with { db in
            try await withDatabase(Self.kept(db)) { database in
                let opened = try await Self.waitForSessions(db, count: Self.poolSize)
                // The database's side of one connection stops answering (as a host switched off would),
                // without closing the connection.
                let silent = opened[0].pid
                #expect(kill(silent, SIGSTOP) == 0, "could not stop PostgreSQL's process \(silent): errno \(errno)")
                // Let go after five seconds whatever happens, so that a check that waits for the
                // answer fails this test rather than hanging it.
                let letGo = Task {
                    try? await Task.sleep(for: .seconds(5))
                    kill(silent, SIGCONT)
                }
                let check = await database.checkIdleConnections(answerWithin: .milliseconds(500), logger: TestDatabase.logger)
                letGo.cancel()
                kill(silent, SIGCONT)
                #expect(check == IdleConnectionCheck(answered: Self.poolSize - 1, closed: 1))
                // The process, let go, finds its connection closed and ends; the pool has opened another.
                let now = try await Self.waitForSessions(db, count: Self.poolSize, without: silent)
                #expect(!now.contains { $0.pid == silent })
                let again = await database.checkIdleConnections(answerWithin: .seconds(10), logger: TestDatabase.logger)
                #expect(again == IdleConnectionCheck(answered: Self.poolSize, closed: 0))
                let one = try await database.read { c in try await c.query("SELECT 1", logger: TestDatabase.logger).collect().count }
                #expect(one == 1)
            }
        }
    }
}
