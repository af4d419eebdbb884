import Foundation

/// What a coordinator records when giving a recommendation to a partner.
public struct AssignmentDetails: Draft, Equatable {
    public var partnerID: UUID
    public var role: AssignmentRole
    /// The SMART action the partner will take.
    public var action: String
    public var leadOfficer: String?
    public var dueDate: Day
    /// Required when an update changes `due_date`: kept with the revision.
    public var dueDateReason: String?

    public init(partnerID: UUID, role: AssignmentRole, action: String, leadOfficer: String? = nil, dueDate: Day, dueDateReason: String? = nil) {
        self.partnerID = partnerID
        self.role = role
        self.action = action
        self.leadOfficer = leadOfficer
        self.dueDate = dueDate
        self.dueDateReason = dueDateReason
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case partnerID = "partner_id"
        case role, action
        case leadOfficer = "lead_officer"
        case dueDate = "due_date"
        case dueDateReason = "due_date_reason"
    }

    public static let fieldNames = names(CodingKeys.self)

    public func validate() throws {
        var v = Validator()
        v.text(action, field: "action", max: 5000)
        if let leadOfficer { v.text(leadOfficer, field: "lead_officer", max: 200) }
        v.optionalText(dueDateReason, field: "due_date_reason", max: 5000)
        v.plausible(dueDate, field: "due_date")
        try v.check()
    }

    /// Checks an edit: a new due date needs its reason; the partner is changed by reassignment only.
    public func validateChange(from current: AssignmentDetails) throws {
        try validate()
        var v = Validator()
        if partnerID != current.partnerID {
            v.fail("partner_id", "partner_id cannot be edited; use POST /api/v1/assignments/reassign, which records why")
        }
        let reason = dueDateReason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if dueDate != current.dueDate, reason.isEmpty {
            v.fail("due_date_reason", "changing due_date from \(current.dueDate) to \(dueDate) needs a reason in due_date_reason")
        }
        try v.check()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(partnerID, forKey: .partnerID)
        try c.encode(role, forKey: .role)
        try c.encode(action, forKey: .action)
        try c.encode(leadOfficer, forKey: .leadOfficer)
        try c.encode(dueDate, forKey: .dueDate)
        // A reason belongs to one change; it is never part of the stored record.
    }
}

/// The parts of an assignment the register maintains, with context for work lists.
public struct AssignmentState: Encodable, Sendable, Equatable {
    public var recommendationID: UUID
    public var reviewID: UUID
    public var reviewReference: String
    public var recommendationNumber: String
    public var partnerName: String
    public var status: AssignmentStatus
    public var originalDueDate: Day
    /// Computed on read: due date passed and not accepted. Never stored.
    public var overdue: Bool
    public var assignedBy: String
    /// Set while the assignment is marked delayed (issue 13); nil otherwise.
    public var delay: AssignmentDelay?

    public init(
        recommendationID: UUID, reviewID: UUID, reviewReference: String, recommendationNumber: String, partnerName: String,
        status: AssignmentStatus, originalDueDate: Day, overdue: Bool, assignedBy: String, delay: AssignmentDelay? = nil
    ) {
        self.recommendationID = recommendationID
        self.reviewID = reviewID
        self.reviewReference = reviewReference
        self.recommendationNumber = recommendationNumber
        self.partnerName = partnerName
        self.status = status
        self.originalDueDate = originalDueDate
        self.overdue = overdue
        self.assignedBy = assignedBy
        self.delay = delay
    }

    enum CodingKeys: String, CodingKey {
        case recommendationID = "recommendation_id"
        case reviewID = "review_id"
        case reviewReference = "review_reference"
        case recommendationNumber = "recommendation_number"
        case partnerName = "partner_name"
        case status
        case originalDueDate = "original_due_date"
        case overdue
        case assignedBy = "assigned_by"
        case delay
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(recommendationID, forKey: .recommendationID)
        try c.encode(reviewID, forKey: .reviewID)
        try c.encode(reviewReference, forKey: .reviewReference)
        try c.encode(recommendationNumber, forKey: .recommendationNumber)
        try c.encode(partnerName, forKey: .partnerName)
        try c.encode(status, forKey: .status)
        try c.encode(originalDueDate, forKey: .originalDueDate)
        try c.encode(overdue, forKey: .overdue)
        try c.encode(assignedBy, forKey: .assignedBy)
        try c.encode(delay, forKey: .delay)
    }
}

/// A recommendation given to one partner.
public typealias Assignment = Record<AssignmentDetails, AssignmentState>

/// A due date as it was changed, and why.
public struct DueDateRevision: Encodable, Sendable, Equatable {
    public var id: UUID
    public var fromDate: Day
    public var toDate: Day
    public var reason: String
    public var actor: String
    public var createdAt: Date

    public init(id: UUID, fromDate: Day, toDate: Day, reason: String, actor: String, createdAt: Date) {
        self.id = id
        self.fromDate = fromDate
        self.toDate = toDate
        self.reason = reason
        self.actor = actor
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case fromDate = "from_date"
        case toDate = "to_date"
        case reason, actor
        case createdAt = "created_at"
    }
}

/// A dated note of progress: added, never edited.
public struct ProgressUpdate: Encodable, Sendable, Equatable {
    public var id: UUID
    public var assignmentID: UUID
    public var happenedOn: Day
    public var text: String
    /// Nil on updates recorded before ratings existed, and on the register's own notes.
    public var rag: RAGRating?
    /// Red or amber: when the work will be back on track or done, and why it is not.
    public var forecastDate: Day?
    public var ragReason: String?
    public var authorID: UUID?
    public var createdAt: Date
    /// The organisation that sent it.
    public var from: Provenance

