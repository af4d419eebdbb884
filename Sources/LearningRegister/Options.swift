import ArgumentParser
import Foundation
import Logging
import RegisterServices

/// The database flag every command shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "postgres://user:password@host:port/database (default: $DATABASE_URL)")
    var databaseURL: String?

    /// The environment, with flags laid over it.
    func environment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        if let databaseURL { env["DATABASE_URL"] = databaseURL }
        return env
    }

    func configuration() throws -> AppConfiguration {
        do {
            return try AppConfiguration.fromEnvironment(environment())
        } catch let invalid as AppConfiguration.Invalid {
            throw ValidationError(invalid.description)
        }
    }
}

/// A logger for command-line work: warnings and worse unless LOG_LEVEL says otherwise.
func commandLogger(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Logger {
    var logger = Logger(label: "learning-register")
    logger.logLevel = env["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    return logger
}
