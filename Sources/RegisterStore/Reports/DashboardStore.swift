import Foundation
import PostgresNIO
import RegisterDomain

/// What the coordinator's home page lists: overdue work, evidence waiting for a verdict, and
/// reviews by status, each oldest first.
public struct DashboardStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Overdue assignments (by the one definition in the database), oldest due date first.
    public func overdueActions(today: Day, limit: Int) async throws -> Excerpt<OverdueAction> {
        try await database.read { c in
            let rows = try await Rows.all(
                c.query(
                    """
                    SELECT a.id, a.recommendation_id, r.reference, x.number, p.name, a.due_date, (\(today)::date - a.due_date) AS days,
                           count(*) OVER () AS total
                    FROM register.assignments a
                    JOIN register.recommendations x ON x.id = a.recommendation_id
                    JOIN register.reviews r ON r.id = x.review_id
                    JOIN register.partners p ON p.id = a.partner_id
                    WHERE register.assignment_overdue(a.status, a.due_date, \(today))
                    ORDER BY a.due_date, a.id LIMIT \(limit)
                    """, logger: database.logger)
            ) { r in
                (
                    OverdueAction(
                        assignmentID: try r.get("id"), recommendationID: try r.get("recommendation_id"), reviewReference: try r.get("reference"),
                        recommendationNumber: try r.get("number"), partnerName: try r.get("name"), dueDate: try r.get("due_date"),
                        daysOverdue: try r.get("days")),
                    try r.get("total", as: Int.self)
                )
            }
            return Excerpt(items: rows.map(\.0), total: rows.first?.1 ?? 0)
        }
    }

    /// Evidence without a verdict, the longest waiting first.
    public func awaitingDecision(now: Date, limit: Int) async throws -> Excerpt<PendingEvidence> {
        try await database.read { c in
            let rows = try await Rows.all(
                c.query(
                    """
                    SELECT e.id, a.recommendation_id, r.reference, x.number, p.name, e.received_at,
                           floor(extract(epoch FROM (\(now)::timestamptz - e.received_at)) / 86400)::int AS days,
                           count(*) OVER () AS total
                    FROM register.evidence e
                    JOIN register.assignments a ON a.id = e.assignment_id
                    JOIN register.recommendations x ON x.id = a.recommendation_id
                    JOIN register.reviews r ON r.id = x.review_id
                    JOIN register.partners p ON p.id = a.partner_id
                    WHERE NOT EXISTS (SELECT 1 FROM register.evidence_decisions d WHERE d.evidence_id = e.id)
                    ORDER BY e.received_at, e.id LIMIT \(limit)
                    """, logger: database.logger)
            ) { r in
                (
                    PendingEvidence(
                        evidenceID: try r.get("id"), recommendationID: try r.get("recommendation_id"), reviewReference: try r.get("reference"),
                        recommendationNumber: try r.get("number"), partnerName: try r.get("name"), receivedAt: try r.get("received_at"),
                        daysWaiting: max(0, try r.get("days", as: Int.self))),
                    try r.get("total", as: Int.self)
                )
            }
            return Excerpt(items: rows.map(\.0), total: rows.first?.1 ?? 0)
        }
    }

    /// How many reviews are in each status.
    public func reviewsByStatus() async throws -> [(ReviewStatus, Int)] {
        try await database.read { c in
            try await Rows.all(
                c.query("SELECT status, count(*)::int AS n FROM register.reviews GROUP BY status", logger: database.logger)
            ) { r in (try r.get("status", as: ReviewStatus.self), try r.get("n", as: Int.self)) }
        }
    }
}
