import Foundation
import RegisterDomain
import RegisterStore

/// Holders of actions — partner organisations and the partnership's own business unit and subgroups:
/// managed by admins, read by staff; a partner user sees only their own.
public struct PartnerService: Sendable {
    let store: PartnerStore

    public func list(
        _ page: PageRequest, sector: Sector? = nil, active: Bool? = nil, kind: HolderKind? = nil, boardID: UUID? = nil, by actor: Actor
    ) async throws -> Page<Partner> {
        try await store.list(page, reach: try actor.reach(.readPartners), sector: sector, active: active, kind: kind, boardID: boardID)
    }

    /// Every active partner, by name: for choosing one in a form.
    public func choices(by actor: Actor) async throws -> [Partner] {
        var all: [Partner] = []
        var page = PageRequest(limit: 200)
        while true {
            let next = try await list(page, active: true, by: actor)
            all += next.items
            guard let cursor = next.nextCursor, let after = UUID(uuidString: cursor) else { break }
            page = PageRequest(after: after, limit: 200)
        }
        return all.sorted { $0.details.name.localizedCaseInsensitiveCompare($1.details.name) == .orderedAscending }
    }

    /// Every partner within the actor's reach, active or not, by name: for the admin pages.
    public func all(by actor: Actor) async throws -> [Partner] {
        var all: [Partner] = []
        var page = PageRequest(limit: 200)
        while true {
            let next = try await list(page, by: actor)
            all += next.items
            guard let cursor = next.nextCursor, let after = UUID(uuidString: cursor) else { break }
            page = PageRequest(after: after, limit: 200)
        }
        return all.sorted { $0.details.name.localizedCaseInsensitiveCompare($1.details.name) == .orderedAscending }
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> Partner {
        try await store.get(id, reach: try actor.reach(.readPartners, hiding: "partner"))
    }

    /// A partner by id or exact name (the command line's `--partner`).
    public func find(_ idOrName: String, by actor: Actor) async throws -> Partner {
        let partner = try await store.find(idOrName)
        guard try actor.reach(.readPartners, hiding: "partner").covers(partner: partner.id) else { throw DomainError.notFound("partner") }
        return partner
    }

    public func record(_ details: @autoclosure () async throws -> PartnerDetails, by actor: Actor) async throws -> Partner {
        try actor.require(.managePartners)
        return try await store.create(try await details(), context: actor.write)
    }

    public func update(
        _ id: UUID, expectedVersion: Int, to details: @autoclosure () async throws -> PartnerDetails, by actor: Actor
    ) async throws -> Partner {
        _ = try await get(id, by: actor)
        try actor.require(.managePartners)
        return try await store.update(id, expectedVersion: expectedVersion, to: try await details(), context: actor.write)
    }
}

/// Commissioning bodies and the theme taxonomy: reference data every role may read.
public struct BoardService: Sendable {
    let boards: BoardStore
    let themes: ThemeStore
    /// Today, for the recommendations a change of the assurance rule brings into line.
    var clock: RegisterClock = .system

    public func themes(by actor: Actor) async throws -> [Theme] {
        try actor.require(.readBoards)
        return try await themes.all()
    }

    public func list(_ page: PageRequest, by actor: Actor) async throws -> Page<Board> {
        try actor.require(.readBoards)
        return try await boards.list(page)
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> Board {
        try actor.require(.readBoards)
        return try await boards.get(id)
    }

    /// A board by id or code, for the command line.
    public func find(_ idOrCode: String, by actor: Actor) async throws -> Board {
        try actor.require(.readBoards)
        return try await boards.find(idOrCode)
    }

    public func record(_ details: @autoclosure () async throws -> BoardDetails, by actor: Actor) async throws -> Board {
        try actor.require(.manageBoards)
        return try await boards.create(try await details(), context: actor.write)
    }

    public func update(_ id: UUID, expectedVersion: Int, to details: BoardDetails, by actor: Actor) async throws -> Board {
        try actor.require(.manageBoards)
        return try await boards.update(id, expectedVersion: expectedVersion, to: details, today: clock.today(), context: actor.write)
    }
}
