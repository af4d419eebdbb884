import Foundation
import Logging
import PostgresNIO
import RegisterStore
import RegisterTestSupport
import Testing

/// Migration 12 gives existing evidence and progress updates the organisation that sent them: the
/// assignment's partner when each was committed, read from the audit trail, not its partner now.
@Suite("evidence provenance migration")
struct ProvenanceMigrationTests {
    @Test("rows recorded before a reassignment belong to the earlier partner, rows after it to the later one; the backfill is audited")
    func backfill() async throws {
        try await TestDatabase.withUnmigrated { db in
            let all = try Migrator(folder: TestDatabase.schemaFolder).migrations
            func migrate(_ migrations: [Migration]) async throws {
                try await TestDatabase.withClient(db.owner) { client in
                    _ = try await Migrator(migrations: migrations).migrate(client: client, logger: TestDatabase.logger)
                }
            }
            func write(_ statements: [PostgresQuery]) async throws {
                try await TestDatabase.withClient(db.owner) { client in
                    try await client.withTransaction(logger: TestDatabase.logger) { c in
                        _ = try await c.query("SELECT set_config('app.actor', 'system:test', true), set_config('app.request_id', 'upgrade', true)", logger: TestDatabase.logger).collect()
                        for sql in statements { _ = try await c.query(sql, logger: TestDatabase.logger).collect() }
                    }
                }
            }
            try await migrate(all.filter { $0.version < 12 })
            let (first, second, board, review, recommendation, assignment, user) = (UUID(), UUID(), UUID(), UUID(), UUID(), UUID(), UUID())
            let (before, updateBefore, after, updateAfter) = (UUID(), UUID(), UUID(), UUID())
            try await write([
                "INSERT INTO register.partners (id, name, sector) VALUES (\(first), 'First', 'police'), (\(second), 'Second', 'health')",
                "INSERT INTO register.boards (id, code, name, kind) VALUES (\(board), 'up', 'Board', 'lscb')",
                "INSERT INTO register.reviews (id, reference, title, kind, board_id, regime) VALUES (\(review), 'UP-1', 'Child U', 'lcspr', \(board), 'wt2023')",
                "INSERT INTO register.recommendations (id, review_id, number, text, scope) VALUES (\(recommendation), \(review), '1', 'Share.', 'local')",
                """
                INSERT INTO register.assignments (id, recommendation_id, partner_id, role, action, due_date, original_due_date, assigned_by)
                VALUES (\(assignment), \(recommendation), \(first), 'lead', 'Act.', '2026-03-31', '2026-03-31', 'system:test')
                """,
                "INSERT INTO register.users (id, email, name, role, partner_id) VALUES (\(user), 'officer@example.org', 'Officer', 'partner', \(first))",
                """
                INSERT INTO register.evidence (id, assignment_id, summary, kind, effective_date, submitted_by)
                VALUES (\(before), \(assignment), 'Before', 'output', '2026-01-31', \(user))
                """,
                "INSERT INTO register.progress_updates (id, assignment_id, happened_on, text, actor) VALUES (\(updateBefore), \(assignment), '2026-01-15', 'Before', 'system:test')",
            ])
            // The reassignment, then work sent after it.
            try await write(["UPDATE register.assignments SET partner_id = \(second), version = version + 1 WHERE id = \(assignment)"])
            try await write([
                """
                INSERT INTO register.evidence (id, assignment_id, summary, kind, effective_date, submitted_by)
                VALUES (\(after), \(assignment), 'After', 'output', '2026-02-28', \(user))
                """,
                "INSERT INTO register.progress_updates (id, assignment_id, happened_on, text, actor) VALUES (\(updateAfter), \(assignment), '2026-02-15', 'After', 'system:test')",
            ])
            try await migrate(all)
            try await TestDatabase.withClient(db.owner) { client in
                var from: [UUID: UUID] = [:]
                for try await (id, partner) in try await client.query(
                    "SELECT id, from_partner_id FROM register.evidence UNION ALL SELECT id, from_partner_id FROM register.progress_updates",
                    logger: TestDatabase.logger
                ).decode((UUID, UUID).self) {
                    from[id] = partner
                }
                #expect(from == [before: first, updateBefore: first, after: second, updateAfter: second])
                var audited = 0
                for try await (n) in try await client.query(
                    "SELECT count(*)::int FROM audit.events WHERE actor = 'system:migrate-12' AND operation = 'UPDATE'", logger: TestDatabase.logger
                ).decode(Int.self) {
                    audited = n
                }
                #expect(audited == 4)
            }
        }
    }
}
