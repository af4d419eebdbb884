import Foundation

/// The text of one of a review's core questions (its terms of reference).
public struct CoreQuestionDetails: Draft, Equatable {
    public var text: String

    public init(text: String) { self.text = text }

    public enum CodingKeys: String, CodingKey, CaseIterable { case text }

    public static let fieldNames = names(CodingKeys.self)

    public func validate() throws {
        var v = Validator()
        v.text(text, field: "text", max: 2000)
        try v.check()
    }
}

/// Where an ordered item (question or finding) sits within its review.
public struct Placement: Encodable, Sendable, Equatable {
    public var reviewID: UUID
    /// 1 for the first item; changed only by reordering.
    public var position: Int

    public init(reviewID: UUID, position: Int) {
        self.reviewID = reviewID
        self.position = position
    }

    enum CodingKeys: String, CodingKey {
        case reviewID = "review_id"
        case position
    }
}

/// One core question a review set out to answer, in order.
public typealias CoreQuestion = Record<CoreQuestionDetails, Placement>
