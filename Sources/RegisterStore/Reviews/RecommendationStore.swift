import Foundation
import PostgresNIO
import RegisterDomain

/// Which recommendations a list shows. Every filter is optional; set ones must all hold.
public struct RecommendationFilter: Sendable, Equatable {
    public var reviewID: UUID?
    public var boardID: UUID?
    public var kind: ReviewKind?
    public var status: RecommendationStatus?
    public var scope: Scope?
    /// A theme of the recommendation's review or of a finding it answers.
    public var theme: String?
    public var overdue: Bool?
    /// Target date on or after this day.
    public var dueAfter: Day?
    /// Target date on or before this day.
    public var dueBefore: Day?
    /// Full-text search over number, text and addressee (English stemming).
    public var text: String?
    /// Recommendations assigned to this partner.
    public var partnerID: UUID?
    /// The reach of the person asking: a partner user sees only recommendations assigned to them.
    public var reach: Reach

    public init(
        reviewID: UUID? = nil, boardID: UUID? = nil, kind: ReviewKind? = nil, status: RecommendationStatus? = nil, scope: Scope? = nil,
        theme: String? = nil, overdue: Bool? = nil, dueAfter: Day? = nil, dueBefore: Day? = nil, text: String? = nil,
        partnerID: UUID? = nil, reach: Reach = .everything
    ) {
        self.partnerID = partnerID
        self.reach = reach
        self.reviewID = reviewID
        self.boardID = boardID
        self.kind = kind
        self.status = status
        self.scope = scope
        self.theme = theme
        self.overdue = overdue
        self.dueAfter = dueAfter
        self.dueBefore = dueBefore
        self.text = text
    }
}

