import Crypto
import Foundation
import Logging
import PostgresNIO

/// One numbered SQL file of `Schema/`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Hex SHA-256 of the file's bytes, recorded when applied and compared ever after.
    public var sha256: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Applies `Schema/NNNN_name.sql` files in order, each in its own transaction, and refuses to go
/// on when an applied file has since been changed.
public struct Migrator: Sendable {
    /// Why migration stopped.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case schemaFolderMissing(String)
        case badFileName(String)
        case duplicateVersion(Int)
        case changedAfterApply(file: String, recorded: String, now: String)
        case appliedButMissing(version: Int, name: String)
        case migrationFailed(file: String, reason: String)

        public var description: String {
            switch self {
            case .schemaFolderMissing(let path):
                "the schema folder \(path) does not exist; run from the project folder or set SCHEMA_DIR"
            case .badFileName(let name):
                "\(name) is not named NNNN_name.sql; rename it so its order is clear"
            case .duplicateVersion(let version):
                "two schema files share the number \(version); give each its own"
            case .changedAfterApply(let file, let recorded, let now):
                "\(file) was changed after it was applied (recorded SHA-256 \(recorded), file now \(now)); "
                    + "applied migrations are append-only: restore the file and put the change in a new migration"
            case .appliedButMissing(let version, let name):
                "migration \(version) (\(name)) is recorded in the database but its file is missing from the schema folder"
            case .migrationFailed(let file, let reason):
                "\(file) failed, and nothing of it was kept (the migrations before it stay applied): \(reason)"
            }
        }
    }

    public let migrations: [Migration]

    public init(migrations: [Migration]) throws {
        var seen = Set<Int>()
        for m in migrations where !seen.insert(m.version).inserted { throw Failure.duplicateVersion(m.version) }
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Reads every `.sql` file of a folder.
    public init(folder: URL) throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            throw Failure.schemaFolderMissing(folder.path)
        }
        var migrations: [Migration] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            guard let match = name.firstMatch(of: /^(\d{4})_([a-z0-9_]+)\.sql$/), let version = Int(match.1) else {
                throw Failure.badFileName(name)
            }
            let sql = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            migrations.append(Migration(version: version, name: String(match.2), sql: sql))
        }
        try self.init(migrations: migrations)
    }

    /// Applies what is missing; returns the versions applied now.
    @discardableResult
    public func migrate(client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.withConnection { connection in
            let connection = DatabaseConnection(connection)
            // A migration may rewrite a large table, and wait for another migrator: neither is a
            // runaway query, so the statement timeout every connection asks for does not apply.
            try await connection.run("SET statement_timeout = 0", logger: logger)
            // One migrator at a time, whoever runs it.
            try await connection.run("SELECT pg_advisory_lock(7411520)", logger: logger)
            do {
                let applied = try await apply(on: connection, logger: logger)
                // A migration's own changes go into the chain before the service starts (migration 25).
                let sealing = try await connection.query(
                    "SELECT to_regprocedure('audit.seal_journal()') IS NOT NULL", logger: logger
                ).collect().first?.decode(Bool.self) ?? false
                if sealing { try await connection.run("SELECT audit.seal_journal()", logger: logger) }
                try await connection.run("SELECT pg_advisory_unlock(7411520)", logger: logger)
                try await connection.run("RESET statement_timeout", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(7411520)", logger: logger)
                _ = try? await connection.query("RESET statement_timeout", logger: logger)
                throw error
            }
        }
    }

    private func apply(on connection: DatabaseConnection, logger: Logger) async throws -> [Int] {
        try await connection.run(
            """
            CREATE TABLE IF NOT EXISTS public.schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                sha256     text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        var recorded: [Int: (name: String, sha256: String)] = [:]
        for try await (version, name, sha) in try await connection.query(
            "SELECT version, name, sha256 FROM public.schema_migrations ORDER BY version", logger: logger
        ).decode((Int, String, String).self) {
            recorded[version] = (name, sha)
        }
        let files = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, entry) in recorded.sorted(by: { $0.key < $1.key }) where files[version] == nil {
            throw Failure.appliedButMissing(version: version, name: entry.name)
        }
        for m in migrations {
            if let entry = recorded[m.version], entry.sha256 != m.sha256 {
                throw Failure.changedAfterApply(file: fileName(m), recorded: entry.sha256, now: m.sha256)
            }
        }
        var appliedNow: [Int] = []
        for m in migrations where recorded[m.version] == nil {
            logger.info("applying migration", metadata: ["file": "\(fileName(m))"])
            do {
                try await apply(m, on: connection, logger: logger)
            } catch {
                throw Failure.migrationFailed(file: fileName(m), reason: StoreErrors.loggable(error))
            }
            appliedNow.append(m.version)
        }
        return appliedNow
    }

    /// One migration in one transaction, recorded in `schema_migrations` with it.
    private func apply(_ m: Migration, on connection: DatabaseConnection, logger: Logger) async throws {
        try await connection.transaction(logger: logger) { tx in
            // A migration that changes the register's rows is audited like any other write.
            try await tx.run(
                "SELECT set_config('app.actor', \("system:migrate-\(m.version)"), true), set_config('app.request_id', \("migrate-\(m.sha256.prefix(12))"), true)",
                logger: logger)
            for statement in SQLScript.statements(m.sql) {
                try await tx.run(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await tx.run(
                "INSERT INTO public.schema_migrations (version, name, sha256) VALUES (\(m.version), \(m.name), \(m.sha256))",
                logger: logger)
        }
    }

    private func fileName(_ m: Migration) -> String {
        String(format: "%04d_", m.version) + m.name + ".sql"
    }
}
