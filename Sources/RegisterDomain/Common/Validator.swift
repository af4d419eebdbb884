import Foundation

/// Collects every problem with an input before refusing it, so one reply lists them all.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []

    public init() {}

    public mutating func fail(_ field: String, _ message: String) {
        errors.append(FieldError(field: field, message: message))
    }

    /// Required text: trimmed, not empty, at most `max` characters.
    public mutating func text(_ value: String, field: String, max: Int) {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            fail(field, "\(field) must not be empty")
        } else {
            optionalText(value, field: field, max: max)
        }
    }

    /// Optional text: at most `max` characters and free of control characters other than newlines and tabs.
    public mutating func optionalText(_ value: String?, field: String, max: Int) {
        guard let value else { return }
        // Counted in Unicode code points, as PostgreSQL's length() counts them.
        let length = value.unicodeScalars.count
        if length > max {
            fail(field, "\(field) is \(length) characters long; the limit is \(max)")
        }
        if Validator.hasControlCharacters(value) {
            fail(field, "\(field) contains a control character; remove it and try again")
        }
    }

    /// Two dates that must not run backwards (`notified_on` before `incident_known_on`).
    public mutating func order(_ earlier: Day?, _ earlierField: String, _ later: Day?, _ laterField: String) {
        if let earlier, let later, later < earlier {
            fail(laterField, "\(laterField) (\(later)) is before \(earlierField) (\(earlier))")
        }
    }

    /// The years a date of the register may fall in. A date outside them is a typing slip (2062 for
    /// 2026 passes; 9999 does not), and deadlines counted from it must stay representable.
    public static let plausibleYears = 1900...2199

    /// A date within `plausibleYears`.
    public mutating func plausible(_ day: Day?, field: String) {
        guard let day, !Validator.plausibleYears.contains(day.year) else { return }
        fail(field, "\(field) (\(day)) is not a plausible date; give one between 1900 and 2199")
    }

    /// An absolute http(s) address.
    public mutating func url(_ value: String?, field: String) {
        guard let value else { return }
        optionalText(value, field: field, max: 2000)
        guard let components = URLComponents(string: value),
            let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = components.host, !host.isEmpty
        else {
            fail(field, "\(field) must be a full web address starting with https://")
            return
        }
    }

    /// A list without repeats.
    public mutating func unique<T: Hashable>(_ values: [T], field: String) {
        if Set(values).count != values.count {
            fail(field, "\(field) lists the same value more than once")
        }
    }

    /// Control characters other than newline, carriage return and tab (NUL among them) are never stored.
    public static func hasControlCharacters(_ value: String) -> Bool {
        value.unicodeScalars.contains { $0.properties.generalCategory == .control && !"\n\r\t".unicodeScalars.contains($0) }
    }

    /// Codes from a vocabulary (theme codes): short, lower-case, no spaces.
    public mutating func codes(_ values: [String], field: String) {
        unique(values, field: field)
        for (index, value) in values.enumerated() where value.range(of: "^[a-z0-9_]{1,60}\\z", options: .regularExpression) == nil {
            fail("\(field)[\(index)]", "\(field)[\(index)] is not a theme code; GET /api/v1/themes lists them")
        }
    }

    /// Throws when anything failed.
    public func check() throws {
        if !errors.isEmpty { throw ValidationError(errors) }
    }
}
