import Foundation
import Logging
import PostgresNIO
import RegisterDomain
import RegisterReports
import RegisterStore
import RegisterTestSupport
import Testing

func writeContext(_ actor: String = "tests", request: String = UUID().uuidString) -> WriteContext {
    WriteContext(actor: .system(actor), requestID: request, logger: TestDatabase.logger)
}

/// Verifies the database's chain from the first event with the same verifier as the offline one.
func verifyDatabase(_ database: Database) async throws -> (ChainVerifier, AuditHead) {
    var verifier = ChainVerifier()
    try await AuditStore(database: database).scan { page in
        for event in page { try verifier.check(event) }
    }
    return (verifier, try await AuditStore(database: database).head())
}

/// Commits a new board as the service's role would, but on a bare connection: the service's write
/// path seals the journal after each commit, this does not.
func commitUnsealedBoard(_ db: TestDatabase, code: String) async throws {
    try await TestDatabase.withClient(db.app) { client in
        try await client.withConnection { c in
            try await c.query("BEGIN", logger: TestDatabase.logger)
            try await c.query("SELECT set_config('app.actor', 'system:bare', true), set_config('app.request_id', 'bare', true)", logger: TestDatabase.logger)
            try await c.query("INSERT INTO register.boards (id, code, name, kind) VALUES (\(UUID()), \(code), \(code), 'lscb')", logger: TestDatabase.logger)
            try await c.query("COMMIT", logger: TestDatabase.logger)
        }
    }
}

func payloads(_ database: Database, table: String) async throws -> [[String: Any]] {
    try await AuditStore(database: database).events(AuditFilter(table: table), after: nil, limit: 1000).map {
        try JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as! [String: Any]
    }
}

