import Foundation
import PostgresNIO
import RegisterDomain

/// The compliance report's rows, read straight from PostgreSQL as they are produced, so a report
/// of any size passes through the service in constant memory.
public struct ReportStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Streams the compliance report, in report order (review, recommendation number, partner), to `row`.
    /// With `asAt` every table is read as it stood then (the history the audit trail's seal keeps, migration 26); `today` is the day
    /// overdue days count to (the `asAt` day when given).
    public func compliance(_ f: ReportFilter, asAt: AsAt?, today: Day, row: (ComplianceRow) async throws -> Void) async throws {
        let at = asAt?.sealedBefore
        let day = asAt?.day ?? today
        try await database.read { c in
            let rows = try await c.query(
                """
                -- Each line's latest evidence, its files, the recommendation's assurance and the latest
                -- update are looked up for that line alone (by the tables' or the history's indexes), so a
                -- report of one review reads only that review's rows, live or as at a moment.
                WITH lines AS (
                         SELECT r.reference, r.title, r.kind, r.board_id, r.themes, r.id AS review_id,
                                x.id AS recommendation_id, x.number, x.text, x.scope, x.status AS recommendation_status, x.closed_on,
                                x.target_date, p.name AS partner, a.partner_id, a.role, a.lead_officer, a.action, a.original_due_date,
                                a.due_date, a.status, a.id AS assignment_id, a.delay_reason, a.delay_expected_date,
                                -- A row is overdue by the database's one definition (0009): the assignment's,
                                -- or for a recommendation without assignments, the recommendation's.
                                CASE
                                    WHEN a.id IS NOT NULL THEN
                                        CASE WHEN register.assignment_overdue(a.status, a.due_date, \(day)) THEN \(day) - a.due_date ELSE 0 END
                                    WHEN register.recommendation_overdue(x.status, x.target_date, false, \(day)) THEN \(day) - x.target_date
                                    ELSE 0
                                END AS overdue_days
                         FROM \(.recommendations, at: at) x
                         JOIN \(.reviews, at: at) r ON r.id = x.review_id
                         LEFT JOIN \(.assignments, at: at) a ON a.recommendation_id = x.id
                         LEFT JOIN \(.partners, at: at) p ON p.id = a.partner_id)
                SELECT l.reference, l.title, l.kind, l.number, l.text, l.scope, l.recommendation_status, l.partner, l.role, l.lead_officer,
                       l.action, l.original_due_date, l.due_date, l.status, l.overdue_days::int AS overdue_days,
                       e.kind AS evidence_kind, e.verdict AS evidence_verdict, e.effective_date AS evidence_date, e.received_at AS evidence_received_at,
                       COALESCE(h.sha256s, '{}') AS evidence_sha256, s.assured_on, l.closed_on,
                       u.happened_on AS update_date, u.rag AS update_rag, u.text AS update_text, l.delay_reason, l.delay_expected_date
                FROM lines l
                LEFT JOIN LATERAL (
                    SELECT e.id, e.kind, e.effective_date, e.received_at, COALESCE(d.verdict, 'pending') AS verdict
                    FROM \(.evidence, at: at) e LEFT JOIN \(.evidenceDecisions, at: at) d ON d.evidence_id = e.id
                    WHERE e.assignment_id = l.assignment_id
                    ORDER BY e.id DESC LIMIT 1) e ON true
                LEFT JOIN LATERAL (
                    SELECT array_agg(encode(f.sha256, 'hex') ORDER BY f.position) AS sha256s
                    FROM \(.evidenceFiles, at: at) f WHERE f.evidence_id = e.id) h ON true
                LEFT JOIN LATERAL (
                    SELECT max(t.happened_on) AS assured_on
                    FROM \(.recommendationTransitions, at: at) t
                    WHERE t.recommendation_id = l.recommendation_id AND t.to_status = 'assured') s ON true
                LEFT JOIN LATERAL \(latestUpdateOf: "l.assignment_id", at: at) u ON true
                WHERE (\(f.reviewID)::uuid IS NULL OR l.review_id = \(f.reviewID))
                  AND (\(f.reviewReference)::text IS NULL OR lower(l.reference) = lower(\(f.reviewReference)))
                  AND (\(f.boardID)::uuid IS NULL OR l.board_id = \(f.boardID))
                  AND (\(f.partnerID)::uuid IS NULL OR l.partner_id = \(f.partnerID))
                  AND (\(f.kind?.rawValue)::text IS NULL OR l.kind = \(f.kind?.rawValue))
                  AND (\(f.status?.rawValue)::text IS NULL OR l.recommendation_status = \(f.status?.rawValue))
                  AND (\(f.theme)::text IS NULL OR l.themes @> ARRAY[\(f.theme)::text] OR EXISTS (
                          SELECT 1 FROM \(.recommendationFindings, at: at) rf JOIN \(.findings, at: at) fi ON fi.id = rf.finding_id
                          WHERE rf.recommendation_id = l.recommendation_id AND fi.themes @> ARRAY[\(f.theme)::text]))
                  AND (\(f.overdue)::boolean IS NULL OR \(f.overdue) = (l.overdue_days > 0))
                ORDER BY l.reference, NULLIF(substring(l.number FROM '^[0-9]+'), '')::int NULLS LAST, l.number, l.partner NULLS FIRST
                """, logger: database.logger)
            // Read in the SELECT list's order: the report's largest export is 400,000 rows, and
            // looking each column up by its name cost as much as writing the CSV.
            for try await raw in rows {
                var c = CellsInOrder(raw)
                try await row(
                    ComplianceRow(
                        reviewReference: try c.next(), reviewTitle: try c.next(), reviewKind: try c.next(), recommendationNumber: try c.next(),
                        recommendationText: try c.next(), scope: try c.next(), recommendationStatus: try c.next(), partner: try c.next(),
                        role: try c.next(), leadOfficer: try c.next(), action: try c.next(), originalDueDate: try c.next(),
                        currentDueDate: try c.next(), status: try c.next(), overdueDays: try c.next(), latestEvidenceKind: try c.next(),
                        latestEvidenceVerdict: try c.next(), latestEvidenceDate: try c.next(), latestEvidenceReceivedAt: try c.next(),
                        latestEvidenceSHA256: try c.next(), assuredOn: try c.next(), closedOn: try c.next(), latestUpdateDate: try c.next(),
                        latestUpdateRAG: try c.next(), latestUpdateText: try c.next(), delayReason: try c.next(),
                        delayExpectedDate: try c.next()))
            }
        }
    }
}

