import Foundation
import Logging
import PostgresNIO
import RegisterDomain
import RegisterStore
import RegisterTestSupport
import Testing

/// Runs `body` with the register's stores on this test's database, over a client made from
/// `settings` exactly as the service makes its own (pool size, wait and statement timeout included).
func withDatabase<T: Sendable>(
    _ settings: DatabaseSettings, _ body: @Sendable (Database) async throws -> T
) async throws -> T {
    let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: TestDatabase.logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await client.run()
            return nil
        }
        defer { group.cancelAll() }
        let database = Database(client: client, settings: settings, logger: TestDatabase.logger)
        // The pool's connection made first, with time to spare: a lease gives up at the pool wait (a
        // second at least) while a connection is still being made, and on a machine running every
        // suite at once that can take longer. These tests are about a pool already running.
        _ = try await database.read(patience: TestDatabase.patience) { c in try await c.query("SELECT 1", logger: TestDatabase.logger).collect() }
        return try await body(database)
    }
}

/// Holds one pooled connection from `hold()` until `release()`: what a slow request does.
final class HeldConnection: Sendable {
    private let released: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    private let leased: AsyncStream<Void>
    private let leasedSignal: AsyncStream<Void>.Continuation

    init() {
        (released, signal) = AsyncStream<Void>.makeStream()
        (leased, leasedSignal) = AsyncStream<Void>.makeStream()
    }

    /// Takes a connection and keeps it until `release()`.
    func hold(_ database: Database) async throws {
        // Whatever happens, whoever waits for the lease stops waiting (a failed lease must fail the
        // test, not hang it).
        defer { leasedSignal.finish() }
        try await database.read { _ in
            leasedSignal.finish()
            for await _ in released {}
        }
    }

    /// Returns once `hold` has its connection.
    func waitUntilHeld() async { for await _ in leased {} }

    func release() { signal.finish() }
}

@Suite("The connection pool: a bounded wait for a connection, and a statement timeout")
struct PoolTests {
    /// One connection, given up on after 200 ms.
    static func tiny(_ db: TestDatabase, wait: Duration = .milliseconds(200)) -> DatabaseSettings {
        var settings = db.app
        settings.poolSize = 1
        settings.poolWait = wait
        return settings
    }

