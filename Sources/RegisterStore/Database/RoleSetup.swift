import Foundation
import Logging
import PostgresNIO

/// The register's four PostgreSQL roles and its database, defined once: printed by
/// `learning-register database roles` for an operator to run, applied by it with `--apply`, and
/// (as its `--psql-variables` form, kept in `Docker/initdb/roles/register-roles.psql`) run by
/// `scripts/postgres` and the Docker image's first start. A test checks that file is this output.
///
/// Migrations run as `register_owner`, which owns every table; the service logs in as
/// `register_app`, which owns nothing and so cannot alter a table or disable its audit triggers;
/// `register_auditor` reads; `register_audit_owner` (no login) owns the audit schema. Running the
/// script again changes nothing but the passwords.
public struct RoleSetup: Sendable {
    /// The roles, as the migrations name them (they grant to these names).
    public static let owner = "register_owner"
    public static let app = "register_app"
    public static let auditor = "register_auditor"
    public static let auditOwner = "register_audit_owner"

    /// The three logins' passwords: given, or left to psql variables (`:'owner_password'`,
    /// `:'app_password'`, `:'auditor_password'`, and `:'database'` for the database's name).
    public enum Passwords: Sendable {
        case given(owner: String, app: String, auditor: String)
        case psqlVariables
    }

    /// The database the register lives in.
    public var database: String
    /// Whether the owner may create databases: only the test suite needs it (it makes one per test).
    public var ownerMayCreateDatabases: Bool

    public init(database: String = "register", ownerMayCreateDatabases: Bool = false) {
        self.database = database
        self.ownerMayCreateDatabases = ownerMayCreateDatabases
    }

    /// A name or password that cannot be written into SQL as it is.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    /// Checks what will be quoted into the SQL: PostgreSQL takes no NUL byte in a name or a
    /// literal, and a name longer than 63 bytes would be cut short.
    public func check(_ passwords: Passwords) throws {
        guard !database.isEmpty, database.utf8.count <= 63, !database.contains("\u{0}") else {
            throw Refusal(description: "a database name has 1 to 63 bytes and no NUL: '\(database)'")
        }
        if case .given(let owner, let app, let auditor) = passwords {
            for password in [owner, app, auditor] where password.isEmpty || password.contains("\u{0}") {
                throw Refusal(description: "a password may not be empty or hold a NUL byte")
            }
        }
    }

