import Foundation
import Logging
import PostgresNIO
import RegisterDomain

/// Who is writing and in which request: set as `app.actor` and `app.request_id` at the start of
/// every write transaction, where the audit trail reads them.
public struct WriteContext: Sendable {
    public var actor: Principal
    public var requestID: String
    public var logger: Logger

    public init(actor: Principal, requestID: String, logger: Logger) {
        self.actor = actor
        self.requestID = requestID
        self.logger = logger
    }
}

/// The register's PostgreSQL: the one place reads and writes are opened.
public struct Database: Sendable {
    public let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Runs `body` in one transaction at READ COMMITTED after setting the audit context.
    ///
    /// This is the only way the register writes: every write is one transaction, and every
    /// transaction says who made it and in which request. Errors from PostgreSQL are translated
    /// into domain errors here, so a duplicate reference is a 409 and not a 500.
    @discardableResult
    public func write<Result: Sendable>(
        _ context: WriteContext,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await client.withTransaction(logger: context.logger) { connection in
                try await connection.run(
                    """
                    SELECT set_config('app.actor', \(context.actor.auditName), true),
                           set_config('app.request_id', \(context.requestID), true)
                    """,
                    logger: context.logger)
                return try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            throw StoreErrors.translate(error.closureError ?? error.beginError ?? error.commitError ?? error)
        } catch {
            throw StoreErrors.translate(error)
        }
    }

    /// Runs read-only work on a pooled connection.
    public func read<Result: Sendable>(
        logger: Logger? = nil,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch {
            throw StoreErrors.translate(error)
        }
    }

    /// Whether the database answers a trivial query now (for `/ready`).
    public func isReachable(timeout: Duration = .seconds(2)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await client.query("SELECT 1", logger: logger)
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
