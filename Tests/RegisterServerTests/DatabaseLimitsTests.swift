import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import RegisterDomain
@testable import RegisterServer
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

/// Holds an ACCESS EXCLUSIVE lock on `register.boards`, taken with the owner's login, until
/// `release()`: a request that reads the boards then waits for it, holding its pooled connection,
/// as a slow statement would.
final class BoardsLock: Sendable {
    private let released: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    private let taken: AsyncStream<Void>
    private let takenSignal: AsyncStream<Void>.Continuation

    init() {
        (released, signal) = AsyncStream<Void>.makeStream()
        (taken, takenSignal) = AsyncStream<Void>.makeStream()
    }

    func hold(_ db: TestDatabase) async throws {
        try await TestDatabase.withClient(db.owner) { client in
            try await client.withConnection { c in
                _ = try await c.query("BEGIN", logger: TestDatabase.logger).collect()
                _ = try await c.query("LOCK TABLE register.boards IN ACCESS EXCLUSIVE MODE", logger: TestDatabase.logger).collect()
                takenSignal.finish()
                for await _ in released {}
                _ = try await c.query("ROLLBACK", logger: TestDatabase.logger).collect()
            }
        }
    }

    func waitUntilTaken() async { for await _ in taken {} }

    /// Returns once a request is waiting for the lock.
    func waitForWaiter(_ db: TestDatabase) async throws {
        try await TestDatabase.withClient(db.owner) { client in
            for _ in 0..<200 {
                // pg_locks covers the whole cluster, and every test database has the template's table ids.
                let waiting = try await client.query(
                    """
                    SELECT count(*) FROM pg_locks
                     WHERE NOT granted AND relation = 'register.boards'::regclass
                       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """, logger: TestDatabase.logger
                ).collect()[0].decode(Int.self)
                if waiting > 0 { return }
                try await Task.sleep(for: .milliseconds(25))
            }
            Issue.record("no request came to wait for the lock on register.boards")
        }
    }

    func release() { signal.finish() }
}

@Suite("Database limits over HTTP: a busy pool and a long statement are a 503, never a hang or a 500")
struct DatabaseLimitsTests {
    /// The application on a fresh database with adjusted database settings, and a coordinator's API token.
    static func withApp(
        _ adjust: @Sendable (inout DatabaseSettings) -> Void, log: LogRecorder? = nil,
        _ body: @Sendable (any TestClientProtocol, String, TestDatabase) async throws -> Void
    ) async throws {
        try await TestDatabase.with { db in
            var settings = db.app
            adjust(&settings)
            let token = try await db.withDatabase { database in
                let accounts = AccountStore(database: database)
                let write = WriteContext(actor: .system("tests"), requestID: "setup", logger: TestDatabase.logger)
                let user = try await accounts.createUser(
                    NewUser(email: "coordinator@example.org", name: "Coordinator", role: .coordinator), bcrypt: APIHarness.passwordHash,
                    context: write)
                return try await accounts.createToken(for: user, name: "tests", context: write).1.text
            }
            let app = buildApplication(
                AppConfiguration(database: settings, logLevel: log == nil ? "critical" : "warning"), logger: log?.logger ?? TestDatabase.logger)
            try await app.test(.router) { client in
                // The pool's connections made first: a lease gives up at the pool wait (a second at
                // least) while a connection is still being made, and on a machine running every
                // suite at once that can take longer; these tests are about a pool already running.
                _ = try await Self.get(client, "/api/v1/me", token: token)
                try await body(client, token, db)
            }
        }
    }

    static func get(_ client: any TestClientProtocol, _ path: String, token: String?) async throws -> Reply {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: path, method: .get, headers: headers) { response in
            Reply(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
    }

    @Test("with the pool's one connection held, the next request is answered 503 database-busy with Retry-After within the pool wait")
    func busyPool() async throws {
        try await Self.withApp({ $0.poolSize = 1; $0.poolWait = .milliseconds(200) }) { client, token, db in
            let lock = BoardsLock()
            async let locking: Void = lock.hold(db)
            await lock.waitUntilTaken()
            async let slow = Self.get(client, "/api/v1/boards", token: token)
            try await lock.waitForWaiter(db)

            let started = ContinuousClock.now
            let refused = try await Self.get(client, "/api/v1/me", token: token)
            // Loose enough for a machine running every test at once; without the pool's wait limit it never answers.
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(refused.status == .serviceUnavailable, "\(refused.text)")
            #expect(refused.isProblem)
            #expect(refused.json["type"] as? String == "urn:learning-register:problem:database-busy")
            #expect(refused.headers[.retryAfter] == "2")
            let ready = try await Self.get(client, "/ready", token: nil)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.json["status"] as? String == "database busy")

            lock.release()
            try await locking
            #expect(try await slow.status == .ok)
            #expect(try await Self.get(client, "/api/v1/me", token: token).status == .ok)
            #expect(try await Self.get(client, "/ready", token: nil).json["status"] as? String == "ready")
        }
    }

