import Foundation

/// The partner organisation a submission or progress update came from: the assignment's partner
/// when it was recorded. A reassignment moves the assignment, not what an earlier organisation
/// sent: the partner who has the assignment now sees that only once a coordinator shares it.
public struct Provenance: Sendable, Equatable {
    public var partnerID: UUID
    public var partnerName: String
    /// Whether the partner who has the assignment now may see it: they sent it, or it was shared with them.
    public var visibleToPartner: Bool

    public init(partnerID: UUID, partnerName: String, visibleToPartner: Bool) {
        self.partnerID = partnerID
        self.partnerName = partnerName
        self.visibleToPartner = visibleToPartner
    }

    enum CodingKeys: String, CodingKey {
        case partnerID = "from_partner_id"
        case partnerName = "from_partner_name"
        case visibleToPartner = "visible_to_partner"
    }

    /// Written into the record's own JSON object, beside its other fields.
    func encode(into encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(partnerID, forKey: .partnerID)
        try c.encode(partnerName, forKey: .partnerName)
        try c.encode(visibleToPartner, forKey: .visibleToPartner)
    }
}

/// What a coordinator shares with the partner who has an assignment now: one piece of evidence,
/// or (no `evidenceID`) every submission and progress update another organisation sent on it.
public struct ShareRequest: Codable, Sendable, Equatable {
    public var evidenceID: UUID?

    public init(evidenceID: UUID? = nil) { self.evidenceID = evidenceID }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case evidenceID = "evidence_id"
    }

    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.stringValue))
}

/// A recorded share: never changed or withdrawn.
public struct EvidenceShare: Encodable, Sendable, Equatable {
    public var id: UUID
    public var assignmentID: UUID
    /// The one piece of evidence shared, or nil for everything on the assignment.
    public var evidenceID: UUID?
    /// The organisation it is shared with: the assignment's partner when it was shared.
    public var partnerID: UUID
    public var partnerName: String
    /// `user:<uuid>` of the coordinator who shared it.
    public var sharedBy: String
    public var createdAt: Date

    public init(id: UUID, assignmentID: UUID, evidenceID: UUID?, partnerID: UUID, partnerName: String, sharedBy: String, createdAt: Date) {
        self.id = id
        self.assignmentID = assignmentID
        self.evidenceID = evidenceID
        self.partnerID = partnerID
        self.partnerName = partnerName
        self.sharedBy = sharedBy
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case assignmentID = "assignment_id"
        case evidenceID = "evidence_id"
        case partnerID = "partner_id"
        case partnerName = "partner_name"
        case sharedBy = "shared_by"
        case createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(assignmentID, forKey: .assignmentID)
        try c.encode(evidenceID, forKey: .evidenceID)
        try c.encode(partnerID, forKey: .partnerID)
        try c.encode(partnerName, forKey: .partnerName)
        try c.encode(sharedBy, forKey: .sharedBy)
        try c.encode(createdAt, forKey: .createdAt)
    }
}
