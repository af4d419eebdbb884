import PostgresNIO

/// A statement PostgreSQL plans once on each connection and keeps (a named prepared statement), sent
/// through `DatabaseConnection.execute`.
///
/// Only a few statements are kept: the ones sent on nearly every request, whose text never changes
/// and whose plan does not depend on the values bound. An example is the session look-up behind every
/// signed-in request. Planning them was most of what they cost the database. With pgbench sending the
/// same statements at 16 connections, the session look-up ran at 8,029 a second planned each time and
/// at 47,900 kept (BENCHMARKS.md, "Statements planned once").
///
/// Everything else is sent unnamed and planned for the values at hand. That includes the list
/// queries, whose optional filters (`$n IS NULL OR …`) need a plan made for the filters a request
/// actually uses.
///
/// PostgresNIO prepares a kept statement the first time a connection sends it, and again on each new
/// connection. PostgreSQL plans it again by itself when a table it reads changes. A migration that
/// changes the columns it returns makes it fail on the connections opened before ("cached plan must
/// not change result type"), so the servers are restarted after a migration (README, `migrate`).
protocol KeptStatement: PostgresPreparedStatement where Row == PostgresRow {}

extension KeptStatement {
    /// Rows are read by the stores' own mapping functions, as for any other statement.
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}