extension ReportStore {
    /// Per review and per partner: counts by status, percent assured, percent overdue, median days
    /// from due date to accepted evidence; and recommendations closed without outcome or impact evidence.
    public func summary(boardID: UUID?, asAt: AsAt?, today: Day) async throws -> ComplianceSummary {
        let at = asAt?.sealedBefore
        let day = asAt?.day ?? today
        let common = """
            WITH x AS (SELECT * FROM register.recommendations_at($1)),
                 r AS (SELECT * FROM register.reviews_at($1) WHERE $3::uuid IS NULL OR board_id = $3),
                 a AS (SELECT * FROM register.assignments_at($1)),
                 e AS (SELECT * FROM register.evidence_at($1)),
                 d AS (SELECT * FROM register.evidence_decisions_at($1)),
                 accepted AS (
                     SELECT e.assignment_id, min(d.decided_at) AS first_accepted
                     FROM e JOIN d ON d.evidence_id = e.id AND d.verdict = 'accepted' GROUP BY e.assignment_id),
                 work AS (
                     SELECT a.*, x.review_id, x.status AS recommendation_status,
                            register.assignment_overdue(a.status, a.due_date, $2) AS overdue,
                            (acc.first_accepted AT TIME ZONE 'Europe/London')::date - a.due_date AS days_to_accepted
                     FROM a JOIN x ON x.id = a.recommendation_id JOIN r ON r.id = x.review_id
                     LEFT JOIN accepted acc ON acc.assignment_id = a.id)
            """
        return try await database.read { c in
            var bindings = PostgresBindings()
            bindings.append(at)
            bindings.append(day)
            bindings.append(boardID)
            let reviews = try await Rows.all(
                c.query(
                    PostgresQuery(
                        unsafeSQL: common + """
                            ,
                            -- Every figure is grouped once and joined: no per-review subquery over the whole register.
                            late AS (SELECT DISTINCT recommendation_id FROM work WHERE overdue),
                            recs AS (
                                SELECT x.id, x.review_id, x.status,
                                       register.recommendation_overdue(x.status, x.target_date, late.recommendation_id IS NOT NULL, $2) AS overdue
                                FROM x JOIN r ON r.id = x.review_id LEFT JOIN late ON late.recommendation_id = x.id),
                            counts AS (
                                SELECT review_id, jsonb_object_agg(status, n)::text AS by_status
                                FROM (SELECT review_id, status, count(*)::int AS n FROM recs GROUP BY review_id, status) s GROUP BY review_id),
                            medians AS (
                                SELECT review_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_accepted) AS median
                                FROM work WHERE days_to_accepted IS NOT NULL GROUP BY review_id),
                            totals AS (
                                SELECT r.id, r.reference AS name, count(recs.id)::int AS total,
                                       COALESCE(100.0 * count(recs.id) FILTER (WHERE recs.status = 'assured') / NULLIF(count(recs.id), 0), 0)::float8 AS assured,
                                       COALESCE(100.0 * count(recs.id) FILTER (WHERE recs.overdue) / NULLIF(count(recs.id), 0), 0)::float8 AS overdue
                                FROM r LEFT JOIN recs ON recs.review_id = r.id GROUP BY r.id, r.reference)
                            SELECT t.id, t.name, t.total, COALESCE(c.by_status, '{}') AS by_status, t.assured, t.overdue, m.median::float8 AS median
                            FROM totals t LEFT JOIN counts c ON c.review_id = t.id LEFT JOIN medians m ON m.review_id = t.id
                            ORDER BY t.name
                            """, binds: bindings), logger: database.logger), Self.line)
            let partners = try await Rows.all(
                c.query(
                    PostgresQuery(
                        unsafeSQL: common + """
                            ,
                            counts AS (
                                SELECT partner_id, jsonb_object_agg(status, n)::text AS by_status
                                FROM (SELECT partner_id, status, count(*)::int AS n FROM work GROUP BY partner_id, status) s GROUP BY partner_id)
                            SELECT p.id, p.name, count(w.id)::int AS total, COALESCE(min(c.by_status), '{}') AS by_status,
                                   COALESCE(100.0 * count(w.id) FILTER (WHERE w.recommendation_status = 'assured') / NULLIF(count(w.id), 0), 0)::float8 AS assured,
                                   COALESCE(100.0 * count(w.id) FILTER (WHERE w.overdue) / NULLIF(count(w.id), 0), 0)::float8 AS overdue,
                                   percentile_cont(0.5) WITHIN GROUP (ORDER BY w.days_to_accepted)::float8 AS median
                            FROM register.partners_at($1) p JOIN work w ON w.partner_id = p.id LEFT JOIN counts c ON c.partner_id = p.id
                            GROUP BY p.id, p.name ORDER BY p.name
                            """, binds: bindings), logger: database.logger), Self.line)
            let closed = try await Rows.all(
                c.query(
                    PostgresQuery(
                        unsafeSQL: common + """
                            SELECT r.reference, x.number, x.id, x.status, x.closed_on
                            FROM x JOIN r ON r.id = x.review_id
                            WHERE x.status IN ('implemented', 'assured')
                              AND NOT EXISTS (
                                  SELECT 1 FROM a JOIN e ON e.assignment_id = a.id JOIN d ON d.evidence_id = e.id AND d.verdict = 'accepted'
                                  WHERE a.recommendation_id = x.id AND e.kind IN ('outcome', 'impact'))
                            ORDER BY r.reference, x.number
                            """, binds: bindings), logger: database.logger)
            ) { row in
                ComplianceSummary.ClosedWithoutImpact(
                    reviewReference: try row.get("reference"), recommendationNumber: try row.get("number"), recommendationID: try row.get("id"),
                    status: try row.get("status"), closedOn: try row.get("closed_on"))
            }
            return ComplianceSummary(asAt: asAt?.day, reviews: reviews, partners: partners, closedWithoutImpactEvidence: closed)
        }
    }

