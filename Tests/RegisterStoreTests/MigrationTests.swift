import Foundation
import PostgresNIO
import RegisterStore
import RegisterTestSupport
import Testing

@Suite("Migrations and database roles")
struct MigrationTests {
    @Test("applied migrations are recorded with their SHA-256, and a re-run applies nothing")
    func recorded() async throws {
        try await TestDatabase.with { db in
            let migrator = try Migrator(folder: TestDatabase.schemaFolder)
            try await TestDatabase.withClient(db.owner) { client in
                let applied = try await migrator.migrate(client: client, logger: TestDatabase.logger)
                #expect(applied.isEmpty)
                var recorded: [Int: String] = [:]
                for try await (version, sha) in try await client.query("SELECT version, sha256 FROM public.schema_migrations", logger: TestDatabase.logger)
                    .decode((Int, String).self)
                {
                    recorded[version] = sha
                }
                #expect(recorded == Dictionary(uniqueKeysWithValues: migrator.migrations.map { ($0.version, $0.sha256) }))
            }
        }
    }

    @Test("a changed, already-applied file stops migration with a clear error")
    func changedFileRefused() async throws {
        try await TestDatabase.with { db in
            let original = try Migrator(folder: TestDatabase.schemaFolder)
            var edited = original.migrations
            edited[0].sql += "\n-- edited after it was applied\n"
            let changed = edited
            let migrator = try Migrator(migrations: changed)
            try await TestDatabase.withClient(db.owner) { client in
                await #expect(throws: Migrator.Failure.changedAfterApply(
                    file: "0001_register.sql", recorded: original.migrations[0].sha256, now: changed[0].sha256)
                ) {
                    try await migrator.migrate(client: client, logger: TestDatabase.logger)
                }
            }
            #expect(Migrator.Failure.changedAfterApply(file: "0001_register.sql", recorded: "a", now: "b").description.contains("new migration"))
        }
    }

    @Test("a failing migration leaves nothing behind")
    func failingMigrationRollsBack() async throws {
        try await TestDatabase.with { db in
            let migrations = try Migrator(folder: TestDatabase.schemaFolder).migrations + [
                Migration(version: 9999, name: "broken", sql: "CREATE TABLE register.half_done (id int);\nSELECT 1/0;")
            ]
            try await TestDatabase.withClient(db.owner) { client in
                // The operator is told which file failed and why (PostgresNIO's own description of the error says nothing).
                let failure = await #expect(throws: Migrator.Failure.self) {
                    try await Migrator(migrations: migrations).migrate(client: client, logger: TestDatabase.logger)
                }
                let said = failure.map(String.init(describing:)) ?? ""
                #expect(said.contains("9999_broken.sql") && said.contains("22012") && said.contains("division by zero"), "\(said)")
                let rows = try await client.query(
                    "SELECT count(*)::int FROM pg_tables WHERE tablename = 'half_done'", logger: TestDatabase.logger
                ).collect()
                #expect(try rows.first?.decode(Int.self) == 0)
                let recorded = try await client.query(
                    "SELECT count(*)::int FROM public.schema_migrations WHERE version = 9999", logger: TestDatabase.logger
                ).collect()
                #expect(try recorded.first?.decode(Int.self) == 0)
            }
        }
    }

    @Test("a migration that runs longer than the statement timeout still completes, and the connection keeps its timeout after")
    func migrationsRunWithoutTheStatementTimeout() async throws {
        try await TestDatabase.with { db in
            var owner = db.owner
            owner.statementTimeout = .milliseconds(500)
            owner.poolSize = 1
            let migrations = try Migrator(folder: TestDatabase.schemaFolder).migrations + [
                Migration(version: 9998, name: "slow", sql: "SELECT pg_sleep(1.2);")
            ]
            let client = PostgresClient(configuration: owner.clientConfiguration, backgroundLogger: TestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                #expect(try await Migrator(migrations: migrations).migrate(client: client, logger: TestDatabase.logger) == [9998])
                // The pool's one connection, back in the pool, has its statement timeout again.
                let shown = try await client.query("SELECT current_setting('statement_timeout')", logger: TestDatabase.logger).collect()
                #expect(try shown.first?.decode(String.self) == "500ms")
            }
        }
    }

    @Test("the service's role may change rows but owns nothing and cannot change the schema")
    func appRole() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.withClient(db.app) { client in
                let owned = try await client.query(
                    """
                    SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE pg_get_userbyid(c.relowner) = 'register_app'
                    """, logger: TestDatabase.logger
                ).collect()
                #expect(try owned.first?.decode(Int.self) == 0)
                await #expect(throws: PSQLError.self) {
                    try await client.query("CREATE TABLE register.sneaky (id int)", logger: TestDatabase.logger)
                }
                await #expect(throws: PSQLError.self) {
                    try await client.query("ALTER TABLE register.reviews DISABLE TRIGGER ALL", logger: TestDatabase.logger)
                }
                await #expect(throws: PSQLError.self) {
                    try await client.query("DROP TABLE register.reviews", logger: TestDatabase.logger)
                }
            }
        }
    }

    @Test("the auditor role can read the register but not write it or read credentials")
    func auditorRole() async throws {
        try await TestDatabase.with { db in
            let url = try #require(ProcessInfo.processInfo.environment["TEST_AUDITOR_URL"], "scripts/test sets TEST_AUDITOR_URL")
            let auditor = try DatabaseSettings(url: url).with(database: db.name)
            try await TestDatabase.withClient(auditor) { client in
                _ = try await client.query("SELECT count(*) FROM register.reviews", logger: TestDatabase.logger).collect()
                await #expect(throws: PSQLError.self) {
                    try await client.query("INSERT INTO register.themes (code, label) VALUES ('x', 'X')", logger: TestDatabase.logger)
                }
                await #expect(throws: PSQLError.self) {
                    try await client.query("SELECT * FROM auth.passwords", logger: TestDatabase.logger).collect()
                }
            }
        }
    }
}

@Suite("Splitting migration files into statements")
struct SQLScriptTests {
    @Test("semicolons inside quotes, dollar quotes and comments do not split")
    func quoting() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE a (t text DEFAULT 'x;y''z');
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
            /* block; /* nested; */ still comment; */ SELECT E'it\\'s; fine', "odd;name", $tag$ a; $$ b $tag$;
            SELECT $1;
            """
        let statements = SQLScript.statements(sql)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("DEFAULT 'x;y''z')"))
        #expect(statements[1].hasSuffix("END $$"))
        #expect(statements[2].contains("$tag$ a; $$ b $tag$"))
        #expect(statements[3] == "SELECT $1")
    }
}
