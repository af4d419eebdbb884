import Foundation

/// What a further-information request asks for.
public enum RequestKind: String, DomainEnum {
    /// A briefing to a board or committee ("a briefing in 6 months").
    case briefing
    /// Information, documents or figures.
    case information
    public static let vocabularyName = "request kind"
}

/// Where a further-information request stands. "Overdue" is not a status: the database judges it
/// (`register.information_request_overdue`) from the status and the due date.
public enum RequestStatus: String, DomainEnum {
    case open, answered, withdrawn
    public static let vocabularyName = "request status"
}

/// What a coordinator asks of a holder (a partner organisation, or the partnership's own business
/// unit or subgroup), by when, and about what.
public struct InformationRequestDetails: Draft, Equatable {
    /// The holder asked.
    public var partnerID: UUID
    public var kind: RequestKind
    public var question: String
    /// The monitoring body that wants it, in its own words ("Education and Children's Services Scrutiny Board").
    public var onBehalfOf: String?
    public var dueDate: Day
    /// What it is about, if anything: at most one of a review, a recommendation or an assignment.
    public var reviewID: UUID?
    public var recommendationID: UUID?
    public var assignmentID: UUID?

    public init(
        partnerID: UUID, kind: RequestKind, question: String, onBehalfOf: String? = nil, dueDate: Day, reviewID: UUID? = nil,
        recommendationID: UUID? = nil, assignmentID: UUID? = nil
    ) {
        self.partnerID = partnerID
        self.kind = kind
        self.question = question
        self.onBehalfOf = onBehalfOf
        self.dueDate = dueDate
        self.reviewID = reviewID
        self.recommendationID = recommendationID
        self.assignmentID = assignmentID
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case partnerID = "partner_id"
        case kind, question
        case onBehalfOf = "on_behalf_of"
        case dueDate = "due_date"
        case reviewID = "review_id"
        case recommendationID = "recommendation_id"
        case assignmentID = "assignment_id"
    }

    public static let fieldNames = names(CodingKeys.self)

    /// Every field, absent ones as null, in a stable order.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(partnerID, forKey: .partnerID)
        try c.encode(kind, forKey: .kind)
        try c.encode(question, forKey: .question)
        try c.encode(onBehalfOf, forKey: .onBehalfOf)
        try c.encode(dueDate, forKey: .dueDate)
        try c.encode(reviewID, forKey: .reviewID)
        try c.encode(recommendationID, forKey: .recommendationID)
        try c.encode(assignmentID, forKey: .assignmentID)
    }

    public func validate() throws {
        var v = Validator()
        v.text(question, field: "question", max: 10_000)
        v.optionalText(onBehalfOf, field: "on_behalf_of", max: 200)
        if let onBehalfOf, onBehalfOf.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            v.fail("on_behalf_of", "on_behalf_of must not be blank; leave it out when the partnership itself asks")
        }
        v.plausible(dueDate, field: "due_date")
        if [reviewID, recommendationID, assignmentID].compactMap({ $0 }).count > 1 {
            v.fail("review_id", "name at most one of review_id, recommendation_id and assignment_id: the most specific one the request is about")
        }
        try v.check()
    }
}

/// A request's withdrawal: a coordinator's, with the reason the holder will read.
public struct Withdrawal: Codable, Sendable, Equatable {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public static let fieldNames: Set<String> = ["reason"]

    /// The trimmed reason, refused when empty.
    public func validate() throws -> String {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        var v = Validator()
        if trimmed.isEmpty { v.fail("reason", "withdrawing needs a reason the holder can read") }
        v.optionalText(trimmed, field: "reason", max: 5000)
        try v.check()
        return trimmed
    }
}

/// The text of an answer (its files come alongside, as an evidence upload's do).
public struct AnswerSubmission: Sendable, Equatable {
    public var text: String

    public init(text: String) { self.text = text }

    /// The form fields of an answer upload.
    public static let fieldNames: Set<String> = ["text"]

