/// Something a person may try to do.
public enum Action: Sendable, Equatable, CaseIterable {
    /// Read boards (names of commissioning bodies are not sensitive).
    case readBoards
    case manageBoards
    /// Read reviews, questions, findings and recommendations.
    case readReviews
    /// Create, edit and move reviews, questions, findings and recommendations.
    case editReviews
    case manageUsers
    /// Read, export and verify the audit trail.
    case readAudit
    /// Sign out, manage one's own API tokens.
    case manageOwnAccount
}

/// The access policy of DESIGN.md, in one table.
public enum Policy {
    /// Whether a role may perform an action at all. Records a role may not read answer 404, not 403.
    public static func allows(_ role: Role, _ action: Action) -> Bool {
        switch (role, action) {
        case (_, .readBoards), (_, .manageOwnAccount): true
        case (.admin, _): true
        case (.coordinator, .readReviews), (.coordinator, .editReviews): true
        case (.auditor, .readReviews), (.auditor, .readAudit): true
        // Partners see only reviews assigned to their organisation; assignments arrive with the
        // partner work, so until then a partner is shown no review at all.
        default: false
        }
    }
}
