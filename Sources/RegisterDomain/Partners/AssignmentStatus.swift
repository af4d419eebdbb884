/// Where a partner's assignment is: from assigned, through evidence, to accepted.
///
/// Most moves follow from what people do: a progress update starts the work, submitting
/// evidence marks it submitted, a verdict accepts or returns it. A coordinator may reopen
/// accepted work, with a reason.
public enum AssignmentStatus: String, Lifecycle {
    case assigned
    case inProgress = "in_progress"
    case evidenceSubmitted = "evidence_submitted"
    case returned
    case accepted
    /// Brought in from a tracker that recorded the work complete, with no evidence the register has
    /// checked (issue 14): done with, never assured. Evidence may still follow.
    case closedWithoutEvidence = "closed_without_evidence"

    public static let vocabularyName = "assignment status"
    public static let entityName = "assignment"

    public var next: [AssignmentStatus] {
        switch self {
        case .assigned: [.inProgress, .evidenceSubmitted]
        case .inProgress: [.evidenceSubmitted]
        case .evidenceSubmitted: [.accepted, .returned]
        case .returned: [.inProgress, .evidenceSubmitted]
        case .accepted: [.inProgress, .evidenceSubmitted]
        case .closedWithoutEvidence: [.inProgress, .evidenceSubmitted]
        }
    }

    public func needsReason(to target: AssignmentStatus) -> Bool {
        switch (self, target) {
        case (_, .returned), (.accepted, .inProgress), (.closedWithoutEvidence, .inProgress): true
        default: false
        }
    }

    /// Moves a person may ask for directly; the others happen through evidence and verdicts.
    public static let requestable: [AssignmentStatus] = [.inProgress]

    /// Done with: an accepted assignment, or one imported as closed without evidence, is never overdue.
    public var isClosed: Bool { self == .accepted || self == .closedWithoutEvidence }

    /// The status after a piece of evidence is decided: still submitted while other evidence waits.
    public static func afterVerdict(_ verdict: Verdict, otherPending: Bool) -> AssignmentStatus {
        if otherPending { return .evidenceSubmitted }
        return verdict == .accepted ? .accepted : .returned
    }
}

/// Lead partners carry the recommendation; supporting partners contribute.
public enum AssignmentRole: String, DomainEnum {
    case lead, supporting
    public static let vocabularyName = "assignment role"
}
