import ArgumentParser
import Foundation
import RegisterStore

/// `learning-register database …`: set-up of the PostgreSQL server the register lives on.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "database", abstract: "Set up the register's PostgreSQL: its four roles and its database.",
        subcommands: [Roles.self])

    struct Roles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the SQL for the register's four roles and its database, or apply it with --apply.",
            discussion: """
                Passwords come from REGISTER_OWNER_PASSWORD, REGISTER_APP_PASSWORD and REGISTER_AUDITOR_PASSWORD; each one \
                not set is generated (letters and digits) and shown only this once. Running it again changes nothing but \
                the passwords. Without --apply the SQL is printed for psql (psql -v ON_ERROR_STOP=1 -f FILE, as a superuser \
                or a role with CREATEROLE and CREATEDB); with --apply it is run over --admin-url (or ADMIN_DATABASE_URL), \
                and the three logins' connection URLs are printed.
                """)

        @Flag(help: "Run the SQL over --admin-url instead of printing it.") var apply = false
        @Option(name: .customLong("admin-url"), help: "An administrator's postgres://user:password@host:port/postgres (default: $ADMIN_DATABASE_URL).")
        var adminURL: String?
        @Option(help: "The register's database.") var database = "register"
        @Flag(name: .customLong("owner-may-create-databases"), help: "Let register_owner create databases (only the test suite needs this).")
        var ownerMayCreateDatabases = false
        @Flag(name: .customLong("psql-variables"), help: "Print the SQL with psql variables (owner_password, app_password, auditor_password, database) in place of the passwords and the name.")
        var psqlVariables = false

        func validate() throws {
            if apply && psqlVariables { throw ValidationError("--psql-variables prints a script for psql; it cannot be applied") }
        }

        func run() async throws {
            let env = ProcessInfo.processInfo.environment
            let setup = RoleSetup(database: database, ownerMayCreateDatabases: ownerMayCreateDatabases)
            if psqlVariables {
                try setup.check(.psqlVariables)
                print(setup.script(.psqlVariables), terminator: "")
                return
            }
            var generated: [(String, String)] = []
            func password(_ variable: String, for role: String) -> String {
                if let given = env[variable], !given.isEmpty { return given }
                let made = Self.newPassword()
                generated.append((role, made))
                return made
            }
            let owner = password("REGISTER_OWNER_PASSWORD", for: RoleSetup.owner)
            let app = password("REGISTER_APP_PASSWORD", for: RoleSetup.app)
            let auditor = password("REGISTER_AUDITOR_PASSWORD", for: RoleSetup.auditor)
            let passwords = RoleSetup.Passwords.given(owner: owner, app: app, auditor: auditor)
            do {
                try setup.check(passwords)
            } catch let refusal as RoleSetup.Refusal {
                throw ValidationError(refusal.description)
            }
            guard apply else {
                if !generated.isEmpty {
                    print("-- Generated passwords, shown only this once (also in the statements below):")
                    for (role, made) in generated { print("--   \(role): \(made)") }
                }
                print(setup.script(passwords), terminator: "")
                return
            }
            guard let url = adminURL ?? env["ADMIN_DATABASE_URL"], !url.isEmpty else {
                throw ValidationError("--apply needs --admin-url (or ADMIN_DATABASE_URL): an administrator's postgres:// URL")
            }
            let admin: DatabaseSettings
            do { admin = try DatabaseSettings(url: url) } catch { throw ValidationError("--admin-url: \(error)") }
            let logger = commandLogger(env)
            let made = try await setup.apply(passwords, admin: admin, logger: logger)
            print(made ? "created database \(database), owned by \(RoleSetup.owner)" : "database \(database) already exists (left as it was)")
            print("roles \(RoleSetup.owner), \(RoleSetup.app), \(RoleSetup.auditor), \(RoleSetup.auditOwner) are set up")
            if !generated.isEmpty { print("generated passwords for \(generated.map(\.0).joined(separator: ", ")): shown only this once, below") }
            func login(_ role: String, _ password: String) -> String {
                var c = URLComponents()
                c.scheme = "postgres"
                c.user = role
                c.password = password
                c.host = admin.host
                c.port = admin.port
                c.path = "/" + database
                c.queryItems = [URLQueryItem(name: "sslmode", value: admin.tlsMode)]
                return c.string ?? ""
            }
            print("DATABASE_URL=\(login(RoleSetup.app, app))")
            print("MIGRATION_DATABASE_URL=\(login(RoleSetup.owner, owner))")
            print("AUDITOR_DATABASE_URL=\(login(RoleSetup.auditor, auditor))")
        }

        /// 32 random hexadecimal digits: letters and digits only, so it goes into a URL as it is.
        static func newPassword() -> String {
            var generator = SystemRandomNumberGenerator()
            return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        }
    }
}
