import Foundation

/// An assignment past its due date, for the coordinator's home page.
public struct OverdueAction: Sendable, Equatable {
    public var assignmentID: UUID
    public var recommendationID: UUID
    public var reviewReference: String
    public var recommendationNumber: String
    public var partnerName: String
    public var dueDate: Day
    /// Days past the due date, on the day the list was made.
    public var daysOverdue: Int

    public init(
        assignmentID: UUID, recommendationID: UUID, reviewReference: String, recommendationNumber: String, partnerName: String,
        dueDate: Day, daysOverdue: Int
    ) {
        self.assignmentID = assignmentID
        self.recommendationID = recommendationID
        self.reviewReference = reviewReference
        self.recommendationNumber = recommendationNumber
        self.partnerName = partnerName
        self.dueDate = dueDate
        self.daysOverdue = daysOverdue
    }
}

/// Evidence waiting for a verdict, for the home page and the evidence queue.
public struct PendingEvidence: Sendable, Equatable {
    public var evidenceID: UUID
    public var recommendationID: UUID
    public var reviewReference: String
    public var recommendationNumber: String
    public var partnerName: String
    public var receivedAt: Date
    /// Whole days since it was received.
    public var daysWaiting: Int

    public init(
        evidenceID: UUID, recommendationID: UUID, reviewReference: String, recommendationNumber: String, partnerName: String,
        receivedAt: Date, daysWaiting: Int
    ) {
        self.evidenceID = evidenceID
        self.recommendationID = recommendationID
        self.reviewReference = reviewReference
        self.recommendationNumber = recommendationNumber
        self.partnerName = partnerName
        self.receivedAt = receivedAt
        self.daysWaiting = daysWaiting
    }
}

/// A few items of a longer list, with the length of the whole list.
public struct Excerpt<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int

    public init(items: [Item], total: Int) {
        self.items = items
        self.total = total
    }
}
