import Foundation

/// What a coordinator records about a commissioning body.
public struct BoardDetails: Draft, Equatable {
    /// Short unique handle, for example `coventry-lscb`.
    public var code: String
    public var name: String
    public var kind: BoardKind
    /// The local authority area or areas it covers.
    public var area: String?
    public var active: Bool?
    /// Whether a recommendation is assured only on accepted evidence of outcome or impact (the
    /// default, docs/domain.md), or on accepted evidence of any kind.
    public var assuranceNeedsOutcome: Bool?
    /// How many days ahead a partner's reminder digest looks for actions coming due (14 unless set).
    public var reminderDueWithinDays: Int?

    public init(
        code: String, name: String, kind: BoardKind, area: String? = nil, active: Bool? = true, assuranceNeedsOutcome: Bool? = true,
        reminderDueWithinDays: Int? = nil
    ) {
        self.code = code
        self.name = name
        self.kind = kind
        self.area = area
        self.active = active
        self.assuranceNeedsOutcome = assuranceNeedsOutcome
        self.reminderDueWithinDays = reminderDueWithinDays
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case code, name, kind, area, active
        case assuranceNeedsOutcome = "assurance_needs_outcome"
        case reminderDueWithinDays = "reminder_due_within_days"
    }

    public static let fieldNames = names(CodingKeys.self)

    public func validate() throws {
        var v = Validator()
        v.text(code, field: "code", max: 40)
        if !code.isEmpty, code.range(of: "^[a-z0-9][a-z0-9-]*\\z", options: .regularExpression) == nil {
            v.fail("code", "code may hold only lower-case letters, digits and hyphens, for example coventry-lscb")
        }
        v.text(name, field: "name", max: 200)
        v.optionalText(area, field: "area", max: 200)
        if let days = reminderDueWithinDays, !(1...90).contains(days) {
            v.fail("reminder_due_within_days", "reminder_due_within_days must be a whole number of days from 1 to 90")
        }
        try v.check()
    }
}

/// A commissioning body: safeguarding children partnership, adults board, community safety partnership or LSCB.
public typealias Board = Record<BoardDetails, NoState>
