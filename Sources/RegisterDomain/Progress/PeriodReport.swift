import Foundation

/// A monitoring body's progress report for a period: each recommendation of the sources it
/// monitors, and each assignment of it, as it stood at the start and at the end of the period
/// (rebuilt from the audit trail as at both moments), with what arrived and what changed between.
///
/// "At the start" is the register as it stood when the period began (the end of the day before);
/// "at the end", as it stood at the end of the period's last day (or now, while the period runs).
/// Overdue is judged on each of those days by the database's one rule. What was "received in the
/// period" is what the register holds at the end and did not hold at the start.
public struct PeriodReport: Codable, Sendable {
    public var bodyID: UUID
    public var bodyName: String
    public var bodyKind: MonitoringBodyKind
    public var period: ReportingPeriod
    /// The day the start column is as at: the day before the period began.
    public var startAsAt: Day
    /// The day the end column is as at: the period's last day, or today while it runs.
    public var endAsAt: Day
    public var generatedAt: Date
    public var recommendations: [Recommendation]

    public init(
        bodyID: UUID, bodyName: String, bodyKind: MonitoringBodyKind, period: ReportingPeriod, startAsAt: Day, endAsAt: Day, generatedAt: Date,
        recommendations: [Recommendation]
    ) {
        (self.bodyID, self.bodyName, self.bodyKind, self.period, self.startAsAt, self.endAsAt, self.generatedAt, self.recommendations) =
            (bodyID, bodyName, bodyKind, period, startAsAt, endAsAt, generatedAt, recommendations)
    }

    enum CodingKeys: String, CodingKey {
        case bodyID = "body_id"
        case bodyName = "body_name"
        case bodyKind = "body_kind"
        case period
        case startAsAt = "start_as_at"
        case endAsAt = "end_as_at"
        case generatedAt = "generated_at"
        case recommendations
    }

    /// One recommendation (or action) of a monitored source.
    public struct Recommendation: Codable, Sendable {
        public var reviewID: UUID
        public var reviewReference: String
        public var reviewTitle: String
        public var recommendationID: UUID
        public var number: String
        public var text: String
        /// Nil when it was not yet recorded at the start.
        public var statusAtStart: RecommendationStatus?
        public var statusAtEnd: RecommendationStatus
        public var overdueAtStart: Bool
        public var overdueAtEnd: Bool
        /// The day it became assured, when that happened in the period.
        public var assuredInPeriodOn: Day?
        public var assignments: [Assignment]

        public init(
            reviewID: UUID, reviewReference: String, reviewTitle: String, recommendationID: UUID, number: String, text: String,
            statusAtStart: RecommendationStatus?, statusAtEnd: RecommendationStatus, overdueAtStart: Bool, overdueAtEnd: Bool,
            assuredInPeriodOn: Day?, assignments: [Assignment]
        ) {
            (self.reviewID, self.reviewReference, self.reviewTitle, self.recommendationID, self.number, self.text) =
                (reviewID, reviewReference, reviewTitle, recommendationID, number, text)
            (self.statusAtStart, self.statusAtEnd, self.overdueAtStart, self.overdueAtEnd, self.assuredInPeriodOn, self.assignments) =
                (statusAtStart, statusAtEnd, overdueAtStart, overdueAtEnd, assuredInPeriodOn, assignments)
        }

        /// Overdue at the end of the period and not at its start.
        public var becameOverdue: Bool { overdueAtEnd && !overdueAtStart }
        public var becameAssured: Bool { assuredInPeriodOn != nil }

