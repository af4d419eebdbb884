import Foundation

/// The kind of agency a partner is.
public enum Sector: String, DomainEnum {
    case police, health
    case localAuthority = "local_authority"
    case education, probation, voluntary, other
    public static let vocabularyName = "sector"
}

/// What an admin records about a partner agency.
public struct PartnerDetails: Draft, Equatable {
    public var name: String
    public var sector: Sector
    /// An inactive partner keeps its history but is given no new work.
    public var active: Bool?

    public init(name: String, sector: Sector, active: Bool? = true) {
        self.name = name
        self.sector = sector
        self.active = active
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, sector, active
    }

    public static let fieldNames = names(CodingKeys.self)

    public func validate() throws {
        var v = Validator()
        v.text(name, field: "name", max: 200)
        try v.check()
    }
}

/// A partner agency: police force, integrated care board, council service, school trust, probation…
public typealias Partner = Record<PartnerDetails, NoState>