    private static func line(_ r: PostgresRandomAccessRow) throws -> ComplianceSummary.Line {
        let counts = try JSONDecoder().decode([String: Int].self, from: Data((try r.get("by_status", as: String.self)).utf8))
        func round(_ value: Double) -> Double { (value * 10).rounded() / 10 }
        return ComplianceSummary.Line(
            name: try r.get("name"), id: try r.get("id"), total: try r.get("total"), byStatus: counts,
            percentAssured: round(try r.get("assured")), percentOverdue: round(try r.get("overdue")),
            medianDaysDueToAccepted: try r.get("median", as: Double?.self))
    }
}

/// An accepted evidence file, as an evidence pack lists it.
public struct PackedFile: Sendable, Equatable, Encodable {
    public var fileID: UUID
    public var evidenceID: UUID
    public var name: String
    public var mediaType: String
    public var sizeBytes: Int64
    public var sha256: String
    public var recommendationNumber: String
    public var partner: String
    public var kind: EvidenceKind
    public var acceptedAt: Date

    enum CodingKeys: String, CodingKey {
        case fileID = "file_id"
        case evidenceID = "evidence_id"
        case name
        case mediaType = "media_type"
        case sizeBytes = "size_bytes"
        case sha256
        case recommendationNumber = "recommendation_number"
        case partner, kind
        case acceptedAt = "accepted_at"
    }
}

