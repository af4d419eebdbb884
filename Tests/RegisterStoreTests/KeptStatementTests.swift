import Foundation
import PostgresNIO
import RegisterDomain
import RegisterStore
import RegisterTestSupport
import Testing

@Suite("Kept statements: planned once on each connection, answering as the unnamed ones did")
struct KeptStatementTests {
    /// How PostgreSQL has planned a kept statement on the connection this read is given.
    static func planned(_ name: String, _ database: Database) async throws -> (generic: Int, custom: Int)? {
        try await database.read { c in
            let rows = try await c.query(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = \(name)", logger: TestDatabase.logger
            ).collect()
            return try rows.first.map { try $0.decode((Int, Int).self) }
        }
    }

    static func backend(_ database: Database) async throws -> Int32 {
        try await database.read { c in
            try await c.query("SELECT pg_backend_pid()", logger: TestDatabase.logger).collect()[0].decode(Int32.self)
        }
    }

    @Test("one review read again and again takes PostgreSQL's kept plan, live and as at a day; a new connection prepares it again")
    func reviewKeptPlan() async throws {
        try await TestDatabase.with { db in
            var settings = db.app
            settings.poolSize = 1  // every read on the same connection, until it ends
            try await withDatabase(settings) { database in
                let (_, review) = try await seedReview(database, reference: "KEPT-1")
                let store = ReviewStore(database: database)
                #expect(try await Self.planned("lr_review", database) == nil)
                // PostgreSQL makes custom plans for a prepared statement's first five runs, then keeps
                // a generic one when it costs no more.
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
                _ = try? await database.read { c in
                    try await c.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: TestDatabase.logger).collect()
                }
                var again: Review?
                for _ in 1...50 where again == nil {
                    again = try? await store.get(review.id)
                    if again == nil { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(again?.details.reference == "KEPT-1")
                #expect(try await Self.backend(database) != before)
                #expect(try await Self.planned("lr_review", database) != nil)
            }
        }
    }
}
