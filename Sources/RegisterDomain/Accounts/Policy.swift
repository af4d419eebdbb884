import Foundation

/// Something a person may try to do.
public enum Action: Sendable, Equatable, CaseIterable {
    /// Read boards and themes (names of commissioning bodies are not sensitive).
    case readBoards
    case manageBoards
    /// Read reviews, questions, findings and recommendations.
    case readReviews
    /// Create, edit and move reviews, questions, findings and recommendations.
    case editReviews
    /// Read the history of reviews and recommendations (who changed what).
    case readHistory
    case manageUsers
    /// Read partner organisations.
    case readPartners
    case managePartners
    /// Read assignments, due-date revisions, progress updates and evidence.
    case readAssignments
    /// Assign recommendations to partners, edit and reassign assignments, reopen accepted work.
    case assignPartners
    /// Add a dated progress update to an assignment; mark it delayed or clear the delay.
    case reportProgress
    /// Submit evidence of implementation.
    case submitEvidence
    /// Accept or return evidence.
    case decideEvidence
    /// Ask a holder for further information or a briefing, and withdraw the request.
    case askForInformation
    /// Answer a further-information request made of one's own organisation.
    case answerRequests
    /// Compliance reports, summary figures, evidence packs and the cross-review learning view.
    case readReports
    /// Read, export and verify the audit trail.
    case readAudit
    /// Sign out, manage one's own API tokens.
    case manageOwnAccount
}

/// How far a permission reaches: over the whole register, or over one partner organisation's work.
public enum Reach: Sendable, Equatable {
    case everything
    /// Assignments of this partner, and the reviews and recommendations they hang from.
    case partner(UUID)

    /// The partner a query must be limited to, or nil for no limit.
    public var partnerID: UUID? {
        if case .partner(let id) = self { return id }
        return nil
    }

    /// Whether a record belonging to `partner` is within reach.
    public func covers(partner: UUID) -> Bool { partnerID.map { $0 == partner } ?? true }
}

/// The access policy of docs/architecture.md, in one table.
public enum Policy {
    /// How far `role` may perform `action`, or nil when it may not at all.
    ///
    /// A partner's permissions reach their own organisation's work only; records outside a
    /// person's reach answer 404, not 403, so their existence does not leak.
    public static func reach(_ role: Role, partner: UUID?, _ action: Action) -> Reach? {
        switch (role, action) {
        case (_, .readBoards), (_, .manageOwnAccount): return .everything
        // Evidence comes from the partner who did the work, never from the register's own staff.
        case (.admin, .submitEvidence), (.admin, .answerRequests): return nil
        case (.admin, _): return .everything
        case (.coordinator, .readReviews), (.coordinator, .editReviews), (.coordinator, .readHistory),
             (.coordinator, .readPartners), (.coordinator, .readAssignments), (.coordinator, .assignPartners),
             (.coordinator, .reportProgress), (.coordinator, .decideEvidence), (.coordinator, .readReports),
             (.coordinator, .askForInformation):
            return .everything
        case (.auditor, .readReviews), (.auditor, .readHistory), (.auditor, .readPartners),
             (.auditor, .readAssignments), (.auditor, .readAudit), (.auditor, .readReports):
            return .everything
        case (.partner, .readReviews), (.partner, .readPartners), (.partner, .readAssignments),
             (.partner, .reportProgress), (.partner, .submitEvidence), (.partner, .answerRequests):
            return partner.map { Reach.partner($0) }
        default:
            return nil
        }
    }

    /// Whether a role may perform an action at all (over some reach).
    public static func allows(_ role: Role, partner: UUID?, _ action: Action) -> Bool {
        reach(role, partner: partner, action) != nil
    }
}
