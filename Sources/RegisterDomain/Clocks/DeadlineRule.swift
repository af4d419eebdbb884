import Foundation

/// A key date of a review that can start or stop a statutory clock.
public enum ReviewDate: String, DomainEnum {
    case incidentKnownOn = "incident_known_on"
    case notifiedOn = "notified_on"
    case rapidReviewCompletedOn = "rapid_review_completed_on"
    case decisionOn = "decision_on"
    case publishedOn = "published_on"
    case closedOn = "closed_on"
    public static let vocabularyName = "review date"

    /// This date as recorded on a review, if it has been.
    public func value(in review: ReviewDetails) -> Day? {
        switch self {
        case .incidentKnownOn: review.incidentKnownOn
        case .notifiedOn: review.notifiedOn
        case .rapidReviewCompletedOn: review.rapidReviewCompletedOn
        case .decisionOn: review.decisionOn
        case .publishedOn: review.publishedOn
        case .closedOn: review.closedOn
        }
    }
}

/// What a clock's amount counts.
public enum ClockUnit: String, DomainEnum {
    /// Weekdays that are not bank holidays in England and Wales.
    case workingDays = "working_days"
    case calendarDays = "calendar_days"
    /// Calendar months, to the same day of the month (or its last day when shorter).
    case months
    public static let vocabularyName = "clock unit"
}

/// One statutory deadline for reviews of some kinds held under one regime, as kept in
/// `register.deadline_rules`: a new edition of the guidance is a new rule, not new code.
public struct DeadlineRule: Sendable, Equatable, Encodable {
    /// The clock's code ("notification", "rapid_review", "publication"), unique within a regime.
    public var clock: String
    public var regime: Regime
    /// How the deadline reads to a person ("Rapid review completed within 15 working days …").
    public var label: String
    public var kinds: [ReviewKind]
    /// The review date that starts the clock.
    public var startsFrom: ReviewDate
    public var amount: Int
    public var unit: ClockUnit
    /// The review date that stops the clock: recorded on or before the due date, it is met on time.
    public var metBy: ReviewDate
    /// Where the clock comes in a review's list (they run one after another).
    public var position: Int
    /// The statute or guidance the deadline comes from.
    public var source: String
    public var notes: String?

    public init(
        clock: String, regime: Regime, label: String, kinds: [ReviewKind], startsFrom: ReviewDate, amount: Int, unit: ClockUnit,
        metBy: ReviewDate, position: Int = 1, source: String, notes: String? = nil
    ) {
        self.clock = clock
        self.regime = regime
        self.label = label
        self.kinds = kinds
        self.startsFrom = startsFrom
        self.amount = amount
        self.unit = unit
        self.metBy = metBy
        self.position = position
        self.source = source
        self.notes = notes
    }

    /// Whether a review of this kind, held under this regime, runs this clock.
    public func applies(to kind: ReviewKind, regime: Regime) -> Bool {
        self.regime == regime && kinds.contains(kind)
    }

    /// The rules a review of this kind and regime runs, in the order its clocks are listed.
    public static func applicable(_ rules: [DeadlineRule], kind: ReviewKind, regime: Regime) -> [DeadlineRule] {
        rules.filter { $0.applies(to: kind, regime: regime) }.sorted { ($0.position, $0.clock) < ($1.position, $1.clock) }
    }

    enum CodingKeys: String, CodingKey {
        case clock, regime, label, kinds
        case startsFrom = "starts_from"
        case amount, unit
        case metBy = "met_by"
        case position, source, notes
    }
}
