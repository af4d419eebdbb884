import PostgresNIO

/// The register's tables whose history the audit trail's seal keeps (migration 26), so that they
/// can be read as they stood at any moment.
enum KeptTable: String, Sendable {
    case reviews, findings, recommendations, recommendationFindings = "recommendation_findings"
    case recommendationTransitions = "recommendation_transitions", clockPauses = "clock_pauses"
    case reviewDocuments = "review_documents", reviewDocumentWithdrawals = "review_document_withdrawals"
    case partners, assignments, progressUpdates = "progress_updates", evidence
    case evidenceFiles = "evidence_files", evidenceDecisions = "evidence_decisions"
}

extension PostgresQuery.StringInterpolation {
    /// A table as it is (`at` nil) or as it stood at `at` (a seal time, `AsAt.sealedBefore`):
    /// `register.<table>`, or `register.<table>_as_at($n)`, its kept history. Either is a plain
    /// relation to the planner, so a join to it can go through its indexes: `register.<table>_at(…)`,
    /// which serves both moments in one function, is a UNION that a join cannot see into, so a query
    /// joining tables as at a moment names them with this (the one-review report reads 20 rows, not
    /// every assignment ever made).
    mutating func appendInterpolation(_ table: KeptTable, at: String?) {
        appendLiteral("register.\(table.rawValue)")
        if let at {
            appendLiteral("_as_at(")
            appendInterpolation(at)
            appendLiteral("::text)")
        }
    }
}
