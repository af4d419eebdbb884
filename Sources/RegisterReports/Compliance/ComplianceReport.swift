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

/// Writes a compliance report a row at a time: `begin`, then `row` for each line, then `end`, each
/// appending UTF-8 bytes to a buffer the caller sends on and empties. Nothing is kept but running
/// totals, so memory stays flat.
public protocol ComplianceWriter {
    mutating func begin(into out: inout [UInt8])
    mutating func row(_ row: ComplianceRow, into out: inout [UInt8])
    mutating func end(into out: inout [UInt8])
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

    /// "31/03/2026": the day as UK spreadsheets read it.
    static func ukDate(_ day: Day) -> String {
        var out: [UInt8] = []
        CSV.appendUKDate(day, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// "31 March 2026", as the GOV.UK style writes dates for people.
    static func longDate(_ day: Day) -> String { day.long }

    /// "2026-03-31T09:15:00Z".
    static func utc(_ date: Date) -> String {
        var out: [UInt8] = []
        CSV.appendUTC(date, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// The compliance report as CSV (see `CSV`: a byte-order mark, CRLF, formulas neutralised), with
/// UK dates. Cells go straight from the row's values to bytes: this is the register's largest
/// export, a line per assignment of every recommendation.
public struct CSVComplianceWriter: ComplianceWriter {
    public init() {}

    public mutating func begin(into out: inout [UInt8]) {
        out.append(contentsOf: CSV.byteOrderMark)
        CSV.appendLine(ComplianceReport.columns.map(\.1), to: &out)
    }

    public mutating func row(_ r: ComplianceRow, into out: inout [UInt8]) {
        func text(_ value: String?) {
            if let value { CSV.appendCell(value, to: &out) }
            out.append(CSV.comma)
        }
        func date(_ value: Day?) {
            if let value { CSV.appendUKDate(value, to: &out) }
            out.append(CSV.comma)
        }
        // In the order of `ComplianceReport.columns`.
        text(r.reviewReference)
        text(r.reviewTitle)
        text(r.reviewKind.rawValue)
        text(r.recommendationNumber)
        text(r.recommendationText)
        text(r.scope.rawValue)
        text(r.recommendationStatus.rawValue)
        text(r.partner)
        text(r.role?.rawValue)
        text(r.leadOfficer)
        text(r.action)
        date(r.originalDueDate)
        date(r.currentDueDate)
        text(r.status?.rawValue)
        CSV.appendInteger(r.overdueDays, to: &out)
        out.append(CSV.comma)
        text(r.latestEvidenceKind?.rawValue)
        text(r.latestEvidenceVerdict?.rawValue)
        date(r.latestEvidenceDate)
        if let received = r.latestEvidenceReceivedAt { CSV.appendUTC(received, to: &out) }
        out.append(CSV.comma)
        if !r.latestEvidenceSHA256.isEmpty { CSV.appendCell(r.latestEvidenceSHA256.joined(separator: " "), to: &out) }
        out.append(CSV.comma)
        date(r.assuredOn)
        date(r.closedOn)
        date(r.latestUpdateDate)
        text(r.latestUpdateRAG?.word)
        text(r.latestUpdateText)
        text(r.delayReason)
        if let expected = r.delayExpectedDate { CSV.appendUKDate(expected, to: &out) }
        out.append(contentsOf: CSV.lineEnd)
    }

    public mutating func end(into out: inout [UInt8]) {}

    /// A cell, neutralised against formula injection and quoted when it needs to be.
    public static func cell(_ raw: String) -> String { CSV.cell(raw) }
}

/// `{"as_at": …, "generated_at": …, "rows": [ … ]}`, written a row at a time.
public struct JSONComplianceWriter: ComplianceWriter {
    let heading: ReportHeading
    private var first = true
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // Sorted, so every server writes a row's fields in one order (a standby's report equals the primary's byte for byte).
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    public init(heading: ReportHeading) { self.heading = heading }

    public mutating func begin(into out: inout [UInt8]) {
        let asAt = heading.asAt.map { "\"\($0)\"" } ?? "null"
        out.append(contentsOf: #"{"as_at":\#(asAt),"generated_at":"\#(ComplianceReport.utc(heading.generatedAt))","rows":["#.utf8)
    }

    public mutating func row(_ row: ComplianceRow, into out: inout [UInt8]) {
        out.append(contentsOf: (first ? "\n" : ",\n").utf8)
        out.append(contentsOf: (try? encoder.encode(row)) ?? Data("{}".utf8))
        first = false
    }

    public mutating func end(into out: inout [UInt8]) { out.append(contentsOf: "\n]}\n".utf8) }
}