    /// Reads the text fields of an answer upload, listing every problem at once.
    public static func parse(_ fields: [String: String]) throws -> AnswerSubmission {
        var v = Validator()
        for name in fields.keys.sorted() where !fieldNames.contains(name) {
            v.fail(name, "\(name) is not a field of an answer; send text and any files")
        }
        let text = fields["text"] ?? ""
        v.text(text, field: "text", max: 10_000)
        try v.check()
        return AnswerSubmission(text: text)
    }
}

/// An answer to a further-information request: never changed; a further answer is a new one.
public struct InformationAnswer: Encodable, Sendable, Equatable {
    public var id: UUID
    public var requestID: UUID
    public var text: String
    public var answeredBy: UUID
    /// The holder that answered (the request's).
    public var fromPartnerID: UUID
    public var receivedAt: Date
    /// Stored as evidence files are: SHA-256 and size recorded in the audit trail.
    public var files: [EvidenceFile]

    public init(id: UUID, requestID: UUID, text: String, answeredBy: UUID, fromPartnerID: UUID, receivedAt: Date, files: [EvidenceFile]) {
        self.id = id
        self.requestID = requestID
        self.text = text
        self.answeredBy = answeredBy
        self.fromPartnerID = fromPartnerID
        self.receivedAt = receivedAt
        self.files = files
    }

    enum CodingKeys: String, CodingKey {
        case id
        case requestID = "request_id"
        case text
        case answeredBy = "answered_by"
        case fromPartnerID = "from_partner_id"
        case receivedAt = "received_at"
        case files
    }
}

/// A further-information request with its answers.
public struct InformationRequest: Encodable, Sendable, Equatable {
    public var id: UUID
    public var details: InformationRequestDetails
    public var partnerName: String
    /// Where the request points, in words: "CSPR-2024-03", "CSPR-2024-03 recommendation 2".
    public var about: String?
    public var status: RequestStatus
    /// Still open after its due date (by the database's one definition).
    public var overdue: Bool
    public var askedBy: String
    public var withdrawnReason: String?
    public var withdrawnBy: String?
    public var withdrawnAt: Date?
    public var answers: [InformationAnswer]
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, details: InformationRequestDetails, partnerName: String, about: String?, status: RequestStatus, overdue: Bool, askedBy: String,
        withdrawnReason: String?, withdrawnBy: String?, withdrawnAt: Date?, answers: [InformationAnswer], version: Int, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.details = details
        self.partnerName = partnerName
        self.about = about
        self.status = status
        self.overdue = overdue
        self.askedBy = askedBy
        self.withdrawnReason = withdrawnReason
        self.withdrawnBy = withdrawnBy
        self.withdrawnAt = withdrawnAt
        self.answers = answers
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case partnerName = "partner_name"
        case about, status, overdue
        case askedBy = "asked_by"
        case withdrawnReason = "withdrawn_reason"
        case withdrawnBy = "withdrawn_by"
        case withdrawnAt = "withdrawn_at"
        case answers, version
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try details.encode(to: encoder)
        try c.encode(partnerName, forKey: .partnerName)
        try c.encode(about, forKey: .about)
        try c.encode(status, forKey: .status)
        try c.encode(overdue, forKey: .overdue)
        try c.encode(askedBy, forKey: .askedBy)
        try c.encode(withdrawnReason, forKey: .withdrawnReason)
        try c.encode(withdrawnBy, forKey: .withdrawnBy)
        try c.encode(withdrawnAt, forKey: .withdrawnAt)
        try c.encode(answers, forKey: .answers)
        try c.encode(version, forKey: .version)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}

extension RequestKind: Labelled {
    public var label: String {
        switch self {
        case .briefing: "Briefing"
        case .information: "Information"
        }
    }
}

extension RequestStatus: Labelled {
    public var label: String {
        switch self {
        case .open: "Open"
        case .answered: "Answered"
        case .withdrawn: "Withdrawn"
        }
    }
}
