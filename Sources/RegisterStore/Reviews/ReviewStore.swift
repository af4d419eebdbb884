import Foundation
import PostgresNIO
import RegisterDomain

/// Which reviews a list shows. Every filter is optional; set ones must all hold.
public struct ReviewFilter: Sendable, Equatable {
    public var kind: ReviewKind?
    public var status: ReviewStatus?
    public var boardID: UUID?
    public var theme: String?
    /// Only reviews with (true) or without (false) an overdue recommendation.
    public var overdue: Bool?
    /// Full-text search over reference, title, subjects, lead reviewer and summary (English stemming),
    /// or an exact reference (the text parser splits "CSPR-2024-03" into pieces).
    public var text: String?
    /// Only reviews notified in this year (or, not yet notified, recorded in it).
    public var year: Int?
    /// Only case reviews (true) or only other sources — plans, audits, inquiries — (false).
    public var isReview: Bool?
    /// Only published reports not yet taken down that may come down on or before this day.
    public var comesDownBy: Day?
    /// The reach of the person asking: a partner user sees only reviews with work assigned to them.
    public var reach: Reach

    public init(
        kind: ReviewKind? = nil, status: ReviewStatus? = nil, boardID: UUID? = nil, theme: String? = nil, overdue: Bool? = nil, text: String? = nil,
        year: Int? = nil, isReview: Bool? = nil, comesDownBy: Day? = nil, reach: Reach = .everything
    ) {
        self.year = year
        self.isReview = isReview
        self.comesDownBy = comesDownBy
        self.reach = reach
        self.kind = kind
        self.status = status
        self.boardID = boardID
        self.theme = theme
        self.overdue = overdue
        self.text = text
    }
}

