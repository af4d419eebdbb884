import Foundation
import PostgresNIO
import RegisterDomain
@testable import RegisterStore
import RegisterTestSupport
import Testing

@Suite("Kept statements: planned once on each connection, answering as the unnamed ones did")
struct KeptStatementTests {
    /// The register's stores on a test database, with a pool of one connection: every read on the
    /// same connection, until it ends.
    static func onOneConnection(_ body: @Sendable (TestDatabase, Database) async throws -> Void) async throws {
        try await TestDatabase.with { db in
            var settings = db.app
            settings.poolSize = 1
            try await withDatabase(settings) { database in try await body(db, database) }
        }
    }

    /// How PostgreSQL has planned a kept statement on the connection this read is given.
    static func planned(_ name: String, _ database: Database) async throws -> (generic: Int, custom: Int)? {
        try await database.read { c in
            let rows = try await c.query(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = \(name)", logger: TestDatabase.logger
            ).collect()
            return try rows.first.map { try $0.decode((Int, Int).self) }
        }
    }

    /// The planner's estimated total cost of each kept statement's run (`EXECUTE name(values)`), with
    /// its plan mode (`force_generic_plan`, `force_custom_plan`), on the connection that keeps it.
    static func estimates(of runs: [(mode: String, execute: String)], _ database: Database) async throws -> [Double] {
        try await database.read { c in
            var costs: [Double] = []
            for run in runs {
                try await c.run(PostgresQuery(unsafeSQL: "SET plan_cache_mode = \(run.mode)"), logger: TestDatabase.logger)
                let explain = PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) \(run.execute)")
                let json = try await c.query(explain, logger: TestDatabase.logger).collect()[0].decode(String.self)
                let plans = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
                let plan = try #require(plans.first?["Plan"] as? [String: Any])
                costs.append(try #require(plan["Total Cost"] as? Double))
            }
            try await c.run("RESET plan_cache_mode", logger: TestDatabase.logger)
            return costs
        }
    }

    /// Runs a statement as the migration owner (on its own connection).
    static func asOwner(_ db: TestDatabase, _ sql: String) async throws {
        try await TestDatabase.withClient(db.owner) { client in
            try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger).collect()
        }
    }

    /// The review, asked for every 100 ms until it comes (5 s at most), and the last refusal before.
    static func readWhenBack(_ store: ReviewStore, _ id: UUID) async throws -> (review: Review?, refusal: (any Error)?) {
        var refusal: (any Error)?
        for _ in 1...50 {
            do { return (try await store.get(id), refusal) } catch {
                refusal = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return (nil, refusal)
    }

    static func backend(_ database: Database) async throws -> Int32 {
        try await database.read { c in
            try await c.query("SELECT pg_backend_pid()", logger: TestDatabase.logger).collect()[0].decode(Int32.self)
        }
    }

    @Test("one review read again and again takes PostgreSQL's kept plan, live and as at a day; a new connection prepares it again")
    func reviewKeptPlan() async throws {
        try await Self.onOneConnection { db, database in
            let (_, review) = try await seedReview(database, reference: "KEPT-1")
            let store = ReviewStore(database: database)
            // Nothing has read the review yet (writing it does not), so nothing is prepared.
            #expect(try await Self.planned("lr_review", database) == nil)
            // Under PostgreSQL's default `plan_cache_mode` (auto) it makes custom plans for a
            // prepared statement's first five runs, then keeps a generic one it estimates cheaper.
            for _ in 1...8 {
                let read = try await store.get(review.id)
                #expect(read.id == review.id && read.details.reference == "KEPT-1" && read.version == review.version)
            }
            let plans = try #require(try await Self.planned("lr_review", database))
            #expect(plans.generic >= 3, "PostgreSQL kept a generic plan and reused it (\(plans))")
            // The same statement as at a day: the history the seal kept, not the live table.
            let today = Day.today()
            #expect(try await store.get(review.id, asAt: AsAt(day: today)).details.reference == "KEPT-1")
            await #expect(throws: DomainError.notFound("review")) {
                try await store.get(review.id, asAt: AsAt(day: today.adding(days: -2)))
            }
            await #expect(throws: DomainError.notFound("review")) { try await store.get(UUID()) }

            // The connection ends (an administrator, a restart of PostgreSQL): the pool's next one
            // prepares the statement again the first time it is sent there.
            let before = try await Self.backend(database)
            // The statement ends its own connection, so it fails; what matters is what comes after.
            _ = try? await database.read { c in
                try await c.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: TestDatabase.logger).collect()
            }
            let again = try await Self.readWhenBack(store, review.id)
            #expect(again.review?.details.reference == "KEPT-1", "still refused: \(String(describing: again.refusal))")
            #expect(try await Self.backend(database) != before)
            #expect(try await Self.planned("lr_review", database) != nil)
        }
    }

    @Test("the look-ups of a session and of an API token are kept, their one value a SHA-256 (bytea), and find the person")
    func secretLookups() async throws {
        try await Self.onOneConnection { db, database in
            let accounts = AccountStore(database: database)
            let user = try await accounts.createUser(
                NewUser(email: "kept@example.org", name: "Kept", role: .coordinator), bcrypt: "$2b$12$" + String(repeating: "a", count: 53),
                context: context())
            let session = try await accounts.startSession(for: user, lasting: 600, context: context())
            let (_, token) = try await accounts.createToken(for: user, name: "kept", context: context())
            #expect(try await accounts.userForSession(session)?.id == user.id)
            #expect(try await accounts.userForToken(token)?.id == user.id)
            #expect(try await accounts.userForSession(token) == nil, "a token is not a session")
            let statements = try await database.read { c in
                try await c.query(
                    "SELECT name, parameter_types::text FROM pg_prepared_statements WHERE name LIKE 'lr\\_%' ORDER BY name",
                    logger: TestDatabase.logger
                ).collect().map { try $0.decode((String, String).self) }
            }
            #expect(statements.map(\.0) == ["lr_session_user", "lr_token_user"])
            #expect(statements.allSatisfy { $0.1 == "{bytea}" })
        }
    }

    @Test("a kept statement PostgreSQL refused to prepare does not stay refused: its connection is closed and the next one prepares it afresh")
    func refusedPreparation() async throws {
        try await Self.onOneConnection { db, database in
            let (_, review) = try await seedReview(database, reference: "KEPT-2")
            let store = ReviewStore(database: database)
            let before = try await Self.backend(database)
            // The function the statement reads is missing while it is first prepared (as when a
            // migration holds or changes it): PostgreSQL refuses the preparation itself.
            try await Self.asOwner(db, "ALTER FUNCTION register.reviews_at(text) RENAME TO reviews_at_away")
            await #expect(throws: (any Error).self) { try await store.get(review.id) }
            try await Self.asOwner(db, "ALTER FUNCTION register.reviews_at_away(text) RENAME TO reviews_at")
            // PostgresNIO would fail the statement at once on that connection from then on; the
            // register closed it, so the pool's next connection prepares it again.
            let read = try await Self.readWhenBack(store, review.id)
            #expect(read.review?.details.reference == "KEPT-2", "still refused: \(String(describing: read.refusal))")
            #expect(try await Self.backend(database) != before)
        }
    }
}