/// Recommendations and their lifecycle.
public struct RecommendationStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// The row's own columns; the finding links are added by each query, at the same moment as the row.
    private static let plainColumns = """
        x.id, x.review_id, x.number, x.text, x.scope, x.addressee, x.target_date, x.status, x.closure_note, x.closed_on,
        x.version, x.created_at, x.updated_at
        """
    /// The live columns with the finding links; each query adds `overdue`, by the database's one definition (0009).
    private static let columns = plainColumns + """
        ,
        ARRAY(SELECT rf.finding_id FROM register.recommendation_findings rf WHERE rf.recommendation_id = x.id ORDER BY rf.finding_id) AS finding_ids
        """


    private static func recommendation(_ r: PostgresRandomAccessRow) throws -> Recommendation {
            let status: RecommendationStatus = try r.get("status")
            let target: Day? = try r.get("target_date")
            return Recommendation(
                id: try r.get("id"), version: try r.get("version"), createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"),
                details: RecommendationDetails(
                    number: try r.get("number"), text: try r.get("text"), scope: try r.get("scope"), addressee: try r.get("addressee"),
                    targetDate: target, findingIDs: try r.get("finding_ids")),
                state: RecommendationState(
                    reviewID: try r.get("review_id"), status: status, closureNote: try r.get("closure_note"),
                    closedOn: try r.get("closed_on"),
                    overdue: try r.get("overdue")))
    }

    public func create(in reviewID: UUID, _ d: RecommendationDetails, today: Day, context: WriteContext) async throws -> Recommendation {
        try await record(in: reviewID, d, today: today, context: context).recommendation
    }

    /// Records a recommendation and answers with the recommendations of other reviews it resembles
    /// (kept by the database as it is recorded, Schema/0019).
    public func record(in reviewID: UUID, _ d: RecommendationDetails, today: Day, context: WriteContext) async throws -> RecordedRecommendation {
        try d.validate()
        return try await database.write(context) { c in
            let review = try await Rows.first(
                c.query("SELECT id FROM register.reviews WHERE id = \(reviewID) FOR SHARE", logger: context.logger)
            ) { try $0.get("id", as: UUID.self) }
            guard review != nil else { throw DomainError.notFound("review") }
            let id = UUID.v7()
            try await Self.insert(id, in: reviewID, d, on: c, logger: context.logger)
            return RecordedRecommendation(
                recommendation: try await Self.fetch(id, today: today, on: c, logger: context.logger)!,
                similarEarlier: try await LearningStore.alike(to: id, on: c, logger: context.logger))
        }
    }

    /// Inserts a validated recommendation of an existing review, with its finding links, in the caller's transaction.
    static func insert(_ id: UUID, in reviewID: UUID, _ d: RecommendationDetails, on c: DatabaseConnection, logger: Logger) async throws {
        try await insertAll([(id, reviewID, d)], on: c, logger: logger)
    }

    /// Inserts validated recommendations of existing reviews in one statement (an import brings
    /// thousands), then their finding links, in the caller's transaction.
    static func insertAll(_ items: [(id: UUID, reviewID: UUID, details: RecommendationDetails)], on c: DatabaseConnection, logger: Logger) async throws {
        struct Row: Encodable {
            let id: UUID, review_id: UUID, number: String, text: String, scope: String, addressee: String?, target_date: Day?
        }
        guard !items.isEmpty else { return }
        let rows = items.map {
            Row(id: $0.id, review_id: $0.reviewID, number: $0.details.number, text: $0.details.text, scope: $0.details.scope.rawValue,
                addressee: $0.details.addressee, target_date: $0.details.targetDate)
        }
        let batch = try Rows.batch(rows)
        try await c.run(
            """
            INSERT INTO register.recommendations (id, review_id, number, text, scope, addressee, target_date)
            SELECT x.id, x.review_id, x.number, x.text, x.scope, x.addressee, x.target_date
            FROM jsonb_to_recordset(\(batch)::jsonb)
                AS x(id uuid, review_id uuid, number text, text text, scope text, addressee text, target_date date)
            """, logger: logger)
        for item in items where !(item.details.findingIDs ?? []).isEmpty {
            try await Self.linkFindings(item.id, reviewID: item.reviewID, item.details.findingIDs ?? [], on: c, logger: logger)
        }
    }

    /// Replaces recommendations' words (an import whose tracker words one differently), in one statement.
    static func replaceTexts(_ texts: [(id: UUID, text: String)], on c: DatabaseConnection, logger: Logger) async throws {
        struct Row: Encodable { let id: UUID, text: String }
        guard !texts.isEmpty else { return }
        let batch = try Rows.batch(texts.map { Row(id: $0.id, text: $0.text) })
        try await c.run(
            """
            UPDATE register.recommendations r SET text = x.text, version = r.version + 1, updated_at = now()
            FROM jsonb_to_recordset(\(batch)::jsonb) AS x(id uuid, text text)
            WHERE r.id = x.id
            """, logger: logger)
    }

    /// A recommendation as it is now, or as it stood at `asAt` (from the history the audit trail keeps). Its
    /// `overdue` counts only late work within `reach` (a partner's own assignments; 0013).
    public func get(_ id: UUID, today: Day, asAt: AsAt? = nil, reach: Reach = .everything) async throws -> Recommendation {
        let found = try await database.read { c in
            if let asAt {
                return try await Rows.first(
                    c.query(
                        """
                        SELECT \(unescaped: Self.plainColumns),
                            ARRAY(SELECT rf.finding_id FROM register.recommendation_findings_at(\(asAt.sealedBefore)) rf
                                  WHERE rf.recommendation_id = x.id ORDER BY rf.finding_id) AS finding_ids,
                            register.recommendation_overdue(x.status, x.target_date, EXISTS (
                                SELECT 1 FROM register.assignments_at(\(asAt.sealedBefore)) a
                                WHERE a.recommendation_id = x.id AND (\(reach.partnerID)::uuid IS NULL OR a.partner_id = \(reach.partnerID))
                                  AND register.assignment_overdue(a.status, a.due_date, \(asAt.day))), \(asAt.day)) AS overdue
                        FROM register.recommendations_at(\(asAt.sealedBefore)) x WHERE x.id = \(id)
                        """, logger: database.logger), Self.recommendation)
            }
            return try await Self.fetch(id, today: today, reach: reach, on: c, logger: database.logger)
        }
        guard let found else { throw DomainError.notFound("recommendation") }
        return found
    }

    /// Lists recommendations in the order they were recorded (id order), so the cursor (the last id
    /// shown) stays stable while others are added. `all(of:)` gives one review's in report order.
    ///
    /// Within a partner's reach, `overdue` (flag and filter) counts only their own late work, and the
    /// `partner` filter looks only at assignments they may see: another organisation's id finds
    /// nothing, exactly as an id that names no organisation.
    public func list(_ f: RecommendationFilter, page: PageRequest, today: Day, asAt: AsAt? = nil) async throws -> Page<Recommendation> {
        let rows: [Recommendation]
        if let asAt {
            rows = try await self.rows(Self.rebuiltList(f, page: page, at: asAt.sealedBefore, on: asAt.day))
        } else if let overdue = OverdueRecommendations(f, page: page, today: today) {
            rows = try await database.read { c in try await Rows.all(c.execute(overdue, logger: database.logger), Self.recommendation) }
        } else {
            rows = try await self.rows(Self.liveList(f, page: page, today: today))
        }
        return Page(fetched: rows, limit: page.limit, id: \.id)
    }

    /// The recommendations a list's query finds.
    func rows(_ query: PostgresQuery) async throws -> [Recommendation] {
        try await database.read { c in
            try await Rows.all(c.query(query, logger: database.logger), Self.recommendation)
        }
    }

    /// The list as it is now: the tables themselves, walked in id order along `recommendations_pkey`,
    /// each row's `overdue` worked out as it is reached (`overdueOn:within:`, below), so a
    /// page stops after `limit + 1` rows however large the register. The review is looked at only
    /// when a filter asks about it. The same rows as `rebuiltList` at no moment (`OverdueListTests`).
    static func liveList(_ f: RecommendationFilter, page: PageRequest, today: Day) -> PostgresQuery {
        // A partner's reach is their own assignments, as a semi-join the plan can walk in
        // recommendation order (the unique (recommendation_id, partner_id) index) rather than testing
        // every recommendation; for everybody else the condition is `NULL IS NULL`. The partner is bound either way.
        let reach =
            f.reach.partnerID == nil
            ? (open: "(", close: "::uuid IS NULL)")
            : (open: "x.id IN (SELECT a.recommendation_id FROM register.assignments a WHERE a.partner_id = ", close: "::uuid)")
        return """
        SELECT \(unescaped: Self.columns), x.overdue
        FROM (SELECT x.*, \(overdueOn: today, within: f.reach) AS overdue
              FROM register.recommendations x) x
        WHERE (\(f.reviewID)::uuid IS NULL OR x.review_id = \(f.reviewID))
          AND (\(f.status?.rawValue)::text IS NULL OR x.status = \(f.status?.rawValue))
          AND (\(f.scope?.rawValue)::text IS NULL OR x.scope = \(f.scope?.rawValue))
          AND (\(f.overdue)::boolean IS NULL OR \(f.overdue) = x.overdue)
          AND (\(f.dueAfter)::date IS NULL OR x.target_date >= \(f.dueAfter))
          AND (\(f.dueBefore)::date IS NULL OR x.target_date <= \(f.dueBefore))
          AND (\(f.text)::text IS NULL OR x.search @@ websearch_to_tsquery('english', \(f.text)))
          AND ((\(f.boardID)::uuid IS NULL AND \(f.kind?.rawValue)::text IS NULL AND \(f.theme)::text IS NULL)
               OR EXISTS (SELECT 1 FROM register.reviews r WHERE r.id = x.review_id
                            AND (\(f.boardID)::uuid IS NULL OR r.board_id = \(f.boardID))
                            AND (\(f.kind?.rawValue)::text IS NULL OR r.kind = \(f.kind?.rawValue))
                            AND (\(f.theme)::text IS NULL OR r.themes @> ARRAY[\(f.theme)::text] OR EXISTS (
                                    SELECT 1 FROM register.recommendation_findings rf JOIN register.findings fi ON fi.id = rf.finding_id
                                    WHERE rf.recommendation_id = x.id AND fi.themes @> ARRAY[\(f.theme)::text]))))
          AND (\(f.partnerID)::uuid IS NULL
               OR EXISTS (SELECT 1 FROM register.assignments a
                          WHERE a.recommendation_id = x.id AND a.partner_id = \(f.partnerID)
                            AND (\(f.reach.partnerID)::uuid IS NULL OR a.partner_id = \(f.reach.partnerID))))
          AND \(unescaped: reach.open)\(f.reach.partnerID)\(unescaped: reach.close)
          AND (\(page.after)::uuid IS NULL OR x.id > \(page.after))
        ORDER BY x.id LIMIT \(page.limit + 1)
        """
    }

    /// Every overdue recommendation, in standard pages: the staff's overdue page (the API's
    /// `overdue=true`), kept planned. It finds what `liveList` finds for the same filter
    /// (`OverdueKeptTests`). That statement's optional filters need a plan made for the values at
    /// hand, and making it cost PostgreSQL about as much as running it (BENCHMARKS.md, "The overdue
    /// page kept planned"). As with `AssignmentStore.PartnerWork`, the page's length is in the text
    /// and the cursor reaches the plan as a sub-select, so that PostgreSQL keeps its generic plan.
    /// The flag is the one every live read writes (`OverdueFlag`), here counting every partner's work.
    struct OverdueRecommendations: KeptStatement {
        static let name = "lr_overdue_recommendations"
        static let sql = """
            SELECT \(columns), x.overdue
            FROM (SELECT x.*, \(OverdueFlag.withParameter(day: 1)) AS overdue
                  FROM register.recommendations x) x
            WHERE x.overdue AND x.id > (SELECT $2::uuid)
            ORDER BY x.id LIMIT \(PageRequest.standardLimit + 1)
            """
        static let bindingDataTypes: [PostgresDataType] = [.date, .uuid]
        let today: Day
        let after: UUID

        /// The statement for this list, or nil when it is not every overdue recommendation, unfiltered
        /// and within everything's reach, in standard pages.
        init?(_ f: RecommendationFilter, page: PageRequest, today: Day) {
            guard f == RecommendationFilter(overdue: true), page.limit == PageRequest.standardLimit else { return nil }
            self.today = today
            self.after = page.afterOrFirst
        }

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(today)
            bindings.append(after)
            return bindings
        }
    }

    /// The list as it stood at `at` (a seal time; the live tables when nil), rebuilt through the
    /// `*_at` functions: every overdue assignment of the moment worked out first, then the
    /// recommendations joined to their reviews. As-at requests only: it reads every row.
    static func rebuiltList(_ f: RecommendationFilter, page: PageRequest, at: String?, on today: Day) -> PostgresQuery {
        """
        WITH late_work AS MATERIALIZED (
            SELECT DISTINCT a.recommendation_id FROM register.assignments_at(\(at)) a
            WHERE (\(f.reach.partnerID)::uuid IS NULL OR a.partner_id = \(f.reach.partnerID))
              AND register.assignment_overdue(a.status, a.due_date, \(today))),
        listed AS (
            SELECT x.*, register.recommendation_overdue(
                       x.status, x.target_date, x.id IN (SELECT recommendation_id FROM late_work), \(today)) AS overdue
            FROM register.recommendations_at(\(at)) x)
        SELECT \(unescaped: Self.plainColumns), x.overdue,
            ARRAY(SELECT rf.finding_id FROM register.recommendation_findings_at(\(at)) rf
                  WHERE rf.recommendation_id = x.id ORDER BY rf.finding_id) AS finding_ids
        FROM listed x JOIN register.reviews_at(\(at)) r ON r.id = x.review_id
        WHERE (\(f.reviewID)::uuid IS NULL OR x.review_id = \(f.reviewID))
          AND (\(f.boardID)::uuid IS NULL OR r.board_id = \(f.boardID))
          AND (\(f.kind?.rawValue)::text IS NULL OR r.kind = \(f.kind?.rawValue))
          AND (\(f.status?.rawValue)::text IS NULL OR x.status = \(f.status?.rawValue))
          AND (\(f.scope?.rawValue)::text IS NULL OR x.scope = \(f.scope?.rawValue))
          AND (\(f.theme)::text IS NULL OR r.themes @> ARRAY[\(f.theme)::text] OR EXISTS (
                  SELECT 1 FROM register.recommendation_findings_at(\(at)) rf JOIN register.findings_at(\(at)) fi ON fi.id = rf.finding_id
                  WHERE rf.recommendation_id = x.id AND fi.themes @> ARRAY[\(f.theme)::text]))
          AND (\(f.overdue)::boolean IS NULL OR \(f.overdue) = x.overdue)
          AND (\(f.dueAfter)::date IS NULL OR x.target_date >= \(f.dueAfter))
          AND (\(f.dueBefore)::date IS NULL OR x.target_date <= \(f.dueBefore))
          AND (\(f.text)::text IS NULL OR x.search @@ websearch_to_tsquery('english', \(f.text)))
          AND (\(f.partnerID)::uuid IS NULL
               OR EXISTS (SELECT 1 FROM register.assignments_at(\(at)) a
                          WHERE a.recommendation_id = x.id AND a.partner_id = \(f.partnerID)
                            AND (\(f.reach.partnerID)::uuid IS NULL OR a.partner_id = \(f.reach.partnerID))))
          AND (\(f.reach.partnerID)::uuid IS NULL
               OR EXISTS (SELECT 1 FROM register.assignments a WHERE a.recommendation_id = x.id AND a.partner_id = \(f.reach.partnerID)))
          AND (\(page.after)::uuid IS NULL OR x.id > \(page.after))
        ORDER BY x.id LIMIT \(page.limit + 1)
        """
    }

    /// All recommendations of one review, in report order (1, 2, … 4a, 4b, … 10).
    public func all(of reviewID: UUID, today: Day, reach: Reach = .everything) async throws -> [Recommendation] {
        try await database.read { c in
            let review = try await Rows.first(
                c.query("SELECT id FROM register.reviews WHERE id = \(reviewID)", logger: database.logger)
            ) { try $0.get("id", as: UUID.self) }
            guard review != nil else { throw DomainError.notFound("review") }
            return try await Rows.all(
                c.query(
                    """
                    SELECT \(unescaped: Self.columns),
                           \(overdueOn: today, within: reach) AS overdue
                    FROM register.recommendations x WHERE x.review_id = \(reviewID)
                      AND (\(reach.partnerID)::uuid IS NULL
                           OR EXISTS (SELECT 1 FROM register.assignments a WHERE a.recommendation_id = x.id AND a.partner_id = \(reach.partnerID)))
                    ORDER BY NULLIF(substring(x.number FROM '^[0-9]+'), '')::int NULLS LAST, x.number, x.id
                    """, logger: database.logger), Self.recommendation)
        }
    }

    public func update(_ id: UUID, expectedVersion: Int, to d: RecommendationDetails, today: Day, context: WriteContext) async throws -> Recommendation {
        try d.validate()
        return try await database.write(context) { c in
            let reviewID = try await Rows.first(
                c.query(
                    """
                    UPDATE register.recommendations SET
                        number = \(d.number), text = \(d.text), scope = \(d.scope.rawValue), addressee = \(d.addressee),
                        target_date = \(d.targetDate), version = version + 1, updated_at = now()
                    WHERE id = \(id) AND version = \(expectedVersion)
                    RETURNING review_id
                    """, logger: context.logger)
            ) { try $0.get("review_id", as: UUID.self) }
            guard let reviewID else { throw try await Rows.missingOrStale(.recommendations, id: id, on: c, logger: context.logger) }
            try await c.run("DELETE FROM register.recommendation_findings WHERE recommendation_id = \(id)", logger: context.logger)
            try await Self.linkFindings(id, reviewID: reviewID, d.findingIDs ?? [], on: c, logger: context.logger)
            return try await Self.fetch(id, today: today, on: c, logger: context.logger)!
        }
    }

    /// Moves a recommendation along its lifecycle, recording the move and its reason.
    public func transition(
        _ id: UUID, expectedVersion: Int?, _ request: TransitionRequest<RecommendationStatus>, today: Day, context: WriteContext
    ) async throws -> Recommendation {
        try await database.write(context) { c in
            guard let current = try await RecommendationMoves.lock(id, connection: c, logger: context.logger) else {
                throw DomainError.notFound("recommendation")
            }
            if let expectedVersion, expectedVersion != current.version { throw DomainError.versionMismatch(current: current.version) }
            if request.to == .assured {
                let met = try await Rows.first(c.query("SELECT register.assurance_met(\(id)) AS met", logger: context.logger)) {
                    try $0.get("met", as: Bool.self)
                }
                if met != true {
                    throw DomainError.conflict(
                        "A recommendation is assured only when each lead assignment has accepted evidence of outcome or impact (output alone is not assurance). Accept such evidence first.")
                }
            }
            try await RecommendationMoves.move(
                id, from: current.status, to: request.to, reason: request.reason, on: request.on ?? today, connection: c, context: context)
            return try await Self.fetch(id, today: today, on: c, logger: context.logger)!
        }
    }

    private static func fetch(_ id: UUID, today: Day, reach: Reach = .everything, on c: DatabaseConnection, logger: Logger) async throws -> Recommendation? {
        try await Rows.first(
            c.query(
                """
                SELECT \(unescaped: columns),
                       \(overdueOn: today, within: reach) AS overdue
                FROM register.recommendations x WHERE x.id = \(id)
                """, logger: logger),
            recommendation)
    }

    private static func linkFindings(_ id: UUID, reviewID: UUID, _ findingIDs: [UUID], on c: DatabaseConnection, logger: Logger) async throws {
        guard !findingIDs.isEmpty else { return }
        // The composite foreign keys refuse a finding of another review.
        try await c.run(
            """
            INSERT INTO register.recommendation_findings (review_id, recommendation_id, finding_id)
            SELECT \(reviewID), \(id), f FROM unnest(\(findingIDs)::uuid[]) AS f
            """, logger: logger)
    }
}

