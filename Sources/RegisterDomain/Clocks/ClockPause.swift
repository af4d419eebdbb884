import Foundation

/// A statutory clock of one review stopped for a reason (parallel criminal proceedings, say):
/// the days it covers do not count towards the deadline.
public struct ClockPause: Sendable, Equatable, Encodable {
    public var id: UUID
    public var reviewID: UUID
    /// The code of the clock it stops ("publication").
    public var clock: String
    /// The first day the clock stands still.
    public var from: Day
    /// The last day it stands still, inclusive; nil while the pause lasts.
    public var to: Day?
    public var reason: String
    /// Who recorded it, as in the audit trail.
    public var actor: String
    public var createdAt: Date

    public init(id: UUID, reviewID: UUID, clock: String, from: Day, to: Day?, reason: String, actor: String, createdAt: Date) {
        self.id = id
        self.reviewID = reviewID
        self.clock = clock
        self.from = from
        self.to = to
        self.reason = reason
        self.actor = actor
        self.createdAt = createdAt
    }

    /// Whether the pause has not been ended.
    public var isOngoing: Bool { to == nil }

    /// Whether the clock stands still on `day`.
    public func covers(_ day: Day) -> Bool {
        from <= day && (to.map { day <= $0 } ?? true)
    }

    /// Whether this pause and the days `from…to` (open-ended without `to`) share a day.
    public func overlaps(from otherFrom: Day, to otherTo: Day?) -> Bool {
        (otherTo.map { from <= $0 } ?? true) && (to.map { otherFrom <= $0 } ?? true)
    }

    enum CodingKeys: String, CodingKey {
        case id
        case reviewID = "review_id"
        case clock, from, to, reason, actor
        case createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(reviewID, forKey: .reviewID)
        try c.encode(clock, forKey: .clock)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(reason, forKey: .reason)
        try c.encode(actor, forKey: .actor)
        try c.encode(createdAt, forKey: .createdAt)
    }
}

/// What a coordinator sends to stop a clock.
public struct ClockPauseRequest: Codable, Sendable, Equatable {
    /// The code of one of the review's clocks.
    public var clock: String
    public var from: Day
    /// The last paused day, inclusive, when already known; otherwise the pause lasts until ended.
    public var to: Day?
    /// Why the clock stops: required, because a stopped statutory clock must be explained.
    public var reason: String

    public init(clock: String, from: Day, to: Day? = nil, reason: String) {
        self.clock = clock
        self.from = from
        self.to = to
        self.reason = reason
    }

    /// The JSON fields of a pause request.
    public static let fieldNames: Set<String> = ["clock", "from", "to", "reason"]

    /// Checks the request against the review's clocks and the pauses it already has, listing
    /// every problem; returns the reason as it will be kept (trimmed).
    public func validate(kind: ReviewKind, regime: Regime, rules: [DeadlineRule], existing: [ClockPause]) throws -> String {
        var v = Validator()
        let clocks = DeadlineRule.applicable(rules, kind: kind, regime: regime).map(\.clock)
        if clocks.isEmpty {
            v.fail("clock", "a \(kind.rawValue) review held under \(regime.rawValue) has no statutory clocks to pause")
        } else if !clocks.contains(clock) {
            v.fail(
                "clock",
                "'\(clock)' is not a clock of this review; a \(kind.rawValue) review held under \(regime.rawValue) runs: \(clocks.joined(separator: ", "))")
        }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        v.text(reason, field: "reason", max: 5000)
        v.plausible(from, field: "from")
        v.plausible(to, field: "to")
        v.order(from, "from", to, "to")
        if let clash = existing.first(where: { $0.clock == clock && $0.overlaps(from: from, to: to) }) {
            let span = clash.to.map { "\(clash.from) to \($0)" } ?? "\(clash.from), still running"
            v.fail("from", "the \(clock) clock is already paused \(span); pauses of one clock may not overlap (end that pause first, or choose other days)")
        }
        try v.check()
        return trimmed
    }
}

/// What a coordinator sends to end a pause that is still running.
public struct ClockPauseEnd: Codable, Sendable, Equatable {
    /// The last day the clock stood still, inclusive; it runs again the day after.
    public var on: Day

    public init(on: Day) { self.on = on }

    public static let fieldNames: Set<String> = ["on"]

    /// Refuses to end a pause twice (a conflict) or before it began (a field error).
    public func validate(ending pause: ClockPause) throws {
        if let to = pause.to {
            throw DomainError.conflict("This pause of the \(pause.clock) clock already ended on \(to); record a new pause if the clock stopped again.")
        }
        var v = Validator()
        v.plausible(on, field: "on")
        v.order(pause.from, "the pause's start", on, "on")
        try v.check()
    }
}