/// The review an evidence pack is for.
public struct PackedReview: Sendable, Equatable, Encodable {
    public var id: UUID
    public var reference: String
    public var title: String
}

extension ReportStore {
    /// The review named by id or reference, as it stood at `asAt`.
    public func review(id: UUID?, reference: String?, asAt: AsAt?) async throws -> PackedReview {
        let at = asAt?.sealedBefore
        let found = try await database.read { c in
            try await Rows.first(
                c.query(
                    """
                    SELECT id, reference, title FROM register.reviews_at(\(at))
                    WHERE (\(id)::uuid IS NULL OR id = \(id)) AND (\(reference)::text IS NULL OR lower(reference) = lower(\(reference)))
                    """, logger: database.logger)
            ) { PackedReview(id: try $0.get("id"), reference: try $0.get("reference"), title: try $0.get("title")) }
        }
        guard let found, id != nil || reference != nil else { throw DomainError.notFound("review") }
        return found
    }

    /// Every file of every accepted piece of evidence on the review's recommendations, as at `asAt`.
    public func acceptedFiles(of reviewID: UUID, asAt: AsAt?) async throws -> [PackedFile] {
        let at = asAt?.sealedBefore
        return try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT f.id, f.evidence_id, f.name, f.media_type, f.size_bytes, encode(f.sha256, 'hex') AS sha256, x.number,
                           p.name AS partner, e.kind, d.decided_at
                    FROM register.recommendations_at(\(at)) x
                    JOIN register.assignments_at(\(at)) a ON a.recommendation_id = x.id
                    JOIN register.partners_at(\(at)) p ON p.id = a.partner_id
                    JOIN register.evidence_at(\(at)) e ON e.assignment_id = a.id
                    JOIN register.evidence_decisions_at(\(at)) d ON d.evidence_id = e.id AND d.verdict = 'accepted'
                    JOIN register.evidence_files_at(\(at)) f ON f.evidence_id = e.id
                    WHERE x.review_id = \(reviewID)
                    ORDER BY NULLIF(substring(x.number FROM '^[0-9]+'), '')::int NULLS LAST, x.number, p.name, e.id, f.position
                    """, logger: database.logger)
            ) { r in
                PackedFile(
                    fileID: try r.get("id"), evidenceID: try r.get("evidence_id"), name: try r.get("name"), mediaType: try r.get("media_type"),
                    sizeBytes: try r.get("size_bytes"), sha256: try r.get("sha256"), recommendationNumber: try r.get("number"),
                    partner: try r.get("partner"), kind: try r.get("kind"), acceptedAt: try r.get("decided_at"))
            }
        }
    }
}