    public init(
        id: UUID, assignmentID: UUID, happenedOn: Day, text: String, rag: RAGRating? = nil, forecastDate: Day? = nil, ragReason: String? = nil,
        authorID: UUID?, createdAt: Date, from: Provenance
    ) {
        self.id = id
        self.assignmentID = assignmentID
        self.happenedOn = happenedOn
        self.text = text
        self.rag = rag
        self.forecastDate = forecastDate
        self.ragReason = ragReason
        self.authorID = authorID
        self.createdAt = createdAt
        self.from = from
    }

    enum CodingKeys: String, CodingKey {
        case id
        case assignmentID = "assignment_id"
        case happenedOn = "happened_on"
        case text, rag
        case forecastDate = "forecast_date"
        case ragReason = "rag_reason"
        case authorID = "author_id"
        case createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(assignmentID, forKey: .assignmentID)
        try c.encode(happenedOn, forKey: .happenedOn)
        try c.encode(text, forKey: .text)
        try c.encode(rag, forKey: .rag)
        try c.encode(forecastDate, forKey: .forecastDate)
        try c.encode(ragReason, forKey: .ragReason)
        try c.encode(authorID, forKey: .authorID)
        try c.encode(createdAt, forKey: .createdAt)
        try from.encode(into: encoder)
    }
}

/// What a partner writes in a progress update.
public struct NewProgressUpdate: Codable, Sendable, Equatable {
    /// The day the progress was made; defaults to today. Never in the future.
    public var happenedOn: Day?
    public var text: String
    /// Required on every update a person sends (boards report one); optional in the type so that a
    /// request without it is answered with a message naming the field, not a decoding error.
    public var rag: RAGRating?
    /// Red or amber only, and then required: when the work will be back on track or done.
    public var forecastDate: Day?
    /// Red or amber only, and then required: why the work is not on track.
    public var ragReason: String?

    /// `rag` has no default, so that every caller decides the rating.
    public init(happenedOn: Day? = nil, text: String, rag: RAGRating?, forecastDate: Day? = nil, ragReason: String? = nil) {
        self.happenedOn = happenedOn
        self.text = text
        self.rag = rag
        self.forecastDate = forecastDate
        self.ragReason = ragReason
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case happenedOn = "happened_on"
        case text, rag
        case forecastDate = "forecast_date"
        case ragReason = "rag_reason"
    }

    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.stringValue))

    public func validate(today: Day) throws {
        var v = Validator()
        v.text(text, field: "text", max: 10_000)
        if let happenedOn, happenedOn > today { v.fail("happened_on", "happened_on (\(happenedOn)) is in the future") }
        let reason = ragReason?.trimmingCharacters(in: .whitespacesAndNewlines)
        switch rag {
        case nil:
            v.fail("rag", "rag is required: rate the work red, amber, green or blue (complete)")
        case let rag? where rag.offTrack:
            if forecastDate == nil {
                v.fail("forecast_date", "a \(rag.rawValue) rating needs forecast_date: the day the work will be back on track or done")
            }
            if reason?.isEmpty ?? true {
                v.fail("rag_reason", "a \(rag.rawValue) rating needs rag_reason: why the work is not on track")
            }
            v.optionalText(ragReason, field: "rag_reason", max: 5000)
            v.plausible(forecastDate, field: "forecast_date")
        case let rag?:
            if forecastDate != nil { v.fail("forecast_date", "forecast_date goes with a red or amber rating only, not \(rag.rawValue)") }
            if ragReason != nil { v.fail("rag_reason", "rag_reason goes with a red or amber rating only, not \(rag.rawValue)") }
        }
        try v.check()
    }
}

/// A bulk move of unfinished work from one partner (or officer) to another.
public struct ReassignmentRequest: Codable, Sendable, Equatable {
    public var fromPartnerID: UUID
    /// Defaults to the same partner (moving work between officers).
    public var toPartnerID: UUID?
    /// Only the assignments of this officer; all of the partner's when omitted.
    public var fromLeadOfficer: String?
    /// The officer who takes the work; unchanged when omitted.
    public var toLeadOfficer: String?
    public var reason: String

    public init(fromPartnerID: UUID, toPartnerID: UUID? = nil, fromLeadOfficer: String? = nil, toLeadOfficer: String? = nil, reason: String) {
        self.fromPartnerID = fromPartnerID
        self.toPartnerID = toPartnerID
        self.fromLeadOfficer = fromLeadOfficer
        self.toLeadOfficer = toLeadOfficer
        self.reason = reason
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case fromPartnerID = "from_partner_id"
        case toPartnerID = "to_partner_id"
        case fromLeadOfficer = "from_lead_officer"
        case toLeadOfficer = "to_lead_officer"
        case reason
    }

    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.stringValue))

    public var targetPartnerID: UUID { toPartnerID ?? fromPartnerID }

    public func validate() throws {
        var v = Validator()
        v.text(reason, field: "reason", max: 5000)
        v.optionalText(fromLeadOfficer, field: "from_lead_officer", max: 200)
        if let toLeadOfficer { v.text(toLeadOfficer, field: "to_lead_officer", max: 200) }
        if targetPartnerID == fromPartnerID, toLeadOfficer == nil {
            v.fail("to_partner_id", "name another partner in to_partner_id, or an officer in to_lead_officer: nothing would move")
        }
        try v.check()
    }
}

/// What a reassignment moved.
public struct Reassignment: Encodable, Sendable, Equatable {
    public var id: UUID
    public var assignmentIDs: [UUID]

    public init(id: UUID, assignmentIDs: [UUID]) {
        self.id = id
        self.assignmentIDs = assignmentIDs
    }

    enum CodingKeys: String, CodingKey {
        case id
        case assignmentIDs = "assignment_ids"
    }
}
