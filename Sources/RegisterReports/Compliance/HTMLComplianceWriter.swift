import Foundation
import RegisterDomain

/// The printable compliance report: a document a scrutiny committee can read on paper.
///
/// It opens with what it describes (the "as at" day, when it was made, the filters in words) and
/// the totals, then goes review by review and recommendation by recommendation, each
/// recommendation with a table of its partners' assignments. Words, not codes ("Serious case
/// review", not `scr`); UK dates and times; an A4 landscape print stylesheet that repeats each
/// table's header on every page, keeps rows whole and prints the page number and the "as at" day
/// on every page. Every value is HTML-escaped.
///
/// It streams: rows arrive in report order (review → recommendation → partner) and the groups are
/// found by comparing each row with the one before, so memory stays flat whatever the size. The
/// totals come first, so they are counted beforehand (`ComplianceTotals`, a first pass over the same
/// rows) and handed in; the rows listed are counted again as they pass, and the report says so at
/// its end if the two differ (the register changed between the passes).
public struct HTMLComplianceWriter: ComplianceWriter {
    let heading: ReportHeading
    /// Counted before the rows are written; nil: the totals follow the rows instead.
    let totals: ComplianceTotals?
    private var listed = ComplianceTotals()
    private var review: String?
    private var recommendation: String?
    private var tableOpen = false

    public init(heading: ReportHeading, totals: ComplianceTotals? = nil) {
        self.heading = heading
        self.totals = totals
    }

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

    /// The day the report describes, in words: the "as at" day, else the day it was made (UK time).
    var asAtDay: String {
        ComplianceReport.longDate(heading.asAt ?? Day.today(now: heading.generatedAt))
    }

    public mutating func begin() -> String {
        let asAt = asAtDay
        let when = heading.asAt == nil
            ? "The register as it stood when this report was made."
            : "The register as it stood at the end of \(asAt) (UK time), rebuilt from the audit trail."
        let filters = heading.filters.isEmpty
            ? "<li>None: every review, recommendation and partner</li>"
            : heading.filters.map { "<li>\(Self.escape($0.0)): \(Self.escape($0.1))</li>" }.joined()
        var out = """
            <!DOCTYPE html>
            <html lang="en-GB">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Compliance report as at \(asAt) – Learning Register</title>
            <style>
            @page {
              size: A4 landscape;
              margin: 12mm;
              @top-right { content: "As at \(asAt)"; font: 9pt Arial, sans-serif; color: #505a5f; }
              @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 9pt Arial, sans-serif; color: #505a5f; }
              @bottom-left { content: "Learning Register: compliance report"; font: 9pt Arial, sans-serif; color: #505a5f; }
            }
            html { color: #0b0c0c; background: #ffffff; }
            body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; line-height: 1.35; margin: 1.5rem auto; max-width: 80rem; padding: 0 1rem; }
            h1 { font-size: 22pt; margin: 0 0 0.4rem; }
            h2 { font-size: 16pt; margin: 1.6rem 0 0.4rem; padding-top: 0.4rem; border-top: 2px solid #0b0c0c; }
            h3 { font-size: 12.5pt; margin: 1.1rem 0 0.3rem; }
            p { margin: 0 0 0.5rem; }
            .caption { color: #505a5f; font-size: 12pt; margin: 0 0 0.2rem; }
            .facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.6rem 0 1rem; }
            .facts dt { font-weight: bold; }
            .facts dd { margin: 0; }
            .facts ul { margin: 0; padding-left: 1.1rem; }
            .totals { display: flex; flex-wrap: wrap; gap: 1rem 2.5rem; border: 2px solid #0b0c0c; padding: 0.8rem 1rem; margin: 0.4rem 0 1rem; }
            .totals table { width: auto; min-width: 14rem; }
            .figures { display: flex; flex-wrap: wrap; gap: 0.4rem 2rem; margin: 0 0 0.6rem; padding: 0; list-style: none; width: 100%; }
            .figures li { font-size: 11pt; }
            .figures strong { font-size: 18pt; display: block; }
            .text { white-space: pre-wrap; max-width: 60rem; }
            .meta { color: #505a5f; }
            .status { display: inline-block; border: 1px solid #0b0c0c; padding: 0 0.3rem; font-size: 10pt; font-weight: bold; text-transform: none; }
            table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 0.3rem 0 0.8rem; }
            caption { text-align: left; font-weight: bold; padding-bottom: 0.2rem; }
            th, td { border: 1px solid #b1b4b6; padding: 0.25rem 0.35rem; text-align: left; vertical-align: top; }
            thead th { background: #f3f2f1; }
            table.assignments { table-layout: fixed; }
            col.w-partner { width: 12%; } col.w-role { width: 6%; } col.w-officer { width: 9%; } col.w-action { width: 16%; }
            col.w-date { width: 7%; } col.w-status { width: 8%; } col.w-days { width: 5%; } col.w-update { width: 12%; } col.w-evidence { width: 9%; } col.w-hash { width: 9%; }
            td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
            .hash { font-family: "Courier New", monospace; font-size: 8pt; word-break: break-all; }
            .overdue { font-weight: bold; }
            .note { border-left: 5px solid #b1b4b6; padding-left: 0.6rem; }
            .warning { border: 3px solid #d4351c; padding: 0.5rem 0.8rem; font-weight: bold; }
            .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
            thead { display: table-header-group; }
            tfoot { display: table-footer-group; }
            tr, .figures li, .facts { break-inside: avoid; page-break-inside: avoid; }
            h1, h2, h3, .caption { break-after: avoid; page-break-after: avoid; }
            section.recommendation > p { orphans: 3; widows: 3; }
            @media print {
              body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
              a { color: inherit; text-decoration: none; }
              h2 { margin-top: 1rem; }
              section.review { break-before: auto; }
              thead th { background: #f3f2f1; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
            }
            </style>
            </head>
            <body>
            <header>
            <p class="caption">Learning Register</p>
            <h1>Compliance report</h1>
            <p>\(when)</p>
            <dl class="facts">
            <dt>As at</dt><dd>\(asAt)</dd>
            <dt>Made</dt><dd>\(Self.escape(ComplianceReport.ukTime(heading.generatedAt))) (UK time)</dd>
            <dt>Filters</dt><dd><ul>\(filters)</ul></dd>
            </dl>
            </header>
            <main>

            """
        if let totals { out += Self.totalsSection(totals, heading: "Totals") }
        return out
    }

