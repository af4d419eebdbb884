import ArgumentParser
import Foundation
import RegisterServices
import RegisterStore

/// `learning-register migrate`: brings the database schema up to date.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the numbered SQL files of Schema/ that the database does not have yet.",
        discussion: "Run it as the migration owner (register_owner). Each file is applied in one transaction and recorded with its SHA-256.")

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("schema-dir"), help: "Folder of NNNN_name.sql files (default: $SCHEMA_DIR or ./Schema).")
    var schemaDir: String?

    func run() async throws {
        let env = database.environment()
        let configuration = try database.configuration()
        let folder = schemaDir ?? env["SCHEMA_DIR"] ?? "Schema"
        let migrator: Migrator
        do {
            migrator = try Migrator(folder: URL(fileURLWithPath: folder))
        } catch let failure as Migrator.Failure {
            throw ValidationError(failure.description)
        }
        let logger = commandLogger(env)
        do {
            let applied = try await withServices(configuration, logger: logger) { _, client in
                try await migrator.migrate(client: client, logger: logger)
            }
            print(applied.isEmpty ? "schema is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))")
        } catch let failure as Migrator.Failure {
            throw CommandFailure(message: "migration stopped: \(failure.description)")
        }
    }
}

/// A command that failed with a message for the operator (exit status 1).
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
