import Crypto
import Foundation
import RegisterReports
import RegisterStore

/// Everything the service reads from its environment, checked once at start-up.
public struct AppConfiguration: Sendable {
    public var database: DatabaseSettings
    /// `REPORTS_DATABASE_URL`: where reports and exports read (a hot standby of `database`, with the
    /// same pool settings); nil reads them from `database` itself. Nothing is ever written there.
    public var reportsDatabase: DatabaseSettings?
    public var httpHost: String
    public var httpPort: Int
    public var logLevel: String
    /// Largest request body accepted, in bytes (evidence uploads; JSON bodies are capped lower).
    public var maxUploadBytes: Int
    /// `COOKIE_SECURE` when set: overrides whether cookies are `Secure` (see `secureCookies`).
    public var cookieSecureSetting: Bool?
    /// Proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`); none by default.
    public var trustedProxies: [IPNetwork]
    /// How many passwords may be hashed or checked at once (`PASSWORD_HASHING_CONCURRENCY`).
    public var passwordHashingSlots: Int
    /// How repeated failed sign-ins are slowed and refused.
    public var signInThrottle: SignInThrottle
    /// How long a sign-in lasts.
    public var sessionHours: Int
    /// Signs audit checkpoints (read from `AUDIT_SIGNING_KEY_FILE`); checkpoints are unsigned without it.
    public var auditSigningKey: Curve25519.Signing.PrivateKey?
    /// How slowly an evidence upload may arrive before it is ended (tests make it short).
    public var uploadPace: UploadPace
    /// The register's address as people reach it (`PUBLIC_URL`, no trailing slash): links in e-mails.
    public var publicURL: String?
    /// The mail server for reminder digests (`SMTP_URL`, `MAIL_FROM`, …); none when unset.
    public var mail: MailSettings?
    /// When `serve` sends the day's digests itself (`REMINDERS_AT`, UK time); never when unset.
    public var remindersAt: ReminderTime?
    /// How long after a failed send the first retry waits (`REMINDERS_RETRY_SECONDS`, 60 by default), doubling after.
    public var reminderRetrySeconds: Int = 60
    /// `METRICS_TOKEN`: a bearer token that opens `/metrics` to other machines (without it, only
    /// loopback may read it).
    public var metricsToken: String?

    public init(
        database: DatabaseSettings, httpHost: String = "127.0.0.1", httpPort: Int = 8080, logLevel: String = "info",
        maxUploadBytes: Int = 25 * 1024 * 1024, secureCookies: Bool? = nil, sessionHours: Int = 8,
        auditSigningKey: Curve25519.Signing.PrivateKey? = nil, trustedProxies: [IPNetwork] = [],
        passwordHashingSlots: Int = ProcessInfo.processInfo.activeProcessorCount, signInThrottle: SignInThrottle = .standard,
        uploadPace: UploadPace = .standard, metricsToken: String? = nil
    ) {
        self.metricsToken = metricsToken
        self.auditSigningKey = auditSigningKey
        self.uploadPace = uploadPace
        self.database = database
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.logLevel = logLevel
        self.maxUploadBytes = maxUploadBytes
        self.cookieSecureSetting = secureCookies
        self.trustedProxies = trustedProxies
        self.passwordHashingSlots = passwordHashingSlots
        self.signInThrottle = signInThrottle
        self.sessionHours = sessionHours
    }

    /// Whether the service listens on the loopback interface only (`127.0.0.1`, `::1`, `localhost`),
    /// where nobody else can reach it, so plain HTTP cannot be overheard.
    public var listensOnLoopbackOnly: Bool {
        let host = httpHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || IPAddress(host).map { $0.bytes.count == 4 ? $0.bytes[0] == 127 : $0.bytes == Array(repeating: 0, count: 15) + [1] } == true
    }

    /// Send cookies `Secure` (with the `__Host-` prefix): always, unless the service listens on
    /// loopback only; `COOKIE_SECURE` overrides either way.
    public var secureCookies: Bool { cookieSecureSetting ?? !listensOnLoopbackOnly }

    /// Plain cookies on an address others can reach, because `COOKIE_SECURE=false` says so: worth a
    /// warning at start, as sessions could then be taken from the network.
    public var insecureCookiesOverride: Bool { cookieSecureSetting == false && !listensOnLoopbackOnly }

