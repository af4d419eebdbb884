import Foundation
import PostgresNIO
import RegisterDomain

/// A review's ordered items: its core questions and its findings.
public struct ReviewItemStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Core questions

    private static let questionColumns = "id, review_id, position, text, version, created_at, updated_at"

    private static func question(_ r: PostgresRandomAccessRow) throws -> CoreQuestion {
        CoreQuestion(
            id: try r.get("id"), version: try r.get("version"), createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"),
            details: CoreQuestionDetails(text: try r.get("text")),
            state: Placement(reviewID: try r.get("review_id"), position: try r.get("position")))
    }

    public func addQuestion(to reviewID: UUID, _ d: CoreQuestionDetails, context: WriteContext) async throws -> CoreQuestion {
        try d.validate()
        return try await database.write(context) { c in
            let position = try await Self.nextPosition(.coreQuestions, reviewID: reviewID, on: c, logger: context.logger)
            return try await Rows.first(
                c.query(
                    """
                    INSERT INTO register.core_questions (id, review_id, position, text)
                    VALUES (\(UUID.v7()), \(reviewID), \(position), \(d.text))
                    RETURNING \(unescaped: Self.questionColumns)
                    """, logger: context.logger), Self.question)!
        }
    }

    public func questions(of reviewID: UUID) async throws -> [CoreQuestion] {
        try await database.read { c in
            try await Self.requireReview(reviewID, on: c, logger: database.logger)
            return try await Rows.all(
                c.query(
                    "SELECT \(unescaped: Self.questionColumns) FROM register.core_questions WHERE review_id = \(reviewID) ORDER BY position",
                    logger: database.logger), Self.question)
        }
    }

    public func updateQuestion(_ id: UUID, of reviewID: UUID, expectedVersion: Int, to d: CoreQuestionDetails, context: WriteContext) async throws -> CoreQuestion {
        try d.validate()
        return try await database.write(context) { c in
            let updated = try await Rows.first(
                c.query(
                    """
                    UPDATE register.core_questions SET text = \(d.text), version = version + 1, updated_at = now()
                    WHERE id = \(id) AND review_id = \(reviewID) AND version = \(expectedVersion)
                    RETURNING \(unescaped: Self.questionColumns)
                    """, logger: context.logger), Self.question)
            guard let updated else { throw try await Rows.missingOrStale(.coreQuestions, id: id, reviewID: reviewID, on: c, logger: context.logger) }
            return updated
        }
    }

    public func question(_ id: UUID, of reviewID: UUID) async throws -> CoreQuestion {
        let found = try await database.read { c in
            try await Rows.first(
                c.query(
                    "SELECT \(unescaped: Self.questionColumns) FROM register.core_questions WHERE id = \(id) AND review_id = \(reviewID)",
                    logger: database.logger), Self.question)
        }
        guard let found else { throw DomainError.notFound("core question") }
        return found
    }

    public func reorderQuestions(of reviewID: UUID, _ ordering: Ordering, context: WriteContext) async throws -> [CoreQuestion] {
        try await database.write(context) { c in
            try await Self.reorder(.coreQuestions, reviewID: reviewID, ordering, on: c, logger: context.logger)
            return try await Rows.all(
                c.query(
                    "SELECT \(unescaped: Self.questionColumns) FROM register.core_questions WHERE review_id = \(reviewID) ORDER BY position",
                    logger: context.logger), Self.question)
        }
    }

    // MARK: Findings

    private static let findingColumns = """
        f.id, f.review_id, f.position, f.text, f.themes, f.version, f.created_at, f.updated_at,
        ARRAY(SELECT q.question_id FROM register.finding_questions q WHERE q.finding_id = f.id ORDER BY q.question_id) AS question_ids
        """

    private static func finding(_ r: PostgresRandomAccessRow) throws -> Finding {
        Finding(
            id: try r.get("id"), version: try r.get("version"), createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"),
            details: FindingDetails(text: try r.get("text"), themes: try r.get("themes"), questionIDs: try r.get("question_ids")),
            state: Placement(reviewID: try r.get("review_id"), position: try r.get("position")))
    }

    public func addFinding(to reviewID: UUID, _ d: FindingDetails, context: WriteContext) async throws -> Finding {
        try d.validate()
        return try await database.write(context) { c in
            let position = try await Self.nextPosition(.findings, reviewID: reviewID, on: c, logger: context.logger)
            let id = UUID.v7()
            try await c.run(
                """
                INSERT INTO register.findings (id, review_id, position, text, themes)
                VALUES (\(id), \(reviewID), \(position), \(d.text), \(d.themes ?? []))
                """, logger: context.logger)
            try await Self.linkQuestions(finding: id, reviewID: reviewID, d.questionIDs ?? [], on: c, logger: context.logger)
            return try await Self.finding(id, reviewID: reviewID, on: c, logger: context.logger)!
        }
    }

    public func findings(of reviewID: UUID) async throws -> [Finding] {
        try await database.read { c in
            try await Self.requireReview(reviewID, on: c, logger: database.logger)
            return try await Rows.all(
                c.query(
                    "SELECT \(unescaped: Self.findingColumns) FROM register.findings f WHERE f.review_id = \(reviewID) ORDER BY f.position",
                    logger: database.logger), Self.finding)
        }
    }

    public func finding(_ id: UUID, of reviewID: UUID) async throws -> Finding {
        let found = try await database.read { c in try await Self.finding(id, reviewID: reviewID, on: c, logger: database.logger) }
        guard let found else { throw DomainError.notFound("finding") }
        return found
    }

    public func updateFinding(_ id: UUID, of reviewID: UUID, expectedVersion: Int, to d: FindingDetails, context: WriteContext) async throws -> Finding {
        try d.validate()
        return try await database.write(context) { c in
            let touched = try await Rows.first(
                c.query(
                    """
                    UPDATE register.findings SET text = \(d.text), themes = \(d.themes ?? []), version = version + 1, updated_at = now()
                    WHERE id = \(id) AND review_id = \(reviewID) AND version = \(expectedVersion)
                    RETURNING id
                    """, logger: context.logger)
            ) { try $0.get("id", as: UUID.self) }
            guard touched != nil else { throw try await Rows.missingOrStale(.findings, id: id, reviewID: reviewID, on: c, logger: context.logger) }
            try await c.run("DELETE FROM register.finding_questions WHERE finding_id = \(id)", logger: context.logger)
            try await Self.linkQuestions(finding: id, reviewID: reviewID, d.questionIDs ?? [], on: c, logger: context.logger)
            return try await Self.finding(id, reviewID: reviewID, on: c, logger: context.logger)!
        }
    }

    public func reorderFindings(of reviewID: UUID, _ ordering: Ordering, context: WriteContext) async throws -> [Finding] {
        try await database.write(context) { c in
            try await Self.reorder(.findings, reviewID: reviewID, ordering, on: c, logger: context.logger)
            return try await Rows.all(
                c.query(
                    "SELECT \(unescaped: Self.findingColumns) FROM register.findings f WHERE f.review_id = \(reviewID) ORDER BY f.position",
                    logger: context.logger), Self.finding)
        }
    }

    private static func finding(_ id: UUID, reviewID: UUID, on c: DatabaseConnection, logger: Logger) async throws -> Finding? {
        try await Rows.first(
            c.query("SELECT \(unescaped: findingColumns) FROM register.findings f WHERE f.id = \(id) AND f.review_id = \(reviewID)", logger: logger),
            finding)
    }

    private static func linkQuestions(finding: UUID, reviewID: UUID, _ questionIDs: [UUID], on c: DatabaseConnection, logger: Logger) async throws {
        guard !questionIDs.isEmpty else { return }
        // The composite foreign keys refuse a question of another review.
        try await c.run(
            """
            INSERT INTO register.finding_questions (review_id, finding_id, question_id)
            SELECT \(reviewID), \(finding), q FROM unnest(\(questionIDs)::uuid[]) AS q
            """, logger: logger)
    }

    // MARK: Shared

    /// Locks the review's row so two people adding items at once get distinct positions.
    private static func nextPosition(_ table: Table, reviewID: UUID, on c: DatabaseConnection, logger: Logger) async throws -> Int {
        try await requireReview(reviewID, on: c, logger: logger, lock: true)
        return try await Rows.first(
            c.query("SELECT coalesce(max(position), 0) + 1 AS next FROM \(unescaped: table.rawValue) WHERE review_id = \(reviewID)", logger: logger)
        ) { try $0.get("next", as: Int.self) }!
    }

    private static func requireReview(_ reviewID: UUID, on c: DatabaseConnection, logger: Logger, lock: Bool = false) async throws {
        let found = try await Rows.first(
            c.query("SELECT id FROM register.reviews WHERE id = \(reviewID) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        ) { try $0.get("id", as: UUID.self) }
        if found == nil { throw DomainError.notFound("review") }
    }

    private static func reorder(_ table: Table, reviewID: UUID, _ ordering: Ordering, on c: DatabaseConnection, logger: Logger) async throws {
        try await requireReview(reviewID, on: c, logger: logger, lock: true)
        let existing = try await Rows.all(
            c.query("SELECT id FROM \(unescaped: table.rawValue) WHERE review_id = \(reviewID)", logger: logger)
        ) { try $0.get("id", as: UUID.self) }
        try ordering.validate(against: existing)
        // Positions are unique per review but checked at commit, so rows may pass through each other.
        try await c.run(
            """
            UPDATE \(unescaped: table.rawValue) AS t SET position = o.position, version = t.version + 1, updated_at = now()
            FROM unnest(\(ordering.ids)::uuid[]) WITH ORDINALITY AS o(id, position)
            WHERE t.id = o.id AND t.review_id = \(reviewID) AND t.position <> o.position
            """, logger: logger)
    }
}