/// The live recommendation `x`'s `overdue` on a day, counting late work within a partner's reach
/// (0013): `register.recommendation_overdue` given `register.late_work` as a subquery (0027). The
/// function is inlined, so each row the statement reaches costs one look-up by the assignments' index,
/// and only when the target date has not already decided; written as EXISTS, PostgreSQL would hash
/// every assignment instead. Every live read of a recommendation writes its flag from these parts:
/// the statements built for each request through the interpolation `overdueOn:within:` (values
/// bound), the kept overdue page through `withParameter` (its placeholder written in).
fileprivate enum OverdueFlag {
    enum Part {
        case sql(String)
        /// The day it is judged on (a date).
        case day
        /// The partner whose work alone counts (a uuid), or null for every partner's.
        case partner
    }

    static let parts: [Part] = [
        .sql("register.recommendation_overdue(x.status, x.target_date, (SELECT true FROM register.late_work(x.id, "), .day, .sql(", "), .partner,
        .sql("::uuid) LIMIT 1), "), .day, .sql(")"),
    ]

    /// The expression for a kept statement: the day is its parameter `$n`, and every partner's work counts.
    static func withParameter(day n: Int) -> String {
        parts.map { part in
            switch part {
            case .sql(let text): text
            case .day: "$\(n)"
            case .partner: "NULL"
            }
        }.joined()
    }
}

extension PostgresQuery.StringInterpolation {
    /// `OverdueFlag`, each of its values bound.
    fileprivate mutating func appendInterpolation(overdueOn day: Day, within reach: Reach) {
        for part in OverdueFlag.parts {
            switch part {
            case .sql(let text): appendLiteral(text)
            case .day: appendInterpolation(day)
            case .partner: appendInterpolation(reach.partnerID)
            }
        }
    }
}
