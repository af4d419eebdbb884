import Foundation

/// How a progress update rates the work, as boards report it: red, amber, green, or blue (complete).
public enum RAGRating: String, DomainEnum, Labelled {
    case red, amber, green, blue
    public static let vocabularyName = "RAG rating"

    /// Red and amber say the work is not on track: they need a forecast date and a reason.
    public var offTrack: Bool { self == .red || self == .amber }

    /// The word a board reads: never the colour alone.
    public var label: String {
        switch self {
        case .red: "Red: off track"
        case .amber: "Amber: at risk"
        case .green: "Green: on track"
        case .blue: "Blue: complete"
        }
    }

    /// The short word for tables and spreadsheets.
    public var word: String {
        switch self {
        case .red: "Red"
        case .amber: "Amber"
        case .green: "Green"
        case .blue: "Blue (complete)"
        }
    }
}

/// An assignment marked delayed: why, and when the work is now expected.
public struct AssignmentDelay: Codable, Sendable, Equatable {
    public var reason: String
    public var expectedDate: Day
    public var recordedBy: String
    public var recordedAt: Date

    public init(reason: String, expectedDate: Day, recordedBy: String, recordedAt: Date) {
        self.reason = reason
        self.expectedDate = expectedDate
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }

    enum CodingKeys: String, CodingKey {
        case reason
        case expectedDate = "expected_date"
        case recordedBy = "recorded_by"
        case recordedAt = "recorded_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reason, forKey: .reason)
        try c.encode(expectedDate, forKey: .expectedDate)
        try c.encode(recordedBy, forKey: .recordedBy)
        try c.encode(recordedAt, forKey: .recordedAt)
    }
}

/// What a holder or coordinator says when marking an assignment delayed.
public struct DelayRequest: Codable, Sendable, Equatable {
    public var reason: String
    /// When the work is now expected to be done. Not in the past.
    public var expectedDate: Day

    public init(reason: String, expectedDate: Day) {
        self.reason = reason
        self.expectedDate = expectedDate
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case reason
        case expectedDate = "expected_date"
    }

    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.stringValue))

    public func validate(today: Day) throws {
        var v = Validator()
        v.text(reason, field: "reason", max: 5000)
        v.plausible(expectedDate, field: "expected_date")
        if expectedDate < today {
            v.fail("expected_date", "expected_date (\(expectedDate)) is in the past; give the day the work is now expected")
        }
        try v.check()
    }
}