    public mutating func row(_ row: ComplianceRow) -> String {
        listed.add(row)
        var out = ""
        let recommendationKey = row.reviewReference + "\u{0}" + row.recommendationNumber
        if row.reviewReference != review {
            out += closeRecommendation()
            if review != nil { out += "</section>\n" }
            review = row.reviewReference
            recommendation = nil
            out += """
                <section class="review">
                <h2>\(Self.escape(row.reviewReference)): \(Self.escape(row.reviewTitle))</h2>
                <p class="meta">\(Self.escape(row.reviewKind.label))</p>

                """
        }
        if recommendationKey != recommendation {
            out += closeRecommendation()
            recommendation = recommendationKey
            var facts = ["Reach: \(row.scope.label)"]
            if let assured = row.assuredOn { facts.append("assured on \(ComplianceReport.longDate(assured))") }
            if let closed = row.closedOn { facts.append("closed on \(ComplianceReport.longDate(closed))") }
            out += """
                <section class="recommendation">
                <h3>Recommendation \(Self.escape(row.recommendationNumber)) <span class="status">\(Self.escape(row.recommendationStatus.label))</span></h3>
                <p class="text">\(Self.escape(row.recommendationText))</p>
                <p class="meta">\(Self.escape(facts.joined(separator: "; "))).</p>

                """
        }
        guard let partner = row.partner else {
            // A recommendation nobody has been given: one row of the report, no table.
            var note = "Not yet given to any partner."
            if row.overdueDays > 0 { note += " \(Self.days(row.overdueDays)) past its target date." }
            return out + "<p class=\"note\">\(Self.escape(note))</p>\n"
        }
        if !tableOpen {
            tableOpen = true
            out += """
                <table class="assignments">
                <colgroup><col class="w-partner"><col class="w-role"><col class="w-officer"><col class="w-action"><col class="w-date"><col class="w-date">\
                <col class="w-status"><col class="w-days"><col class="w-update"><col class="w-evidence"><col class="w-hash"></colgroup>
                <caption class="visually-hidden">Partners' actions on recommendation \(Self.escape(row.recommendationNumber)) of \(Self.escape(row.reviewReference))</caption>
                <thead><tr><th scope="col">Partner</th><th scope="col">Role</th><th scope="col">Lead officer</th><th scope="col">Action</th>\
                <th scope="col">Original due date</th><th scope="col">Current due date</th><th scope="col">Status</th>\
                <th scope="col" class="number">Days overdue</th><th scope="col">Latest update</th><th scope="col">Latest evidence</th><th scope="col">SHA-256 of its files</th></tr></thead>
                <tbody>

                """
        }
        let evidence: String
        if let kind = row.latestEvidenceKind {
            var parts = ["\(kind.label) evidence"]
            if let verdict = row.latestEvidenceVerdict { parts.append(verdict.label.lowercased()) }
            if let day = row.latestEvidenceDate { parts.append("dated \(ComplianceReport.longDate(day))") }
            evidence = parts.joined(separator: ", ")
        } else {
            evidence = "None yet"
        }
        let overdue = row.overdueDays > 0 ? "<td class=\"number overdue\">\(row.overdueDays)</td>" : "<td class=\"number\">0</td>"
        var status = (row.status?.label ?? "") + (row.overdueDays > 0 ? ", overdue" : "")
        if let expected = row.delayExpectedDate {
            status += "; delayed, now expected by \(ComplianceReport.longDate(expected))" + (row.delayReason.map { ": \($0)" } ?? "")
        }
        var update = "None yet"
        if let day = row.latestUpdateDate {
            update = ComplianceReport.longDate(day) + (row.latestUpdateRAG.map { ", \($0.label)" } ?? "") + (row.latestUpdateText.map { ": \($0)" } ?? "")
        }
        let hashes = row.latestEvidenceSHA256.isEmpty ? "" : row.latestEvidenceSHA256.map(Self.escape).joined(separator: "<br>")
        out += "<tr><th scope=\"row\">\(Self.escape(partner))</th><td>\(Self.escape(row.role?.label ?? ""))</td>"
            + "<td>\(Self.escape(row.leadOfficer ?? "Not named"))</td><td class=\"text\">\(Self.escape(row.action ?? ""))</td>"
            + "<td>\(row.originalDueDate.map(ComplianceReport.longDate) ?? "")</td><td>\(row.currentDueDate.map(ComplianceReport.longDate) ?? "")</td>"
            + "<td>\(Self.escape(status))</td>\(overdue)<td class=\"text\">\(Self.escape(update))</td><td>\(Self.escape(evidence))</td><td class=\"hash\">\(hashes)</td></tr>\n"
        return out
    }

