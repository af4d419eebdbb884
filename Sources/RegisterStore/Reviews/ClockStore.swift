import Foundation
import PostgresNIO
import RegisterDomain

/// Statutory clocks: the bank-holiday calendar and deadline rules kept as data, each review's
/// pauses, and the clocks worked out from them. The clocks themselves are computed, never stored.
public struct ClockStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    private static let ruleColumns = "clock, regime, label, kinds, starts_from, amount, unit, met_by, position, source, notes"
    private static let pauseColumns = "id, review_id, clock, from_date, to_date, reason, actor, created_at"

    /// The working-day calendar of England and Wales. Read on every call: a few hundred rows, and
    /// a holiday added by a migration is seen at once by every server.
    public func calendar() async throws -> WorkingDays {
        try await database.read { c in try await Self.calendar(on: c, logger: database.logger) }
    }

    /// Every deadline rule, for callers that evaluate many reviews at once (reports).
    public func rules() async throws -> [DeadlineRule] {
        try await database.read { c in
            try await Rows.all(
                c.query("SELECT \(unescaped: Self.ruleColumns) FROM register.deadline_rules ORDER BY regime, position, clock", logger: database.logger),
                Self.deadlineRule)
        }
    }

    /// A review's pauses, earliest first.
    public func pauses(of reviewID: UUID) async throws -> [ClockPause] {
        try await database.read { c in try await Self.pauses(of: reviewID, on: c, logger: database.logger) }
    }

    /// A review's clocks as they stand on `today`; with `asAt`, as the register stood at that moment
    /// (the review's dates and its pauses as then recorded), judged on that day.
    public func clocks(of reviewID: UUID, today: Day, asAt: AsAt? = nil) async throws -> [StatutoryClock] {
        let review = try await ReviewStore(database: database).get(reviewID, asAt: asAt)
        return try await clocks(of: [review], today: today, asAt: asAt)[review.id] ?? []
    }

    /// The clocks of many reviews at once (for reports): one read of the calendar, rules and pauses.
    /// With `asAt`, the pauses are those recorded by that moment, as they then stood.
    public func clocks(of reviews: [Review], today: Day, asAt: AsAt? = nil) async throws -> [UUID: [StatutoryClock]] {
        guard !reviews.isEmpty else { return [:] }
        let (calendar, rules, pauses) = try await database.read { c in
            (
                try await Self.calendar(on: c, logger: database.logger),
                try await Rows.all(
                    c.query("SELECT \(unescaped: Self.ruleColumns) FROM register.deadline_rules ORDER BY regime, position, clock", logger: database.logger),
                    Self.deadlineRule),
                try await Rows.all(
                    c.query(
                        """
                        SELECT \(unescaped: Self.pauseColumns) FROM register.clock_pauses_at(\(asAt?.sealedBefore))
                        WHERE review_id = ANY(\(reviews.map(\.id))::uuid[]) ORDER BY from_date, id
                        """, logger: database.logger), Self.clockPause)
            )
        }
        let byReview = Dictionary(grouping: pauses, by: \.reviewID)
        var result: [UUID: [StatutoryClock]] = [:]
        for review in reviews {
            result[review.id] = StatutoryClock.evaluate(review.details, rules: rules, pauses: byReview[review.id] ?? [], calendar: calendar, today: today)
        }
        return result
    }

    /// Stops one of a review's clocks from a day, until a given day or until ended.
    public func pause(_ reviewID: UUID, _ request: ClockPauseRequest, context: WriteContext) async throws -> ClockPause {
        try await database.write(context) { c in
            let (kind, regime) = try await Self.lockReview(reviewID, on: c, logger: context.logger)
            let rules = try await Self.rules(kind: kind, regime: regime, on: c, logger: context.logger)
            let existing = try await Self.pauses(of: reviewID, on: c, logger: context.logger)
            let reason = try request.validate(kind: kind, regime: regime, rules: rules, existing: existing)
            return try await Rows.first(
                c.query(
                    """
                    INSERT INTO register.clock_pauses (id, review_id, clock, from_date, to_date, reason, actor)
                    VALUES (\(UUID.v7()), \(reviewID), \(request.clock), \(request.from), \(request.to), \(reason), \(context.actor.auditName))
                    RETURNING \(unescaped: Self.pauseColumns)
                    """, logger: context.logger), Self.clockPause)!
        }
    }

    /// Ends a pause that is still running: `end.on` is the last day the clock stood still.
    public func endPause(_ id: UUID, of reviewID: UUID, _ end: ClockPauseEnd, context: WriteContext) async throws -> ClockPause {
        try await database.write(context) { c in
            _ = try await Self.lockReview(reviewID, on: c, logger: context.logger)
            let current = try await Rows.first(
                c.query(
                    "SELECT \(unescaped: Self.pauseColumns) FROM register.clock_pauses WHERE id = \(id) AND review_id = \(reviewID)",
                    logger: context.logger), Self.clockPause)
            guard let current else { throw DomainError.notFound("clock pause") }
            try end.validate(ending: current)
            return try await Rows.first(
                c.query(
                    "UPDATE register.clock_pauses SET to_date = \(end.on) WHERE id = \(id) RETURNING \(unescaped: Self.pauseColumns)",
                    logger: context.logger), Self.clockPause)!
        }
    }

    // Pauses of one review are written one at a time, so two overlapping ones cannot both pass the
    // overlap check. NO KEY UPDATE leaves inserts that merely reference the review unblocked.
    private static func lockReview(_ id: UUID, on c: DatabaseConnection, logger: Logger) async throws -> (ReviewKind, Regime) {
        let found = try await Rows.first(
            c.query("SELECT kind, regime FROM register.reviews WHERE id = \(id) FOR NO KEY UPDATE", logger: logger)
        ) { (try $0.get("kind", as: ReviewKind.self), try $0.get("regime", as: Regime.self)) }
        guard let found else { throw DomainError.notFound("review") }
        return found
    }

    private static func calendar(on c: DatabaseConnection, logger: Logger) async throws -> WorkingDays {
        WorkingDays(
            holidays: try await Rows.all(
                c.query("SELECT day FROM register.bank_holidays WHERE region = 'england-and-wales'", logger: logger)
            ) { try $0.get("day", as: Day.self) })
    }

    private static func rules(kind: ReviewKind, regime: Regime, on c: DatabaseConnection, logger: Logger) async throws -> [DeadlineRule] {
        try await Rows.all(
            c.query(
                """
                SELECT \(unescaped: ruleColumns) FROM register.deadline_rules
                WHERE regime = \(regime.rawValue) AND \(kind.rawValue) = ANY (kinds)
                ORDER BY position, clock
                """, logger: logger), deadlineRule)
    }

    private static func pauses(of reviewID: UUID, on c: DatabaseConnection, logger: Logger) async throws -> [ClockPause] {
        try await Rows.all(
            c.query(
                "SELECT \(unescaped: pauseColumns) FROM register.clock_pauses WHERE review_id = \(reviewID) ORDER BY from_date, id",
                logger: logger), clockPause)
    }

    static func deadlineRule(_ r: PostgresRandomAccessRow) throws -> DeadlineRule {
        let kinds = try r.get("kinds", as: [String].self).map { raw in
            guard let kind = ReviewKind(rawValue: raw) else { throw PostgresDecodingError.Code.failure }
            return kind
        }
        return DeadlineRule(
            clock: try r.get("clock"), regime: try r.get("regime"), label: try r.get("label"), kinds: kinds,
            startsFrom: try r.get("starts_from"), amount: try r.get("amount"), unit: try r.get("unit"), metBy: try r.get("met_by"),
            position: try r.get("position"), source: try r.get("source"), notes: try r.get("notes"))
    }

    static func clockPause(_ r: PostgresRandomAccessRow) throws -> ClockPause {
        ClockPause(
            id: try r.get("id"), reviewID: try r.get("review_id"), clock: try r.get("clock"), from: try r.get("from_date"),
            to: try r.get("to_date"), reason: try r.get("reason"), actor: try r.get("actor"), createdAt: try r.get("created_at"))
    }
}
