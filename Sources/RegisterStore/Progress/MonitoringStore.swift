import Foundation
import PostgresNIO
import RegisterDomain

extension MonitoringBodyKind: PostgresDecodable {}

/// Monitoring bodies, the sources each monitors, and the record of reports presented to them.
public struct MonitoringStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    private static let columns = "id, board_id, name, kind, version, created_at, updated_at"

    private static func body(_ r: PostgresRandomAccessRow) throws -> MonitoringBody {
        MonitoringBody(
            id: try r.get("id"), version: try r.get("version"), createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"),
            details: MonitoringBodyDetails(boardID: try r.get("board_id"), name: try r.get("name"), kind: try r.get("kind")))
    }

    public func create(_ details: MonitoringBodyDetails, context: WriteContext) async throws -> MonitoringBody {
        try details.validate()
        return try await database.write(context) { c in
            let board = try await Rows.first(c.query("SELECT id FROM register.boards WHERE id = \(details.boardID)", logger: context.logger)) {
                try $0.get("id", as: UUID.self)
            }
            if board == nil { throw ValidationError(field: "board_id", message: "board_id does not name a board (GET /api/v1/boards)") }
            do {
                return try await Rows.first(
                    c.query(
                        """
                        INSERT INTO register.monitoring_bodies (id, board_id, name, kind)
                        VALUES (\(UUID.v7()), \(details.boardID), \(details.name.trimmingCharacters(in: .whitespacesAndNewlines)), \(details.kind.rawValue))
                        RETURNING \(unescaped: Self.columns)
                        """, logger: context.logger), Self.body)!
            } catch let error as PSQLError where error.serverInfo?[.constraintName] == "monitoring_bodies_name" {
                throw DomainError.conflict("This partnership already has a monitoring body of that name.")
            }
        }
    }

    public func get(_ id: UUID) async throws -> MonitoringBody {
        let found = try await database.read { c in
            try await Rows.first(c.query("SELECT \(unescaped: Self.columns) FROM register.monitoring_bodies WHERE id = \(id)", logger: database.logger), Self.body)
        }
        guard let found else { throw DomainError.notFound("monitoring body") }
        return found
    }

    /// Every body, or a board's, by board then name (a partnership has a handful).
    public func list(boardID: UUID?) async throws -> [MonitoringBody] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM register.monitoring_bodies
                    WHERE (\(boardID)::uuid IS NULL OR board_id = \(boardID))
                    ORDER BY board_id, lower(name), id LIMIT 500
                    """, logger: database.logger), Self.body)
        }
    }

    /// The sources a body monitors, by reference.
    public func sources(of bodyID: UUID) async throws -> [MonitoredSource] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    "SELECT id, reference, title FROM register.reviews WHERE monitored_by = \(bodyID) ORDER BY reference, id",
                    logger: database.logger)
            ) { MonitoredSource(reviewID: try $0.get("id"), reference: try $0.get("reference"), title: try $0.get("title")) }
        }
    }

    /// Records that `bodyID` monitors the review (nil: no body does). The review's `monitored_by`
    /// is not part of the review's edited fields, so its version does not change.
    public func setMonitoredBy(_ reviewID: UUID, bodyID: UUID?, context: WriteContext) async throws {
        try await database.write(context) { c in
            let board = try await Rows.first(c.query("SELECT board_id FROM register.reviews WHERE id = \(reviewID) FOR UPDATE", logger: context.logger)) {
                try $0.get("board_id", as: UUID.self)
            }
            guard let board else { throw ValidationError(field: "review_id", message: "review_id does not name a review") }
            if let bodyID {
                let bodyBoard = try await Rows.first(c.query("SELECT board_id FROM register.monitoring_bodies WHERE id = \(bodyID)", logger: context.logger)) {
                    try $0.get("board_id", as: UUID.self)
                }
                guard let bodyBoard else { throw DomainError.notFound("monitoring body") }
                if bodyBoard != board {
                    throw ValidationError(field: "review_id", message: "that review belongs to another partnership: a body monitors its own board's sources")
                }
            }
            try await c.run("UPDATE register.reviews SET monitored_by = \(bodyID) WHERE id = \(reviewID)", logger: context.logger)
        }
    }

    /// The review's monitoring body now, if any.
    public func monitoredBy(_ reviewID: UUID) async throws -> UUID? {
        try await database.read { c in
            try await Rows.first(c.query("SELECT monitored_by FROM register.reviews WHERE id = \(reviewID)", logger: database.logger)) {
                try $0.get("monitored_by", as: UUID?.self)
            } ?? nil
        }
    }

    private static let presentationColumns = "id, body_id, period_start, period_end, presented_to, presented_on, note, recorded_by, created_at"

    private static func presentation(_ r: PostgresRandomAccessRow) throws -> Presentation {
        Presentation(
            id: try r.get("id"), bodyID: try r.get("body_id"), period: ReportingPeriod(start: try r.get("period_start"), end: try r.get("period_end")),
            presentedTo: try r.get("presented_to"), presentedOn: try r.get("presented_on"), note: try r.get("note"),
            recordedBy: try r.get("recorded_by"), createdAt: try r.get("created_at"))
    }

    public func presentations(of bodyID: UUID) async throws -> [Presentation] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    "SELECT \(unescaped: Self.presentationColumns) FROM register.period_presentations WHERE body_id = \(bodyID) ORDER BY presented_on DESC, id DESC",
                    logger: database.logger), Self.presentation)
        }
    }

    public func addPresentation(to bodyID: UUID, _ new: NewPresentation, today: Day, context: WriteContext) async throws -> Presentation {
        try new.validate(today: today)
        let note = new.note?.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await database.write(context) { c in
            try await Rows.first(
                c.query(
                    """
                    INSERT INTO register.period_presentations (id, body_id, period_start, period_end, presented_to, presented_on, note, recorded_by)
                    VALUES (\(UUID.v7()), \(bodyID), \(new.periodStart), \(new.periodEnd), \(new.presentedTo.trimmingCharacters(in: .whitespacesAndNewlines)),
                            \(new.presentedOn), \(note), \(context.actor.auditName))
                    RETURNING \(unescaped: Self.presentationColumns)
                    """, logger: context.logger), Self.presentation)!
        }
    }
}