/// Reviews and their lifecycle.
public struct ReviewStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    private static let columns = """
        id, reference, title, kind, board_id, regime, subjects, summary, themes, incident_known_on, notified_on,
        rapid_review_due_on, rapid_review_completed_on, decision_on, published_on, publication_url, closed_on,
        lead_reviewer, parent_review_id, publication_delay_reason, publication_expected_on, taken_down_on, online_until,
        status, status_reason, version, created_at, updated_at
        """

    static func review(_ r: PostgresRandomAccessRow) throws -> Review {
        Review(
            id: try r.get("id"), version: try r.get("version"), createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"),
            details: ReviewDetails(
                reference: try r.get("reference"), title: try r.get("title"), kind: try r.get("kind"),
                boardID: try r.get("board_id"), regime: try r.get("regime"), subjects: try r.get("subjects"),
                summary: try r.get("summary"), themes: try r.get("themes"),
                incidentKnownOn: try r.get("incident_known_on"), notifiedOn: try r.get("notified_on"),
                rapidReviewDueOn: try r.get("rapid_review_due_on"), rapidReviewCompletedOn: try r.get("rapid_review_completed_on"),
                decisionOn: try r.get("decision_on"), publishedOn: try r.get("published_on"),
                publicationURL: try r.get("publication_url"), closedOn: try r.get("closed_on"),
                leadReviewer: try r.get("lead_reviewer"), parentReviewID: try r.get("parent_review_id"),
                publicationDelayReason: try r.get("publication_delay_reason"), publicationExpectedOn: try r.get("publication_expected_on"),
                takenDownOn: try r.get("taken_down_on")),
            state: ReviewState(status: try r.get("status"), statusReason: try r.get("status_reason"), onlineUntil: try r.get("online_until")))
    }

    public func create(_ d: ReviewDetails, context: WriteContext) async throws -> Review {
        try d.validate()
        return try await database.write(context) { c in
            try await Self.insert(d, id: UUID.v7(), on: c, logger: context.logger)
        }
    }

    /// Inserts a validated review in the caller's transaction (recording one).
    @discardableResult
    static func insert(_ d: ReviewDetails, id: UUID, on c: DatabaseConnection, logger: Logger) async throws -> Review {
        try await insertAll([(id, d)], on: c, logger: logger)[0]
    }

    /// Inserts validated reviews in one statement, in the caller's transaction (an import brings
    /// hundreds); returns them as stored.
    @discardableResult
    static func insertAll(_ items: [(id: UUID, details: ReviewDetails)], on c: DatabaseConnection, logger: Logger) async throws -> [Review] {
        struct Row: Encodable {
            let id: UUID, reference: String, title: String, kind: String, board_id: UUID, regime: String, subjects: String?, summary: String?
            let themes: [String], incident_known_on: Day?, notified_on: Day?, rapid_review_due_on: Day?, rapid_review_completed_on: Day?
            let decision_on: Day?, published_on: Day?, publication_url: String?, closed_on: Day?, lead_reviewer: String?
            let parent_review_id: UUID?, publication_delay_reason: String?, publication_expected_on: Day?, taken_down_on: Day?, status: String
        }
        guard !items.isEmpty else { return [] }
        let batch = try Rows.batch(items.map { id, d in
            Row(
                id: id, reference: d.reference, title: d.title, kind: d.kind.rawValue, board_id: d.boardID, regime: d.regime.rawValue,
                subjects: d.subjects, summary: d.summary, themes: d.themes ?? [], incident_known_on: d.incidentKnownOn, notified_on: d.notifiedOn,
                rapid_review_due_on: d.rapidReviewDueOn, rapid_review_completed_on: d.rapidReviewCompletedOn, decision_on: d.decisionOn,
                published_on: d.publishedOn, publication_url: d.publicationURL, closed_on: d.closedOn, lead_reviewer: d.leadReviewer,
                parent_review_id: d.parentReviewID, publication_delay_reason: d.publicationDelayReason,
                publication_expected_on: d.publicationExpectedOn, taken_down_on: d.takenDownOn, status: ReviewStatus.initial(for: d.kind).rawValue)
        })
        return try await Rows.all(
            c.query(
                """
                INSERT INTO register.reviews (
                    id, reference, title, kind, board_id, regime, subjects, summary, themes, incident_known_on, notified_on,
                    rapid_review_due_on, rapid_review_completed_on, decision_on, published_on, publication_url, closed_on,
                    lead_reviewer, parent_review_id, publication_delay_reason, publication_expected_on, taken_down_on, status)
                SELECT
                    x.id, x.reference, x.title, x.kind, x.board_id, x.regime, x.subjects, x.summary, x.themes, x.incident_known_on, x.notified_on,
                    x.rapid_review_due_on, x.rapid_review_completed_on, x.decision_on, x.published_on, x.publication_url, x.closed_on,
                    x.lead_reviewer, x.parent_review_id, x.publication_delay_reason, x.publication_expected_on, x.taken_down_on, x.status
                FROM jsonb_to_recordset(\(batch)::jsonb) AS x(
                    id uuid, reference text, title text, kind text, board_id uuid, regime text, subjects text, summary text, themes text[],
                    incident_known_on date, notified_on date, rapid_review_due_on date, rapid_review_completed_on date, decision_on date,
                    published_on date, publication_url text, closed_on date, lead_reviewer text, parent_review_id uuid,
                    publication_delay_reason text, publication_expected_on date, taken_down_on date, status text)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger), Self.review)
    }

    /// A review as it is now, or as it stood at `asAt` (from the history the audit trail keeps).
    public func get(_ id: UUID, asAt: AsAt? = nil) async throws -> Review {
        let review = try await database.read { c in
            try await Rows.first(c.execute(ReviewByID(id: id, sealedBefore: asAt?.sealedBefore), logger: database.logger), Self.review)
        }
        guard let review else { throw DomainError.notFound("review") }
        return review
    }

    /// One review, as it is now (`sealedBefore` nil) or as it stood then; kept planned, since every
    /// review's page and API read starts with it.
    struct ReviewByID: KeptStatement {
        static let name = "lr_review"
        static let sql = "SELECT \(columns) FROM register.reviews_at($2) WHERE id = $1"
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .text]
        let id: UUID
        let sealedBefore: String?

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(id)
            bindings.append(sealedBefore)
            return bindings
        }
    }

    /// Lists reviews as they are now, or as they stood at `asAt` (overdue then judged on that day).
    /// Within a partner's reach the `overdue` filter looks only at the recommendations they work on
    /// and at their own late work, as the recommendations' own flags do for them (0013).
    public func list(_ f: ReviewFilter, page: PageRequest, today: Day, asAt: AsAt? = nil) async throws -> Page<Review> {
        let at = asAt?.sealedBefore
        let today = asAt?.day ?? today
        let rows = try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    WITH late_work AS MATERIALIZED (
                        SELECT DISTINCT a.recommendation_id FROM register.assignments_at(\(at)) a
                        WHERE \(f.overdue)::boolean IS NOT NULL AND register.assignment_overdue(a.status, a.due_date, \(today))
                          AND (\(f.reach.partnerID)::uuid IS NULL OR a.partner_id = \(f.reach.partnerID)))
                    SELECT \(unescaped: Self.columns) FROM register.reviews_at(\(at)) r
                    WHERE (\(f.kind?.rawValue)::text IS NULL OR r.kind = \(f.kind?.rawValue))
                      AND (\(f.status?.rawValue)::text IS NULL OR r.status = \(f.status?.rawValue))
                      AND (\(f.boardID)::uuid IS NULL OR r.board_id = \(f.boardID))
                      AND (\(f.theme)::text IS NULL OR r.themes @> ARRAY[\(f.theme)::text])
                      AND (\(f.text)::text IS NULL OR r.search @@ websearch_to_tsquery('english', \(f.text))
                           OR lower(r.reference) = lower(\(f.text)))
                      AND (\(f.isReview)::boolean IS NULL OR register.is_review_kind(r.kind) = \(f.isReview))
                      AND (\(f.comesDownBy)::date IS NULL OR (r.online_until <= \(f.comesDownBy) AND r.taken_down_on IS NULL))
                      AND (\(f.year)::int IS NULL OR extract(year FROM coalesce(r.notified_on, (r.created_at AT TIME ZONE 'Europe/London')::date)) = \(f.year))
                      AND (\(f.overdue)::boolean IS NULL OR \(f.overdue) = EXISTS (
                              SELECT 1 FROM register.recommendations_at(\(at)) x
                              WHERE x.review_id = r.id
                                AND (\(f.reach.partnerID)::uuid IS NULL OR EXISTS (
                                        SELECT 1 FROM register.assignments_at(\(at)) a
                                        WHERE a.recommendation_id = x.id AND a.partner_id = \(f.reach.partnerID)))
                                AND register.recommendation_overdue(
                                        x.status, x.target_date, x.id IN (SELECT recommendation_id FROM late_work), \(today))))
                      AND (\(f.reach.partnerID)::uuid IS NULL OR EXISTS (
                              SELECT 1 FROM register.assignments a JOIN register.recommendations x ON x.id = a.recommendation_id
                              WHERE x.review_id = r.id AND a.partner_id = \(f.reach.partnerID)))
                      AND (\(page.after)::uuid IS NULL OR r.id > \(page.after))
                    ORDER BY r.id LIMIT \(page.limit + 1)
                    """, logger: database.logger), Self.review)
        }
        return Page(fetched: rows, limit: page.limit, id: \.id)
    }

    /// Reviews that follow from this one (a rapid review's local review), oldest first.
    public func followOns(of id: UUID) async throws -> [Review] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    "SELECT \(unescaped: Self.columns) FROM register.reviews r WHERE r.parent_review_id = \(id) ORDER BY r.id",
                    logger: database.logger), Self.review)
        }
    }

    public func update(_ id: UUID, expectedVersion: Int, to d: ReviewDetails, context: WriteContext) async throws -> Review {
        try d.validate()
        if d.parentReviewID == id {
            throw ValidationError(field: "parent_review_id", message: "a review cannot be its own parent")
        }
        return try await database.write(context) { c in
            // A case review and another source live different lives (statuses, clocks): one never becomes the other.
            let kind = try await Rows.first(
                c.query("SELECT kind FROM register.reviews WHERE id = \(id) FOR UPDATE", logger: context.logger)
            ) { try $0.get("kind", as: ReviewKind.self) }
            if let kind, kind.isReview != d.kind.isReview {
                throw ValidationError(
                    field: "kind",
                    message: kind.isReview
                        ? "a case review cannot become \(d.kind.rawValue): record the plan, audit or inquiry as a source of its own"
                        : "a \(kind.rawValue) cannot become a case review: record the review as a source of its own")
            }
            let updated = try await Rows.first(
                c.query(
                    """
                    UPDATE register.reviews SET
                        reference = \(d.reference), title = \(d.title), kind = \(d.kind.rawValue), board_id = \(d.boardID),
                        regime = \(d.regime.rawValue), subjects = \(d.subjects), summary = \(d.summary), themes = \(d.themes ?? []),
                        incident_known_on = \(d.incidentKnownOn), notified_on = \(d.notifiedOn),
                        rapid_review_due_on = \(d.rapidReviewDueOn), rapid_review_completed_on = \(d.rapidReviewCompletedOn),
                        decision_on = \(d.decisionOn), published_on = \(d.publishedOn), publication_url = \(d.publicationURL),
                        closed_on = \(d.closedOn), lead_reviewer = \(d.leadReviewer), parent_review_id = \(d.parentReviewID),
                        publication_delay_reason = \(d.publicationDelayReason), publication_expected_on = \(d.publicationExpectedOn),
                        taken_down_on = \(d.takenDownOn), version = version + 1, updated_at = now()
                    WHERE id = \(id) AND version = \(expectedVersion)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: context.logger), Self.review)
            guard let updated else { throw try await Rows.missingOrStale(.reviews, id: id, on: c, logger: context.logger) }
            return updated
        }
    }

    /// Moves a review along its lifecycle, recording the move and its reason.
    public func transition(
        _ id: UUID, expectedVersion: Int?, _ request: TransitionRequest<ReviewStatus>, today: Day, context: WriteContext
    ) async throws -> Review {
        try await database.write(context) { c in
            let current = try await Rows.first(
                c.query("SELECT status, version, kind FROM register.reviews WHERE id = \(id) FOR UPDATE", logger: context.logger)
            ) { (try $0.get("status", as: ReviewStatus.self), try $0.get("version", as: Int.self), try $0.get("kind", as: ReviewKind.self)) }
            guard let current else { throw DomainError.notFound("review") }
            if let expectedVersion, expectedVersion != current.1 { throw DomainError.versionMismatch(current: current.1) }
            let reason = try current.0.transition(to: request.to, reason: request.reason, kind: current.2)
            let on = request.on ?? today
            let updated = try await Rows.first(
                c.query(
                    """
                    UPDATE register.reviews SET
                        status = \(request.to.rawValue),
                        status_reason = \(reason),
                        published_on = CASE WHEN \(request.to.rawValue) = 'published' THEN coalesce(published_on, \(on)) ELSE published_on END,
                        closed_on = CASE WHEN \(request.to.rawValue) = 'closed' THEN \(on)
                                         WHEN status = 'closed' THEN NULL ELSE closed_on END,
                        version = version + 1, updated_at = now()
                    WHERE id = \(id)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: context.logger), Self.review)!
            // The dates a move sets obey the same rules as dates typed in (published after the decision…).
            try updated.details.validate()
            try await c.run(
                """
                INSERT INTO register.review_transitions (id, review_id, from_status, to_status, reason, happened_on, actor)
                VALUES (\(UUID.v7()), \(id), \(current.0.rawValue), \(request.to.rawValue), \(reason), \(on), \(context.actor.auditName))
                """, logger: context.logger)
            return updated
        }
    }
}
