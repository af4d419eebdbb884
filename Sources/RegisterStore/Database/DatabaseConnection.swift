import Logging
import PostgresNIO

/// A pooled connection as the register's stores use it (`Database.read` and `write` lend one, and
/// the migrator wraps its own): every statement they send goes through `query` (or `execute`, for
/// a `KeptStatement`), which will not send one on a connection known to have closed. (Only
/// `RoleSetup`, on an administrator's one-off connection, talks to PostgresNIO directly.)
///
/// PostgresNIO drops a statement written to a connection whose channel has closed and been taken
/// down, without ever failing it: whoever awaits it waits for ever. PostgreSQL closes connections
/// when it stops or crashes, or when an administrator ends a session. In the faults test (PostgreSQL
/// crashed under load) that left up to three requests a run without an answer: one on a connection
/// the pool lent before it heard the connection had closed, others whose next statement, or whose
/// ROLLBACK, came after the close. Refused here instead, such a statement is a `DatabaseUnavailable`
/// (a 503) at once. What is left is a connection that closes in the microseconds between the check
/// and the statement reaching the connection's event loop.
public struct DatabaseConnection: Sendable {
    let connection: PostgresConnection

    init(_ connection: PostgresConnection) {
        self.connection = connection
    }

    /// Whether the connection has closed (PostgreSQL gone, or its session ended).
    public var isClosed: Bool { connection.isClosed }

    /// Sends `query`, unless the connection has closed; its rows may be read as they come.
    @discardableResult
    public func query(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
        guard !connection.isClosed else { throw DatabaseUnavailable(underlying: "the connection to the database has closed") }
        return try await connection.query(query, logger: logger, file: file, line: line)
    }

    /// Sends a statement the connection keeps planned (see `KeptStatement`), unless the connection has
    /// closed; its rows may be read as they come.
    ///
    /// If PostgreSQL refuses it, the connection is closed (the pool opens another) and the error is
    /// thrown. PostgresNIO remembers a statement whose preparation failed, say cancelled while a
    /// migration held its table, and fails it at once on that connection ever after. A statement
    /// prepared before a migration changed its columns fails at every run. Either way the connection
    /// would have failed that statement for as long as it lived.
    func execute<Statement: KeptStatement>(
        _ statement: Statement, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, PostgresRow> {
        guard !connection.isClosed else { throw DatabaseUnavailable(underlying: "the connection to the database has closed") }
        do {
            return try await connection.execute(statement, logger: logger, file: file, line: line)
        } catch let error as PSQLError where error.code == .server {
            logger.warning(
                "PostgreSQL refused a kept statement; its connection is closed so that the pool opens a fresh one",
                metadata: ["statement": "\(Statement.name)", "error": "\(StoreErrors.loggable(error))"])
            try? await connection.close()
            throw error
        }
    }

    /// Runs a statement for its effect and reads its result to the end.
    ///
    /// A statement's error can arrive after its first rows; an unread result would lose it, and the
    /// COMMIT that follows an aborted transaction quietly rolls back. Every statement run for its
    /// effect goes through here so no refusal is ever missed.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }

    /// Runs `body` in one transaction: BEGIN, then COMMIT, or ROLLBACK if `body` throws (its error is
    /// thrown, or BEGIN's or COMMIT's). Unlike PostgresNIO's `withTransaction`, it sends no ROLLBACK
    /// on a connection that has closed: PostgreSQL ended the transaction with the session, and the
    /// statement would not be answered (see above).
    func transaction<Result: Sendable>(logger: Logger, _ body: (DatabaseConnection) async throws -> Result) async throws -> Result {
        try await run("BEGIN", logger: logger)
        let result: Result
        do {
            result = try await body(self)
        } catch {
            if !isClosed {
                do {
                    try await run("ROLLBACK", logger: logger)
                } catch {
                    logger.warning("a failed transaction could not be rolled back", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
            throw error
        }
        try await run("COMMIT", logger: logger)
        return result
    }
}
