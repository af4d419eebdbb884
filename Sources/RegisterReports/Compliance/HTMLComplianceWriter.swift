import Foundation
import RegisterDomain

/// A printable page: the rows as a table, then totals by status, partner and review. Every value
/// is HTML-escaped. Totals are counted as rows pass (a few counters), so the page streams.
public struct HTMLComplianceWriter: ComplianceWriter {
    let heading: ReportHeading
    private var rows = 0
    private var overdue = 0
    private var byStatus: [String: Int] = [:]
    private var byPartner: [String: Int] = [:]
    private var byReview: [String: Int] = [:]

    public init(heading: ReportHeading) { self.heading = heading }

    /// Escapes text for HTML element content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    public mutating func begin() -> String {
        let when = heading.asAt.map { "as at the end of \(ComplianceReport.longDate($0))" } ?? "now"
        let filters = heading.filters.isEmpty
            ? "all reviews"
            : heading.filters.map { "\(Self.escape($0.0)): \(Self.escape($0.1))" }.joined(separator: "; ")
        let head = ComplianceReport.columns.map { "<th scope=\"col\">\(Self.escape($0.1))</th>" }.joined()
        return """
            <!DOCTYPE html>
            <html lang="en-GB">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Compliance report – Learning Register</title>
            <style>
            body { font-family: Arial, sans-serif; color: #0b0c0c; margin: 1.5rem; }
            table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
            th, td { border: 1px solid #b1b4b6; padding: 0.3rem; text-align: left; vertical-align: top; }
            th { background: #f3f2f1; }
            td.hash { font-family: monospace; word-break: break-all; }
            caption { text-align: left; font-weight: bold; margin-bottom: 0.5rem; }
            @media print { body { margin: 0; } a { color: inherit; } }
            </style>
            </head>
            <body>
            <main>
            <h1>Compliance report</h1>
            <p>The register \(when) (\(filters)). Made \(Self.escape(ComplianceReport.utc(heading.generatedAt))). <a href="#totals">Totals</a> follow the table.</p>
            <table>
            <caption>One row per recommendation and partner assignment</caption>
            <thead><tr>\(head)</tr></thead>
            <tbody>

            """
    }

    public mutating func row(_ row: ComplianceRow) -> String {
        rows += 1
        if row.overdueDays > 0 { overdue += 1 }
        byStatus[row.countedStatus, default: 0] += 1
        byPartner[row.partner ?? "(not assigned)", default: 0] += 1
        byReview[row.reviewReference, default: 0] += 1
        let cells = ComplianceReport.cells(row, date: ComplianceReport.longDate, time: ComplianceReport.utc)
        let hashColumn = ComplianceReport.columns.firstIndex { $0.0 == .latestEvidenceSHA256 }
        return "<tr>" + cells.enumerated().map { index, text in
            index == hashColumn ? "<td class=\"hash\">\(Self.escape(text))</td>" : "<td>\(Self.escape(text))</td>"
        }.joined() + "</tr>\n"
    }

    public mutating func end() -> String {
        func table(_ caption: String, _ label: String, _ counts: [String: Int]) -> String {
            let body = counts.sorted { $0.key < $1.key }.map { "<tr><td>\(Self.escape($0.key))</td><td>\($0.value)</td></tr>" }.joined(separator: "\n")
            return """
                <table>
                <caption>\(caption)</caption>
                <thead><tr><th scope="col">\(label)</th><th scope="col">Rows</th></tr></thead>
                <tbody>
                \(body)
                </tbody>
                </table>
                """
        }
        return """
            </tbody>
            </table>
            <h2 id="totals">Totals</h2>
            <p>\(rows) rows, \(overdue) overdue.</p>
            \(table("By status (the assignment's, or the recommendation's when unassigned)", "Status", byStatus))
            \(table("By partner", "Partner", byPartner))
            \(table("By review", "Review", byReview))
            </main>
            </body>
            </html>

            """
    }
}
