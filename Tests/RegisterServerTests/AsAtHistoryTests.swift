import Foundation
import PostgresNIO
import RegisterDomain
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

/// The register as at a moment is read from the history the seal keeps (migration 26), not rebuilt
/// from the chain at each read. The chain stays the authority: at every seal time, every table's
/// history must give exactly the rows the chain itself gives (`audit.rows_as_at`), and as at any
/// moment after the last seal, exactly the live table.
@Suite("as-at reads from the kept history")
struct AsAtHistoryTests {
    static let tables = [
        "reviews", "findings", "recommendations", "recommendation_findings", "recommendation_transitions", "clock_pauses",
        "review_documents", "review_document_withdrawals", "partners", "assignments", "progress_updates", "evidence",
        "evidence_files", "evidence_decisions",
    ]

    /// "table at moment: n rows differ" for every table and moment where `register.<table>_at` and the
    /// chain's own reading disagree, and for every table whose reading after the last seal is not its live table.
    static func differences(_ client: PostgresClient, in tables: [String] = tables) async throws -> [String] {
        var found: [String] = []
        for table in tables {
            // The search vectors are not in the events (they are computed): compared with the live table below.
            let rows = try await client.query(
                PostgresQuery(
                    unsafeSQL: """
                        WITH moments AS (SELECT DISTINCT e.sealed_at AS at FROM audit.events e UNION VALUES ('0000'), ('9999'))
                        SELECT m.at, d.n FROM moments m CROSS JOIN LATERAL (
                            SELECT count(*) AS n FROM (
                                (SELECT to_jsonb(x) - 'search' FROM register.\(table)_at(m.at) x
                                 EXCEPT ALL
                                 SELECT to_jsonb(jsonb_populate_record(NULL::register.\(table), j)) - 'search' FROM audit.rows_as_at('\(table)', m.at) j)
                                UNION ALL
                                (SELECT to_jsonb(jsonb_populate_record(NULL::register.\(table), j)) - 'search' FROM audit.rows_as_at('\(table)', m.at) j
                                 EXCEPT ALL
                                 SELECT to_jsonb(x) - 'search' FROM register.\(table)_at(m.at) x)) diff) d
                        WHERE d.n > 0
                        UNION ALL
                        SELECT 'now', count(*) FROM (
                            (SELECT * FROM register.\(table) EXCEPT ALL SELECT * FROM register.\(table)_at('9999'))
                            UNION ALL
                            (SELECT * FROM register.\(table)_at('9999') EXCEPT ALL SELECT * FROM register.\(table))) now
                        HAVING count(*) > 0
                        """), logger: TestDatabase.logger)
            for try await (at, n) in rows.decode((String, Int).self) { found.append("\(table) at \(at): \(n) rows differ") }
        }
        return found
    }

