/// A value's name in plain words, for pages and printable reports ("Serious case review", not `scr`).
public protocol Labelled {
    var label: String { get }
}

extension ReviewKind: Labelled {
    public var label: String {
        switch self {
        case .scr: "Serious case review"
        case .rapidReview: "Rapid review"
        case .lcspr: "Local child safeguarding practice review"
        case .nationalReview: "National review"
        case .sar: "Safeguarding adults review"
        case .dhr: "Domestic homicide review"
        case .learningReview: "Learning review"
        case .improvementPlan: "Improvement plan"
        case .inspectionActionPlan: "Inspection action plan"
        case .thematicAudit: "Thematic audit"
        case .scrutinyInquiry: "Scrutiny inquiry"
        }
    }
}

extension Regime: Labelled {
    public var label: String {
        switch self {
        case .wt2010: "Working Together 2010"
        case .wt2013: "Working Together 2013"
        case .wt2015: "Working Together 2015"
        case .wt2018: "Working Together 2018"
        case .wt2023: "Working Together 2023"
        case .careAct2014: "Care Act 2014"
        case .dhr2016: "Domestic homicide review guidance 2016"
        case .dhr2024: "Domestic homicide review guidance 2024"
        case .local: "Local arrangements (no statutory guidance)"
        }
    }
}

extension Scope: Labelled {
    public var label: String {
        switch self {
        case .local: "Local"
        case .regional: "Regional"
        case .national: "National"
        }
    }
}

extension ReviewStatus: Labelled {
    public var label: String {
        switch self {
        case .notified: "Notified"
        case .rapidReview: "Rapid review"
        case .commissioned: "Commissioned"
        case .inProgress: "In progress"
        case .published: "Published"
        case .notPublishedWithReason: "Not published, with reason"
        case .monitoring: "Monitoring"
        case .closed: "Closed"
        }
    }
}

extension RecommendationStatus: Labelled {
    public var label: String {
        switch self {
        case .open: "Open"
        case .inProgress: "In progress"
        case .implemented: "Implemented"
        case .assured: "Assured"
        case .notImplemented: "Not implemented"
        case .superseded: "Superseded"
        }
    }
}

extension AssignmentStatus: Labelled {
    public var label: String {
        switch self {
        case .assigned: "Assigned"
        case .inProgress: "In progress"
        case .evidenceSubmitted: "Evidence submitted"
        case .returned: "Returned"
        case .accepted: "Accepted"
        case .closedWithoutEvidence: "Closed without evidence"
        }
    }
}

extension AssignmentRole: Labelled {
    public var label: String { self == .lead ? "Lead" : "Supporting" }
}

extension EvidenceKind: Labelled {
    public var label: String {
        switch self {
        case .output: "Output"
        case .outcome: "Outcome"
        case .impact: "Impact"
        }
    }
}

extension Verdict: Labelled {
    public var label: String {
        switch self {
        case .pending: "Awaiting a decision"
        case .accepted: "Accepted"
        case .returned: "Returned"
        }
    }
}

extension ClockState: Labelled {
    public var label: String {
        switch self {
        case .notStarted: "Not started"
        case .running: "Running"
        case .paused: "Paused"
        case .metOnTime: "Met on time"
        case .metLate: "Met late"
        case .missed: "Missed"
        }
    }
}
