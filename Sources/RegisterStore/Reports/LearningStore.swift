import Foundation
import PostgresNIO
import RegisterDomain

/// The cross-review learning view: themes over the years, full-text search, recurring lessons.
public struct LearningStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Counts by theme and year. A review's year is that of its decision, else its notification,
    /// publication or recording (`register.review_year`).
    public func themes(boardID: UUID?) async throws -> [ThemeCount] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    WITH r AS (
                        SELECT id, themes, register.review_year(decision_on, notified_on, published_on, created_at) AS year
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
                    SELECT o.id, o.review_id, r.reference, o.number, o.text, o.status, n.score, n.terms
                    FROM register.recommendation_neighbours(\(id), \(limit)::int) n
                    JOIN register.recommendations o ON o.id = n.id JOIN register.reviews r ON r.id = o.review_id
                    ORDER BY n.score DESC, o.id
                    """, logger: database.logger), Self.similarRecommendation)
        }
    }

    /// Works out which recommendations the ones an import recorded (Schema/0023: noted, not searched,
    /// while it ran) are alike with, a batch at a time, each batch its own short transaction, until none
    /// is left; returns how many it did. A search costs about 1.5 ms on a partnership's register and
    /// more on a national one, so the batch starts small and grows while a batch takes under a second
    /// (shrinking past five), keeping each well inside the statement timeout.
    public func refreshPendingLikeness(context: WriteContext) async throws -> Int {
        var done = 0
        var batch = 20
        let clock = ContinuousClock()
        while true {
            let started = clock.now
            let did = try await database.write(context) { c in
                try await Rows.first(
                    c.query("SELECT learning.refresh_pending_likeness(\(batch)::int) AS did", logger: context.logger)
                ) { try $0.get("did", as: Int.self) } ?? 0
            }
            if did == 0 { return done }
            done += did
            let took = started.duration(to: clock.now)
            if took < .seconds(1) {
                batch = min(batch * 2, 2000)
            } else if took > .seconds(5) {
                batch = max(batch / 2, 1)
            }
        }
    }

    /// The recommendations of other reviews a recommendation is alike with (Schema/0019), closest first.
    public func alike(to id: UUID) async throws -> [SimilarRecommendation] {
        try await database.read { c in try await Self.alike(to: id, on: c, logger: database.logger) }
    }

    /// The recommendations of other reviews a recommendation is alike with (Schema/0019), closest
    /// first: read inside the transaction that records it, so the answer names them.
    static func alike(to id: UUID, on c: DatabaseConnection, logger: Logger) async throws -> [SimilarRecommendation] {
        try await Rows.all(
            c.query(
                """
                SELECT o.id, o.review_id, r.reference, o.number, o.text, o.status, l.score,
                       ARRAY(SELECT u.lexeme FROM unnest(o.search) AS u(lexeme, positions, weights)
                             WHERE u.lexeme = ANY(tsvector_to_array(me.search)) ORDER BY u.lexeme) AS terms
                FROM learning.likeness l
                JOIN register.recommendations me ON me.id = l.recommendation_id
                JOIN register.recommendations o ON o.id = l.like_id JOIN register.reviews r ON r.id = o.review_id
                WHERE l.recommendation_id = \(id)
                ORDER BY l.score DESC, o.id
                """, logger: logger), similarRecommendation)
    }

    private static func similarRecommendation(_ r: PostgresRandomAccessRow) throws -> SimilarRecommendation {
        SimilarRecommendation(
            id: try r.get("id"), reviewID: try r.get("review_id"), reviewReference: try r.get("reference"), number: try r.get("number"),
            text: try r.get("text"), status: try r.get("status"), score: ((try r.get("score", as: Double.self)) * 1000).rounded() / 1000,
            sharedTerms: try r.get("terms"))
    }

    /// Recurring lessons: connected groups over the alike pairs of different reviews (Schema/0019),
    /// the most recurring first, a page at a time. A board or theme limits the recommendations taken
    /// into account (a theme of the recommendation's review, or of a finding it answers). The work is
    /// one pass over the stored pairs (at most 10 per recommendation), then the details of one page.
    public func recurring(boardID: UUID?, theme: String?, page: PageRequest) async throws -> Page<RecurringLesson> {
        try await database.read { c in
            let pairs = try await Rows.all(
                c.query(
                    """
                    SELECT l.recommendation_id AS a, xa.review_id AS a_review,
                           register.review_year(ra.decision_on, ra.notified_on, ra.published_on, ra.created_at) AS a_year,
                           l.like_id AS b, xb.review_id AS b_review,
                           register.review_year(rb.decision_on, rb.notified_on, rb.published_on, rb.created_at) AS b_year
                    FROM learning.likeness l
                    JOIN register.recommendations xa ON xa.id = l.recommendation_id JOIN register.reviews ra ON ra.id = xa.review_id
                    JOIN register.recommendations xb ON xb.id = l.like_id JOIN register.reviews rb ON rb.id = xb.review_id
                    WHERE (\(boardID)::uuid IS NULL OR (ra.board_id = \(boardID) AND rb.board_id = \(boardID)))
                      AND register.recommendation_answers_theme(xa.id, ra.themes, \(theme)::text)
                      AND register.recommendation_answers_theme(xb.id, rb.themes, \(theme)::text)
                    """, logger: database.logger)
            ) { r in
                LessonPair(
                    LessonPair.End(id: try r.get("a"), reviewID: try r.get("a_review"), year: try r.get("a_year")),
                    LessonPair.End(id: try r.get("b"), reviewID: try r.get("b_review"), year: try r.get("b_year")))
            }
            var groups = RecurringLessons.groups(pairs)
            if let after = page.after {
                guard let at = groups.firstIndex(where: { $0.id == after }) else { return Page(items: [], nextCursor: nil) }
                groups.removeFirst(at + 1)
            }
            let shown = Array(groups.prefix(page.limit))
            let ids = shown.flatMap { $0.members.map(\.id) }
            var members: [UUID: (member: LessonMember, themes: [String])] = [:]
            for (member, themes) in try await Rows.all(
                c.query(
                    """
                    SELECT x.id, x.review_id, r.reference, register.review_year(r.decision_on, r.notified_on, r.published_on, r.created_at) AS year,
                           x.number, x.text, x.status,
                           ARRAY(SELECT DISTINCT t FROM (
                               SELECT unnest(r.themes) AS t
                               UNION SELECT unnest(fi.themes) FROM register.recommendation_findings rf JOIN register.findings fi ON fi.id = rf.finding_id
                               WHERE rf.recommendation_id = x.id) themes ORDER BY t) AS themes
                    FROM register.recommendations x JOIN register.reviews r ON r.id = x.review_id
                    WHERE x.id = ANY(\(ids))
                    """, logger: database.logger), { r in
                        (LessonMember(
                            id: try r.get("id"), reviewID: try r.get("review_id"), reviewReference: try r.get("reference"), year: try r.get("year"),
                            number: try r.get("number"), text: try r.get("text"), status: try r.get("status")),
                         try r.get("themes", as: [String].self))
                    })
            {
                members[member.id] = (member, themes)
            }
            let labels = Dictionary(
                uniqueKeysWithValues: try await Rows.all(c.query("SELECT code, label FROM register.themes", logger: database.logger)) {
                    (try $0.get("code", as: String.self), try $0.get("label", as: String.self))
                })
            let lessons = shown.map { group -> RecurringLesson in
                let found = group.members.compactMap { members[$0.id] }
                var reviewsByTheme: [String: Set<UUID>] = [:]
                for (member, themes) in found { for theme in themes { reviewsByTheme[theme, default: []].insert(member.reviewID) } }
                let shared = reviewsByTheme.filter { $0.value.count >= 2 }.sorted { ($1.value.count, $0.key) < ($0.value.count, $1.key) }
                return RecurringLesson(
                    id: group.id, reviews: group.reviews, firstYear: group.members.map(\.year).min() ?? 0, lastYear: group.lastYear,
                    themes: shared.map { LessonTheme(code: $0.key, label: labels[$0.key] ?? $0.key) }, members: found.map(\.member))
            }
            return Page(items: lessons, nextCursor: groups.count > page.limit ? shown.last?.id.uuidString.lowercased() : nil)
        }
    }
}
