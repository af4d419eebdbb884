import Foundation
import PostgresNIO
import RegisterDomain

/// The reporting-period report's SQL: the sources a body monitors, read as at the start and the
/// end of a period from the history the audit trail's seal keeps (`\(table, at:)`, migration 26),
/// each line's rows looked up by the history's indexes so that a body's report reads that body's
/// rows only, and the database's one rule of overdue judged on each end's day.
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
                    -- The body's sources (as they are now), each as it stood at the end; each line's
                    -- state at both ends, latest updates and assurance looked up for that line alone,
                    -- through the kept history's indexes.
                    WITH rev AS (
                        SELECT r.id, r.reference, r.title
                        FROM register.reviews s JOIN \(.reviews, at: b) r ON r.id = s.id
                        WHERE s.monitored_by = \(bodyID))
                    SELECT rev.id AS review_id, rev.reference, rev.title, x2.id AS recommendation_id, x2.number, x2.text,
                           x1.status AS rec_start, x2.status AS rec_end,
                           COALESCE(register.recommendation_overdue(x1.status, x1.target_date, EXISTS (
                               SELECT 1 FROM \(.assignments, at: a) q
                               WHERE q.recommendation_id = x2.id AND register.assignment_overdue(q.status, q.due_date, \(aDay))), \(aDay)), false) AS rec_overdue_start,
                           COALESCE(register.recommendation_overdue(x2.status, x2.target_date, EXISTS (
                               SELECT 1 FROM \(.assignments, at: b) q
                               WHERE q.recommendation_id = x2.id AND register.assignment_overdue(q.status, q.due_date, \(bDay))), \(bDay)), false) AS rec_overdue_end,
                           s.assured_on,
                           w.id AS assignment_id, p.name AS holder, w.role, w.action, w.due_date, w0.status AS a_start, w.status AS a_end,
                           COALESCE(register.assignment_overdue(w0.status, w0.due_date, \(aDay)), false) AS a_overdue_start,
                           COALESCE(register.assignment_overdue(w.status, w.due_date, \(bDay)), false) AS a_overdue_end,
                           u1.rag AS rag_start, u2.rag AS rag_end, w.delay_reason, w.delay_expected_date
                    FROM rev
                    JOIN \(.recommendations, at: b) x2 ON x2.review_id = rev.id
                    LEFT JOIN \(.recommendations, at: a) x1 ON x1.id = x2.id
                    -- Assured in the period: an assurance held at the end that was not at the start.
                    LEFT JOIN LATERAL (
                        SELECT max(t.happened_on) AS assured_on
                        FROM \(.recommendationTransitions, at: b) t
                        WHERE t.recommendation_id = x2.id AND t.to_status = 'assured'
                          AND NOT EXISTS (
                              SELECT 1 FROM \(.recommendationTransitions, at: a) t0 WHERE t0.recommendation_id = x2.id AND t0.id = t.id)) s ON true
                    LEFT JOIN \(.assignments, at: b) w ON w.recommendation_id = x2.id
                    LEFT JOIN \(.assignments, at: a) w0 ON w0.id = w.id
                    LEFT JOIN \(.partners, at: b) p ON p.id = w.partner_id
                    LEFT JOIN LATERAL \(latestUpdateOf: "w.id", at: a) u1 ON true
                    LEFT JOIN LATERAL \(latestUpdateOf: "w.id", at: b) u2 ON true
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
                    WITH \(workOf: bodyID, at: b),
                    held AS (SELECT u.id FROM work JOIN \(.progressUpdates, at: a) u ON u.assignment_id = work.id)
                    SELECT u.assignment_id, u.id, u.happened_on, u.rag, u.text, u.forecast_date, u.rag_reason
                    FROM work JOIN \(.progressUpdates, at: b) u ON u.assignment_id = work.id
                    WHERE NOT EXISTS (SELECT 1 FROM held WHERE held.id = u.id)
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
                    WITH \(workOf: bodyID, at: b),
                    held AS (SELECT e.id FROM work JOIN \(.evidence, at: a) e ON e.assignment_id = work.id)
                    SELECT e.assignment_id, e.id, e.summary, e.kind, e.effective_date, e.received_at, COALESCE(d.verdict, 'pending') AS verdict
                    FROM work
                    JOIN \(.evidence, at: b) e ON e.assignment_id = work.id
                    LEFT JOIN \(.evidenceDecisions, at: b) d ON d.evidence_id = e.id
                    WHERE NOT EXISTS (SELECT 1 FROM held WHERE held.id = e.id)
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

extension PostgresQuery.StringInterpolation {
    /// `work AS (…)`: the ids of the assignments, as they stood at `at`, of the sources the body
    /// monitors now (what the period report's updates and evidence are looked for in).
    fileprivate mutating func appendInterpolation(workOf bodyID: UUID, at: String) {
        appendLiteral("work AS (SELECT w.id FROM register.reviews s JOIN ")
        appendInterpolation(KeptTable.recommendations, at: at)
        appendLiteral(" x ON x.review_id = s.id JOIN ")
        appendInterpolation(KeptTable.assignments, at: at)
        appendLiteral(" w ON w.recommendation_id = x.id WHERE s.monitored_by = ")
        appendInterpolation(bodyID)
        appendLiteral(")")
    }
}
