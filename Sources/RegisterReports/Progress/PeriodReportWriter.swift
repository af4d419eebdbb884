import Foundation
import RegisterDomain

/// A monitoring body's period report written out: CSV for spreadsheets (the compliance report's
/// cell rules: UK dates, formulas neutralised) and a printable HTML document for the meeting's
/// papers. The report is small (one partnership's sources for one period), so it is written whole.
public enum PeriodReportWriter {
    /// The report in `format`.
    public static func write(_ report: PeriodReport, format: ReportFormat) -> String {
        switch format {
        case .csv: csv(report)
        case .html: html(report)
        case .json: json(report)
        }
    }

    static func json(_ report: PeriodReport) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// "2026-Q3: 1 July 2026 to 30 September 2026", or the two days.
    public static func periodWords(_ period: ReportingPeriod) -> String {
        let days = "\(ComplianceReport.longDate(period.start)) to \(ComplianceReport.longDate(period.end))"
        return period.quarterName.map { "\($0): \(days)" } ?? days
    }

    static let columns = [
        "Review reference", "Review title", "Recommendation", "Recommendation text", "Holder", "Role", "Action", "Due date",
        "Status at start", "Status at end", "RAG at start", "RAG at end", "Overdue at start", "Overdue at end", "Became overdue",
        "Became assured on", "Updates received", "Updates", "Evidence received", "Evidence", "Delayed because", "Delayed: expected by",
    ]

    /// One line per recommendation, then one per assignment of it.
    public static func csv(_ report: PeriodReport) -> String {
        let date = ComplianceReport.ukDate
        func yes(_ b: Bool) -> String { b ? "yes" : "no" }
        var lines = [columns]
        for r in report.recommendations {
            lines.append([
                r.reviewReference, r.reviewTitle, r.number, r.text, "", "", "", "", r.statusAtStart?.label ?? "Not yet recorded", r.statusAtEnd.label, "", "",
                yes(r.overdueAtStart), yes(r.overdueAtEnd), yes(r.becameOverdue), r.assuredInPeriodOn.map(date) ?? "", "", "", "", "", "", "",
            ])
            for a in r.assignments {
                let updates = a.updates.map { u in
                    "\(date(u.happenedOn)) \(u.rag?.word ?? "Not rated"): \(u.text)" + (u.forecastDate.map { " (forecast \(date($0)): \(u.ragReason ?? ""))" } ?? "")
                }
                let evidence = a.evidence.map { "\(date($0.effectiveDate)) \($0.kind.label), \($0.verdict.label.lowercased()): \($0.summary)" }
                lines.append([
                    r.reviewReference, r.reviewTitle, r.number, r.text, a.holder, a.role.label, a.action, date(a.dueDate),
                    a.statusAtStart?.label ?? "Not yet assigned", a.statusAtEnd.label, a.ragAtStart?.word ?? "", a.ragAtEnd?.word ?? "",
                    yes(a.overdueAtStart), yes(a.overdueAtEnd), yes(a.becameOverdue), "", String(a.updates.count), updates.joined(separator: "\n"),
                    String(a.evidence.count), evidence.joined(separator: "\n"), a.delayReason ?? "", a.delayExpectedDate.map(date) ?? "",
                ])
            }
        }
        return CSV.file(lines)
    }