        enum CodingKeys: String, CodingKey {
            case reviewID = "review_id"
            case reviewReference = "review_reference"
            case reviewTitle = "review_title"
            case recommendationID = "recommendation_id"
            case number, text
            case statusAtStart = "status_at_start"
            case statusAtEnd = "status_at_end"
            case overdueAtStart = "overdue_at_start"
            case overdueAtEnd = "overdue_at_end"
            case becameOverdue = "became_overdue"
            case assuredInPeriodOn = "assured_in_period_on"
            case assignments
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                reviewID: try c.decode(UUID.self, forKey: .reviewID), reviewReference: try c.decode(String.self, forKey: .reviewReference),
                reviewTitle: try c.decode(String.self, forKey: .reviewTitle), recommendationID: try c.decode(UUID.self, forKey: .recommendationID),
                number: try c.decode(String.self, forKey: .number), text: try c.decode(String.self, forKey: .text),
                statusAtStart: try c.decodeIfPresent(RecommendationStatus.self, forKey: .statusAtStart),
                statusAtEnd: try c.decode(RecommendationStatus.self, forKey: .statusAtEnd), overdueAtStart: try c.decode(Bool.self, forKey: .overdueAtStart),
                overdueAtEnd: try c.decode(Bool.self, forKey: .overdueAtEnd), assuredInPeriodOn: try c.decodeIfPresent(Day.self, forKey: .assuredInPeriodOn),
                assignments: try c.decode([Assignment].self, forKey: .assignments))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(reviewID, forKey: .reviewID)
            try c.encode(reviewReference, forKey: .reviewReference)
            try c.encode(reviewTitle, forKey: .reviewTitle)
            try c.encode(recommendationID, forKey: .recommendationID)
            try c.encode(number, forKey: .number)
            try c.encode(text, forKey: .text)
            try c.encode(statusAtStart, forKey: .statusAtStart)
            try c.encode(statusAtEnd, forKey: .statusAtEnd)
            try c.encode(overdueAtStart, forKey: .overdueAtStart)
            try c.encode(overdueAtEnd, forKey: .overdueAtEnd)
            try c.encode(becameOverdue, forKey: .becameOverdue)
            try c.encode(assuredInPeriodOn, forKey: .assuredInPeriodOn)
            try c.encode(assignments, forKey: .assignments)
        }
    }

    /// One holder's assignment of the recommendation.
    public struct Assignment: Codable, Sendable {
        public var assignmentID: UUID
        public var holder: String
        public var role: AssignmentRole
        public var action: String
        public var dueDate: Day
        public var statusAtStart: AssignmentStatus?
        public var statusAtEnd: AssignmentStatus
        /// The latest update's rating as at each end (`register.latest_updates`).
        public var ragAtStart: RAGRating?
        public var ragAtEnd: RAGRating?
        public var overdueAtStart: Bool
        public var overdueAtEnd: Bool
        public var delayReason: String?
        public var delayExpectedDate: Day?
        public var updates: [Update]
        public var evidence: [Evidence]

        public init(
            assignmentID: UUID, holder: String, role: AssignmentRole, action: String, dueDate: Day, statusAtStart: AssignmentStatus?,
            statusAtEnd: AssignmentStatus, ragAtStart: RAGRating?, ragAtEnd: RAGRating?, overdueAtStart: Bool, overdueAtEnd: Bool,
            delayReason: String?, delayExpectedDate: Day?, updates: [Update] = [], evidence: [Evidence] = []
        ) {
            (self.assignmentID, self.holder, self.role, self.action, self.dueDate) = (assignmentID, holder, role, action, dueDate)
            (self.statusAtStart, self.statusAtEnd, self.ragAtStart, self.ragAtEnd) = (statusAtStart, statusAtEnd, ragAtStart, ragAtEnd)
            (self.overdueAtStart, self.overdueAtEnd, self.delayReason, self.delayExpectedDate) = (overdueAtStart, overdueAtEnd, delayReason, delayExpectedDate)
            (self.updates, self.evidence) = (updates, evidence)
        }

        public var becameOverdue: Bool { overdueAtEnd && !overdueAtStart }

        enum CodingKeys: String, CodingKey {
            case assignmentID = "assignment_id"
            case holder, role, action
            case dueDate = "due_date"
            case statusAtStart = "status_at_start"
            case statusAtEnd = "status_at_end"
            case ragAtStart = "rag_at_start"
            case ragAtEnd = "rag_at_end"
            case overdueAtStart = "overdue_at_start"
            case overdueAtEnd = "overdue_at_end"
            case becameOverdue = "became_overdue"
            case delayReason = "delay_reason"
            case delayExpectedDate = "delay_expected_date"
            case updates, evidence
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                assignmentID: try c.decode(UUID.self, forKey: .assignmentID), holder: try c.decode(String.self, forKey: .holder),
                role: try c.decode(AssignmentRole.self, forKey: .role), action: try c.decode(String.self, forKey: .action),
                dueDate: try c.decode(Day.self, forKey: .dueDate), statusAtStart: try c.decodeIfPresent(AssignmentStatus.self, forKey: .statusAtStart),
                statusAtEnd: try c.decode(AssignmentStatus.self, forKey: .statusAtEnd), ragAtStart: try c.decodeIfPresent(RAGRating.self, forKey: .ragAtStart),
                ragAtEnd: try c.decodeIfPresent(RAGRating.self, forKey: .ragAtEnd), overdueAtStart: try c.decode(Bool.self, forKey: .overdueAtStart),
                overdueAtEnd: try c.decode(Bool.self, forKey: .overdueAtEnd), delayReason: try c.decodeIfPresent(String.self, forKey: .delayReason),
                delayExpectedDate: try c.decodeIfPresent(Day.self, forKey: .delayExpectedDate), updates: try c.decode([Update].self, forKey: .updates),
                evidence: try c.decode([Evidence].self, forKey: .evidence))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(assignmentID, forKey: .assignmentID)
            try c.encode(holder, forKey: .holder)
            try c.encode(role, forKey: .role)
            try c.encode(action, forKey: .action)
            try c.encode(dueDate, forKey: .dueDate)
            try c.encode(statusAtStart, forKey: .statusAtStart)
            try c.encode(statusAtEnd, forKey: .statusAtEnd)
            try c.encode(ragAtStart, forKey: .ragAtStart)
            try c.encode(ragAtEnd, forKey: .ragAtEnd)
            try c.encode(overdueAtStart, forKey: .overdueAtStart)
            try c.encode(overdueAtEnd, forKey: .overdueAtEnd)
            try c.encode(becameOverdue, forKey: .becameOverdue)
            try c.encode(delayReason, forKey: .delayReason)
            try c.encode(delayExpectedDate, forKey: .delayExpectedDate)
            try c.encode(updates, forKey: .updates)
            try c.encode(evidence, forKey: .evidence)
        }
    }

    /// A progress update received in the period.
    public struct Update: Codable, Sendable {
        public var id: UUID
        public var happenedOn: Day
        public var rag: RAGRating?
        public var text: String
        public var forecastDate: Day?
        public var ragReason: String?

        public init(id: UUID, happenedOn: Day, rag: RAGRating?, text: String, forecastDate: Day?, ragReason: String?) {
            (self.id, self.happenedOn, self.rag, self.text, self.forecastDate, self.ragReason) = (id, happenedOn, rag, text, forecastDate, ragReason)
        }

        enum CodingKeys: String, CodingKey {
            case id
            case happenedOn = "happened_on"
            case rag, text
            case forecastDate = "forecast_date"
            case ragReason = "rag_reason"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(happenedOn, forKey: .happenedOn)
            try c.encode(rag, forKey: .rag)
            try c.encode(text, forKey: .text)
            try c.encode(forecastDate, forKey: .forecastDate)
            try c.encode(ragReason, forKey: .ragReason)
        }
    }

    /// A piece of evidence received in the period, with its verdict as at the period's end.
    public struct Evidence: Codable, Sendable {
        public var id: UUID
        public var summary: String
        public var kind: EvidenceKind
        public var effectiveDate: Day
        public var receivedAt: Date
        public var verdict: Verdict

        public init(id: UUID, summary: String, kind: EvidenceKind, effectiveDate: Day, receivedAt: Date, verdict: Verdict) {
            (self.id, self.summary, self.kind, self.effectiveDate, self.receivedAt, self.verdict) = (id, summary, kind, effectiveDate, receivedAt, verdict)
        }

        enum CodingKeys: String, CodingKey {
            case id, summary, kind
            case effectiveDate = "effective_date"
            case receivedAt = "received_at"
            case verdict
        }
    }
}
