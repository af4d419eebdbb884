import Crypto
import Foundation
import RegisterReports
import RegisterStore

/// Everything the service reads from its environment, checked once at start-up.
public struct AppConfiguration: Sendable {
    public var database: DatabaseSettings
    public var httpHost: String
    public var httpPort: Int
    public var logLevel: String
    /// Largest request body accepted, in bytes (evidence uploads; JSON bodies are capped lower).
    public var maxUploadBytes: Int
    /// Send cookies with `Secure`: on whenever the service is reached over HTTPS.
    public var secureCookies: Bool
    /// How long a sign-in lasts.
    public var sessionHours: Int
    /// Signs audit checkpoints (read from `AUDIT_SIGNING_KEY_FILE`); checkpoints are unsigned without it.
    public var auditSigningKey: Curve25519.Signing.PrivateKey?

    public init(
        database: DatabaseSettings, httpHost: String = "127.0.0.1", httpPort: Int = 8080, logLevel: String = "info",
        maxUploadBytes: Int = 25 * 1024 * 1024, secureCookies: Bool = false, sessionHours: Int = 8,
        auditSigningKey: Curve25519.Signing.PrivateKey? = nil
    ) {
        self.auditSigningKey = auditSigningKey
        self.database = database
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.logLevel = logLevel
        self.maxUploadBytes = maxUploadBytes
        self.secureCookies = secureCookies
        self.sessionHours = sessionHours
    }

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
        let secure = env["COOKIE_SECURE"].map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
        guard problems.isEmpty, var database else { throw Invalid(problems: problems) }
        database.poolSize = poolSize
        database.poolWait = .milliseconds(poolWaitMS)
        database.statementTimeout = statementTimeoutMS == 0 ? nil : .milliseconds(statementTimeoutMS)
        return AppConfiguration(
            database: database, httpHost: env["HTTP_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1", httpPort: port,
            logLevel: level, maxUploadBytes: maxUpload, secureCookies: secure, sessionHours: sessionHours, auditSigningKey: signingKey)
    }
}
