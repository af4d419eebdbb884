import Foundation
import PostgresNIO
import RegisterDomain
import RegisterStore
import RegisterTestSupport
import Testing

/// "Overdue" has one definition, in the database (Schema/0009); lists, filters, reports and the
/// summary all read it from there.
@Suite("overdue")
struct OverdueTests {
    private func ask(_ sql: PostgresQuery) async throws -> Bool {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                try await database.read { c in
                    var answer = false
                    for try await row in try await c.query(sql, logger: TestDatabase.logger) { answer = try row.decode(Bool.self) }
                    return answer
                }
            }
        }
    }

    @Test("an assignment is overdue when it is not accepted and its due date has passed")
    func assignment() async throws {
        let due = Day(iso: "2026-01-31")!, next = Day(iso: "2026-02-01")!
        #expect(try await ask("SELECT register.assignment_overdue('in_progress', \(due), \(next))"))
        #expect(try await ask("SELECT register.assignment_overdue('returned', \(due), \(next))"))
        #expect(try await !ask("SELECT register.assignment_overdue('accepted', \(due), \(next))"))
        #expect(try await !ask("SELECT register.assignment_overdue('assigned', \(due), \(due))"))
    }

    @Test("a recommendation is overdue when still open and past its target date or with overdue work")
    func recommendation() async throws {
        let today = Day(iso: "2026-04-01")!, before = Day(iso: "2026-03-31")!
        #expect(try await ask("SELECT register.recommendation_overdue('open', \(before), false, \(today))"))
        #expect(try await ask("SELECT register.recommendation_overdue('in_progress', NULL, true, \(today))"))
        #expect(try await !ask("SELECT register.recommendation_overdue('open', \(today), false, \(today))"))
        #expect(try await !ask("SELECT register.recommendation_overdue('open', NULL, false, \(today))"))
        #expect(try await !ask("SELECT register.recommendation_overdue('implemented', \(before), true, \(today))"))
    }
}
