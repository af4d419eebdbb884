import Foundation
import PostgresNIO
import RegisterDomain

/// Commissioning bodies.
public struct BoardStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    private static let columns = "id, code, name, kind, area, active, assurance_needs_outcome, reminder_due_within_days, version, created_at, updated_at"

    private static func board(_ r: PostgresRandomAccessRow) throws -> Board {
        Board(
            id: try r.get("id"), version: try r.get("version"), createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"),
            details: BoardDetails(
                code: try r.get("code"), name: try r.get("name"), kind: try r.get("kind"),
                area: try r.get("area"), active: try r.get("active"), assuranceNeedsOutcome: try r.get("assurance_needs_outcome"),
                reminderDueWithinDays: try r.get("reminder_due_within_days")))
    }

    public func create(_ details: BoardDetails, context: WriteContext) async throws -> Board {
        try details.validate()
        return try await database.write(context) { c in
            try await Rows.first(
                c.query(
                    """
                    INSERT INTO register.boards (id, code, name, kind, area, active, assurance_needs_outcome, reminder_due_within_days)
                    VALUES (\(UUID.v7()), \(details.code), \(details.name), \(details.kind.rawValue), \(details.area), \(details.active ?? true),
                            \(details.assuranceNeedsOutcome ?? true), \(details.reminderDueWithinDays ?? ReminderRules.defaultDueWithinDays))
                    RETURNING \(unescaped: Self.columns)
                    """, logger: context.logger), Self.board)!
        }
    }

    public func get(_ id: UUID) async throws -> Board {
        let board = try await database.read { c in
            try await Rows.first(c.query("SELECT \(unescaped: Self.columns) FROM register.boards WHERE id = \(id)", logger: database.logger), Self.board)
        }
        guard let board else { throw DomainError.notFound("board") }
        return board
    }

    /// A board by id or by its code (such as `coventry-lscb`), for the command line.
    public func find(_ idOrCode: String) async throws -> Board {
        if let id = UUID(uuidString: idOrCode) { return try await get(id) }
        let found = try await database.read { c in
            try await Rows.first(
                c.query("SELECT \(unescaped: Self.columns) FROM register.boards WHERE code = \(idOrCode.lowercased())", logger: database.logger),
                Self.board)
        }
        guard let found else { throw DomainError.notFound("board") }
        return found
    }

    public func list(_ page: PageRequest) async throws -> Page<Board> {
        let rows = try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM register.boards
                    WHERE (\(page.after)::uuid IS NULL OR id > \(page.after))
                    ORDER BY id LIMIT \(page.limit + 1)
                    """, logger: database.logger), Self.board)
        }
        return Page(fetched: rows, limit: page.limit, id: \.id)
    }

    /// Changes a board. When its assurance rule changes and `today` is given, the recommendations of
    /// its reviews are brought into line with the new rule in the same transaction
    /// (`RecommendationMoves.follow`): those it now assures become assured, assured ones it no
    /// longer assures go back to in progress.
    public func update(_ id: UUID, expectedVersion: Int, to details: BoardDetails, today: Day? = nil, context: WriteContext) async throws -> Board {
        try details.validate()
        return try await database.write(context) { c in
            let ruleBefore = try await Rows.first(
                c.query("SELECT assurance_needs_outcome FROM register.boards WHERE id = \(id) FOR UPDATE", logger: context.logger)
            ) { try $0.get("assurance_needs_outcome", as: Bool.self) }
            let updated = try await Rows.first(
                c.query(
                    """
                    UPDATE register.boards
                    SET code = \(details.code), name = \(details.name), kind = \(details.kind.rawValue), area = \(details.area),
                        active = \(details.active ?? true), assurance_needs_outcome = \(details.assuranceNeedsOutcome ?? true),
                        reminder_due_within_days = \(details.reminderDueWithinDays ?? ReminderRules.defaultDueWithinDays), version = version + 1, updated_at = now()
                    WHERE id = \(id) AND version = \(expectedVersion)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: context.logger), Self.board)
            guard let updated else { throw try await Rows.missingOrStale(.boards, id: id, on: c, logger: context.logger) }
            if let today, let ruleBefore, ruleBefore != updated.details.assuranceNeedsOutcome {
                let affected = try await Rows.all(
                    c.query(
                        """
                        SELECT r.id FROM register.recommendations r JOIN register.reviews v ON v.id = r.review_id
                        WHERE v.board_id = \(id) AND r.status IN ('open', 'in_progress', 'implemented', 'assured')
                        ORDER BY r.id
                        """, logger: context.logger)
                ) { try $0.get("id", as: UUID.self) }
                for recommendation in affected {
                    try await RecommendationMoves.follow(assignmentsOf: recommendation, today: today, connection: c, context: context)
                }
            }
            return updated
        }
    }
}