    /// `name` as an SQL identifier: in double quotes, any double quote doubled.
    public static func identifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// `text` as an SQL string literal: in single quotes, any single quote doubled. Backslashes stay
    /// as they are, as PostgreSQL reads them with `standard_conforming_strings` on (its default
    /// since 9.1; `E''` strings are never used here).
    public static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The statements that make the roles and set them up, in order; each runs on its own (no
    /// transaction needed), and each may run again.
    public func roleStatements(_ passwords: Passwords) -> [String] {
        func password(_ variable: String, _ given: String) -> String {
            if case .psqlVariables = passwords { return ":'\(variable)'" }
            return Self.literal(given)
        }
        var owner = "", app = "", auditor = ""
        if case .given(let o, let a, let r) = passwords { (owner, app, auditor) = (o, a, r) }
        let roles = [Self.owner, Self.app, Self.auditor, Self.auditOwner]
        return [
            """
            -- The four roles, made when missing (roles belong to the whole server, not one database).
            DO $roles$
            BEGIN
            \(roles.map { "    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = \(Self.literal($0))) THEN CREATE ROLE \(Self.identifier($0)); END IF;" }.joined(separator: "\n"))
            END
            $roles$;
            """,
            """
            -- Migrations run as the owner, which owns every table; the service logs in as register_app, which
            -- owns nothing and so cannot disable the audit triggers; the auditor reads.
            ALTER ROLE \(Self.identifier(Self.owner)) WITH LOGIN \(ownerMayCreateDatabases ? "CREATEDB" : "NOCREATEDB") NOCREATEROLE PASSWORD \(password("owner_password", owner));
            """,
            "ALTER ROLE \(Self.identifier(Self.app)) WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD \(password("app_password", app));",
            "ALTER ROLE \(Self.identifier(Self.auditor)) WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD \(password("auditor_password", auditor));",
            "ALTER ROLE \(Self.identifier(Self.auditOwner)) WITH NOLOGIN NOCREATEDB NOCREATEROLE;",
            """
            -- The migration owner creates the audit schema's objects as their owner (SET ROLE).
            GRANT \(Self.identifier(Self.auditOwner)) TO \(Self.identifier(Self.owner));
            """,
            """
            -- A transaction left open must not hold the audit chain's head (every commit waits for it) for long.
            ALTER ROLE \(Self.identifier(Self.app)) SET idle_in_transaction_session_timeout = '60s';
            """,
            "ALTER ROLE \(Self.identifier(Self.auditor)) SET idle_in_transaction_session_timeout = '60s';",
            """
            -- A runaway statement of the service is cancelled (the service also asks for this at connect).
            ALTER ROLE \(Self.identifier(Self.app)) SET statement_timeout = '30s';
            """,
            """
            -- An administrator who is not a superuser (a managed service's) may give a database to the
            -- owner only as a member of it.
            DO $member$
            BEGIN
                IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
                   AND NOT pg_catalog.pg_has_role(current_user, \(Self.literal(Self.owner)), 'MEMBER') THEN
                    EXECUTE pg_catalog.format('GRANT %I TO %I', \(Self.literal(Self.owner)), current_user);
                END IF;
            END
            $member$;
            """,
        ]
    }

    /// The whole script for psql: the role statements, then the database, made only when missing
    /// (`CREATE DATABASE` cannot run inside a `DO` block, so psql's `\gexec` runs it).
    public func script(_ passwords: Passwords) -> String {
        let name: String
        if case .psqlVariables = passwords { name = ":'database'" } else { name = Self.literal(database) }
        let header = """
            -- The Learning Register's PostgreSQL roles and database, as `learning-register database roles` makes them.
            -- Run as a superuser (or a role with CREATEROLE and CREATEDB) with psql: psql -v ON_ERROR_STOP=1 -f THIS_FILE
            """
        let create = """
            -- The database, owned by the migration owner, made when missing.
            SELECT pg_catalog.format('CREATE DATABASE %I OWNER %I', \(name), \(Self.literal(Self.owner)))
             WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = \(name)) \\gexec
            """
        return ([header] + roleStatements(passwords) + [create]).joined(separator: "\n") + "\n"
    }

    /// Runs the set-up on `connection` (an administrator's): the role statements, then the database
    /// unless it exists. Returns whether the database was made.
    @discardableResult
    public func apply(_ passwords: Passwords, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        if case .psqlVariables = passwords { throw Refusal(description: "psql variables can only be filled in by psql") }
        try check(passwords)
        for statement in roleStatements(passwords) {
            // DDL takes no bound parameters: every name and literal in it is quoted above.
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
        let exists = try await connection.query("SELECT 1 FROM pg_catalog.pg_database WHERE datname = \(database)", logger: logger)
        for try await _ in exists { return false }
        try await connection.query(
            PostgresQuery(unsafeSQL: "CREATE DATABASE \(Self.identifier(database)) OWNER \(Self.identifier(Self.owner))"), logger: logger)
        return true
    }

    /// Runs the set-up over one connection as the administrator `admin` names, closed afterwards.
    @discardableResult
    public func apply(_ passwords: Passwords, admin: DatabaseSettings, logger: Logger) async throws -> Bool {
        let tls: PostgresConnection.Configuration.TLS
        switch admin.tlsMode {
        case "disable": tls = .disable
        case "require": tls = .require(try .init(configuration: .makeClientConfiguration()))
        default: tls = .prefer(try .init(configuration: .makeClientConfiguration()))
        }
        let configuration = PostgresConnection.Configuration(
            host: admin.host, port: admin.port, username: admin.username, password: admin.password, database: admin.database, tls: tls)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            let made = try await apply(passwords, on: connection, logger: logger)
            try await connection.close()
            return made
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