    public mutating func end() -> String {
        var out = closeRecommendation()
        if review != nil { out += "</section>\n" }
        if listed.rows == 0 { out += "<p>No recommendation matches these filters.</p>\n" }
        if let totals {
            if totals.counts != listed.counts {
                out += """
                    <p class="warning">The register changed while this report was being made: the totals at the top count \
                    \(totals.rows) lines, but \(listed.rows) are listed. Make the report again for figures that agree.</p>

                    """
            }
        } else {
            out += Self.totalsSection(listed, heading: "Totals")
        }
        out += """
            <p class="meta">End of the report: \(listed.rows) \(listed.rows == 1 ? "line" : "lines") listed, one for each partner given a recommendation \
            and one for each recommendation not yet given to any partner.</p>
            </main>
            </body>
            </html>

            """
        return out
    }

    private mutating func closeRecommendation() -> String {
        guard recommendation != nil else { return "" }
        recommendation = nil
        guard tableOpen else { return "</section>\n" }
        tableOpen = false
        return "</tbody>\n</table>\n</section>\n"
    }

    static func days(_ n: Int) -> String { n == 1 ? "1 day" : "\(n) days" }

    /// The totals box: the headline figures, then recommendations and assignments by status and partners.
    static func totalsSection(_ t: ComplianceTotals, heading: String) -> String {
        func table(_ caption: String, _ label: String, _ rows: [(String, Int)]) -> String {
            let body = rows.map { "<tr><th scope=\"row\">\(escape($0.0))</th><td class=\"number\">\($0.1)</td></tr>" }.joined(separator: "\n")
            return """
                <table>
                <caption>\(caption)</caption>
                <thead><tr><th scope="col">\(label)</th><th scope="col" class="number">Number</th></tr></thead>
                <tbody>
                \(body.isEmpty ? "<tr><td colspan=\"2\">None</td></tr>" : body)
                </tbody>
                </table>
                """
        }
        let recommendations = RecommendationStatus.allCases.compactMap { s in t.recommendationsByStatus[s].map { (s.label, $0) } }
        let assignments = AssignmentStatus.allCases.compactMap { s in t.assignmentsByStatus[s].map { (s.label, $0) } }
        let partnerRows = t.partners.sorted { $0.key.localizedCaseInsensitiveCompare($1.key) == .orderedAscending }.map { name, p in
            "<tr><th scope=\"row\">\(escape(name))</th><td class=\"number\">\(p.assignments)</td><td class=\"number\">\(p.accepted)</td><td class=\"number\">\(p.overdue)</td></tr>"
        }.joined(separator: "\n")
        let partners = partnerRows.isEmpty ? "" : """
            <table>
            <caption>Assignments by partner</caption>
            <thead><tr><th scope="col">Partner</th><th scope="col" class="number">Assignments</th><th scope="col" class="number">Accepted</th><th scope="col" class="number">Overdue</th></tr></thead>
            <tbody>
            \(partnerRows)
            </tbody>
            </table>
            """
        return """
            <section aria-labelledby="totals">
            <h2 id="totals">\(escape(heading))</h2>
            <div class="totals">
            <ul class="figures">
            <li><strong>\(t.reviews)</strong> \(t.reviews == 1 ? "review" : "reviews")</li>
            <li><strong>\(t.recommendations)</strong> \(t.recommendations == 1 ? "recommendation" : "recommendations")</li>
            <li><strong>\(t.assured)</strong> assured</li>
            <li><strong>\(t.recommendationsOverdue)</strong> with work overdue</li>
            <li><strong>\(t.assignments)</strong> partner \(t.assignments == 1 ? "assignment" : "assignments")</li>
            <li><strong>\(t.overdue)</strong> overdue \(t.overdue == 1 ? "line" : "lines")</li>
            <li><strong>\(t.rows)</strong> \(t.rows == 1 ? "line" : "lines") in all</li>
            </ul>
            \(table("Recommendations by status", "Status", recommendations))
            \(table("Assignments by status", "Status", assignments))
            \(partners)
            </div>
            <p class="meta">A line is a partner's assignment, or a recommendation not yet given to any partner. \
            Overdue: past the due date (or, unassigned, the target date) and not yet done.</p>
            </section>

            """
    }
}

