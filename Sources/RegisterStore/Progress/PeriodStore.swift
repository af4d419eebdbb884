import Foundation
import PostgresNIO
import RegisterDomain

/// The reporting-period report's SQL: the sources a body monitors, read as at the start and the
/// end of a period with the same point-in-time functions every as-at report uses
/// (`register.*_at`, rebuilt from the audit trail), and the database's one rule of overdue
/// judged on each end's day.
public struct PeriodStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// The report's lines for the sources `bodyID` monitors (now), as at `start` and at `end`.
    /// Which sources a body monitors is read as it is now: the question is "how did the work this
    /// body oversees go", whatever day it took them on.
    public func lines(bodyID: UUID, start: AsAt, end: AsAt) async throws -> [PeriodReport.Recommendation] {
        let (a, b, aDay, bDay) = (start.sealedBefore, end.sealedBefore, start.day, end.day)
        return try await database.read { c in
            let rows = try await Rows.all(
                c.query(
                    """
                    WITH src AS (SELECT id FROM register.reviews WHERE monitored_by = \(bodyID)),
                         rev AS (SELECT r.id, r.reference, r.title FROM register.reviews_at(\(b)) r WHERE r.id IN (SELECT id FROM src)),
                         x1 AS (SELECT * FROM register.recommendations_at(\(a)) WHERE review_id IN (SELECT id FROM src)),
                         x2 AS (SELECT * FROM register.recommendations_at(\(b)) WHERE review_id IN (SELECT id FROM src)),
                         a1 AS (SELECT * FROM register.assignments_at(\(a)) WHERE recommendation_id IN (SELECT id FROM x1)),
                         a2 AS (SELECT * FROM register.assignments_at(\(b)) WHERE recommendation_id IN (SELECT id FROM x2)),
                         late1 AS (SELECT DISTINCT recommendation_id FROM a1 WHERE register.assignment_overdue(status, due_date, \(aDay))),
                         late2 AS (SELECT DISTINCT recommendation_id FROM a2 WHERE register.assignment_overdue(status, due_date, \(bDay))),
                         u1 AS (SELECT * FROM register.latest_updates(\(a))),
                         u2 AS (SELECT * FROM register.latest_updates(\(b))),
                         assured AS (
                             SELECT t.recommendation_id, max(t.happened_on) AS assured_on
                             FROM register.recommendation_transitions_at(\(b)) t
                             WHERE t.to_status = 'assured' AND t.id NOT IN (SELECT id FROM register.recommendation_transitions_at(\(a)))
                             GROUP BY t.recommendation_id)
                    SELECT rev.id AS review_id, rev.reference, rev.title, x2.id AS recommendation_id, x2.number, x2.text,
                           x1.status AS rec_start, x2.status AS rec_end,
                           COALESCE(register.recommendation_overdue(x1.status, x1.target_date, l1.recommendation_id IS NOT NULL, \(aDay)), false) AS rec_overdue_start,
                           COALESCE(register.recommendation_overdue(x2.status, x2.target_date, l2.recommendation_id IS NOT NULL, \(bDay)), false) AS rec_overdue_end,
                           s.assured_on,
                           w.id AS assignment_id, p.name AS holder, w.role, w.action, w.due_date, w0.status AS a_start, w.status AS a_end,
                           COALESCE(register.assignment_overdue(w0.status, w0.due_date, \(aDay)), false) AS a_overdue_start,
                           COALESCE(register.assignment_overdue(w.status, w.due_date, \(bDay)), false) AS a_overdue_end,
                           u1.rag AS rag_start, u2.rag AS rag_end, w.delay_reason, w.delay_expected_date
                    FROM x2
                    JOIN rev ON rev.id = x2.review_id
                    LEFT JOIN x1 ON x1.id = x2.id
                    LEFT JOIN late1 l1 ON l1.recommendation_id = x2.id
                    LEFT JOIN late2 l2 ON l2.recommendation_id = x2.id
                    LEFT JOIN assured s ON s.recommendation_id = x2.id
                    LEFT JOIN a2 w ON w.recommendation_id = x2.id
                    LEFT JOIN a1 w0 ON w0.id = w.id
                    LEFT JOIN register.partners_at(\(b)) p ON p.id = w.partner_id
                    LEFT JOIN u1 ON u1.assignment_id = w.id
                    LEFT JOIN u2 ON u2.assignment_id = w.id
                    ORDER BY rev.reference, NULLIF(substring(x2.number FROM '^[0-9]+'), '')::int NULLS LAST, x2.number, p.name NULLS FIRST, w.id
                    """, logger: database.logger)
            ) { r -> (PeriodReport.Recommendation, PeriodReport.Assignment?) in
                let recommendation = PeriodReport.Recommendation(
                    reviewID: try r.get("review_id"), reviewReference: try r.get("reference"), reviewTitle: try r.get("title"),
                    recommendationID: try r.get("recommendation_id"), number: try r.get("number"), text: try r.get("text"),
                    statusAtStart: try r.get("rec_start"), statusAtEnd: try r.get("rec_end"), overdueAtStart: try r.get("rec_overdue_start"),
                    overdueAtEnd: try r.get("rec_overdue_end"), assuredInPeriodOn: try r.get("assured_on"), assignments: [])
                var assignment: PeriodReport.Assignment?
                if let id = try r.get("assignment_id", as: UUID?.self) {
                    assignment = PeriodReport.Assignment(
                        assignmentID: id, holder: try r.get("holder", as: String?.self) ?? "", role: try r.get("role"), action: try r.get("action"),
                        dueDate: try r.get("due_date"), statusAtStart: try r.get("a_start"), statusAtEnd: try r.get("a_end"),
                        ragAtStart: try r.get("rag_start"), ragAtEnd: try r.get("rag_end"), overdueAtStart: try r.get("a_overdue_start"),
                        overdueAtEnd: try r.get("a_overdue_end"), delayReason: try r.get("delay_reason"), delayExpectedDate: try r.get("delay_expected_date"))
                }
                return (recommendation, assignment)
            }
            // What arrived between the two moments: held at the end, not at the start.
            let updates = try await Rows.all(
                c.query(
                    """
                    SELECT u.assignment_id, u.id, u.happened_on, u.rag, u.text, u.forecast_date, u.rag_reason
                    FROM register.progress_updates_at(\(b)) u
                    WHERE u.assignment_id IN (
                              SELECT a.id FROM register.assignments_at(\(b)) a JOIN register.recommendations_at(\(b)) x ON x.id = a.recommendation_id
                              WHERE x.review_id IN (SELECT id FROM register.reviews WHERE monitored_by = \(bodyID)))
                      AND u.id NOT IN (SELECT id FROM register.progress_updates_at(\(a)))
                    ORDER BY u.assignment_id, u.happened_on, u.id
                    """, logger: database.logger)
            ) { r in
                (try r.get("assignment_id", as: UUID.self),
                 PeriodReport.Update(
                    id: try r.get("id"), happenedOn: try r.get("happened_on"), rag: try r.get("rag"), text: try r.get("text"),
                    forecastDate: try r.get("forecast_date"), ragReason: try r.get("rag_reason")))
            }
            let evidence = try await Rows.all(
                c.query(
                    """
                    SELECT e.assignment_id, e.id, e.summary, e.kind, e.effective_date, e.received_at, COALESCE(d.verdict, 'pending') AS verdict
                    FROM register.evidence_at(\(b)) e
                    LEFT JOIN register.evidence_decisions_at(\(b)) d ON d.evidence_id = e.id
                    WHERE e.assignment_id IN (
                              SELECT a.id FROM register.assignments_at(\(b)) a JOIN register.recommendations_at(\(b)) x ON x.id = a.recommendation_id
                              WHERE x.review_id IN (SELECT id FROM register.reviews WHERE monitored_by = \(bodyID)))
                      AND e.id NOT IN (SELECT id FROM register.evidence_at(\(a)))
                    ORDER BY e.assignment_id, e.id
                    """, logger: database.logger)
            ) { r in
                (try r.get("assignment_id", as: UUID.self),
                 PeriodReport.Evidence(
                    id: try r.get("id"), summary: try r.get("summary"), kind: try r.get("kind"), effectiveDate: try r.get("effective_date"),
                    receivedAt: try r.get("received_at"), verdict: try r.get("verdict")))
            }
            let updatesBy = Dictionary(grouping: updates, by: \.0).mapValues { $0.map(\.1) }
            let evidenceBy = Dictionary(grouping: evidence, by: \.0).mapValues { $0.map(\.1) }
            // Rows come a recommendation at a time (one row per assignment): gathered here, in order.
            var result: [PeriodReport.Recommendation] = []
            for (recommendation, assignment) in rows {
                if result.last?.recommendationID != recommendation.recommendationID { result.append(recommendation) }
                if var assignment {
                    assignment.updates = updatesBy[assignment.assignmentID] ?? []
                    assignment.evidence = evidenceBy[assignment.assignmentID] ?? []
                    result[result.count - 1].assignments.append(assignment)
                }
            }
            return result
        }
    }
}
