import Foundation
import Logging
import PostgresNIO
import RegisterDomain

/// Who is writing and in which request: set as `app.actor` and `app.request_id` at the start of
/// every write transaction, where the audit trail reads them.
public struct WriteContext: Sendable {
    public var actor: Principal
    public var requestID: String
    /// The client's own `X-Request-Id`, when it sent a well-formed one: recorded beside the
    /// register's id as `app.client_request_id` (migration 11), never instead of it.
    public var clientRequestID: String?
    public var logger: Logger

    public init(actor: Principal, requestID: String, clientRequestID: String? = nil, logger: Logger) {
        self.actor = actor
        self.requestID = requestID
        self.clientRequestID = clientRequestID
        self.logger = logger
    }
}

/// The register's PostgreSQL: the one place reads and writes are opened.
public struct Database: Sendable {
    public let client: PostgresClient
    /// The service's own logger, for work outside any request (start-up, the sealer, reminders).
    let serviceLogger: Logger
    /// The logger of the request being served, set by the server around each request: reads are
    /// not handed the request's logger as writes are (`WriteContext`), so it reaches them here.
    @TaskLocal public static var requestLogger: Logger?

    /// What the stores log their statements and warnings through: the request's logger while one is
    /// served, so that a read's statements and a timed-out read's warning name the request; the
    /// service's otherwise.
    var logger: Logger { Self.requestLogger ?? serviceLogger }
    /// Every lease of a connection goes through it, so that none waits longer than `poolWait`.
    let gate: Gate
    /// The seals of the audit journal after this process's commits, coalesced.
    let seals = JournalSeals()
    /// The limit on each lease's wait for its connection (see `LeaseDeadlines`).
    let deadlines = LeaseDeadlines()

    /// `poolSize` must be the client's `maximumConnections` (`DatabaseSettings.clientConfiguration`
    /// makes both from one setting); a request waits at most `poolWait` for a connection.
    public init(
        client: PostgresClient, logger: Logger, poolSize: Int = DatabaseSettings.defaultPoolSize,
        poolWait: Duration = DatabaseSettings.defaultPoolWait
    ) {
        self.client = client
        self.serviceLogger = logger
        self.gate = Gate(size: poolSize, patience: poolWait) { waited in DatabaseBusy(waited: waited) }
    }

    /// The register over a client made from `settings`.
    public init(client: PostgresClient, settings: DatabaseSettings, logger: Logger) {
        self.init(client: client, logger: logger, poolSize: settings.poolSize, poolWait: settings.poolWait)
    }

    /// Runs `body` in one transaction at READ COMMITTED after setting the audit context.
    ///
    /// This is the only way the register writes: every write is one transaction, and every
    /// transaction says who made it and in which request. Errors from PostgreSQL are translated
    /// into domain errors here, so a duplicate reference is a 409 and not a 500.
    @discardableResult
    public func write<Result: Sendable>(
        _ context: WriteContext,
        _ body: (DatabaseConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await leased(logger: context.logger) { connection in
                let result = try await connection.transaction(logger: context.logger) { connection in
                    try await connection.run(
                        """
                        SELECT set_config('app.actor', \(context.actor.auditName), true),
                               set_config('app.request_id', \(context.requestID), true),
                               set_config('app.client_request_id', \(context.clientRequestID ?? ""), true)
                        """,
                        logger: context.logger)
                    return try await body(connection)
                }
                await seals.afterCommit(on: connection, logger: context.logger)
                return result
            }
        } catch {
            throw translated(error, logger: context.logger)
        }
    }

    /// Seals what the journal holds (see `JournalSeals`): the server does it when it starts, so
    /// that events left by a process killed between a commit and its seal are in the chain at once.
    public func sealJournal(logger: Logger) async throws {
        try await leased(logger: logger) { connection in
            try await connection.run("SELECT audit.seal_journal()", logger: logger)
        }
    }

    /// Runs read-only work on a pooled connection, waiting at most `patience` (`poolWait` unless
    /// given) for one.
    public func read<Result: Sendable>(
        logger: Logger? = nil, patience: Duration? = nil,
        _ body: (DatabaseConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await leased(logger: logger ?? self.logger, patience: patience) { connection in try await body(connection) }
        } catch {
            throw translated(error, logger: logger ?? self.logger)
        }
    }

