/// Where a statutory clock stands on a given day.
public enum ClockState: String, DomainEnum {
    /// The date that starts it has not been recorded.
    case notStarted = "not_started"
    /// Started, not met, and the due date is today or later.
    case running
    /// Started, not met, not yet missed, and stopped today by a pause.
    case paused
    /// The date that meets it is on or before the due date.
    case metOnTime = "met_on_time"
    /// The date that meets it is after the due date.
    case metLate = "met_late"
    /// Not met, and the due date has passed.
    case missed
    public static let vocabularyName = "clock state"
}

/// One statutory clock of one review as it stands on a day: computed on read, never stored.
public struct StatutoryClock: Sendable, Equatable, Encodable {
    /// The clock's code ("notification").
    public var code: String
    public var label: String
    public var startsFrom: ReviewDate
    public var startsOn: Day?
    public var amount: Int
    public var unit: ClockUnit
    /// Nil until the clock starts. Moved later by paused days; while a pause lasts, the due date
    /// as if the clock ran again tomorrow.
    public var dueOn: Day?
    public var metBy: ReviewDate
    public var metOn: Day?
    public var state: ClockState
    /// Whether a pause stops the clock today.
    public var paused: Bool
    /// Days the pauses added to the deadline: working days for a working-day clock, calendar days otherwise.
    public var pausedDays: Int
    public var source: String
    public var notes: String?
    /// This clock's pauses, earliest first.
    public var pauses: [ClockPause]

    /// Every clock a review runs, in order, as they stand on `today`.
    public static func evaluate(
        _ review: ReviewDetails, rules: [DeadlineRule], pauses: [ClockPause], calendar: WorkingDays, today: Day
    ) -> [StatutoryClock] {
        DeadlineRule.applicable(rules, kind: review.kind, regime: review.regime).map { rule in
            evaluate(rule, review: review, pauses: pauses.filter { $0.clock == rule.clock }, calendar: calendar, today: today)
        }
    }

    /// One clock of a review, given that clock's pauses.
    public static func evaluate(_ rule: DeadlineRule, review: ReviewDetails, pauses: [ClockPause], calendar: WorkingDays, today: Day) -> StatutoryClock {
        let startsOn = rule.startsFrom.value(in: review)
        let metOn = rule.metBy.value(in: review)
        var clock = StatutoryClock(
            code: rule.clock, label: rule.label, startsFrom: rule.startsFrom, startsOn: startsOn, amount: rule.amount, unit: rule.unit,
            dueOn: nil, metBy: rule.metBy, metOn: metOn, state: .notStarted, paused: false, pausedDays: 0, source: rule.source,
            notes: rule.notes, pauses: pauses.sorted { $0.from < $1.from })
        guard let startsOn else { return clock }
        // A pause still running stops the clock up to today (or up to the day it was met).
        let stopped = pauses.map { (from: $0.from, to: $0.to ?? metOn ?? today) }
        let (due, pausedDays) = dueDate(rule, startsOn: startsOn, stopped: stopped, calendar: calendar)
        clock.dueOn = due
        clock.pausedDays = pausedDays
        if let metOn {
            clock.state = metOn <= due ? .metOnTime : .metLate
        } else if due < today {
            clock.state = .missed
        } else if pauses.contains(where: { $0.covers(today) }) {
            clock.state = .paused
            clock.paused = true
        } else {
            clock.state = .running
        }
        return clock
    }

    /// Walks forward from the start, counting the days the unit counts, skipping stopped ones.
    private static func dueDate(
        _ rule: DeadlineRule, startsOn: Day, stopped: [(from: Day, to: Day)], calendar: WorkingDays
    ) -> (Day, Int) {
        let needed: Int
        let counts: (Day) -> Bool
        switch rule.unit {
        case .workingDays:
            needed = rule.amount
            counts = calendar.isWorkingDay
        case .calendarDays:
            needed = rule.amount
            counts = { _ in true }
        case .months:
            needed = startsOn.adding(months: rule.amount).daysSinceEpoch - startsOn.daysSinceEpoch
            counts = { _ in true }
        }
        var day = startsOn
        var remaining = needed
        var pausedDays = 0
        while remaining > 0 {
            day = day.adding(days: 1)
            guard counts(day) else { continue }
            if stopped.contains(where: { $0.from <= day && day <= $0.to }) {
                pausedDays += 1
            } else {
                remaining -= 1
            }
        }
        return (day, pausedDays)
    }

    enum CodingKeys: String, CodingKey {
        case code, label
        case startsFrom = "starts_from"
        case startsOn = "starts_on"
        case amount, unit
        case dueOn = "due_on"
        case metBy = "met_by"
        case metOn = "met_on"
        case state, paused
        case pausedDays = "paused_days"
        case source, notes, pauses
    }

    public func encode(to encoder: any Encoder) throws {
        // Every field is always sent, null when unknown, so a client never guesses at a missing key.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode(label, forKey: .label)
        try c.encode(startsFrom, forKey: .startsFrom)
        try c.encode(startsOn, forKey: .startsOn)
        try c.encode(amount, forKey: .amount)
        try c.encode(unit, forKey: .unit)
        try c.encode(dueOn, forKey: .dueOn)
        try c.encode(metBy, forKey: .metBy)
        try c.encode(metOn, forKey: .metOn)
        try c.encode(state, forKey: .state)
        try c.encode(paused, forKey: .paused)
        try c.encode(pausedDays, forKey: .pausedDays)
        try c.encode(source, forKey: .source)
        try c.encode(notes, forKey: .notes)
        try c.encode(pauses, forKey: .pauses)
    }
}
