import Foundation
import PostgresNIO
import RegisterDomain

/// The cross-review learning view: themes over the years, full-text search, recurring lessons.
public struct LearningStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Counts by theme and year. A review's year is that of its decision, else its notification,
    /// publication or recording.
    public func themes(boardID: UUID?) async throws -> [ThemeCount] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    WITH r AS (
                        SELECT id, themes, extract(year FROM COALESCE(decision_on, notified_on, published_on, created_at::date))::int AS year
                        FROM register.reviews WHERE \(boardID)::uuid IS NULL OR board_id = \(boardID)),
                    tagged AS (
                        SELECT t.code, r.year, r.id AS review_id, NULL::uuid AS finding_id FROM r CROSS JOIN unnest(r.themes) AS t(code)
                        UNION ALL
                        SELECT t.code, r.year, r.id, f.id FROM r JOIN register.findings f ON f.review_id = r.id CROSS JOIN unnest(f.themes) AS t(code)),
                    recs AS (
                        SELECT DISTINCT t.code, r.year, x.id FROM r
                        JOIN register.recommendations x ON x.review_id = r.id
                        JOIN tagged t ON t.review_id = r.id
                        WHERE t.finding_id IS NULL OR EXISTS (
                            SELECT 1 FROM register.recommendation_findings rf WHERE rf.recommendation_id = x.id AND rf.finding_id = t.finding_id))
                    SELECT t.code, th.label, t.year, count(DISTINCT t.review_id)::int AS reviews, count(DISTINCT t.finding_id)::int AS findings,
                           (SELECT count(*)::int FROM recs WHERE recs.code = t.code AND recs.year = t.year) AS recommendations
                    FROM tagged t JOIN register.themes th ON th.code = t.code
                    GROUP BY t.code, th.label, t.year
                    ORDER BY t.year DESC, reviews DESC, t.code
                    """, logger: database.logger)
            ) { r in
                ThemeCount(
                    theme: try r.get("code"), label: try r.get("label"), year: try r.get("year"), reviews: try r.get("reviews"),
                    findings: try r.get("findings"), recommendations: try r.get("recommendations"))
            }
        }
    }

    /// Ranked full-text search (English stemming) over reviews, findings and recommendations, with
    /// the matched words highlighted in HTML-escaped snippets.
    public func search(_ text: String, limit: Int) async throws -> [SearchHit] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    WITH q AS (SELECT websearch_to_tsquery('english', \(text)) AS query),
                    hits AS (
                        SELECT 'review' AS type, r.id, r.id AS review_id, r.reference, r.title AS heading, ts_rank(r.search, q.query) AS rank,
                               concat_ws(' ', r.title, r.subjects, r.summary) AS body
                        FROM register.reviews r, q WHERE r.search @@ q.query
                        UNION ALL
                        SELECT 'finding', f.id, f.review_id, r.reference, 'Finding ' || f.position, ts_rank(register.finding_search(f.text), q.query), f.text
                        FROM register.findings f JOIN register.reviews r ON r.id = f.review_id, q WHERE register.finding_search(f.text) @@ q.query
                        UNION ALL
                        SELECT 'recommendation', x.id, x.review_id, r.reference, 'Recommendation ' || x.number, ts_rank(x.search, q.query),
                               concat_ws(' ', x.text, x.addressee)
                        FROM register.recommendations x JOIN register.reviews r ON r.id = x.review_id, q WHERE x.search @@ q.query
                        ORDER BY rank DESC, id LIMIT \(limit))
                    SELECT h.type, h.id, h.review_id, h.reference, h.heading, h.rank::float8 AS rank,
                           ts_headline('english', register.html_escape(h.body), q.query,
                                       'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
                    FROM hits h, q ORDER BY h.rank DESC, h.id
                    """, logger: database.logger)
            ) { r in
                SearchHit(
                    type: SearchHit.Kind(rawValue: try r.get("type", as: String.self)) ?? .review, id: try r.get("id"), reviewID: try r.get("review_id"),
                    reviewReference: try r.get("reference"), heading: try r.get("heading"), rank: try r.get("rank"), snippet: try r.get("snippet"))
            }
        }
    }

    /// Recommendations of other reviews sharing the most word stems with this one: the same lesson recurring.
    public func similar(to id: UUID, limit: Int) async throws -> [SimilarRecommendation] {
        try await database.read { c in
            let exists = try await Rows.first(c.query("SELECT id FROM register.recommendations WHERE id = \(id)", logger: database.logger)) {
                try $0.get("id", as: UUID.self)
            }
            guard exists != nil else { throw DomainError.notFound("recommendation") }
            return try await Rows.all(
                c.query(
                    """
                    WITH me AS (SELECT id, review_id, search FROM register.recommendations WHERE id = \(id)),
                    terms AS (
                        SELECT array_agg(u.lexeme) AS lexemes,
                               to_tsquery('simple', string_agg(quote_literal(u.lexeme), ' | ')) AS query
                        FROM me, unnest(me.search) AS u(lexeme, positions, weights))
                    SELECT o.id, o.review_id, r.reference, o.number, o.text, o.status,
                           (s.shared::float8 / (cardinality(t.lexemes) + length(o.search) - s.shared))::float8 AS score, s.terms
                    FROM me, terms t, register.recommendations o
                    JOIN register.reviews r ON r.id = o.review_id
                    CROSS JOIN LATERAL (
                        SELECT count(*)::int AS shared, array_agg(u.lexeme ORDER BY u.lexeme) AS terms
                        FROM unnest(o.search) AS u(lexeme, positions, weights) WHERE u.lexeme = ANY(t.lexemes)) s
                    WHERE t.lexemes IS NOT NULL AND o.review_id <> me.review_id AND o.search @@ t.query AND s.shared >= 2
                    ORDER BY score DESC, o.id LIMIT \(limit)
                    """, logger: database.logger)
            ) { r in
                SimilarRecommendation(
                    id: try r.get("id"), reviewID: try r.get("review_id"), reviewReference: try r.get("reference"), number: try r.get("number"),
                    text: try r.get("text"), status: try r.get("status"), score: ((try r.get("score", as: Double.self)) * 1000).rounded() / 1000,
                    sharedTerms: try r.get("terms"))
            }
        }
    }
}
