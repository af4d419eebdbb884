import PostgresNIO

/// A statement PostgreSQL plans once on each connection and keeps (a named prepared statement), sent
/// through `DatabaseConnection.execute`.
///
/// Only a few statements are kept: the ones sent on nearly every request, whose text never changes
/// and whose plan does not depend on the values bound. An example is the session look-up behind every
/// signed-in request. Planning them was most of what they cost the database (BENCHMARKS.md,
/// "Statements planned once"). PostgreSQL makes a custom plan for a prepared statement's first five
/// runs, then keeps one generic plan if it estimates it cheaper than those, whose cost counts their
/// planning.
///
/// Each has an explicit name of its own, `lr_…`: PostgresNIO knows a connection's statements by name
/// alone, and the benchmarks write the name into SQL (`PREPARE lr_… AS …`).
///
/// Everything else is sent unnamed and planned for the values at hand. That includes the list
/// queries, whose optional filters (`$n IS NULL OR …`) need a plan made for the filters a request
/// actually uses. Two lists are also kept in forms of their own without them: a partner's own work
/// (`AssignmentStore.PartnerWork`) and every overdue recommendation
/// (`RecommendationStore.OverdueRecommendations`), each in standard pages.
///
/// PostgresNIO prepares a kept statement the first time a connection sends it, and again on each new
/// connection; PostgreSQL plans it again by itself when a table it reads changes. What happens when
/// PostgreSQL refuses one is `DatabaseConnection.execute`'s to say.
protocol KeptStatement: PostgresPreparedStatement where Row == PostgresRow {}

extension KeptStatement {
    /// Rows are read by the stores' own mapping functions, as for any other statement.
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}
