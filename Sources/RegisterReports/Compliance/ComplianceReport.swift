import Foundation
import RegisterDomain

/// The formats the compliance report comes in.
public enum ReportFormat: String, DomainEnum {
    case csv, json, html
    public static let vocabularyName = "report format"

    public var mediaType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .json: "application/json; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        }
    }

    public var fileExtension: String { rawValue }
}

/// What a report says about itself: the moment it describes and when it was made.
public struct ReportHeading: Sendable, Equatable {
    /// The day the report describes (the end of that day, UK time), or nil for "now".
    public var asAt: Day?
    public var generatedAt: Date
    /// The filters, as a person would read them ("partner: Northvale Police").
    public var filters: [(String, String)]

    public init(asAt: Day?, generatedAt: Date, filters: [(String, String)]) {
        self.asAt = asAt
        self.generatedAt = generatedAt
        self.filters = filters
    }

    public static func == (lhs: ReportHeading, rhs: ReportHeading) -> Bool {
        lhs.asAt == rhs.asAt && lhs.generatedAt == rhs.generatedAt && lhs.filters.map { $0.0 + "=" + $0.1 } == rhs.filters.map { $0.0 + "=" + $0.1 }
    }
}

/// Writes a compliance report a row at a time: `begin`, then `row` for each line, then `end`.
/// Each returns the text to send next; nothing is kept but running totals, so memory stays flat.
public protocol ComplianceWriter {
    mutating func begin() -> String
    mutating func row(_ row: ComplianceRow) -> String
    mutating func end() -> String
}

public enum ComplianceReport {
    public static func writer(_ format: ReportFormat, heading: ReportHeading) -> any ComplianceWriter {
        switch format {
        case .csv: CSVComplianceWriter()
        case .json: JSONComplianceWriter(heading: heading)
        case .html: HTMLComplianceWriter(heading: heading)
        }
    }

    /// The columns, in order, with the heading people read.
    static let columns: [(ComplianceRow.CodingKeys, String)] = [
        (.reviewReference, "Review reference"), (.reviewTitle, "Review title"), (.reviewKind, "Review kind"),
        (.recommendationNumber, "Recommendation"), (.recommendationText, "Recommendation text"), (.scope, "Scope"),
        (.recommendationStatus, "Recommendation status"), (.partner, "Partner"), (.role, "Role"), (.leadOfficer, "Lead officer"),
        (.action, "Action"), (.originalDueDate, "Original due date"), (.currentDueDate, "Current due date"), (.status, "Assignment status"),
        (.overdueDays, "Overdue days"), (.latestEvidenceKind, "Latest evidence kind"), (.latestEvidenceVerdict, "Latest evidence verdict"),
        (.latestEvidenceDate, "Latest evidence date"), (.latestEvidenceReceivedAt, "Latest evidence received"),
        (.latestEvidenceSHA256, "Latest evidence SHA-256"), (.assuredOn, "Assured on"), (.closedOn, "Closed on"),
        (.latestUpdateDate, "Latest update date"), (.latestUpdateRAG, "Latest update RAG"), (.latestUpdateText, "Latest update"),
        (.delayReason, "Delayed because"), (.delayExpectedDate, "Delayed: expected by"),
    ]

    /// A row's cells as text, dates written by `date`.
    static func cells(_ r: ComplianceRow, date: (Day) -> String, time: (Date) -> String) -> [String] {
        [
            r.reviewReference, r.reviewTitle, r.reviewKind.rawValue, r.recommendationNumber, r.recommendationText, r.scope.rawValue,
            r.recommendationStatus.rawValue, r.partner ?? "", r.role?.rawValue ?? "", r.leadOfficer ?? "", r.action ?? "",
            r.originalDueDate.map(date) ?? "", r.currentDueDate.map(date) ?? "", r.status?.rawValue ?? "", String(r.overdueDays),
            r.latestEvidenceKind?.rawValue ?? "", r.latestEvidenceVerdict?.rawValue ?? "", r.latestEvidenceDate.map(date) ?? "",
            r.latestEvidenceReceivedAt.map(time) ?? "", r.latestEvidenceSHA256.joined(separator: " "), r.assuredOn.map(date) ?? "",
            r.closedOn.map(date) ?? "", r.latestUpdateDate.map(date) ?? "", r.latestUpdateRAG?.word ?? "", r.latestUpdateText ?? "",
            r.delayReason ?? "", r.delayExpectedDate.map(date) ?? "",
        ]
    }

    /// "31/03/2026": the day as UK spreadsheets read it.
    static func ukDate(_ day: Day) -> String {
        let iso = day.description  // YYYY-MM-DD
        let parts = iso.split(separator: "-")
        return "\(parts[2])/\(parts[1])/\(parts[0])"
    }

    /// "31 March 2026", as the GOV.UK style writes dates for people.
    static func longDate(_ day: Day) -> String {
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        let parts = day.description.split(separator: "-").compactMap { Int($0) }
        return "\(parts[2]) \(months[parts[1] - 1]) \(parts[0])"
    }

    static func utc(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// RFC 4180 CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), CRLF
/// line ends, UK dates, and every cell a spreadsheet could take for a formula neutralised.
public struct CSVComplianceWriter: ComplianceWriter {
    public init() {}

    public mutating func begin() -> String {
        "\u{FEFF}" + line(ComplianceReport.columns.map(\.1))
    }

    public mutating func row(_ row: ComplianceRow) -> String {
        line(ComplianceReport.cells(row, date: ComplianceReport.ukDate, time: ComplianceReport.utc))
    }

    public mutating func end() -> String { "" }

    private func line(_ cells: [String]) -> String {
        cells.map(Self.cell).joined(separator: ",") + "\r\n"
    }

    /// A cell, neutralised against formula injection and quoted when it needs to be.
    public static func cell(_ raw: String) -> String {
        var text = raw
        // Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return before one) as a formula.
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            text = "'" + text
        }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.hasPrefix(" ") || text.hasSuffix(" ") {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}

/// `{"as_at": …, "generated_at": …, "rows": [ … ]}`, written a row at a time.
public struct JSONComplianceWriter: ComplianceWriter {
    let heading: ReportHeading
    private var first = true
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    public init(heading: ReportHeading) { self.heading = heading }

    public mutating func begin() -> String {
        let asAt = heading.asAt.map { "\"\($0)\"" } ?? "null"
        return #"{"as_at":\#(asAt),"generated_at":"\#(ComplianceReport.utc(heading.generatedAt))","rows":["#
    }

    public mutating func row(_ row: ComplianceRow) -> String {
        let json = (try? encoder.encode(row)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        defer { first = false }
        return (first ? "\n" : ",\n") + json
    }

    public mutating func end() -> String { "\n]}\n" }
}
