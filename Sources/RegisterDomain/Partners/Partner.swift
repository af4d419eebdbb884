import Foundation

/// The kind of agency a partner is; `partnership` is the partnership's own business unit or subgroup.
public enum Sector: String, DomainEnum {
    case police, health
    case localAuthority = "local_authority"
    case education, probation, voluntary, other
    case partnership
    public static let vocabularyName = "sector"
}

/// Who holds actions: a partner organisation, or the partnership itself — its business unit or a
/// named subgroup (a task-and-finish group, say) — which acts as a partner does.
public enum HolderKind: String, DomainEnum {
    case organisation
    case businessUnit = "business_unit"
    case subgroup
    public static let vocabularyName = "holder kind"

    /// Whether the holder is part of the partnership itself rather than a partner organisation.
    public var isPartnership: Bool { self != .organisation }
}

/// What an admin records about a holder of actions: a partner agency, or the partnership's own
/// business unit or subgroup.
public struct PartnerDetails: Draft, Equatable {
    public var name: String
    public var sector: Sector
    /// An inactive partner keeps its history but is given no new work.
    public var active: Bool?
    /// A partner organisation unless said otherwise.
    public var kind: HolderKind
    /// The partnership (board) a business unit or subgroup belongs to; none for an organisation.
    public var boardID: UUID?
    /// What a subgroup is for ("the longer term needs of children who have experienced abuse").
    public var remit: String?

    public init(
        name: String, sector: Sector, active: Bool? = true, kind: HolderKind = .organisation, boardID: UUID? = nil,
        remit: String? = nil
    ) {
        self.name = name
        self.sector = sector
        self.active = active
        self.kind = kind
        self.boardID = boardID
        self.remit = remit
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, sector, active, kind
        case boardID = "board_id"
        case remit
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        sector = try c.decode(Sector.self, forKey: .sector)
        active = try c.decodeIfPresent(Bool.self, forKey: .active)
        kind = try c.decodeIfPresent(HolderKind.self, forKey: .kind) ?? .organisation
        boardID = try c.decodeIfPresent(UUID.self, forKey: .boardID)
        remit = try c.decodeIfPresent(String.self, forKey: .remit)
    }

    public static let fieldNames = names(CodingKeys.self)

    public func validate() throws {
        var v = Validator()
        v.text(name, field: "name", max: 200)
        v.optionalText(remit, field: "remit", max: 2000)
        if kind.isPartnership {
            if boardID == nil { v.fail("board_id", "a \(kind.rawValue) belongs to a partnership: name its board") }
            if sector != .partnership { v.fail("sector", "a \(kind.rawValue) is of the sector partnership") }
        } else {
            if boardID != nil { v.fail("board_id", "a partner organisation belongs to no one board: leave board_id out, or choose kind business_unit or subgroup") }
            if sector == .partnership { v.fail("sector", "the sector partnership is for the partnership's business unit and subgroups: choose kind business_unit or subgroup, or another sector") }
        }
        try v.check()
    }
}

/// A holder of actions: a partner agency (police force, integrated care board, council service,
/// school trust, probation…) or the partnership's own business unit or subgroup.
public typealias Partner = Record<PartnerDetails, NoState>