    /// Leases a pooled connection for `body`, after waiting at most `patience` (`poolWait` unless
    /// given) for the gate to let it through: `DatabaseBusy` otherwise.
    private func leased<Result: Sendable>(
        logger: Logger, patience: Duration? = nil, _ body: (DatabaseConnection) async throws -> Result
    ) async throws -> Result {
        let patience = patience ?? gate.patience
        let arrived = ContinuousClock.now
        try await gate.enter(patience: patience)
        defer { gate.leave() }
        // What is left of the patience (a second at least) goes on getting the connection itself.
        let left = max(patience - arrived.duration(to: .now), .seconds(1))
        return try await withConnection(waitingAtMost: left) { connection in try await body(connection) }
    }

    /// Runs `body` on a pooled connection, or throws `DatabaseUnavailable` when none comes within
    /// `limit`. PostgresNIO's pool has no such limit (see `LeaseDeadlines`): the lease and `body` run
    /// in a task of their own, which is cancelled if the lease is still waiting at the limit. This
    /// call waits for that task however it ends, so `body` never outlives it.
    private func withConnection<Result: Sendable>(
        waitingAtMost limit: Duration, _ body: (DatabaseConnection) async throws -> Result
    ) async throws -> Result {
        try await withoutActuallyEscaping(body) { body in
            let work = Unchecked(body)
            let lease = LeaseDeadlines.Lease()
            let client = self.client
            let task = Task {
                try await client.withConnection { connection in
                    guard lease.begin() else { throw CancellationError() }
                    return try await work.value(DatabaseConnection(connection))
                }
            }
            lease.onRefusal { task.cancel() }
            deadlines.watch(lease, until: .now + limit)
            do {
                return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
            } catch where lease.wasRefused {
                throw DatabaseUnavailable(underlying: "no connection to the database came within \(limit)")
            } catch where Task.isCancelled {
                // The caller gave up (the pool says "request cancelled"): not the database's fault.
                throw CancellationError()
            }
        }
    }

    /// The register's own error for `error`, logged when it tells the operator the database is
    /// overloaded (a person only sees the 503).
    private func translated(_ error: any Error, logger: Logger) -> any Error {
        let translated = StoreErrors.translate(error)
        switch translated {
        case let busy as DatabaseBusy:
            logger.warning("no database connection came free", metadata: ["waited": "\(busy.waited)", "pool_size": "\(gate.size)"])
        case is DatabaseTimedOut:
            logger.warning("a database statement ran past statement_timeout and was cancelled")
        default:
            break
        }
        return translated
    }

    /// The pool's connections as requests hold them: leased now, waited for, and the most there may be.
    public struct PoolUsage: Sendable, Equatable {
        public var inUse: Int
        public var waiting: Int
        public var size: Int
    }

    /// How many connections requests hold now and how many requests wait for one (for `/metrics`).
    public var poolUsage: PoolUsage {
        let (taken, waiting) = gate.usage
        return PoolUsage(inUse: taken, waiting: waiting, size: gate.size)
    }

    /// What `/ready` says of the database.
    public enum Readiness: String, Sendable {
        case ready
        /// Every connection is in use: this server cannot take more work just now.
        case busy = "database busy"
        case unreachable = "database unreachable"
    }

    /// Whether the database answers a trivial query now, on a pooled connection as any request
    /// would have it (for `/ready`): half of `timeout` may go on waiting for a connection.
    public func readiness(timeout: Duration = .seconds(2)) async -> Readiness {
        await withTaskGroup(of: Readiness.self) { group in
            group.addTask {
                do {
                    try await leased(logger: logger, patience: timeout / 2) { connection in
                        try await connection.run("SELECT 1", logger: logger)
                    }
                    return .ready
                } catch is DatabaseBusy {
                    return .busy
                } catch {
                    return .unreachable
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .unreachable
            }
            let first = await group.next() ?? .unreachable
            group.cancelAll()
            return first
        }
    }
}

/// A value handed to a task that the caller waits for before going on (`Database.withConnection`):
/// never used from two places at once, though its type is not `Sendable`.
private struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
