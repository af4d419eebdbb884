import Foundation
import RegisterDomain

/// Further-information requests as CSV, as the compliance report's CSV is written: a byte-order
/// mark, CRLF line ends, UK dates, and every cell neutralised against formula injection.
public enum RequestsCSV {
    static let columns = [
        "Asked of", "Kind", "About", "Question", "On behalf of", "Needed by", "Status", "Overdue", "Asked by", "Asked at", "Answers",
        "Last answered at", "Withdrawn reason",
    ]

    /// The whole file for `requests`.
    public static func write(_ requests: [InformationRequest]) -> String {
        var lines = [columns]
        for r in requests {
            lines.append([
                r.partnerName, r.details.kind.rawValue, r.about ?? "", r.details.question, r.details.onBehalfOf ?? "",
                ComplianceReport.ukDate(r.details.dueDate), r.status.rawValue, r.overdue ? "yes" : "no", r.askedBy,
                ComplianceReport.utc(r.createdAt), String(r.answers.count), r.answers.last.map { ComplianceReport.utc($0.receivedAt) } ?? "",
                r.withdrawnReason ?? "",
            ])
        }
        return CSV.file(lines)
    }
}
