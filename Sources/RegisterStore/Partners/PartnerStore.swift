import Foundation
import PostgresNIO
import RegisterDomain

/// Holders of actions: partner organisations, and the partnership's own business unit and subgroups.
public struct PartnerStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    private static let columns = "id, name, sector, active, kind, board_id, remit, version, created_at, updated_at"

    private static func partner(_ r: PostgresRandomAccessRow) throws -> Partner {
        Partner(
            id: try r.get("id"), version: try r.get("version"), createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"),
            details: PartnerDetails(
                name: try r.get("name"), sector: try r.get("sector"), active: try r.get("active"), kind: try r.get("kind"),
                boardID: try r.get("board_id"), remit: try r.get("remit")))
    }

    public func create(_ details: PartnerDetails, context: WriteContext) async throws -> Partner {
        try details.validate()
        return try await database.write(context) { c in
            try await Self.insert(details, id: UUID.v7(), on: c, logger: context.logger)
        }
    }

    /// Inserts a validated partner in the caller's transaction.
    @discardableResult
    static func insert(_ details: PartnerDetails, id: UUID, on c: DatabaseConnection, logger: Logger) async throws -> Partner {
            try await Rows.first(
                c.query(
                    """
                    INSERT INTO register.partners (id, name, sector, active, kind, board_id, remit)
                    VALUES (
                        \(id), \(details.name.trimmingCharacters(in: .whitespaces)), \(details.sector.rawValue), \(details.active ?? true),
                        \(details.kind.rawValue), \(details.boardID), \(details.remit))
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger), Self.partner)!
    }

    /// A partner within `reach` (a partner user sees only their own organisation).
    public func get(_ id: UUID, reach: Reach = .everything) async throws -> Partner {
        let found = try await database.read { c in
            try await Rows.first(
                c.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM register.partners
                    WHERE id = \(id) AND (\(reach.partnerID)::uuid IS NULL OR id = \(reach.partnerID))
                    """, logger: database.logger), Self.partner)
        }
        guard let found else { throw DomainError.notFound("partner") }
        return found
    }

    /// Finds a partner by id or by exact name (case-insensitive), for the command line.
    public func find(_ idOrName: String) async throws -> Partner {
        if let id = UUID(uuidString: idOrName) { return try await get(id) }
        let found = try await database.read { c in
            try await Rows.first(
                c.query("SELECT \(unescaped: Self.columns) FROM register.partners WHERE lower(name) = lower(\(idOrName))", logger: database.logger),
                Self.partner)
        }
        guard let found else { throw DomainError.notFound("partner") }
        return found
    }

    public func list(
        _ page: PageRequest, reach: Reach = .everything, sector: Sector? = nil, active: Bool? = nil, kind: HolderKind? = nil, boardID: UUID? = nil
    ) async throws -> Page<Partner> {
        let rows = try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM register.partners
                    WHERE (\(reach.partnerID)::uuid IS NULL OR id = \(reach.partnerID))
                      AND (\(sector?.rawValue)::text IS NULL OR sector = \(sector?.rawValue))
                      AND (\(active)::boolean IS NULL OR active = \(active))
                      AND (\(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue))
                      AND (\(boardID)::uuid IS NULL OR board_id = \(boardID))
                      AND (\(page.after)::uuid IS NULL OR id > \(page.after))
                    ORDER BY id LIMIT \(page.limit + 1)
                    """, logger: database.logger), Self.partner)
        }
        return Page(fetched: rows, limit: page.limit, id: \.id)
    }

    public func update(_ id: UUID, expectedVersion: Int, to details: PartnerDetails, context: WriteContext) async throws -> Partner {
        try details.validate()
        return try await database.write(context) { c in
            let updated = try await Rows.first(
                c.query(
                    """
                    UPDATE register.partners
                    SET name = \(details.name.trimmingCharacters(in: .whitespaces)), sector = \(details.sector.rawValue),
                        active = \(details.active ?? true), kind = \(details.kind.rawValue), board_id = \(details.boardID),
                        remit = \(details.remit), version = version + 1, updated_at = now()
                    WHERE id = \(id) AND version = \(expectedVersion)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: context.logger), Self.partner)
            guard let updated else { throw try await Rows.missingOrStale(.partners, id: id, on: c, logger: context.logger) }
            return updated
        }
    }
}