    /// Changes committed on a connection of their own and sealed together afterwards, the seal's slice
    /// starting with a read (a read has no row state: the states must stay paired with their events):
    /// the same assignment changed twice, and a recommendation's link to a finding deleted.
    static func changeTwiceInOneSeal(_ client: PostgresClient) async throws {
        try await client.withConnection { c in
            let changes = [
                "SELECT audit.record_read('reviews', (SELECT id::text FROM register.reviews ORDER BY id LIMIT 1), NULL)",
                "UPDATE register.assignments SET lead_officer = 'First ' || coalesce(lead_officer, '') WHERE id = (SELECT id FROM register.assignments ORDER BY id LIMIT 1)",
                "UPDATE register.assignments SET lead_officer = 'Second ' || coalesce(lead_officer, '') WHERE id = (SELECT id FROM register.assignments ORDER BY id LIMIT 1)",
                """
                DELETE FROM register.recommendation_findings
                WHERE (recommendation_id, finding_id) = (SELECT recommendation_id, finding_id FROM register.recommendation_findings
                                                         ORDER BY recommendation_id, finding_id LIMIT 1)
                """,
            ]
            for (n, sql) in changes.enumerated() {
                try await c.query("BEGIN", logger: TestDatabase.logger)
                try await c.query("SELECT set_config('app.actor', 'system:tests', true), set_config('app.request_id', \("history-\(n)"), true)", logger: TestDatabase.logger)
                try await c.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger)
                try await c.query("COMMIT", logger: TestDatabase.logger)
            }
            let sealed = try await c.query("SELECT audit.seal_journal()", logger: TestDatabase.logger).collect().first?.decode(Int.self)
            #expect(sealed == 4)
        }
    }

    @Test("every table as at every seal time is what the chain says (demo data; a read, a row changed twice and a row deleted in one seal); the history refuses any other writer, and an altered version is caught")
    func historyIsTheChain() async throws {
        try await TestDatabase.with { db in
            let loaded = try await ReportsDatabaseTests.withServices(main: db, reports: db) { services in
                try await DemoData.load(into: services, logger: TestDatabase.logger)
            }
            #expect(loaded)
            try await TestDatabase.withClient(db.app) { client in try await Self.changeTwiceInOneSeal(client) }
            try await TestDatabase.withClient(db.owner) { client in
                let differences = try await Self.differences(client)
                #expect(differences.isEmpty, "\(differences)")
                // The demo data reaches most tables, with several versions of some rows.
                let kept = try await client.query(
                    "SELECT count(*), count(history_to) FROM audit.history_assignments", logger: TestDatabase.logger
                ).collect().first!.decode((Int, Int).self)
                #expect(kept.0 > 10 && kept.1 > 0, "\(kept)")
                // The second change of the assignment, sealed with the first, is its open version.
                let officer = try await client.query(
                    """
                    SELECT h.lead_officer FROM audit.history_assignments h
                    WHERE h.id = (SELECT id FROM register.assignments ORDER BY id LIMIT 1) AND h.history_to IS NULL
                    """, logger: TestDatabase.logger
                ).collect().map { try $0.decode(String.self) }
                #expect(officer.count == 1 && officer[0].hasPrefix("Second First "), "\(officer)")
                // Only the seal writes the history: the migration owner (a member of the audit owner) is refused.
                let alter = "UPDATE audit.history_reviews SET title = 'Altered' WHERE history_key = (SELECT min(history_key) FROM audit.history_reviews)"
                for sql in [alter, "DELETE FROM audit.history_reviews", "TRUNCATE audit.history_reviews"] {
                    do {
                        try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger)
                        Issue.record("allowed: \(sql)")
                    } catch let error as PSQLError {
                        #expect(error.serverInfo?[.sqlState] == "LRA02", "\(sql): \(error.serverInfo?[.message] ?? "")")
                    }
                }
                // An owner who turns the guard off can still alter a version: the comparison sees it (it can fail).
                try await client.withConnection { c in
                    try await c.query("BEGIN", logger: TestDatabase.logger)
                    try await c.query("ALTER TABLE audit.history_reviews DISABLE TRIGGER seal_only", logger: TestDatabase.logger)
                    try await c.query(PostgresQuery(unsafeSQL: alter), logger: TestDatabase.logger)
                    try await c.query("ALTER TABLE audit.history_reviews ENABLE ALWAYS TRIGGER seal_only", logger: TestDatabase.logger)
                    try await c.query("COMMIT", logger: TestDatabase.logger)
                }
                let altered = try await Self.differences(client, in: ["reviews"])
                #expect(altered.contains { $0.hasPrefix("reviews at ") } && altered.contains { $0.hasPrefix("reviews at now") }, "\(altered)")
                // Rebuilt from the chain, it is whole again.
                try await client.query("SELECT audit.rebuild_history('reviews')", logger: TestDatabase.logger)
                #expect(try await Self.differences(client, in: ["reviews"]).isEmpty)
            }
        }
    }

    @Test("each history table has its table's stored columns, same types (a migration that adds a column runs register.define_as_at)")
    func columnsFollowTheirTables() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.withClient(db.owner) { client in
                let rows = try await client.query(
                    """
                    SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
                    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                    WHERE c.relnamespace = 'register'::regnamespace AND c.relname = ANY(\(Self.tables))
                    EXCEPT
                    SELECT substr(c.relname, 9), a.attname, format_type(a.atttypid, a.atttypmod)
                    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    WHERE c.relnamespace = 'audit'::regnamespace AND c.relname LIKE 'history\\_%'
                    """, logger: TestDatabase.logger)
                let missing = try await rows.collect().map { try $0.decode((String, String, String).self) }.map { "\($0.0).\($0.1) \($0.2)" }
                #expect(missing.isEmpty, "columns without history: \(missing)")
                let kept = try await client.query(
                    "SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'audit'::regnamespace AND c.relkind = 'r' AND c.relname LIKE 'history\\_%'",
                    logger: TestDatabase.logger
                ).collect().first!.decode(Int.self)
                #expect(kept == Self.tables.count)
            }
        }
    }
}