    /// The printable report: what it covers, the headline figures, then source by source and
    /// recommendation by recommendation, each holder's work at the start and the end with what
    /// arrived in between; then what became overdue and what became assured. Every value escaped.
    public static func html(_ report: PeriodReport) -> String {
        let e = HTMLComplianceWriter.escape
        let long = ComplianceReport.longDate
        let period = periodWords(report.period)
        let assignments = report.recommendations.flatMap(\.assignments)
        let becameOverdue = report.recommendations.filter(\.becameOverdue).map { ($0, "") }
            + report.recommendations.flatMap { r in r.assignments.filter(\.becameOverdue).map { (r, $0.holder) } }
        let becameAssured = report.recommendations.filter(\.becameAssured)
        func status(_ label: String?, overdue: Bool) -> String { (label ?? "Not yet recorded") + (overdue ? ", overdue" : "") }
        func rag(_ r: RAGRating?) -> String {
            guard let r else { return "<span class=\"meta\">Not rated</span>" }
            return "<span class=\"rag rag-\(r.rawValue)\">\(e(r.label))</span>"
        }
        var out = """
            <!DOCTYPE html>
            <html lang="en-GB">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(report.bodyName)): progress report \(e(period)) – Learning Register</title>
            <style>
            @page { size: A4 landscape; margin: 12mm;
              @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 9pt Arial, sans-serif; color: #505a5f; }
              @bottom-left { content: "Learning Register: progress report"; font: 9pt Arial, sans-serif; color: #505a5f; } }
            html { color: #0b0c0c; background: #ffffff; }
            body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; line-height: 1.35; margin: 1.5rem auto; max-width: 80rem; padding: 0 1rem; }
            h1 { font-size: 22pt; margin: 0 0 0.4rem; }
            h2 { font-size: 16pt; margin: 1.6rem 0 0.4rem; padding-top: 0.4rem; border-top: 2px solid #0b0c0c; }
            h3 { font-size: 12.5pt; margin: 1.1rem 0 0.3rem; }
            .caption, .meta { color: #505a5f; }
            .facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.6rem 0 1rem; }
            .facts dt { font-weight: bold; } .facts dd { margin: 0; }
            .figures { display: flex; flex-wrap: wrap; gap: 0.4rem 2rem; margin: 0 0 0.6rem; padding: 0.8rem 1rem; list-style: none; border: 2px solid #0b0c0c; }
            .figures strong { font-size: 18pt; display: block; }
            .text { white-space: pre-wrap; }
            .rag { display: inline-block; border: 2px solid #0b0c0c; padding: 0 0.3rem; font-weight: bold; }
            .rag-red { background: #f4cdc6; } .rag-amber { background: #fcd6c3; } .rag-green { background: #cce2d8; } .rag-blue { background: #bbd4ea; }
            table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 0.3rem 0 0.8rem; }
            th, td { border: 1px solid #b1b4b6; padding: 0.25rem 0.35rem; text-align: left; vertical-align: top; }
            thead th { background: #f3f2f1; }
            thead { display: table-header-group; }
            tr, .facts, .figures li { break-inside: avoid; page-break-inside: avoid; }
            h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
            ul.items { margin: 0; padding-left: 1rem; }
            @media print {
              body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
              .rag, thead th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
            }
            </style>
            </head>
            <body>
            <header>
            <p class="caption">Learning Register: progress report</p>
            <h1>\(e(report.bodyName))</h1>
            <p>Progress on the recommendations and actions this \(e(report.bodyKind.label.lowercased())) monitors, \(e(period)).</p>
            <dl class="facts">
            <dt>Period</dt><dd>\(e(period))</dd>
            <dt>At the start</dt><dd>The register as it stood at the end of \(long(report.startAsAt)), rebuilt from the audit trail</dd>
            <dt>At the end</dt><dd>The register as it stood at the end of \(long(report.endAsAt))\(report.endAsAt < report.period.end ? " (the period has not ended: as it stands today)" : ""), rebuilt from the audit trail</dd>
            <dt>Made</dt><dd>\(e(ComplianceReport.ukTime(report.generatedAt))) (UK time)</dd>
            </dl>
            </header>
            <main>
            <ul class="figures">
            <li><strong>\(report.recommendations.count)</strong> recommendations and actions</li>
            <li><strong>\(assignments.reduce(0) { $0 + $1.updates.count })</strong> progress updates received</li>
            <li><strong>\(assignments.reduce(0) { $0 + $1.evidence.count })</strong> pieces of evidence received</li>
            <li><strong>\(becameOverdue.count)</strong> became overdue</li>
            <li><strong>\(becameAssured.count)</strong> became assured</li>
            </ul>

            """
        var review: UUID?
        for r in report.recommendations {
            if r.reviewID != review {
                if review != nil { out += "</section>\n" }
                review = r.reviewID
                out += "<section>\n<h2>\(e(r.reviewReference)): \(e(r.reviewTitle))</h2>\n"
            }
            out += """
                <h3>Recommendation \(e(r.number))</h3>
                <p class="text">\(e(r.text))</p>
                <p>At the start: <strong>\(e(status(r.statusAtStart?.label, overdue: r.overdueAtStart)))</strong>. \
                At the end: <strong>\(e(status(r.statusAtEnd.label, overdue: r.overdueAtEnd)))</strong>.\
                \(r.assuredInPeriodOn.map { " Assured on \(long($0))." } ?? "")</p>

                """
            if r.assignments.isEmpty {
                out += "<p class=\"meta\">Not given to anyone to act on.</p>\n"
                continue
            }
            out += """
                <table>
                <caption class="meta">Who acts on recommendation \(e(r.number)), and what happened in the period</caption>
                <thead><tr><th scope="col">Holder and action</th><th scope="col">At the start</th><th scope="col">At the end</th>\
                <th scope="col">Updates received</th><th scope="col">Evidence received</th></tr></thead>
                <tbody>

                """
            for a in r.assignments {
                let updates = a.updates.isEmpty ? "None" : "<ul class=\"items\">" + a.updates.map { u in
                    "<li>\(long(u.happenedOn)) \(rag(u.rag)): <span class=\"text\">\(e(u.text))</span>"
                        + (u.forecastDate.map { " Forecast \(long($0)): \(e(u.ragReason ?? ""))" } ?? "") + "</li>"
                }.joined() + "</ul>"
                let evidence = a.evidence.isEmpty ? "None" : "<ul class=\"items\">" + a.evidence.map { x in
                    "<li>\(e(x.kind.label)) evidence dated \(long(x.effectiveDate)), \(e(x.verdict.label.lowercased())): <span class=\"text\">\(e(x.summary))</span></li>"
                }.joined() + "</ul>"
                let delay = a.delayExpectedDate.map { "<br>Delayed, now expected by \(long($0)): \(e(a.delayReason ?? ""))" } ?? ""
                out += "<tr><th scope=\"row\">\(e(a.holder)) (\(e(a.role.label)))<br><span class=\"text\">\(e(a.action))</span><br>"
                    + "<span class=\"meta\">Due \(long(a.dueDate))</span></th>"
                    + "<td>\(e(status(a.statusAtStart?.label, overdue: a.overdueAtStart)))<br>\(rag(a.ragAtStart))</td>"
                    + "<td>\(e(status(a.statusAtEnd.label, overdue: a.overdueAtEnd)))<br>\(rag(a.ragAtEnd))\(delay)</td>"
                    + "<td>\(updates)</td><td>\(evidence)</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        if review != nil { out += "</section>\n" }
        if report.recommendations.isEmpty {
            out += "<p>This body monitors no source with recommendations yet.</p>\n"
        }
        out += "<section>\n<h2>Became overdue in the period</h2>\n"
        out += becameOverdue.isEmpty ? "<p>Nothing.</p>\n" : "<ul>" + becameOverdue.map { r, holder in
            "<li>\(e(r.reviewReference)) recommendation \(e(r.number))\(holder.isEmpty ? "" : ": \(e(holder))'s action")</li>"
        }.joined() + "</ul>\n"
        out += "</section>\n<section>\n<h2>Became assured in the period</h2>\n"
        out += becameAssured.isEmpty ? "<p>Nothing.</p>\n" : "<ul>" + becameAssured.map { r in
            "<li>\(e(r.reviewReference)) recommendation \(e(r.number)), on \(long(r.assuredInPeriodOn!))</li>"
        }.joined() + "</ul>\n"
        out += "</section>\n</main>\n</body>\n</html>\n"
        return out
    }
}
