import Foundation

/// The figures a yearly report needs, per review and per partner.
public struct ComplianceSummary: Encodable, Sendable, Equatable {
    public struct Line: Encodable, Sendable, Equatable {
        /// The review's reference or the partner's name.
        public var name: String
        public var id: UUID
        /// Recommendations (per review) or assignments (per partner) counted.
        public var total: Int
        public var byStatus: [String: Int]
        public var percentAssured: Double
        public var percentOverdue: Double
        /// Median days from the due date to the first accepted evidence (negative: early); nil without any.
        public var medianDaysDueToAccepted: Double?

        public init(name: String, id: UUID, total: Int, byStatus: [String: Int], percentAssured: Double, percentOverdue: Double, medianDaysDueToAccepted: Double?) {
            self.name = name
            self.id = id
            self.total = total
            self.byStatus = byStatus
            self.percentAssured = percentAssured
            self.percentOverdue = percentOverdue
            self.medianDaysDueToAccepted = medianDaysDueToAccepted
        }

        enum CodingKeys: String, CodingKey {
            case name, id, total
            case byStatus = "by_status"
            case percentAssured = "percent_assured"
            case percentOverdue = "percent_overdue"
            case medianDaysDueToAccepted = "median_days_due_to_accepted"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(id, forKey: .id)
            try c.encode(total, forKey: .total)
            try c.encode(byStatus, forKey: .byStatus)
            try c.encode(percentAssured, forKey: .percentAssured)
            try c.encode(percentOverdue, forKey: .percentOverdue)
            try c.encode(medianDaysDueToAccepted, forKey: .medianDaysDueToAccepted)
        }
    }

    /// A recommendation closed as done without accepted evidence of outcome or impact: there should be none.
    public struct ClosedWithoutImpact: Encodable, Sendable, Equatable {
        public var reviewReference: String
        public var recommendationNumber: String
        public var recommendationID: UUID
        public var status: RecommendationStatus
        public var closedOn: Day?

        public init(reviewReference: String, recommendationNumber: String, recommendationID: UUID, status: RecommendationStatus, closedOn: Day?) {
            self.reviewReference = reviewReference
            self.recommendationNumber = recommendationNumber
            self.recommendationID = recommendationID
            self.status = status
            self.closedOn = closedOn
        }

        enum CodingKeys: String, CodingKey {
            case reviewReference = "review_reference"
            case recommendationNumber = "recommendation_number"
            case recommendationID = "recommendation_id"
            case status
            case closedOn = "closed_on"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(reviewReference, forKey: .reviewReference)
            try c.encode(recommendationNumber, forKey: .recommendationNumber)
            try c.encode(recommendationID, forKey: .recommendationID)
            try c.encode(status, forKey: .status)
            try c.encode(closedOn, forKey: .closedOn)
        }
    }

    public var asAt: Day?
    public var reviews: [Line]
    public var partners: [Line]
    public var closedWithoutImpactEvidence: [ClosedWithoutImpact]

    public init(asAt: Day?, reviews: [Line], partners: [Line], closedWithoutImpactEvidence: [ClosedWithoutImpact]) {
        self.asAt = asAt
        self.reviews = reviews
        self.partners = partners
        self.closedWithoutImpactEvidence = closedWithoutImpactEvidence
    }

    enum CodingKeys: String, CodingKey {
        case asAt = "as_at"
        case reviews, partners
        case closedWithoutImpactEvidence = "closed_without_impact_evidence"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(asAt, forKey: .asAt)
        try c.encode(reviews, forKey: .reviews)
        try c.encode(partners, forKey: .partners)
        try c.encode(closedWithoutImpactEvidence, forKey: .closedWithoutImpactEvidence)
    }
}