@Suite("Audit trail in the database")
struct AuditTrailTests {
    @Test("every table of the register carries the audit triggers (sealed at commit, refused without an actor), enabled always")
    func everyTableAudited() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.withClient(db.owner) { client in
                let rows = try await client.query(
                    """
                    SELECT c.relname,
                           EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'audit_changes' AND t.tgenabled = 'A'
                                   AND t.tgdeferrable AND t.tginitdeferred AND t.tgconstraint <> 0),
                           EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'audit_no_truncate' AND t.tgenabled = 'A'),
                           EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'audit_attributed' AND t.tgenabled = 'A')
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'register' AND c.relkind IN ('r', 'p')
                    ORDER BY c.relname
                    """, logger: TestDatabase.logger
                ).collect().map { try $0.decode((String, Bool, Bool, Bool).self) }
                #expect(rows.count >= 11)
                for (table, changes, truncate, attributed) in rows {
                    #expect(changes && truncate && attributed, "register.\(table) is not audited")
                }
            }
        }
    }

    @Test("insert, update and delete each write one event with everything an auditor needs")
    func eventContents() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let board = try await BoardStore(database: database).create(
                    BoardDetails(code: "audit-a", name: "Board A", kind: .lscb), context: writeContext("alice", request: "req-1"))
                var details = board.details
                details.name = "Board \"A\"\nrenamed"
                _ = try await BoardStore(database: database).update(board.id, expectedVersion: 1, to: details, context: writeContext("bob", request: "req-2"))
                let review = try await ReviewStore(database: database).create(
                    ReviewDetails(reference: "R-1", title: "T", kind: .scr, boardID: board.id, regime: .wt2015), context: writeContext())
                let items = ReviewItemStore(database: database)
                let q = try await items.addQuestion(to: review.id, CoreQuestionDetails(text: "Why?"), context: writeContext())
                let f = try await items.addFinding(to: review.id, FindingDetails(text: "Because", questionIDs: [q.id]), context: writeContext())
                _ = try await items.updateFinding(f.id, of: review.id, expectedVersion: 1, to: FindingDetails(text: "Because", questionIDs: []), context: writeContext("carol"))

                let boardEvents = try await payloads(database, table: "boards")
                #expect(boardEvents.count == 2)
                #expect(boardEvents[0]["op"] as? String == "INSERT")
                #expect(boardEvents[0]["old"] is NSNull)
                #expect(boardEvents[0]["actor"] as? String == "system:alice")
                #expect(boardEvents[0]["request_id"] as? String == "req-1")
                #expect(boardEvents[0]["db_user"] as? String == "register_app")
                #expect((boardEvents[0]["at"] as? String)?.hasSuffix("Z") == true)
                #expect(boardEvents[0]["key"] as? String == board.id.uuidString.lowercased())
                #expect(boardEvents[1]["op"] as? String == "UPDATE")
                #expect((boardEvents[1]["old"] as? [String: Any])?["name"] as? String == "Board A")
                #expect((boardEvents[1]["new"] as? [String: Any])?["name"] as? String == "Board \"A\"\nrenamed")
                #expect(boardEvents[1]["actor"] as? String == "system:bob")
                let links = try await payloads(database, table: "finding_questions")
                #expect(links.map { $0["op"] as? String } == ["INSERT", "DELETE"])
                #expect(links[1]["actor"] as? String == "system:carol")
                #expect(links[1]["key"] as? String == "\(f.id.uuidString.lowercased())/\(q.id.uuidString.lowercased())")
                // Generated search vectors are left out of the payload.
                #expect(((try await payloads(database, table: "reviews"))[0]["new"] as? [String: Any])?["search"] == nil)
                let (verifier, head) = try await verifyDatabase(database)
                #expect(verifier.count == head.seq)
                #expect(head.unsealed == 0)
            }
        }
    }

    @Test("a write without app.actor and app.request_id is refused by the database")
    func failsClosed() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.withClient(db.app) { client in
                do {
                    try await client.query(
                        "INSERT INTO register.boards (id, code, name, kind) VALUES (\(UUID()), 'sneaky', 'S', 'lscb')", logger: TestDatabase.logger)
                    Issue.record("an unaudited write was accepted")
                } catch let error as PSQLError {
                    #expect(error.serverInfo?[.sqlState] == "LRA01")
                    #expect(error.serverInfo?[.message]?.contains("app.actor") == true)
                }
                let count = try await client.query("SELECT count(*)::int FROM register.boards", logger: TestDatabase.logger).collect()
                #expect(try count[0].decode(Int.self) == 0)
            }
        }
    }

    @Test("a transaction's changes are sealed at commit in the order made, each row as it was then, reads in their place")
    func orderWithinTransaction() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let id = UUID()
                let before = try await AuditStore(database: database).head().seq
                try await database.write(writeContext("order", request: "req-order")) { c in
                    try await c.query("INSERT INTO register.boards (id, code, name, kind) VALUES (\(id), 'ord', 'First', 'lscb')", logger: TestDatabase.logger)
                    try await c.query("UPDATE register.boards SET name = 'Second' WHERE id = \(id)", logger: TestDatabase.logger)
                    try await c.query("SELECT audit.record_read('test', 'between', NULL)", logger: TestDatabase.logger)
                    try await c.query("UPDATE register.boards SET name = 'Third' WHERE id = \(id)", logger: TestDatabase.logger)
                    try await c.query("DELETE FROM register.boards WHERE id = \(id)", logger: TestDatabase.logger)
                }
                let events = try await AuditStore(database: database).events(AuditFilter(actor: "system:order"), after: before, limit: 10)
                #expect(events.map(\.seq) == Array((before + 1)...(before + 5)))
                let p = try events.map { try JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as! [String: Any] }
                #expect(p.map { $0["op"] as? String } == ["INSERT", "UPDATE", "READ", "UPDATE", "DELETE"])
                func name(_ i: Int, _ side: String) -> String? { (p[i][side] as? [String: Any])?["name"] as? String }
                #expect(name(0, "new") == "First")
                #expect([name(1, "old"), name(1, "new")] == ["First", "Second"])
                #expect([name(3, "old"), name(3, "new")] == ["Second", "Third"])
                #expect(name(4, "old") == "Third" && p[4]["new"] is NSNull)
                // One transaction, one time: the time it started, as the register's own columns take it.
                #expect(Set(p.compactMap { $0["at"] as? String }).count == 1)
                #expect(p.allSatisfy { $0["request_id"] as? String == "req-order" })
                let (verifier, head) = try await verifyDatabase(database)
                #expect(verifier.count == head.seq && head.unsealed == 0)
            }
        }
    }

    @Test("a trail sealed before migration 7 and after it verifies as one chain")
    func sealedAcrossMigration7() async throws {
        try await TestDatabase.withUnmigrated { db in
            let all = try Migrator(folder: TestDatabase.schemaFolder).migrations
            func migrate(_ migrations: [Migration]) async throws {
                try await TestDatabase.withClient(db.owner) { client in
                    _ = try await Migrator(migrations: migrations).migrate(client: client, logger: TestDatabase.logger)
                }
            }
            try await migrate(all.filter { $0.version < 7 })
            // Written as the register of migration 6 wrote a board: today's store knows columns
            // later migrations added.
            let boardID = UUID()
            try await db.withDatabase { database in
                try await database.write(writeContext("before")) { c in
                    try await c.query(
                        "INSERT INTO register.boards (id, code, name, kind) VALUES (\(boardID), 'up', 'Before', 'lscb')", logger: TestDatabase.logger)
                }
                try await AuditStore(database: database).recordRead("test", key: "before", detail: nil, context: writeContext("before"))
            }
            try await migrate(all)
            try await db.withDatabase { database in
                let board = try await BoardStore(database: database).get(boardID)
                var details = board.details
                details.name = "After"
                _ = try await BoardStore(database: database).update(board.id, expectedVersion: 1, to: details, context: writeContext("after"))
                try await AuditStore(database: database).recordRead("test", key: "after", detail: nil, context: writeContext("after"))
                let (verifier, head) = try await verifyDatabase(database)
                #expect(head.seq == 4 && verifier.count == 4 && verifier.head == head.chainHash && head.unsealed == 0)
                let actors = try await AuditStore(database: database).events(AuditFilter(), after: nil, limit: 10).map {
                    (try JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as! [String: Any])["actor"] as? String
                }
                #expect(actors == ["system:before", "system:before", "system:after", "system:after"])
            }
        }
    }

    @Test("a transaction that clears app.actor after writing cannot commit, and leaves nothing behind")
    func clearedActorRefusedAtCommit() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let before = try await AuditStore(database: database).head()
                await #expect(throws: (any Error).self) {
                    try await database.write(writeContext("vanishing")) { c in
                        try await c.query("INSERT INTO register.boards (id, code, name, kind) VALUES (\(UUID()), 'gone', 'G', 'lscb')", logger: TestDatabase.logger)
                        try await c.query("SELECT set_config('app.actor', '', true)", logger: TestDatabase.logger)
                    }
                }
                try await TestDatabase.withClient(db.app) { client in
                    let count = try await client.query("SELECT count(*)::int FROM register.boards", logger: TestDatabase.logger).collect()
                    #expect(try count[0].decode(Int.self) == 0)
                }
                #expect(try await AuditStore(database: database).head().seq == before.seq)
            }
        }
    }

    @Test("an audited change outside READ COMMITTED is refused with a reason, not sealed on a stale head")
    func readCommittedOnly() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.withClient(db.app) { client in
                try await client.withConnection { c in
                    try await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ", logger: TestDatabase.logger)
                    try await c.query("SELECT set_config('app.actor', 'system:rr', true), set_config('app.request_id', 'rr', true)", logger: TestDatabase.logger)
                    try await c.query("INSERT INTO register.boards (id, code, name, kind) VALUES (\(UUID()), 'rr', 'RR', 'lscb')", logger: TestDatabase.logger)
                    do {
                        try await c.query("COMMIT", logger: TestDatabase.logger)
                        Issue.record("a REPEATABLE READ change was sealed")
                    } catch let error as PSQLError {
                        #expect(error.serverInfo?[.sqlState] == "LRA05")
                        #expect(error.serverInfo?[.message]?.contains("READ COMMITTED") == true)
                    }
                    try await c.query("ROLLBACK", logger: TestDatabase.logger)
                }
                let count = try await client.query("SELECT count(*)::int FROM register.boards", logger: TestDatabase.logger).collect()
                #expect(try count[0].decode(Int.self) == 0)
            }
            // The service's own connections ask for READ COMMITTED, whatever the database's default says.
            try await TestDatabase.withClient(db.owner) { client in
                try await client.query("ALTER DATABASE \(unescaped: db.name) SET default_transaction_isolation = 'repeatable read'", logger: TestDatabase.logger)
            }
            try await db.withDatabase { database in
                _ = try await BoardStore(database: database).create(BoardDetails(code: "rc", name: "RC", kind: .lscb), context: writeContext())
                let level = try await database.read { c in
                    try await c.query("SHOW transaction_isolation", logger: TestDatabase.logger).collect()
                }
                #expect(try level[0].decode(String.self) == "read committed")
            }
        }
    }

    @Test("verification in the database notices events cut off the end below a recorded checkpoint")
    func tailCutAgainstRecordedCheckpoint() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let boards = BoardStore(database: database)
                for n in 0..<3 { _ = try await boards.create(BoardDetails(code: "t\(n)", name: "T\(n)", kind: .lscb), context: writeContext()) }
                let trail = AuditTrail(store: AuditStore(database: database), signingKey: nil)
                let checkpoint = try await trail.checkpoint(context: writeContext())
                #expect(try await trail.verify().0.ok)
                // The owner, who can switch the append-only triggers off, removes the last events (and the
                // foreign key that keeps a checkpointed event in place).
                try await TestDatabase.withClient(db.owner) { client in
                    try await client.withConnection { c in
                        for sql in [
                            "SET ROLE register_audit_owner", "ALTER TABLE audit.events DISABLE TRIGGER append_only",
                            "ALTER TABLE audit.checkpoints DROP CONSTRAINT checkpoints_seq_fkey",
                            "DELETE FROM audit.events WHERE seq >= \(checkpoint.seq - 1)", "ALTER TABLE audit.events ENABLE ALWAYS TRIGGER append_only",
                        ] {
                            try await c.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger)
                        }
                    }
                }
                let report = try await trail.verify().0
                #expect(!report.ok)
                #expect(report.problem?.contains("removed from its end") == true, "\(report.problem ?? "")")
            }
        }
    }

    @Test("the service's role cannot read, change or empty the trail, nor switch its triggers off")
    func serviceRoleLockedOut() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                _ = try await BoardStore(database: database).create(BoardDetails(code: "x", name: "X", kind: .lscb), context: writeContext())
            }
            try await TestDatabase.withClient(db.app) { client in
                for sql in [
                    "SELECT * FROM audit.events", "UPDATE audit.events SET payload = '{}'", "DELETE FROM audit.events",
                    "TRUNCATE audit.events", "INSERT INTO audit.pending (payload) VALUES ('{}')", "UPDATE audit.head SET singleton = true",
                    "ALTER TABLE register.boards DISABLE TRIGGER audit_changes", "TRUNCATE register.boards",
                ] {
                    do {
                        try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger)
                        Issue.record("the service's role was allowed: \(sql)")
                    } catch let error as PSQLError {
                        // 42501: insufficient privilege; ALTER TABLE needs ownership (also 42501).
                        #expect(error.serverInfo?[.sqlState] == "42501", "\(sql): \(error.serverInfo?[.message] ?? "")")
                    }
                }
            }
        }
    }

    @Test("no role can forge an event through a look-alike table; the auditor role cannot write to the trail")
    func noForgery() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.withClient(db.app) { client in
                try await client.withConnection { c in
                    try await c.query("CREATE TEMP TABLE reviews (id uuid PRIMARY KEY)", logger: TestDatabase.logger)
                    await #expect(throws: PSQLError.self) {
                        try await c.query(
                            "CREATE TRIGGER fake AFTER INSERT ON pg_temp.reviews FOR EACH ROW EXECUTE FUNCTION audit.record_change('id')",
                            logger: TestDatabase.logger)
                    }
                }
            }
            let url = try #require(ProcessInfo.processInfo.environment["TEST_AUDITOR_URL"])
            try await TestDatabase.withClient(try DatabaseSettings(url: url).with(database: db.name)) { client in
                for sql in [
                    "SELECT audit.record_read('x', 'y', NULL)",
                    "SELECT audit.add_checkpoint(1, '\\x00'::bytea, '\\x00'::bytea, 'x', NULL, NULL)",
                ] {
                    do {
                        for try await _ in try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger) {}
                        Issue.record("the auditor role was allowed: \(sql)")
                    } catch let error as PSQLError {
                        #expect(error.serverInfo?[.sqlState] == "42501", "\(sql)")
                    }
                }
            }
            let head = try await db.withDatabase { database in try await AuditStore(database: database).head() }
            #expect(head.seq == 0)
        }
    }

    @Test("the audit owner itself is stopped by the append-only triggers")
    func ownerStoppedToo() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                _ = try await BoardStore(database: database).create(BoardDetails(code: "x", name: "X", kind: .lscb), context: writeContext())
            }
            // A change committed without the service's seal after it: its event waits in the journal.
            try await commitUnsealedBoard(db, code: "waiting")
            try await TestDatabase.withClient(db.owner) { client in
                // As the audit owner on its own tables, and as the migration owner on the register's tables.
                let statements = [
                    ("register_audit_owner", "UPDATE audit.events SET payload = '{}'"), ("register_audit_owner", "DELETE FROM audit.events"),
                    ("register_audit_owner", "TRUNCATE audit.events CASCADE"), ("register_audit_owner", "UPDATE audit.head SET singleton = true"),
                    ("register_audit_owner", "TRUNCATE audit.checkpoints"), ("register_owner", "TRUNCATE register.boards CASCADE"),
                    ("register_audit_owner", "DELETE FROM audit.head"),
                    ("register_audit_owner", "DELETE FROM audit.journal"), ("register_audit_owner", "UPDATE audit.journal SET payload = '{}'"),
                    ("register_audit_owner", "TRUNCATE audit.journal"),
                ]
                for (role, sql) in statements {
                    try await client.withConnection { c in
                        do {
                            try await c.query("SET ROLE \(unescaped: role)", logger: TestDatabase.logger)
                            // The seal's own permission cannot be borrowed by a setting.
                            try await c.query("SELECT set_config('audit.sealing', 'on', false)", logger: TestDatabase.logger)
                            try await c.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger)
                            Issue.record("the audit owner was allowed: \(sql)")
                        } catch let error as PSQLError {
                            let state = error.serverInfo?[.sqlState]
                            #expect(state == "LRA02", "\(sql): \(error.serverInfo?[.message] ?? "")")
                        }
                        try await c.query("RESET ROLE", logger: TestDatabase.logger)
                    }
                }
            }
        }
    }

    @Test("a change whose seal never ran waits in the journal, counted as unsealed, and the next write seals it first")
    func journalledUntilSealed() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let audit = AuditStore(database: database)
                let before = try await audit.head()
                #expect(before.unsealed == 0)
                // As if the process died between the commit and its seal.
                try await commitUnsealedBoard(db, code: "orphan")
                let waiting = try await audit.head()
                #expect(waiting.seq == before.seq && waiting.unsealed == 1)
                #expect(try await audit.events(AuditFilter(table: "boards"), after: before.seq, limit: 10).isEmpty)
                _ = try await BoardStore(database: database).create(BoardDetails(code: "next", name: "Next", kind: .lscb), context: writeContext("next"))
                let events = try await audit.events(AuditFilter(table: "boards"), after: before.seq, limit: 10)
                let names = try events.map {
                    ((try JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as! [String: Any])["new"] as? [String: Any])?["code"] as? String
                }
                #expect(names == ["orphan", "next"])
                #expect(events.map(\.seq) == [before.seq + 1, before.seq + 2])
                let (verifier, head) = try await verifyDatabase(database)
                #expect(verifier.count == head.seq && verifier.head == head.chainHash && head.unsealed == 0)
            }
        }
    }

    @Test("8 concurrent writers, 10,000 transactions: one chain, no gap, no fork, nothing unsealed")
    func concurrentWriters() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let boards = BoardStore(database: database)
                var ids: [UUID] = []
                for n in 0..<8 {
                    ids.append(try await boards.create(BoardDetails(code: "w\(n)", name: "W\(n)", kind: .lscb), context: writeContext()).id)
                }
                let before = try await AuditStore(database: database).head().seq
                let perWriter = 1250
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (writer, id) in ids.enumerated() {
                        group.addTask {
                            for n in 0..<perWriter {
                                try await database.write(writeContext("writer-\(writer)")) { c in
                                    try await c.query("UPDATE register.boards SET name = \("W\(writer)-\(n)") WHERE id = \(id)", logger: TestDatabase.logger)
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let (verifier, head) = try await verifyDatabase(database)
                #expect(head.seq - before == Int64(8 * perWriter))
                #expect(verifier.count == head.seq)
                #expect(verifier.head == head.chainHash)
                #expect(head.unsealed == 0)
            }
        }
    }

    @Test("reads are recorded as events; a checkpoint must match the chain")
    func readsAndCheckpoints() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let audit = AuditStore(database: database)
                try await audit.recordRead("audit.export", key: "up-to-0", detail: #"{"format":"jsonl"}"#, context: writeContext("auditor"))
                let events = try await audit.events(AuditFilter(actor: "system:auditor"), after: nil, limit: 10)
                #expect(events.count == 1)
                #expect(events[0].payload.contains(#""op": "READ""#))
                let head = try await audit.head()
                // A checkpoint must name the chain as it is…
                await #expect(throws: (any Error).self) {
                    try await audit.addCheckpoint(
                        StoredCheckpoint(seq: head.seq, chainHash: Data(repeating: 1, count: 32), merkleRoot: Data(repeating: 2, count: 32), createdAt: "x", publicKey: nil, signature: nil),
                        context: writeContext())
                }
                let real = StoredCheckpoint(seq: head.seq, chainHash: head.chainHash, merkleRoot: Data(repeating: 2, count: 32), createdAt: "x", publicKey: nil, signature: nil)
                try await audit.addCheckpoint(real, context: writeContext())
                // …the same one again is fine, a different one at the same seq is refused.
                try await audit.addCheckpoint(real, context: writeContext())
                var other = real
                other.merkleRoot = Data(repeating: 3, count: 32)
                await #expect(throws: (any Error).self) { try await audit.addCheckpoint(other, context: writeContext()) }
                #expect(try await audit.checkpoints(after: nil, limit: 10).map(\.seq) == [head.seq])
            }
        }
    }

    @Test("reviews and recommendations read as they stood at an earlier moment")
    func pointInTime() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let board = try await BoardStore(database: database).create(BoardDetails(code: "pit", name: "P", kind: .lscb), context: writeContext())
                let reviews = ReviewStore(database: database)
                let review = try await reviews.create(
                    ReviewDetails(reference: "PIT-1", title: "Original title", kind: .scr, boardID: board.id, regime: .wt2015), context: writeContext())
                let recs = RecommendationStore(database: database)
                let today = Day(iso: "2026-04-01")!
                let rec = try await recs.create(
                    in: review.id, RecommendationDetails(number: "1", text: "Do it", scope: .local, targetDate: Day(iso: "2026-03-01")), today: today,
                    context: writeContext())
                let afterCreate = try await AuditStore(database: database).head().sealedAt
                try await Task.sleep(for: .milliseconds(5))
                var details = review.details
                details.title = "Changed title"
                _ = try await reviews.update(review.id, expectedVersion: 1, to: details, context: writeContext())
                _ = try await recs.transition(rec.id, expectedVersion: nil, TransitionRequest(to: .implemented), today: today, context: writeContext())
                // A moment just after the creation, before the changes.
                let moment = AsAt(day: today, sealedBefore: afterCreate + "~")
                #expect(try await reviews.get(review.id, asAt: moment).details.title == "Original title")
                #expect(try await reviews.get(review.id).details.title == "Changed title")
                #expect(try await recs.get(rec.id, today: today, asAt: moment).state.status == .open)
                #expect(try await recs.get(rec.id, today: today, asAt: moment).state.overdue)
                #expect(try await recs.list(RecommendationFilter(status: .open), page: PageRequest(), today: today, asAt: moment).items.map(\.id) == [rec.id])
                #expect(try await recs.list(RecommendationFilter(status: .open), page: PageRequest(), today: today).items.isEmpty)
                #expect(try await reviews.list(ReviewFilter(text: "original"), page: PageRequest(), today: today, asAt: moment).items.count == 1)
                // Before anything existed there was nothing.
                let early = AsAt(day: Day(iso: "2020-01-01")!)
                await #expect(throws: DomainError.notFound("review")) { try await reviews.get(review.id, asAt: early) }
                #expect(try await reviews.list(ReviewFilter(), page: PageRequest(), today: today, asAt: early).items.isEmpty)
            }
        }
    }

    @Test("the end of a UK day is midnight London time, in UTC")
    func endOfDay() {
        #expect(AsAt(day: Day(iso: "2026-03-31")!).sealedBefore == "2026-03-31T23:00:00.000000Z")  // BST
        #expect(AsAt(day: Day(iso: "2026-01-31")!).sealedBefore == "2026-02-01T00:00:00.000000Z")  // GMT
    }
}