    @Test("a statement cancelled by statement_timeout is answered 503 took-too-long with Retry-After, and the register goes on")
    func statementTimeout() async throws {
        // Long enough that the next request's own statements finish within it on a machine running
        // every suite at once (300 ms once failed there); the held lock makes the first one wait it out.
        let log = LogRecorder()
        try await Self.withApp({ $0.statementTimeout = .milliseconds(1500) }, log: log) { client, token, db in
            let lock = BoardsLock()
            async let locking: Void = lock.hold(db)
            await lock.waitUntilTaken()
            let started = ContinuousClock.now
            let reply = try await Self.get(client, "/api/v1/boards", token: token)
            #expect(ContinuousClock.now - started < .seconds(10))
            lock.release()
            try await locking
            #expect(reply.status == .serviceUnavailable, "\(reply.text)")
            #expect(reply.json["type"] as? String == "urn:learning-register:problem:took-too-long")
            #expect(reply.headers[.retryAfter] == "10")
            #expect(!reply.text.contains("57014") && !reply.text.contains("canceling"))
            // The warning names the request, though a read (unlike a write) is not handed its logger.
            let requestID = try #require(reply.headers[.requestID])
            #expect(log.entries.contains { $0.message.contains("ran past statement_timeout") && $0.metadata["request_id"] == requestID },
                    "\(log.entries.map(\.line))")
            let next = try await Self.get(client, "/api/v1/boards", token: token)
            #expect(next.status == .ok, "\(next.text)")
        }
    }

    @Test("a busy pool and a cancelled statement are 503 problems that say to try again, and show nothing of the database")
    func problems() {
        let (busy, busyProblem, busyHeaders) = Problem.from(DatabaseBusy(waited: .seconds(5)), requestID: "r1")
        #expect(busy == .serviceUnavailable)
        #expect(busyProblem.type == "urn:learning-register:problem:database-busy")
        #expect(busyHeaders[.retryAfter] == "2")
        let (slow, slowProblem, slowHeaders) = Problem.from(DatabaseTimedOut(underlying: "canceling statement due to statement timeout"), requestID: "r2")
        #expect(slow == .serviceUnavailable)
        #expect(slowProblem.title == "The register took too long")
        #expect(slowHeaders[.retryAfter] == "10")
        #expect(!slowProblem.detail.contains("canceling"))
        #expect(slowProblem.detail.contains("r2"))
    }

    @Test("pool size, pool wait and statement timeout are read from the environment, and checked")
    func configuration() throws {
        let url = "postgres://app:secret@db.example:5432/register"
        let defaults = try AppConfiguration.fromEnvironment(["DATABASE_URL": url]).database
        #expect(defaults.poolSize == 20)
        #expect(defaults.poolWait == .seconds(5))
        #expect(defaults.statementTimeout == .seconds(30))
        #expect(defaults.clientConfiguration.options.maximumConnections == 20)
        #expect(defaults.clientConfiguration.options.additionalStartupParameters.contains { $0 == ("statement_timeout", "30000ms") })

        let set = try AppConfiguration.fromEnvironment([
            "DATABASE_URL": url, "DATABASE_POOL_SIZE": "3", "DATABASE_POOL_WAIT_MS": "250", "DATABASE_STATEMENT_TIMEOUT_MS": "0",
        ]).database
        #expect(set.poolSize == 3)
        #expect(set.poolWait == .milliseconds(250))
        #expect(set.statementTimeout == nil)
        #expect(set.clientConfiguration.options.maximumConnections == 3)
        // 0 asks for none, so that the role's own setting applies.
        #expect(!set.clientConfiguration.options.additionalStartupParameters.contains { $0.0 == "statement_timeout" })

        do {
            _ = try AppConfiguration.fromEnvironment([
                "DATABASE_URL": url, "DATABASE_POOL_SIZE": "0", "DATABASE_POOL_WAIT_MS": "soon", "DATABASE_STATEMENT_TIMEOUT_MS": "-1",
            ])
            Issue.record("accepted a broken pool configuration")
        } catch let invalid as AppConfiguration.Invalid {
            #expect(invalid.problems.count == 3, "\(invalid.problems)")
            #expect(invalid.description.contains("DATABASE_POOL_SIZE"))
            #expect(invalid.description.contains("DATABASE_POOL_WAIT_MS"))
            #expect(invalid.description.contains("DATABASE_STATEMENT_TIMEOUT_MS"))
        }
    }
}