/// The compliance report's totals, counted row by row in report order (review → recommendation →
/// partner): a review or recommendation is counted when it first appears, so nothing but the
/// previous row's keys and a counter per status and partner is kept.
public struct ComplianceTotals: Sendable, Equatable {
    public struct PartnerCounts: Sendable, Equatable {
        public var assignments = 0
        public var accepted = 0
        public var overdue = 0

        public init(assignments: Int = 0, accepted: Int = 0, overdue: Int = 0) {
            (self.assignments, self.accepted, self.overdue) = (assignments, accepted, overdue)
        }
    }

    /// Lines: an assignment, or a recommendation nobody has been given.
    public private(set) var rows = 0
    public private(set) var reviews = 0
    public private(set) var recommendations = 0
    public private(set) var recommendationsByStatus: [RecommendationStatus: Int] = [:]
    /// Recommendations assured.
    public private(set) var assured = 0
    /// Recommendations with at least one overdue line.
    public private(set) var recommendationsOverdue = 0
    public private(set) var assignments = 0
    public private(set) var assignmentsByStatus: [AssignmentStatus: Int] = [:]
    /// Lines past their date.
    public private(set) var overdue = 0
    /// By partner name (a few dozen at most).
    public private(set) var partners: [String: PartnerCounts] = [:]
    private var lastReview: String?
    private var lastRecommendation: String?
    private var lastRecommendationOverdue = false

    public init() {}

    public mutating func add(_ row: ComplianceRow) {
        rows += 1
        if row.reviewReference != lastReview {
            reviews += 1
            lastReview = row.reviewReference
            lastRecommendation = nil
        }
        let key = row.reviewReference + "\u{0}" + row.recommendationNumber
        if key != lastRecommendation {
            recommendations += 1
            recommendationsByStatus[row.recommendationStatus, default: 0] += 1
            if row.recommendationStatus == .assured { assured += 1 }
            lastRecommendation = key
            lastRecommendationOverdue = false
        }
        if row.overdueDays > 0 {
            overdue += 1
            if !lastRecommendationOverdue { recommendationsOverdue += 1 }
            lastRecommendationOverdue = true
        }
        if let partner = row.partner, let status = row.status {
            assignments += 1
            assignmentsByStatus[status, default: 0] += 1
            partners[partner, default: PartnerCounts()].assignments += 1
            if status == .accepted { partners[partner, default: PartnerCounts()].accepted += 1 }
            if row.overdueDays > 0 { partners[partner, default: PartnerCounts()].overdue += 1 }
        }
    }

    /// The figures alone (not the place reached), for comparing two counts of the same report.
    var counts: [Int] { [rows, reviews, recommendations, assured, recommendationsOverdue, assignments, overdue] }
}

extension ComplianceReport {
    /// "2 April 2026 at 3:05pm", UK time.
    static func ukTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .london
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        guard let day = Day(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1), let h = c.hour, let m = c.minute else { return utc(date) }
        let hour = h % 12 == 0 ? 12 : h % 12
        return "\(longDate(day)) at \(hour):\(String(format: "%02d", m))\(h < 12 ? "am" : "pm")"
    }
}

extension HTMLComplianceWriter {
    // The document is built as text, piece by piece; each piece goes out as its UTF-8 bytes.
    public mutating func begin(into out: inout [UInt8]) { out.append(contentsOf: begin().utf8) }
    public mutating func row(_ row: ComplianceRow, into out: inout [UInt8]) { out.append(contentsOf: self.row(row).utf8) }
    public mutating func end(into out: inout [UInt8]) { out.append(contentsOf: end().utf8) }
}
