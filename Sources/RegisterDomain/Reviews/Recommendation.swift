import Foundation

/// What a review recommends: its number, text, reach, addressee, target date and the findings it answers.
public struct RecommendationDetails: Draft, Equatable {
    /// The label used in the report: "1", "4b".
    public var number: String
    public var text: String
    public var scope: Scope
    /// Who the review addressed it to ("The LSCB and partners").
    public var addressee: String?
    public var targetDate: Day?
    /// Findings of the same review that this recommendation answers.
    public var findingIDs: [UUID]?

    public init(number: String, text: String, scope: Scope, addressee: String? = nil, targetDate: Day? = nil, findingIDs: [UUID]? = nil) {
        self.number = number
        self.text = text
        self.scope = scope
        self.addressee = addressee
        self.targetDate = targetDate
        self.findingIDs = findingIDs
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case number, text, scope, addressee
        case targetDate = "target_date"
        case findingIDs = "finding_ids"
    }

    public static let fieldNames = names(CodingKeys.self)

    public func validate() throws {
        var v = Validator()
        v.text(number, field: "number", max: 10)
        if !number.isEmpty, number.range(of: "^[0-9A-Za-z][0-9A-Za-z.()-]*\\z", options: .regularExpression) == nil {
            v.fail("number", "number is the label from the report, such as 1, 4b or 2.3")
        }
        v.text(text, field: "text", max: 10_000)
        v.optionalText(addressee, field: "addressee", max: 300)
        v.unique(findingIDs ?? [], field: "finding_ids")
        v.plausible(targetDate, field: "target_date")
        try v.check()
    }
}

/// The lifecycle part of a recommendation, changed only through transitions.
public struct RecommendationState: Encodable, Sendable, Equatable {
    public var reviewID: UUID
    public var status: RecommendationStatus
    /// Why it was closed, not implemented, superseded or reopened.
    public var closureNote: String?
    public var closedOn: Day?
    /// Computed by the database on read (Schema/0009): still open, and past its target date or with overdue work. Never stored.
    public var overdue: Bool

    public init(reviewID: UUID, status: RecommendationStatus, closureNote: String?, closedOn: Day?, overdue: Bool) {
        self.reviewID = reviewID
        self.status = status
        self.closureNote = closureNote
        self.closedOn = closedOn
        self.overdue = overdue
    }

    enum CodingKeys: String, CodingKey {
        case reviewID = "review_id"
        case status
        case closureNote = "closure_note"
        case closedOn = "closed_on"
        case overdue
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reviewID, forKey: .reviewID)
        try c.encode(status, forKey: .status)
        try c.encode(closureNote, forKey: .closureNote)
        try c.encode(closedOn, forKey: .closedOn)
        try c.encode(overdue, forKey: .overdue)
    }
}

/// One recommendation of a review.
public typealias Recommendation = Record<RecommendationDetails, RecommendationState>

/// A request to move a review or recommendation to another state.
public struct TransitionRequest<State: Lifecycle>: Codable, Sendable {
    public var to: State
    /// Required for negative moves (not implemented, not published, reopen…).
    public var reason: String?
    /// The day it happened, when not today (for example the publication date).
    public var on: Day?

    public init(to: State, reason: String? = nil, on: Day? = nil) {
        self.to = to
        self.reason = reason
        self.on = on
    }
}
