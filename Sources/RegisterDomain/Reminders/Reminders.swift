import Foundation

/// How often a person wants a reminder digest.
public enum ReminderFrequency: String, DomainEnum {
    case daily, weekly, none
    public static let vocabularyName = "reminder frequency"

    /// Weekly digests go out on Mondays (ISO weekday 1), the start of the working week.
    public func sendsFull(on day: Day) -> Bool {
        switch self {
        case .daily: true
        case .weekly: day.isoWeekday == 1
        case .none: false
        }
    }
}

/// A person's reminder settings. Without a stored choice, a person gets a daily digest.
public struct ReminderPreferences: Sendable, Equatable {
    public var frequency: ReminderFrequency
    /// Whether statutory-clock warnings reach the person; always true for a coordinator.
    public var clockWarnings: Bool
    public var version: Int

    public init(frequency: ReminderFrequency = .daily, clockWarnings: Bool = true, version: Int = 0) {
        self.frequency = frequency
        self.clockWarnings = clockWarnings
        self.version = version
    }

    /// Refuses settings the role may not have: coordinators keep statutory-clock warnings, because
    /// a missed statutory deadline is the partnership's to answer for, whatever else they mute.
    public func validate(for role: Role) throws {
        if role == .coordinator, !clockWarnings {
            throw ValidationError(field: "clock_warnings", message: "Coordinators cannot switch off statutory-clock warnings")
        }
    }

    /// Whether clock warnings apply to a person of `role` (a coordinator's cannot be off).
    public func clockWarningsApply(to role: Role) -> Bool { role == .coordinator || clockWarnings }
}

/// What one line of a digest is about. Each names a record, its review's reference and dates only:
/// never a subject's name, evidence contents or free text from the case record.
public enum ReminderTopic: String, Sendable, Equatable, CaseIterable {
    /// A partner's action due within the board's look-ahead.
    case dueSoon = "due_soon"
    /// A partner's action past its due date (`register.assignment_overdue`).
    case overdue
    /// A partner's action whose evidence was returned and awaits resubmission.
    case returned
    /// A further-information request asked of the partner, still open.
    case openRequest = "open_request"
    /// Evidence waiting for a decision longer than `ReminderRules.evidenceWaitWorkingDays`.
    case evidenceWaiting = "evidence_waiting"
    /// A statutory clock due within `ReminderRules.clockWarningWorkingDays` or missed.
    case clock
    /// A partner's overdue action, for a coordinator.
    case partnerOverdue = "partner_overdue"

    /// The heading the digest lists the topic under.
    public var heading: String {
        switch self {
        case .dueSoon: "Actions due soon"
        case .overdue: "Overdue actions"
        case .returned: "Evidence returned: please resubmit"
        case .openRequest: "Open requests for further information"
        case .evidenceWaiting: "Evidence waiting for a decision"
        case .clock: "Statutory deadlines"
        case .partnerOverdue: "Overdue actions by partner"
        }
    }
}

/// One line of a digest.
public struct ReminderItem: Sendable, Equatable {
    public var topic: ReminderTopic
    /// The review (or other source) reference, such as `CSPR-2025-03`.
    public var reference: String
    /// A short title built from structured fields only ("Recommendation 3, lead action").
    public var title: String
    /// The organisation concerned, for a coordinator's lines (partners see their own only).
    public var partnerName: String?
    /// The date that matters (due, received, deadline), and what it is called.
    public var date: Day
    public var dateLabel: String
    /// Where in the register it is, relative to the public base URL ("/assignments/…").
    public var path: String

    public init(topic: ReminderTopic, reference: String, title: String, partnerName: String? = nil, date: Day, dateLabel: String, path: String) {
        self.topic = topic
        self.reference = reference
        self.title = title
        self.partnerName = partnerName
        self.date = date
        self.dateLabel = dateLabel
        self.path = path
    }
}

/// A person's digest for a day, before it is rendered or queued.
public struct ReminderDigest: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// Everything due for the person (daily, or on a weekly person's day).
        case daily, weekly
        /// Statutory-clock warnings only: a coordinator who chose weekly or none, on another day.
        case clocks
    }

    public var userID: UUID
    public var email: String
    public var day: Day
    public var kind: Kind
    public var items: [ReminderItem]

    public init(userID: UUID, email: String, day: Day, kind: Kind, items: [ReminderItem]) {
        self.userID = userID
        self.email = email
        self.day = day
        self.kind = kind
        self.items = items
    }
}

/// The fixed numbers of the reminder rules, in one place.
public enum ReminderRules {
    /// Evidence waiting longer than this many working days is chased.
    public static let evidenceWaitWorkingDays = 5
    /// Statutory clocks due within this many working days (or missed) are warned of.
    public static let clockWarningWorkingDays = 5
    /// A partner's look-ahead for actions coming due, unless the board sets another.
    public static let defaultDueWithinDays = 14
    /// A digest not delivered within this long after it was made is given up.
    public static let giveUpAfter: TimeInterval = 24 * 3600

    /// When to try a failed send again: `first`, then twice as long each time (1, 2, 4, 8 … minutes
    /// by default), never more than an hour apart.
    public static func retryDelay(afterAttempts attempts: Int, first: TimeInterval = 60) -> TimeInterval {
        min(3600, first * pow(2.0, Double(min(20, max(0, attempts - 1)))))
    }

    /// Which digest, if any, a person gets on `day`, given their role, preferences and what is on
    /// their list; items the preferences mute are dropped.
    public static func digest(
        role: Role, preferences: ReminderPreferences, day: Day, items: [ReminderItem]
    ) -> (kind: ReminderDigest.Kind, items: [ReminderItem])? {
        let clocksOn = preferences.clockWarningsApply(to: role)
        let kept = items.filter { $0.topic != .clock || clocksOn }
        if preferences.frequency.sendsFull(on: day) {
            guard !kept.isEmpty else { return nil }
            return (preferences.frequency == .weekly ? .weekly : .daily, kept)
        }
        // Off days still carry statutory-clock warnings for those who have them.
        let clocks = kept.filter { $0.topic == .clock }
        return clocks.isEmpty ? nil : (.clocks, clocks)
    }
}
