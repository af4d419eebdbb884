import Foundation
import RegisterDomain
import RegisterReports
import Testing

/// The printable compliance report: a document a scrutiny committee reads on paper, written a row
/// at a time.
@Suite("Printable compliance report")
struct HTMLComplianceWriterTests {
    static let asAt = Day(year: 2026, month: 3, day: 31)!
    /// 2 April 2026, 14:05 UTC: 3:05pm in London (summer time).
    static let made = Date(timeIntervalSince1970: 1_775_138_700)

    static func row(
        _ review: String, _ number: String, partner: String?, status: AssignmentStatus? = .inProgress, overdue: Int = 0,
        recommendation: RecommendationStatus = .inProgress, kind: ReviewKind = .scr, text: String = "Share notifications.",
        evidence: (EvidenceKind, Verdict, [String])? = nil
    ) -> ComplianceRow {
        ComplianceRow(
            reviewReference: review, reviewTitle: "Child \(review.suffix(2))", reviewKind: kind, recommendationNumber: number,
            recommendationText: text, scope: .local, recommendationStatus: recommendation, partner: partner,
            role: partner == nil ? nil : .lead, leadOfficer: partner == nil ? nil : "Head of Service", action: partner == nil ? nil : "Audit the protocol.",
            originalDueDate: partner == nil ? nil : Day(year: 2026, month: 1, day: 31), currentDueDate: partner == nil ? nil : Day(year: 2026, month: 2, day: 28),
            status: partner == nil ? nil : status, overdueDays: overdue, latestEvidenceKind: evidence?.0, latestEvidenceVerdict: evidence?.1,
            latestEvidenceDate: evidence == nil ? nil : Day(year: 2026, month: 3, day: 1), latestEvidenceReceivedAt: nil,
            latestEvidenceSHA256: evidence?.2 ?? [], assuredOn: recommendation == .assured ? Day(year: 2026, month: 3, day: 20) : nil, closedOn: nil)
    }

    /// Two reviews; the first with two recommendations (one given to two partners, one to nobody), in report order.
    static let rows: [ComplianceRow] = [
        row("SCR-2016-01", "1", partner: "Northvale Police", status: .accepted, recommendation: .assured,
            evidence: (.outcome, .accepted, [String(repeating: "a", count: 64), String(repeating: "b", count: 64)])),
        row("SCR-2016-01", "1", partner: "Northvale ICB", status: .assigned, overdue: 31, recommendation: .assured),
        row("SCR-2016-01", "2", partner: nil, overdue: 12, recommendation: .open, text: "<script>alert(1)</script> & more"),
        row("SAR-2024-01", "1", partner: "Northvale Police", status: .evidenceSubmitted, kind: .sar, evidence: (.output, .pending, ["c" + String(repeating: "0", count: 63)])),
    ]

    static func write(_ rows: [ComplianceRow], totals: ComplianceTotals?, filters: [(String, String)] = []) -> (html: String, pieces: [String]) {
        var writer = HTMLComplianceWriter(heading: ReportHeading(asAt: asAt, generatedAt: made, filters: filters), totals: totals)
        var pieces = [writer.begin()]
        for row in rows { pieces.append(writer.row(row)) }
        pieces.append(writer.end())
        return (pieces.joined(), pieces)
    }

