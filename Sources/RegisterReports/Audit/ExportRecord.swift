import Foundation
import RegisterDomain
import RegisterStore

/// Where an export was taken: the JSON API, a web page or the command line.
public enum ExportChannel: String, Sendable {
    case api, page, cli
}

/// An export as the audit trail records it, the one shape every export is recorded in (compliance
/// report, summary figures, statutory clocks, evidence pack, audit trail): which export, in which
/// format, with which filters, as at which day, how many rows, and through which face. Who took it
/// is the event's own `actor`. Never any of the exported data.
///
/// Each is a read event of its own (`audit.record_read`), written in a short transaction before a
/// byte of the export is sent.
public struct ExportRecord: Sendable {
    public enum Kind: Sendable, Equatable {
        case compliance, summary, clocks
        /// A review's evidence pack, keyed by the review's id.
        case evidencePack(reviewID: UUID, reference: String)
        /// The audit trail itself.
        case audit
        /// A monitoring body's report for a period, keyed by the body's id.
        case period(bodyID: UUID)
        /// Further-information requests (CSV).
        case informationRequests

        /// The event's table is `read:` followed by this. The evidence pack's and the audit export's
        /// names are the ones their events have always had, so a trail reads the same throughout.
        var what: String {
            switch self {
            case .compliance: "report.compliance"
            case .summary: "report.summary"
            case .clocks: "report.clocks"
            case .evidencePack: "evidence_pack"
            case .audit: "audit.export"
            case .period: "report.period"
            case .informationRequests: "report.information_requests"
            }
        }
    }

    public var kind: Kind
    public var format: String
    public var via: ExportChannel
    /// The filters as given (names and values: ids, codes, a review's reference), only those set.
    public var filters: [(String, String)]
    /// The day the export describes (the end of it, UK time), or nil for "now".
    public var asAt: Day?
    /// Lines exported, when known before the export is sent.
    public var rows: Int?

    public init(_ kind: Kind, format: String, via: ExportChannel, filters: [(String, String)] = [], asAt: Day? = nil, rows: Int? = nil) {
        (self.kind, self.format, self.via, self.filters, self.asAt, self.rows) = (kind, format, via, filters, asAt, rows)
    }

    /// The read event: keyed by the review for an evidence pack, `events` for the audit trail, and
    /// by the day described (or `now`) for a report.
    public var read: RecordedRead {
        var detail: [String: JSONValue] = [
            "format": .string(format), "via": .string(via.rawValue), "as_at": asAt.map { .string($0.description) } ?? .null,
        ]
        if !filters.isEmpty {
            detail["filters"] = .object(Dictionary(filters.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { $1 }))
        }
        if let rows { detail["rows"] = .number(Double(rows)) }
        let key: String
        switch kind {
        case .evidencePack(let reviewID, let reference):
            key = reviewID.uuidString.lowercased()
            detail["reference"] = .string(reference)
        case .period(let bodyID):
            key = bodyID.uuidString.lowercased()
        case .audit:
            key = "events"
        case .compliance, .summary, .clocks, .informationRequests:
            key = asAt?.description ?? "now"
        }
        return RecordedRead(what: kind.what, key: key, detail: detail)
    }

    /// Records it in the trail, as `context`'s actor, in a transaction of its own.
    public func record(in audit: AuditStore, context: WriteContext) async throws {
        try await audit.record(read, context: context)
    }
}