    /// A configuration that cannot be used, with every problem listed at once.
    public struct Invalid: Error, CustomStringConvertible {
        public var problems: [String]
        public var description: String {
            "the configuration is incomplete:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// Reads the environment (flags of the same names override it before this is called).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var problems: [String] = []
        var database: DatabaseSettings?
        switch DatabaseSettings.fromEnvironment(env) {
        case .success(let settings): database = settings
        case .failure(let invalid): problems.append(contentsOf: invalid.problems)
        }
        func int(_ name: String, default value: Int, range: ClosedRange<Int>) -> Int {
            guard let text = env[name], !text.isEmpty else { return value }
            guard let number = Int(text), range.contains(number) else {
                problems.append("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
                return value
            }
            return number
        }
        let port = int("HTTP_PORT", default: 8080, range: 1...65535)
        let maxUpload = int("MAX_UPLOAD_BYTES", default: 25 * 1024 * 1024, range: 1024...(1 << 30))
        let sessionHours = int("SESSION_HOURS", default: 8, range: 1...24 * 30)
        let poolSize = int("DATABASE_POOL_SIZE", default: DatabaseSettings.defaultPoolSize, range: 1...1000)
        let poolWaitMS = int("DATABASE_POOL_WAIT_MS", default: Int(DatabaseSettings.defaultPoolWait / .milliseconds(1)), range: 1...600_000)
        // 0: the service asks for no statement timeout, and the role's own setting applies.
        let statementTimeoutMS = int(
            "DATABASE_STATEMENT_TIMEOUT_MS", default: Int(DatabaseSettings.defaultStatementTimeout / .milliseconds(1)), range: 0...86_400_000)
        let level = env["LOG_LEVEL"].flatMap { $0.isEmpty ? nil : $0 } ?? "info"
        if !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) {
            problems.append("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
        var signingKey: Curve25519.Signing.PrivateKey?
        if let path = env["AUDIT_SIGNING_KEY_FILE"], !path.isEmpty {
            do { signingKey = try SigningKeyFile.read(path) } catch { problems.append("AUDIT_SIGNING_KEY_FILE: \(error)") }
        }
        var secure: Bool?
        switch env["COOKIE_SECURE"]?.lowercased() {
        case nil, "": secure = nil
        case "1", "true", "yes": secure = true
        case "0", "false", "no": secure = false
        case let other?: problems.append("COOKIE_SECURE must be true or false, not '\(other)'")
        }
        var proxies: [IPNetwork] = []
        for entry in (env["TRUSTED_PROXIES"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " }) {
            if let network = IPNetwork(String(entry)) {
                proxies.append(network)
            } else {
                problems.append("TRUSTED_PROXIES: '\(entry)' is not an IP address or network (such as 10.0.0.5 or 10.0.0.0/8)")
            }
        }
        let metricsToken = env["METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let metricsToken, metricsToken.utf8.count < 32 || metricsToken.contains(where: { $0.isWhitespace || $0.isNewline }) {
            problems.append("METRICS_TOKEN must be at least 32 characters without spaces (make one with: openssl rand -hex 32)")
        }
        let hashing = int("PASSWORD_HASHING_CONCURRENCY", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...256)
        var publicURL: String?
        if let text = env["PUBLIC_URL"], !text.isEmpty {
            if let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil, url.query == nil {
                publicURL = text.hasSuffix("/") ? String(text.dropLast()) : text
            } else {
                problems.append("PUBLIC_URL must be the register's address, such as https://register.partnership.example")
            }
        }
        let mail = MailSettings.fromEnvironment(env, problems: &problems)
        var remindersAt: ReminderTime?
        if let text = env["REMINDERS_AT"], !text.isEmpty {
            remindersAt = ReminderTime(text)
            if remindersAt == nil { problems.append("REMINDERS_AT must be a time of day such as 07:00 (UK time)") }
            if mail == nil { problems.append("REMINDERS_AT needs SMTP_URL and MAIL_FROM") }
            if publicURL == nil { problems.append("REMINDERS_AT needs PUBLIC_URL, for the links in the e-mails") }
        }
        let retrySeconds = int("REMINDERS_RETRY_SECONDS", default: 60, range: 1...3600)
        var reportsDatabase: DatabaseSettings?
        if let url = env["REPORTS_DATABASE_URL"], !url.isEmpty {
            do {
                reportsDatabase = try DatabaseSettings(url: url)
            } catch let invalid as DatabaseSettings.Invalid {
                problems += invalid.problems.map { $0.replacingOccurrences(of: "DATABASE_URL", with: "REPORTS_DATABASE_URL") }
            } catch {
                problems.append("REPORTS_DATABASE_URL: \(error)")
            }
        }
        guard problems.isEmpty, var database else { throw Invalid(problems: problems) }
        database.poolSize = poolSize
        database.poolWait = .milliseconds(poolWaitMS)
        database.statementTimeout = statementTimeoutMS == 0 ? nil : .milliseconds(statementTimeoutMS)
        // The standby's pool is sized and timed like the main one.
        reportsDatabase?.poolSize = poolSize
        reportsDatabase?.poolWait = database.poolWait
        reportsDatabase?.statementTimeout = database.statementTimeout
        reportsDatabase?.readOnly = true
        var configuration = AppConfiguration(
            database: database, httpHost: env["HTTP_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1", httpPort: port,
            logLevel: level, maxUploadBytes: maxUpload, secureCookies: secure, sessionHours: sessionHours, auditSigningKey: signingKey,
            trustedProxies: proxies, passwordHashingSlots: hashing, metricsToken: metricsToken)
        configuration.reportsDatabase = reportsDatabase
        configuration.publicURL = publicURL
        configuration.mail = mail
        configuration.remindersAt = remindersAt
        configuration.reminderRetrySeconds = retrySeconds
        return configuration
    }
}
