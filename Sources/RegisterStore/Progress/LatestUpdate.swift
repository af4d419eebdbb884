import PostgresNIO

extension PostgresQuery.StringInterpolation {
    /// `(SELECT … LIMIT 1)`, for `LEFT JOIN LATERAL … ON true`: the latest progress update of the
    /// assignment whose id `assignment` names (a column of the outer query), live or as at `at`.
    /// The latest is the one about the latest day, the last recorded among those about the same day
    /// (ids are time-ordered): its rating is the assignment's RAG. The register's one statement of
    /// that rule for the reports (`register.latest_updates`, migration 15, says the same for the
    /// whole table at once); read through the index on (assignment, day, id), so a report of a few
    /// lines reads a few updates.
    mutating func appendInterpolation(latestUpdateOf assignment: StaticString, at: String?) {
        appendLiteral("(SELECT u.* FROM ")
        appendInterpolation(KeptTable.progressUpdates, at: at)
        appendLiteral(" u WHERE u.assignment_id = \(assignment) ORDER BY u.happened_on DESC, u.id DESC LIMIT 1)")
    }
}
