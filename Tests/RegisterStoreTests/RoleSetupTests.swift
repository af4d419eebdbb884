import Foundation
import Logging
import PostgresNIO
import RegisterStore
import RegisterTestSupport
import Testing

/// `learning-register database roles`: the SQL for the four roles and the database, applied as an
/// administrator would, and what each role may then do.
@Suite("Database roles from the program")
struct RoleSetupTests {
    static let repository = TestDatabase.schemaFolder.deletingLastPathComponent()

    @Test("scripts/postgres and the Docker image run the program's own SQL (Docker/initdb/roles/register-roles.psql)")
    func committedScriptIsTheProgramsOutput() throws {
        let committed = try String(contentsOf: Self.repository.appendingPathComponent("Docker/initdb/roles/register-roles.psql"), encoding: .utf8)
        #expect(
            committed == RoleSetup().script(.psqlVariables),
            "regenerate it: learning-register database roles --psql-variables > Docker/initdb/roles/register-roles.psql")
        for user in ["scripts/postgres", "Docker/initdb/10-roles.sh"] {
            let text = try String(contentsOf: Self.repository.appendingPathComponent(user), encoding: .utf8)
            #expect(text.contains("roles/register-roles.psql"), "\(user) must run the program's SQL")
            #expect(!text.contains("CREATE ROLE"), "\(user) must not keep a copy of the roles")
        }
    }

    @Test("names and passwords are quoted, whatever they hold")
    func quoting() throws {
        #expect(RoleSetup.identifier(#"my "db""#) == #""my ""db""""#)
        #expect(RoleSetup.literal("it's") == "'it''s'")
        let hostile = "x'; DROP ROLE postgres; --"
        let script = RoleSetup(database: #"reg"; DROP DATABASE postgres; --"#).script(.given(owner: hostile, app: "a\\b", auditor: "c"))
        #expect(script.contains("PASSWORD 'x''; DROP ROLE postgres; --';"))
        #expect(script.contains("PASSWORD 'a\\b';"))
        #expect(script.contains(#"'reg"; DROP DATABASE postgres; --'"#))
        #expect(throws: RoleSetup.Refusal.self) { try RoleSetup(database: String(repeating: "d", count: 64)).check(.psqlVariables) }
        #expect(throws: RoleSetup.Refusal.self) { try RoleSetup().check(.given(owner: "a\u{0}b", app: "b", auditor: "c")) }
        #expect(!RoleSetup().script(.psqlVariables).contains(" CREATEDB "), "production's owner may not create databases")
        #expect(RoleSetup().script(.psqlVariables).contains("NOCREATEDB"))
    }

    @Test("applied to a new database as an administrator, twice, each role can do what it should and no more")
    func appliedRolesHaveTheirRights() async throws {
        // setup: the cluster's own passwords, so that applying the set-up (roles belong to the whole
        // cluster) changes nothing for the tests running beside this one
        let env = ProcessInfo.processInfo.environment
        let socket = try #require(env["TEST_ADMIN_SOCKET"], "TEST_ADMIN_SOCKET is not set: run the tests with scripts/test (eval scripts/postgres env)")
        let owner = try DatabaseSettings(url: try #require(env["TEST_OWNER_URL"]))
        let app = try DatabaseSettings(url: try #require(env["TEST_APP_URL"]))
        let auditor = try DatabaseSettings(url: try #require(env["TEST_AUDITOR_URL"]))
        let passwords = RoleSetup.Passwords.given(owner: owner.password!, app: app.password!, auditor: auditor.password!)
        let name = "t_roles_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let setup = RoleSetup(database: String(name), ownerMayCreateDatabases: true)
        let logger = TestDatabase.logger

        // act
        let admin = PostgresConnection.Configuration(unixSocketPath: socket, username: "postgres", password: nil, database: "postgres")
        let connection = try await PostgresConnection.connect(configuration: admin, id: 1, logger: logger)
        let made = try await setup.apply(passwords, on: connection, logger: logger)
        let madeAgain = try await setup.apply(passwords, on: connection, logger: logger)
        let roles = try await Self.rows(
            connection,
            """
            SELECT rolname || ' login=' || rolcanlogin || ' super=' || rolsuper || ' createrole=' || rolcreaterole
                   || ' bypassrls=' || rolbypassrls || ' in_audit_owner=' || pg_has_role(rolname, 'register_audit_owner', 'MEMBER')
              FROM pg_roles WHERE rolname LIKE 'register\\_%' ORDER BY rolname
            """)
        let databaseOwner = try await Self.rows(
            connection, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '\(name)'")
        let limits = try await Self.rows(
            connection,
            """
            SELECT r.rolname || ': ' || array_to_string(ARRAY(SELECT unnest(s.setconfig) ORDER BY 1), ', ')
              FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
             WHERE s.setdatabase = 0 AND r.rolname LIKE 'register\\_%' ORDER BY 1
            """)
        defer {
            Task {
                try? await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
                try? await connection.close()
            }
        }
        let migrator = try Migrator(folder: TestDatabase.schemaFolder)
        try await TestDatabase.withClient(owner.with(database: String(name))) { client in
            _ = try await migrator.migrate(client: client, logger: logger)
        }

        // check: the database, made once and owned by the migration owner
        #expect(made && !madeAgain)
        #expect(databaseOwner == ["register_owner"])
        #expect(
            limits == [
                "register_app: idle_in_transaction_session_timeout=60s, statement_timeout=30s",
                "register_auditor: idle_in_transaction_session_timeout=60s",
            ])
        #expect(
            roles == [
                "register_app login=true super=false createrole=false bypassrls=false in_audit_owner=false",
                "register_audit_owner login=false super=false createrole=false bypassrls=false in_audit_owner=true",
                "register_auditor login=true super=false createrole=false bypassrls=false in_audit_owner=false",
                "register_owner login=true super=false createrole=false bypassrls=false in_audit_owner=true",
            ])
        // The service: reads and writes rows, with its limits, and cannot switch the audit trail off.
        var service = app.with(database: String(name))
        service.statementTimeout = nil  // so the role's own setting shows
        try await Self.withLogin(service) { (c: PostgresConnection) async throws in
            #expect(try await Self.rows(c, "SHOW statement_timeout") == ["30s"])
            #expect(try await Self.rows(c, "SELECT count(*)::text FROM register.reviews") == ["0"])
            #expect(try await Self.refused(c, "ALTER TABLE register.reviews DISABLE TRIGGER ALL"))
            #expect(try await Self.refused(c, "SELECT count(*) FROM audit.events"))
            #expect(try await Self.refused(c, "CREATE SCHEMA mine"))
            #expect(try await Self.refused(c, "CREATE ROLE someone"))
            #expect(try await Self.refused(c, "CREATE DATABASE another"))
        }
        // The auditor reads and writes nothing.
        try await Self.withLogin(auditor.with(database: String(name))) { (c: PostgresConnection) async throws in
            #expect(try await Self.rows(c, "SELECT count(*)::text FROM register.reviews") == ["0"])
            #expect(try await Self.refused(c, "DELETE FROM register.reviews"))
            #expect(try await Self.refused(c, "CREATE SCHEMA mine"))
        }
    }

    static func rows(_ c: PostgresConnection, _ sql: String) async throws -> [String] {
        var result: [String] = []
        for try await value in try await c.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger).decode(String.self) { result.append(value) }
        return result
    }

    /// Whether PostgreSQL refuses `sql` for want of a privilege (42501) or ownership.
    static func refused(_ c: PostgresConnection, _ sql: String) async throws -> Bool {
        do {
            _ = try await rows(c, sql)
            return false
        } catch let error as PSQLError {
            return error.serverInfo?[.sqlState] == "42501"
        }
    }

    static func withLogin(_ settings: DatabaseSettings, _ body: @Sendable (PostgresConnection) async throws -> Void) async throws {
        try await TestDatabase.withClient(settings) { client in try await client.withConnection { try await body($0) } }
    }
}
