import Foundation

/// Who a partnership reports progress to.
public enum MonitoringBodyKind: String, DomainEnum, Labelled {
    case board, subgroup
    case scrutinyCommittee = "scrutiny_committee"
    public static let vocabularyName = "monitoring body kind"

    public var label: String {
        switch self {
        case .board: "Board"
        case .subgroup: "Subgroup"
        case .scrutinyCommittee: "Scrutiny committee"
        }
    }
}

/// A board, subgroup or scrutiny committee of one partnership, as a coordinator records it.
public struct MonitoringBodyDetails: Draft, Equatable {
    public var boardID: UUID
    public var name: String
    public var kind: MonitoringBodyKind

    public init(boardID: UUID, name: String, kind: MonitoringBodyKind) {
        self.boardID = boardID
        self.name = name
        self.kind = kind
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case boardID = "board_id"
        case name, kind
    }

    public static let fieldNames = names(CodingKeys.self)

    public func validate() throws {
        var v = Validator()
        v.text(name, field: "name", max: 200)
        try v.check()
    }
}

/// A body that monitors sources of recommendations and receives their progress reports.
public typealias MonitoringBody = Record<MonitoringBodyDetails, NoState>

/// A source a body monitors, as its page lists it.
public struct MonitoredSource: Codable, Sendable, Equatable {
    public var reviewID: UUID
    public var reference: String
    public var title: String

    public init(reviewID: UUID, reference: String, title: String) {
        (self.reviewID, self.reference, self.title) = (reviewID, reference, title)
    }

    enum CodingKeys: String, CodingKey {
        case reviewID = "review_id"
        case reference, title
    }
}

/// The days a progress report covers, both included: a calendar quarter (`2026-Q3` is 1 July to
/// 30 September 2026) or any start and end.
public struct ReportingPeriod: Codable, Sendable, Equatable {
    public var start: Day
    public var end: Day

    public init(start: Day, end: Day) {
        self.start = start
        self.end = end
    }

    /// `2026-Q3`, or nil when the text is not a quarter.
    public static func quarter(_ text: String) -> ReportingPeriod? {
        let parts = text.uppercased().split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), parts[1].count == 2, parts[1].first == "Q",
            let q = Int(parts[1].dropFirst()), (1...4).contains(q),
            let start = Day(year: year, month: 3 * q - 2, day: 1),
            let next = q == 4 ? Day(year: year + 1, month: 1, day: 1) : Day(year: year, month: 3 * q + 1, day: 1)
        else { return nil }
        return ReportingPeriod(start: start, end: next.adding(days: -1))
    }

    /// The quarter's name when the period is exactly one (`2026-Q3`), else nil.
    public var quarterName: String? {
        guard start.day == 1, [1, 4, 7, 10].contains(start.month) else { return nil }
        let name = "\(start.year)-Q\((start.month + 2) / 3)"
        return ReportingPeriod.quarter(name) == self ? name : nil
    }

    /// Reads a quarter or a start and end, as people give them; every problem at once.
    public static func parse(quarter: String?, start: Day?, end: Day?) throws -> ReportingPeriod {
        if let quarter {
            if start != nil || end != nil { throw ValidationError(field: "quarter", message: "give quarter, or start and end, not both") }
            guard let period = ReportingPeriod.quarter(quarter) else {
                throw ValidationError(field: "quarter", message: "quarter must be a calendar quarter such as 2026-Q3 (1 July to 30 September 2026)")
            }
            return period
        }
        guard let start, let end else {
            throw ValidationError(field: start == nil ? "start" : "end", message: "give quarter (such as 2026-Q3), or both start and end (YYYY-MM-DD)")
        }
        var v = Validator()
        v.plausible(start, field: "start")
        v.plausible(end, field: "end")
        if end < start { v.fail("end", "end (\(end)) is before start (\(start))") }
        if start.adding(days: 3660) < end { v.fail("end", "a period is at most ten years long") }
        try v.check()
        return ReportingPeriod(start: start, end: end)
    }
}

/// That a period's report was presented to a named body on a day. Never changed.
public struct Presentation: Codable, Sendable, Equatable {
    public var id: UUID
    public var bodyID: UUID
    public var period: ReportingPeriod
    public var presentedTo: String
    public var presentedOn: Day
    public var note: String?
    public var recordedBy: String
    public var createdAt: Date

    public init(id: UUID, bodyID: UUID, period: ReportingPeriod, presentedTo: String, presentedOn: Day, note: String?, recordedBy: String, createdAt: Date) {
        (self.id, self.bodyID, self.period, self.presentedTo, self.presentedOn, self.note, self.recordedBy, self.createdAt) =
            (id, bodyID, period, presentedTo, presentedOn, note, recordedBy, createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id
        case bodyID = "body_id"
        case period
        case presentedTo = "presented_to"
        case presentedOn = "presented_on"
        case note
        case recordedBy = "recorded_by"
        case createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(bodyID, forKey: .bodyID)
        try c.encode(period, forKey: .period)
        try c.encode(presentedTo, forKey: .presentedTo)
        try c.encode(presentedOn, forKey: .presentedOn)
        try c.encode(note, forKey: .note)
        try c.encode(recordedBy, forKey: .recordedBy)
        try c.encode(createdAt, forKey: .createdAt)
    }
}

/// What a coordinator records when a report has been presented.
public struct NewPresentation: Codable, Sendable, Equatable {
    public var periodStart: Day
    public var periodEnd: Day
    /// The body it was presented to, by name ("Safeguarding Board").
    public var presentedTo: String
    public var presentedOn: Day
    public var note: String?

    public init(periodStart: Day, periodEnd: Day, presentedTo: String, presentedOn: Day, note: String? = nil) {
        (self.periodStart, self.periodEnd, self.presentedTo, self.presentedOn, self.note) = (periodStart, periodEnd, presentedTo, presentedOn, note)
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case presentedTo = "presented_to"
        case presentedOn = "presented_on"
        case note
    }

    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.stringValue))

    public func validate(today: Day) throws {
        var v = Validator()
        v.text(presentedTo, field: "presented_to", max: 200)
        v.optionalText(note, field: "note", max: 5000)
        if let note, note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { v.fail("note", "note must not be blank; leave it out instead") }
        v.plausible(periodStart, field: "period_start")
        v.plausible(periodEnd, field: "period_end")
        if periodEnd < periodStart { v.fail("period_end", "period_end (\(periodEnd)) is before period_start (\(periodStart))") }
        if presentedOn < periodStart { v.fail("presented_on", "presented_on (\(presentedOn)) is before the period began") }
        if presentedOn > today { v.fail("presented_on", "presented_on (\(presentedOn)) is in the future; record it once it has happened") }
        try v.check()
    }
}
