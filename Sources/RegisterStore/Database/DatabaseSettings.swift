import Foundation
import PostgresNIO

/// Where the register's PostgreSQL is, read from `DATABASE_URL` or the libpq `PG*` variables, and
/// how the register uses it: how many connections, how long a request waits for one, and how long
/// one statement may run.
public struct DatabaseSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// `disable`, `prefer` or `require`, as in libpq's `sslmode`.
    public var tlsMode: String
    /// Most connections open at once (`DATABASE_POOL_SIZE`).
    public var poolSize: Int
    /// How long a request waits for a free connection before it is answered 503 (`DATABASE_POOL_WAIT_MS`).
    public var poolWait: Duration
    /// The `statement_timeout` every connection asks for (`DATABASE_STATEMENT_TIMEOUT_MS`); nil asks
    /// for none, leaving the role's own setting in force.
    public var statementTimeout: Duration?
    /// Every transaction read-only (`default_transaction_read_only`): the reports' pool
    /// (`REPORTS_DATABASE_URL`), so a write sent there by mistake fails on the primary as it would on a standby.
    public var readOnly = false

    public static let defaultPoolSize = 20
    public static let defaultPoolWait = Duration.seconds(5)
    public static let defaultStatementTimeout = Duration.seconds(30)
    /// A transaction left open without a statement holds the audit chain's head, which every commit
    /// waits for: PostgreSQL ends such a session after this long.
    static let idleInTransactionTimeout = Duration.seconds(60)

    public init(
        host: String, port: Int = 5432, username: String, password: String?, database: String, tlsMode: String = "prefer",
        poolSize: Int = Self.defaultPoolSize, poolWait: Duration = Self.defaultPoolWait,
        statementTimeout: Duration? = Self.defaultStatementTimeout
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tlsMode = tlsMode
        self.poolSize = poolSize
        self.poolWait = poolWait
        self.statementTimeout = statementTimeout
    }

    /// Reasons a configuration cannot be used, listed together.
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public var problems: [String]
        public var description: String { problems.joined(separator: "; ") }
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=disable`.
    public init(url: String) throws {
        guard let c = URLComponents(string: url), let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw Invalid(problems: ["DATABASE_URL must look like postgres://user:password@host:5432/database"])
        }
        var problems: [String] = []
        let host = c.host ?? ""
        if host.isEmpty { problems.append("DATABASE_URL has no host") }
        let user = c.user ?? ""
        if user.isEmpty { problems.append("DATABASE_URL has no user name") }
        let database = String(c.path.drop(while: { $0 == "/" }))
        if database.isEmpty { problems.append("DATABASE_URL names no database") }
        let mode = c.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        if !["disable", "prefer", "require"].contains(mode) { problems.append("DATABASE_URL sslmode must be disable, prefer or require") }
        if !problems.isEmpty { throw Invalid(problems: problems) }
        self.init(
            host: host, port: c.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: c.password.map { $0.removingPercentEncoding ?? $0 }, database: database, tlsMode: mode)
    }

    /// Reads `DATABASE_URL`, or else `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`.
    /// Returns the names of missing variables instead of guessing. (The pool's settings are read
    /// with the rest of the configuration: `AppConfiguration.fromEnvironment`.)
    public static func fromEnvironment(_ env: [String: String]) -> Result<DatabaseSettings, Invalid> {
        if let url = env["DATABASE_URL"], !url.isEmpty {
            do { return .success(try DatabaseSettings(url: url)) } catch let error as Invalid { return .failure(error) } catch {
                return .failure(Invalid(problems: ["\(error)"]))
            }
        }
        let missing = ["PGHOST", "PGUSER", "PGDATABASE"].filter { (env[$0] ?? "").isEmpty }
        if !missing.isEmpty {
            return .failure(Invalid(problems: ["DATABASE_URL (or \(missing.joined(separator: ", "))) is not set"]))
        }
        guard let port = Int(env["PGPORT"] ?? "5432") else {
            return .failure(Invalid(problems: ["PGPORT must be a number"]))
        }
        return .success(
            DatabaseSettings(
                host: env["PGHOST"]!, port: port, username: env["PGUSER"]!, password: env["PGPASSWORD"],
                database: env["PGDATABASE"]!, tlsMode: env["PGSSLMODE"] ?? "prefer"))
    }

    /// The same server and credentials, another database (tests clone one per test).
    public func with(database: String) -> DatabaseSettings {
        var copy = self
        copy.database = database
        return copy
    }

    /// A PostgresNIO client configuration for these settings.
    public var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsMode {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = poolSize
        configuration.options.additionalStartupParameters = startupParameters
        // PostgresNIO's pool keeps its defaults: connections opened on demand (`minimumConnections`
        // 0), closed after a minute idle, and its keep-alive. Each time a connection goes back to the
        // pool it schedules a timer for each (cancelled at the next lease), about a quarter of the
        // server's processor a request; but with a minimum above 0, PostgresNIO 1.33's pool fails
        // its own precondition, and stops the server, when the database comes back under load (seen
        // in scripts/faults; BENCHMARKS.md, "Connections kept open: tried and not kept").
        return configuration
    }

    /// Session settings asked for when each connection starts, whatever the server's and the role's
    /// defaults (a role made without `ALTER ROLE … SET statement_timeout` still gets one).
    var startupParameters: [(String, String)] {
        // The audit trail's seal reads the chain's last event after taking its lock, which only
        // READ COMMITTED lets it see (Schema/0007).
        var parameters = [
            ("default_transaction_isolation", "read committed"),
            ("idle_in_transaction_session_timeout", Self.milliseconds(Self.idleInTransactionTimeout)),
            // No JIT compilation: the register's statements are short, and a report's cost estimate
            // (large tables, most of them filtered away at run time) set it off for seconds of
            // compiling a statement that then ran in milliseconds (BENCHMARKS.md, "National data set").
            ("jit", "off"),
        ]
        // A runaway query ends with an error the person sees as 503, rather than holding a
        // connection (and the locks it took) for ever.
        if let statementTimeout { parameters.append(("statement_timeout", Self.milliseconds(statementTimeout))) }
        if readOnly { parameters.append(("default_transaction_read_only", "on")) }
        return parameters
    }

    /// A duration as PostgreSQL reads a time setting: `1500ms`.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }
}
