import Foundation

/// Which rows a compliance report holds. Every filter is optional; set ones must all hold.
public struct ReportFilter: Sendable, Equatable {
    public var reviewID: UUID?
    /// A review's reference (`COV-SCR-2016-01`), for people and the command line.
    public var reviewReference: String?
    public var boardID: UUID?
    public var partnerID: UUID?
    public var kind: ReviewKind?
    /// The recommendation's status.
    public var status: RecommendationStatus?
    /// A theme of the review or of a finding the recommendation answers.
    public var theme: String?
    /// Only rows overdue (true) or not overdue (false) on the report's day.
    public var overdue: Bool?

    public init(
        reviewID: UUID? = nil, reviewReference: String? = nil, boardID: UUID? = nil, partnerID: UUID? = nil, kind: ReviewKind? = nil,
        status: RecommendationStatus? = nil, theme: String? = nil, overdue: Bool? = nil
    ) {
        self.reviewID = reviewID
        self.reviewReference = reviewReference
        self.boardID = boardID
        self.partnerID = partnerID
        self.kind = kind
        self.status = status
        self.theme = theme
        self.overdue = overdue
    }
}

/// One line of the compliance report: a recommendation and one partner's assignment of it (or the
/// recommendation alone, when nobody has been assigned it yet).
public struct ComplianceRow: Codable, Sendable, Equatable {
    public var reviewReference: String
    public var reviewTitle: String
    public var reviewKind: ReviewKind
    public var recommendationNumber: String
    public var recommendationText: String
    public var scope: Scope
    public var recommendationStatus: RecommendationStatus
    public var partner: String?
    public var role: AssignmentRole?
    public var leadOfficer: String?
    public var action: String?
    public var originalDueDate: Day?
    public var currentDueDate: Day?
    /// The assignment's status, or nil for a recommendation nobody has been assigned.
    public var status: AssignmentStatus?
    /// Days past the due date on the report's day (0 when not overdue).
    public var overdueDays: Int
    public var latestEvidenceKind: EvidenceKind?
    public var latestEvidenceVerdict: Verdict?
    public var latestEvidenceDate: Day?
    public var latestEvidenceReceivedAt: Date?
    /// SHA-256 (lower-case hex) of each file of the latest evidence, in upload order.
    public var latestEvidenceSHA256: [String]
    public var assuredOn: Day?
    public var closedOn: Day?
    /// The assignment's latest progress update (`register.latest_updates`): its day, RAG and text.
    public var latestUpdateDate: Day?
    public var latestUpdateRAG: RAGRating?
    public var latestUpdateText: String?
    /// Set while the assignment is marked delayed: why, and when the work is now expected.
    public var delayReason: String?
    public var delayExpectedDate: Day?