    static func totals(_ rows: [ComplianceRow]) -> ComplianceTotals {
        var totals = ComplianceTotals()
        for row in rows { totals.add(row) }
        return totals
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test("totals are counted once per review and recommendation, from rows in report order")
    func totalsCount() {
        let t = Self.totals(Self.rows)
        #expect(t.rows == 4)
        #expect(t.reviews == 2)
        #expect(t.recommendations == 3)
        #expect(t.assured == 1)
        #expect(t.recommendationsByStatus == [.assured: 1, .open: 1, .inProgress: 1])
        #expect(t.assignments == 3)
        #expect(t.assignmentsByStatus == [.accepted: 1, .assigned: 1, .evidenceSubmitted: 1])
        #expect(t.overdue == 2)
        #expect(t.recommendationsOverdue == 2)
        #expect(t.partners["Northvale Police"] == ComplianceTotals.PartnerCounts(assignments: 2, accepted: 1, overdue: 0))
        #expect(t.partners["Northvale ICB"]?.overdue == 1)
    }

    @Test("the totals come first, then each review once with its recommendations, each once with its assignments' table")
    func grouping() {
        let (html, _) = Self.write(Self.rows, totals: Self.totals(Self.rows))
        let totals = try! #require(html.range(of: "<h2 id=\"totals\">Totals</h2>"))
        let first = try! #require(html.range(of: "<h2>SCR-2016-01: Child 01</h2>"))
        let second = try! #require(html.range(of: "<h2>SAR-2024-01: Child 01</h2>"))
        #expect(totals.lowerBound < first.lowerBound && first.lowerBound < second.lowerBound)
        #expect(Self.count("<h2>SCR-2016-01", in: html) == 1)
        #expect(Self.count("<h3>Recommendation 1 ", in: html) == 2)
        #expect(Self.count("<h3>Recommendation 2 ", in: html) == 1)
        // Recommendation 1 of the first review: one table, two partners; recommendation 2 nobody's: no table.
        #expect(Self.count("<table class=\"assignments\">", in: html) == 2)
        #expect(html.contains("Not yet given to any partner. 12 days past its target date."))
        let figures = html[totals.lowerBound..<first.lowerBound]
        for figure in ["<strong>2</strong> reviews", "<strong>3</strong> recommendations", "<strong>1</strong> assured", "<strong>2</strong> overdue lines",
                       "<strong>4</strong> lines in all", "<strong>3</strong> partner assignments"] {
            #expect(figures.contains(figure), "\(figure)")
        }
        #expect(figures.contains("<tr><th scope=\"row\">Northvale Police</th><td class=\"number\">2</td><td class=\"number\">1</td><td class=\"number\">0</td></tr>"))
        // Sections and tables are closed as often as opened.
        #expect(Self.count("<section", in: html) == Self.count("</section>", in: html))
        #expect(Self.count("<table", in: html) == Self.count("</table>", in: html))
        #expect(!html.contains("The register changed while this report was being made"))
    }

    @Test("plain words, UK dates and times: no codes, no ISO timestamps")
    func words() {
        let (html, _) = Self.write(Self.rows, totals: Self.totals(Self.rows), filters: [("Kind of review", "Serious case review")])
        for words in ["Serious case review", "Safeguarding adults review", "<span class=\"status\">Assured</span>", "Evidence submitted",
                      "Assigned, overdue", "Outcome evidence, accepted, dated 1 March 2026", "Output evidence, awaiting a decision",
                      "31 January 2026", "28 February 2026", "assured on 20 March 2026", "Reach: Local",
                      "<dt>As at</dt><dd>31 March 2026</dd>", "2 April 2026 at 3:05pm (UK time)", "<li>Kind of review: Serious case review</li>"] {
            #expect(html.contains(words), "\(words)")
        }
        for code in [">scr<", ">sar<", "in_progress", "evidence_submitted", "2026-01-31", "T14:05"] {
            #expect(!html.contains(code), "\(code)")
        }
        // Every file's SHA-256 of the latest evidence, in full.
        #expect(html.contains(String(repeating: "a", count: 64) + "<br>" + String(repeating: "b", count: 64)))
        // Escaped, never markup.
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"))
        #expect(!html.contains("<script>"))
    }

    @Test("a print stylesheet: A4 landscape, header rows repeated, rows kept whole, page numbers and the as-at day on every page")
    func printStyles() {
        let (html, _) = Self.write(Self.rows, totals: Self.totals(Self.rows))
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en-GB\">"))
        for rule in ["size: A4 landscape;", "margin: 12mm;", #"@bottom-right { content: "Page " counter(page) " of " counter(pages);"#,
                     #"@top-right { content: "As at 31 March 2026";"#, "thead { display: table-header-group; }", "break-inside: avoid;"] {
            #expect(html.contains(rule), "\(rule)")
        }
        #expect(html.contains("<thead><tr><th scope=\"col\">Partner</th>"))
        #expect(html.contains("<title>Compliance report as at 31 March 2026 – Learning Register</title>"))
    }

    @Test("it streams: each row's piece holds only that row and the group it opens or closes")
    func streams() {
        let (_, pieces) = Self.write(Self.rows, totals: Self.totals(Self.rows))
        #expect(pieces.count == Self.rows.count + 2)
        // The second partner of recommendation 1 is one table row, nothing more.
        #expect(pieces[2].hasPrefix("<tr><th scope=\"row\">Northvale ICB</th>"))
        #expect(Self.count("<tr>", in: pieces[2]) == 1)
        // A new review closes the last recommendation and review, and opens its own.
        #expect(pieces[4].hasPrefix("</section>\n</section>\n<section class=\"review\">"))
        #expect(pieces.dropFirst().allSatisfy { !$0.contains("<h2 id=\"totals\">") })
    }

    @Test("totals that no longer agree with the rows listed are said to differ; without totals they follow the rows")
    func disagreement() {
        let (changed, _) = Self.write(Self.rows, totals: Self.totals(Array(Self.rows.prefix(2))))
        #expect(changed.contains("The register changed while this report was being made: the totals at the top count 2 lines, but 4 are listed."))
        let (late, _) = Self.write(Self.rows, totals: nil)
        let totals = try! #require(late.range(of: "<h2 id=\"totals\">"))
        #expect(late.range(of: "<h2>SAR-2024-01")!.lowerBound < totals.lowerBound)
        let (empty, _) = Self.write([], totals: ComplianceTotals())
        #expect(empty.contains("No recommendation matches these filters."))
        #expect(empty.contains("<strong>0</strong> lines in all"))
    }
}