    @Test("with the only connection held, the next request is refused with DatabaseBusy after the pool wait, not left hanging")
    func exhaustedPoolRefusesQuickly() async throws {
        try await TestDatabase.with { db in
            try await withDatabase(Self.tiny(db)) { database in
                let held = HeldConnection()
                async let holding: Void = held.hold(database)
                await held.waitUntilHeld()
                let started = ContinuousClock.now
                await #expect(throws: DatabaseBusy.self) {
                    try await database.read { c in try await c.query("SELECT 1", logger: TestDatabase.logger).collect() }
                }
                let waited = ContinuousClock.now - started
                // Bounds loose enough for a machine running every test at once; without the wait's limit it never ends.
                #expect(waited >= .milliseconds(190) && waited < .seconds(10), "waited \(waited)")
                // A write is refused the same way, before it begins.
                await #expect(throws: DatabaseBusy.self) {
                    try await database.write(context()) { _ in }
                }
                held.release()
                try await holding
                // The place came back: the next request gets the connection at once.
                let one = try await database.read { c in
                    try await c.query("SELECT 1", logger: TestDatabase.logger).collect().first?.decode(Int.self)
                }
                #expect(one == 1)
            }
        }
    }

    @Test("a request waiting for a connection gets it as soon as it is given back, within the wait")
    func waiterIsServedWhenAConnectionComesBack() async throws {
        try await TestDatabase.with { db in
            try await withDatabase(Self.tiny(db, wait: .seconds(5))) { database in
                let held = HeldConnection()
                async let holding: Void = held.hold(database)
                await held.waitUntilHeld()
                async let waiting = database.read { c in
                    try await c.query("SELECT 2", logger: TestDatabase.logger).collect().first?.decode(Int.self)
                }
                try await Task.sleep(for: .milliseconds(100))
                let released = ContinuousClock.now
                held.release()
                try await holding
                #expect(try await waiting == 2)
                #expect(ContinuousClock.now - released < .seconds(10))
            }
        }
    }

    @Test("a cancelled wait leaves the line and takes no place with it")
    func cancelledWaitLeavesTheLine() async throws {
        try await TestDatabase.with { db in
            try await withDatabase(Self.tiny(db, wait: .seconds(60))) { database in
                let held = HeldConnection()
                async let holding: Void = held.hold(database)
                await held.waitUntilHeld()
                let waiter = Task {
                    try await database.read { c in try await c.query("SELECT 1", logger: TestDatabase.logger).collect().count }
                }
                try await Task.sleep(for: .milliseconds(100))
                waiter.cancel()
                await #expect(throws: CancellationError.self) { try await waiter.value }
                held.release()
                try await holding
                // Had the cancelled wait kept the place, this would wait the full 60 s.
                let started = ContinuousClock.now
                _ = try await database.read { c in try await c.query("SELECT 1", logger: TestDatabase.logger).collect() }
                #expect(ContinuousClock.now - started < .seconds(20))
            }
        }
    }

    @Test("a lease that PostgresNIO's pool queues (a connection could not be made) is refused within the wait, though a connection is open, even idle")
    func queuedLeaseIsRefusedWithinTheWait() async throws {
        try await TestDatabase.with { db in
            var settings = db.app
            settings.poolSize = 2
            settings.poolWait = .milliseconds(600)
            try await withDatabase(settings) { database in
                // This test's own database takes one connection only: the pool's second cannot be made,
                // and from that failure on PostgresNIO queues every lease until a connection comes back.
                // (From another database: the limit would keep the owner out of this one too.)
                let elsewhere = db.owner.with(database: "postgres")
                try await TestDatabase.withClient(elsewhere) { c in
                    try await c.query("ALTER DATABASE \(unescaped: "\"\(db.name)\"") CONNECTION LIMIT 1", logger: TestDatabase.logger)
                }
                let held = HeldConnection()
                async let holding: Void = held.hold(database)
                await held.waitUntilHeld()
                let started = ContinuousClock.now
                await #expect(throws: DatabaseUnavailable.self) {
                    try await database.read { c in try await c.query("SELECT 1", logger: TestDatabase.logger).collect() }
                }
                let waited = ContinuousClock.now - started
                // (A lease is given a second at least, whatever is left of the pool wait.)
                #expect(waited >= .milliseconds(950) && waited < .seconds(10), "waited \(waited)")
                held.release()
                try await holding
                // The connection is idle now. PostgresNIO's pool may still queue the lease while it fails to
                // make its second (seen), or hand the idle one over (also seen, on a busy machine): either
                // way the answer comes within the wait, never left hanging.
                let again = ContinuousClock.now
                do {
                    _ = try await database.read { c in try await c.query("SELECT 1", logger: TestDatabase.logger).collect() }
                } catch is DatabaseUnavailable {}
                #expect(ContinuousClock.now - again < .seconds(10))
                try await TestDatabase.withClient(elsewhere) { c in
                    try await c.query("ALTER DATABASE \(unescaped: "\"\(db.name)\"") CONNECTION LIMIT -1", logger: TestDatabase.logger)
                }
                // The held connection came back: a lease gets a connection again.
                let one = try await database.read(patience: TestDatabase.patience) { c in
                    try await c.query("SELECT 1", logger: TestDatabase.logger).collect().first?.decode(Int.self)
                }
                #expect(one == 1)
            }
        }
    }

    @Test("a database that cannot be reached is refused within the wait, every time")
    func unreachableIsRefusedWithinTheWait() async throws {
        let nowhere = DatabaseSettings(host: "127.0.0.1", port: 1, username: "nobody", password: nil, database: "none", tlsMode: "disable",
                                       poolSize: 2, poolWait: .milliseconds(500))
        let client = PostgresClient(configuration: nowhere.clientConfiguration, backgroundLogger: TestDatabase.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let database = Database(client: client, settings: nowhere, logger: TestDatabase.logger)
            for _ in 0..<2 {
                let started = ContinuousClock.now
                await #expect(throws: DatabaseUnavailable.self) {
                    try await database.read { c in try await c.query("SELECT 1", logger: TestDatabase.logger).collect() }
                }
                #expect(ContinuousClock.now - started < .seconds(5))
            }
        }
    }

    @Test("every connection asks for the statement timeout, the idle-in-transaction timeout and no JIT compilation")
    func startupParameters() async throws {
        try await TestDatabase.with { db in
            var settings = db.app
            settings.statementTimeout = .milliseconds(1500)
            let shown = try await withDatabase(settings) { database in
                try await database.read { c in
                    try await c.query(
                        "SELECT current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout'), current_setting('jit')",
                        logger: TestDatabase.logger
                    ).collect()[0].decode((String, String, String).self)
                }
            }
            #expect(shown.0 == "1500ms")
            #expect(shown.1 == "1min")
            #expect(shown.2 == "off")
        }
    }

    @Test("a statement that runs past statement_timeout is cancelled: DatabaseTimedOut, and its write rolled back")
    func statementTimeout() async throws {
        try await TestDatabase.with { db in
            var settings = db.app
            // Long enough for the follow-up statements on a machine running every suite at once.
            settings.statementTimeout = .milliseconds(1500)
            try await withDatabase(settings) { database in
                let started = ContinuousClock.now
                await #expect(throws: DatabaseTimedOut.self) {
                    try await database.read { c in try await c.query("SELECT pg_sleep(60)", logger: TestDatabase.logger).collect() }
                }
                #expect(ContinuousClock.now - started < .seconds(30))
                let board = "timeout-" + UUID().uuidString.prefix(8).lowercased()
                await #expect(throws: DatabaseTimedOut.self) {
                    try await database.write(context()) { c in
                        _ = try await c.query(
                            "INSERT INTO register.boards (id, code, name, kind) VALUES (\(UUID()), \(board), 'Board', 'lscb')",
                            logger: TestDatabase.logger
                        ).collect()
                        _ = try await c.query("SELECT pg_sleep(60)", logger: TestDatabase.logger).collect()
                    }
                }
                let stored = try await database.read { c in
                    try await c.query("SELECT count(*) FROM register.boards WHERE code = \(board)", logger: TestDatabase.logger)
                        .collect()[0].decode(Int.self)
                }
                #expect(stored == 0)
                // The connection it ran on is fine for the next request.
                let one = try await database.read { c in try await c.query("SELECT 1", logger: TestDatabase.logger).collect()[0].decode(Int.self) }
                #expect(one == 1)
            }
        }
    }

    /// The body's own failure, after its connection has gone.
    struct GaveUp: Error {}

    @Test("on a connection PostgreSQL has closed mid-transaction a statement is refused at once, the write ends with its own error, and the next write gets a new connection")
    func connectionLostInTransaction() async throws {
        try await TestDatabase.with { db in
            var settings = db.app
            settings.poolSize = 1
            try await withDatabase(settings) { database in
                // Unstructured, so that a write left waiting for ever fails this test instead of hanging it.
                let (ended, signal) = AsyncStream<(any Error)?>.makeStream()
                let write = Task {
                    do {
                        try await database.write(context()) { c in
                            // PostgreSQL ends this session (as a crash or an administrator would) ...
                            do { _ = try await c.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: TestDatabase.logger).collect() } catch {}
                            // ... and the connection is closed and taken down before the transaction ends.
                            while !c.isClosed { try await Task.sleep(for: .milliseconds(10)) }
                            try await Task.sleep(for: .milliseconds(200))
                            // A statement now is refused at once, not left waiting for an answer that never comes.
                            await #expect(throws: DatabaseUnavailable.self) {
                                _ = try await c.query("SELECT 1", logger: TestDatabase.logger).collect()
                            }
                            // The write then ends with this error (its ROLLBACK is not sent on the closed connection).
                            throw GaveUp()
                        }
                        signal.yield(nil)
                    } catch {
                        signal.yield(error)
                    }
                    signal.finish()
                }
                let watchdog = Task {
                    try await Task.sleep(for: .seconds(20))
                    signal.finish()
                }
                var outcome: (any Error)?? = .none
                for await error in ended { outcome = .some(error); break }
                watchdog.cancel()
                guard case .some(let error) = outcome else {
                    Issue.record("the write was still waiting 20 s after its connection closed")
                    write.cancel()
                    return
                }
                #expect(error is GaveUp, "\(String(describing: error))")
                // The pool's one connection was replaced: the next write goes through.
                let board = "after-" + UUID().uuidString.prefix(8).lowercased()
                try await database.write(context()) { c in
                    _ = try await c.query("INSERT INTO register.boards (id, code, name, kind) VALUES (\(UUID()), \(board), 'Board', 'lscb')", logger: TestDatabase.logger).collect()
                }
                let stored = try await database.read { c in
                    try await c.query("SELECT count(*) FROM register.boards WHERE code = \(board)", logger: TestDatabase.logger)
                        .collect()[0].decode(Int.self)
                }
                #expect(stored == 1)
            }
        }
    }

    @Test("a read's work, run on its lease's own task, logs through the request's logger when one is being served")
    func requestLoggerReachesTheLease() async throws {
        try await TestDatabase.with { db in
            try await withDatabase(db.app) { database in
                var request = TestDatabase.logger
                request[metadataKey: "request_id"] = "r-42"
                let seen = try await Database.$requestLogger.withValue(request) {
                    try await database.read { _ in Database.requestLogger?[metadataKey: "request_id"].map { "\($0)" } }
                }
                #expect(seen == "r-42")
                let outside = try await database.read { _ in Database.requestLogger }
                #expect(outside == nil)
            }
        }
    }
}