    public init(
        reviewReference: String, reviewTitle: String, reviewKind: ReviewKind, recommendationNumber: String, recommendationText: String,
        scope: Scope, recommendationStatus: RecommendationStatus, partner: String?, role: AssignmentRole?, leadOfficer: String?,
        action: String?, originalDueDate: Day?, currentDueDate: Day?, status: AssignmentStatus?, overdueDays: Int,
        latestEvidenceKind: EvidenceKind?, latestEvidenceVerdict: Verdict?, latestEvidenceDate: Day?, latestEvidenceReceivedAt: Date?,
        latestEvidenceSHA256: [String], assuredOn: Day?, closedOn: Day?, latestUpdateDate: Day? = nil, latestUpdateRAG: RAGRating? = nil,
        latestUpdateText: String? = nil, delayReason: String? = nil, delayExpectedDate: Day? = nil
    ) {
        self.reviewReference = reviewReference
        self.reviewTitle = reviewTitle
        self.reviewKind = reviewKind
        self.recommendationNumber = recommendationNumber
        self.recommendationText = recommendationText
        self.scope = scope
        self.recommendationStatus = recommendationStatus
        self.partner = partner
        self.role = role
        self.leadOfficer = leadOfficer
        self.action = action
        self.originalDueDate = originalDueDate
        self.currentDueDate = currentDueDate
        self.status = status
        self.overdueDays = overdueDays
        self.latestEvidenceKind = latestEvidenceKind
        self.latestEvidenceVerdict = latestEvidenceVerdict
        self.latestEvidenceDate = latestEvidenceDate
        self.latestEvidenceReceivedAt = latestEvidenceReceivedAt
        self.latestEvidenceSHA256 = latestEvidenceSHA256
        self.assuredOn = assuredOn
        self.closedOn = closedOn
        self.latestUpdateDate = latestUpdateDate
        self.latestUpdateRAG = latestUpdateRAG
        self.latestUpdateText = latestUpdateText
        self.delayReason = delayReason
        self.delayExpectedDate = delayExpectedDate
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case reviewReference = "review_reference"
        case reviewTitle = "review_title"
        case reviewKind = "review_kind"
        case recommendationNumber = "recommendation_number"
        case recommendationText = "recommendation_text"
        case scope
        case recommendationStatus = "recommendation_status"
        case partner, role
        case leadOfficer = "lead_officer"
        case action
        case originalDueDate = "original_due_date"
        case currentDueDate = "current_due_date"
        case status
        case overdueDays = "overdue_days"
        case latestEvidenceKind = "latest_evidence_kind"
        case latestEvidenceVerdict = "latest_evidence_verdict"
        case latestEvidenceDate = "latest_evidence_date"
        case latestEvidenceReceivedAt = "latest_evidence_received_at"
        case latestEvidenceSHA256 = "latest_evidence_sha256"
        case assuredOn = "assured_on"
        case closedOn = "closed_on"
        case latestUpdateDate = "latest_update_date"
        case latestUpdateRAG = "latest_update_rag"
        case latestUpdateText = "latest_update_text"
        case delayReason = "delay_reason"
        case delayExpectedDate = "delay_expected_date"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reviewReference, forKey: .reviewReference)
        try c.encode(reviewTitle, forKey: .reviewTitle)
        try c.encode(reviewKind, forKey: .reviewKind)
        try c.encode(recommendationNumber, forKey: .recommendationNumber)
        try c.encode(recommendationText, forKey: .recommendationText)
        try c.encode(scope, forKey: .scope)
        try c.encode(recommendationStatus, forKey: .recommendationStatus)
        try c.encode(partner, forKey: .partner)
        try c.encode(role, forKey: .role)
        try c.encode(leadOfficer, forKey: .leadOfficer)
        try c.encode(action, forKey: .action)
        try c.encode(originalDueDate, forKey: .originalDueDate)
        try c.encode(currentDueDate, forKey: .currentDueDate)
        try c.encode(status, forKey: .status)
        try c.encode(overdueDays, forKey: .overdueDays)
        try c.encode(latestEvidenceKind, forKey: .latestEvidenceKind)
        try c.encode(latestEvidenceVerdict, forKey: .latestEvidenceVerdict)
        try c.encode(latestEvidenceDate, forKey: .latestEvidenceDate)
        try c.encode(latestEvidenceReceivedAt, forKey: .latestEvidenceReceivedAt)
        try c.encode(latestEvidenceSHA256, forKey: .latestEvidenceSHA256)
        try c.encode(assuredOn, forKey: .assuredOn)
        try c.encode(closedOn, forKey: .closedOn)
        try c.encode(latestUpdateDate, forKey: .latestUpdateDate)
        try c.encode(latestUpdateRAG, forKey: .latestUpdateRAG)
        try c.encode(latestUpdateText, forKey: .latestUpdateText)
        try c.encode(delayReason, forKey: .delayReason)
        try c.encode(delayExpectedDate, forKey: .delayExpectedDate)
    }

    /// The status a person would count this line under: the assignment's, or the recommendation's when unassigned.
    public var countedStatus: String { status?.rawValue ?? recommendationStatus.rawValue }
}
