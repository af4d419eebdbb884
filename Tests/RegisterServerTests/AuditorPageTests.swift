import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RegisterDomain
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport
import Testing
import ZIPFoundation

/// The auditors' pages (and the coordinators' and admins', as the policy allows): reports with their
/// downloads and charts, the printable report, the audit trail, statutory clocks and the learning view.
@Suite("auditor pages")
struct AuditorPageTests {
    /// A signed-in person's session cookie, by role.
    static func cookie(_ api: APIHarness, _ role: Role) async throws -> String {
        let token = try await api.db.withDatabase { database in
            let accounts = AccountStore(database: database)
            let user = try #require(try await accounts.credentials(email: "\(role.rawValue)@example.org")).user
            return try await accounts.startSession(
                for: user, lasting: 3600, context: WriteContext(actor: .system("tests"), requestID: "t", logger: TestDatabase.logger))
        }
        return "lr_session=\(token.text)"
    }

    /// A page as a signed-in person's browser asks for it, from the register's own pages.
    static func page(_ api: APIHarness, _ path: String, as cookie: String, site: String = "same-origin") async throws -> Reply {
        try await api.call(.get, path, as: nil, headers: [.cookie: cookie, .secFetchSite: site])
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test("navigation: Reports and Learning for whoever may read reports, Audit trail for whoever may read the trail")
    func navigation() async throws {
        try await withAPI { api in
            for (role, reports, audit) in [(Role.auditor, true, true), (.admin, true, true), (.coordinator, true, false), (.partner, false, false)] {
                let home = try await Self.page(api, "/", as: try await Self.cookie(api, role))
                #expect(home.status == .ok, "\(role)")
                #expect(home.text.contains(#"href="/reports">Reports</a>"#) == reports, "\(role)")
                #expect(home.text.contains(#"href="/learning">Learning</a>"#) == reports, "\(role)")
                #expect(home.text.contains(#"href="/audit">Audit trail</a>"#) == audit, "\(role)")
            }
        }
    }

    @Test("who may open the pages: as the policy says (partners lack readReports and readAudit; coordinators readAudit)")
    func policy() async throws {
        try await withAPI { api in
            let world = try await ReportTests.reportWorld(api)
            let partner = try await Self.cookie(api, .partner), coordinator = try await Self.cookie(api, .coordinator)
            let auditor = try await Self.cookie(api, .auditor), admin = try await Self.cookie(api, .admin)
            let reportPages = ["/reports", "/reports/clocks", "/learning", "/reports/compliance?format=csv", "/reports/evidence-pack?review=RPT-2026-01"]
            let auditPages = ["/audit", "/audit/verify", "/audit/checkpoints"]
            for path in reportPages + auditPages {
                let refused = try await Self.page(api, path, as: partner)
                #expect(refused.status == .forbidden, "\(path)")
                #expect(refused.headers[.contentType]?.hasPrefix("text/html") == true, "\(path)")
                #expect(!refused.text.contains("RPT-2026-01"), "\(path)")
            }
            // Similar recommendations hide the recommendation from a partner, as the API does.
            #expect(try await Self.page(api, "/learning/similar/\(world.assured)", as: partner).status == .notFound)
            for path in auditPages {
                #expect(try await Self.page(api, path, as: coordinator).status == .forbidden, "\(path)")
                #expect(try await Self.page(api, path, as: auditor).status == .ok, "\(path)")
                #expect(try await Self.page(api, path, as: admin).status == .ok, "\(path)")
            }
            for path in reportPages.dropLast() {
                for cookie in [coordinator, auditor, admin] {
                    #expect(try await Self.page(api, path, as: cookie).status == .ok, "\(path)")
                }
            }
        }
    }

    @Test("reports: the filter form, download links carrying the filters (as at typed 31/03/2026), and summary tables with SVG charts")
    func reportsPage() async throws {
        try await withAPI { api in
            _ = try await ReportTests.reportWorld(api)
            let auditor = try await Self.cookie(api, .auditor)
            let page = try await Self.page(api, "/reports", as: auditor)
            #expect(page.status == .ok)
            let html = page.text
            for label in ["Board", "Review reference", "Partner organisation", "Kind of review", "Recommendation status", "Theme", "Overdue", "As at"] {
                #expect(html.contains(">\(label)</label>"), "\(label)")
            }
            #expect(html.contains(#"<form method="get" action="/reports""#))
            #expect(html.contains(#"href="/reports/compliance?format=csv">Download the compliance report as CSV</a>"#))
            #expect(html.contains(#"href="/reports/compliance?format=html">Open the printable compliance report</a>"#))
            #expect(html.contains(#"<form method="get" action="/reports/evidence-pack""#))
            // Tables and charts: the same figures, each value written as text on the chart.
            #expect(html.contains("<th scope=\"row\" class=\"lr-table__header\">Own Police"))
            #expect(Self.count("<svg ", in: html) == 4)
            #expect(Self.count(#"role="img""#, in: html) == 4)
            #expect(html.contains(#"aria-labelledby="chart-partner-rates-title chart-partner-rates-desc""#))
            #expect(html.contains(#"<title id="chart-partner-rates-title">Percent assured and percent overdue, by partner</title>"#))
            #expect(html.contains(">100% assured</text>") && html.contains(">0% overdue</text>"))
            #expect(html.contains(">50% assured</text>"))  // RPT-2026-01: one of two recommendations assured
            #expect(html.contains(#"fill="url(#chart-partner-rates-hatch)""#))
            #expect(html.contains("days late</text>") || html.contains("days early</text>") || html.contains("On the due date</text>"))
            // The pages' CSP allows no inline style: none is written.
            #expect(!html.contains(" style="))
            #expect(!html.contains("<style"))
            #expect(html.contains("RPT-2026-01 recommendation 2") == false)

            let filtered = try await Self.page(api, "/reports?review=RPT-2026-01&kind=lcspr&overdue=true&as_at=31%2F03%2F2026", as: auditor)
            #expect(filtered.status == .ok)
            #expect(filtered.text.contains("/reports/compliance?format=csv&amp;review=RPT-2026-01&amp;kind=lcspr&amp;overdue=true&amp;as_at=2026-03-31"))
            #expect(filtered.text.contains("as it stood at the end of 31 March 2026"))
            #expect(filtered.text.contains("Kind of review: Local child safeguarding practice review"))
            #expect(filtered.text.contains(#"<option value="lcspr" selected>"#))
            #expect(filtered.text.contains(#"value="31/03/2026""#))

            let wrong = try await Self.page(api, "/reports?as_at=31%2F02%2F2026&kind=inquest", as: auditor)
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains("There is a problem"))
            #expect(wrong.text.contains(##"<a href="#as_at">The “as at” date must be a real date, like 31/03/2026</a>"##))
            #expect(wrong.text.contains(##"<a href="#kind">"##))
            #expect(!wrong.text.contains("Download the compliance report as CSV"))
        }
    }

    @Test("the page's downloads are the API's: the same CSV, the printable report with its own CSP, the evidence pack recorded")
    func downloads() async throws {
        try await withAPI { api in
            _ = try await ReportTests.reportWorld(api)
            let auditor = try await Self.cookie(api, .auditor)
            let csv = try await Self.page(api, "/reports/compliance?format=csv&review=RPT-2026-01&as_at=\(Day.today())", as: auditor)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentDisposition]?.contains("attachment; filename=\"compliance-") == true)
            let fromAPI = try await api.call(.get, "/api/v1/reports/compliance?format=csv&review=RPT-2026-01&as_at=\(Day.today())", as: .auditor)
            #expect(csv.body == fromAPI.body)
            let rows = ReportTests.parseCSV(String(decoding: csv.body.dropFirst(3), as: UTF8.self))
            #expect(rows.count == 3 && rows[1][7] == "Own Police")

            let printable = try await Self.page(api, "/reports/compliance?format=html&review=RPT-2026-01", as: auditor)
            #expect(printable.status == .ok)
            #expect(printable.headers[.contentSecurityPolicy] == "default-src 'none'; style-src 'unsafe-inline'")
            #expect(printable.text.contains("<h1>Compliance report</h1>"))
            #expect(printable.text.contains("<h2>RPT-2026-01: Child G</h2>"))
            #expect(printable.text.contains("Local child safeguarding practice review"))
            #expect(printable.text.contains("<li>Review: RPT-2026-01: Child G</li>"))
            #expect(printable.text.contains("size: A4 landscape"))

            let bad = try await Self.page(api, "/reports/compliance?format=pdf", as: auditor)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.headers[.contentType]?.hasPrefix("text/html") == true)

            let pack = try await Self.page(api, "/reports/evidence-pack?review=RPT-2026-01", as: auditor)
            #expect(pack.status == .ok, "\(pack.text.prefix(300))")
            #expect(pack.headers[.contentType] == "application/zip")
            let archive = try Archive(data: pack.body, accessMode: .read)
            #expect(archive["manifest.json"] != nil)
            #expect(try await api.call(.get, "/api/v1/audit/events?table=read:evidence_pack", as: .auditor).items.count == 1)
            // A GET that records a read: only from the register's own pages.
            #expect(try await Self.page(api, "/reports/evidence-pack?review=RPT-2026-01", as: auditor, site: "cross-site").status == .forbidden)
            let unknown = try await Self.page(api, "/reports/evidence-pack?review=NOPE-1", as: auditor)
            #expect(unknown.status == .notFound)
            #expect(unknown.text.contains("No review has the reference NOPE-1"))
            #expect(unknown.text.contains(##"<a href="#pack-review">"##))
            let empty = try await Self.page(api, "/reports/evidence-pack?review=", as: auditor)
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains("Enter the reference of the review"))
        }
    }

    @Test("audit trail: events with their before and after, filters, verifying the chain, the last checkpoint, checkpoints")
    func auditTrail() async throws {
        try await withAPI { api in
            let world = try await ReportTests.reportWorld(api)
            let auditor = try await Self.cookie(api, .auditor)
            let events = try await Self.page(api, "/audit", as: auditor)
            #expect(events.status == .ok)
            #expect(events.text.contains("Event 1: Recorded: "))
            #expect(events.text.contains(#"href="/api/v1/audit/export">Export the trail</a>"#))
            // A next page exactly when there are more events than one page (25) holds.
            let total = try await api.call(.get, "/api/v1/audit/verify", as: .auditor).json["events"] as? Int ?? 0
            #expect(events.text.contains("Next page") == (total > 25), "\(total) events")
            let second = try await Self.page(api, "/audit?after=5", as: auditor)
            #expect(second.text.contains("Event 6: ") && !second.text.contains("Event 5: "))
            #expect(second.text.contains(#">First page</a>"#))

            // One recommendation's events: recorded, then changed (assured), with its fields before and after.
            let record = try await Self.page(api, "/audit?table=recommendations&key=\(world.assured)", as: auditor)
            #expect(record.status == .ok)
            #expect(record.text.contains("Recorded: Recommendation"))
            #expect(record.text.contains("Changed: Recommendation"))
            #expect(!record.text.contains("Partner organisation</h3>"))
            #expect(record.text.contains(#"<th scope="row" class="lr-table__header">Status</th><td class="lr-table__cell lr-pre-wrap lr-audit__before">"#))
            #expect(record.text.contains(#"lr-audit__after">assured</td>"#))
            #expect(record.text.contains("Agree a notification protocol between police and health visitors."))
            #expect(record.text.contains(">coordinator<"))  // the person's name, not only user:<id>
            let wrong = try await Self.page(api, "/audit?from=31%2F02%2F2026", as: auditor)
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains(##"<a href="#from">The first day must be a real date, like 31/03/2026</a>"##))
            let future = try await Self.page(api, "/audit?from=01%2F01%2F2099", as: auditor)
            #expect(future.text.contains("No events match."))

            let verified = try await Self.page(api, "/audit/verify", as: auditor)
            #expect(verified.status == .ok)
            #expect(verified.text.contains("The audit trail is verified"))
            #expect(verified.text.contains("No checkpoint has been made yet."))
            let head = try await api.call(.get, "/api/v1/audit/verify", as: .auditor).json
            #expect(verified.text.contains("\(head["events"] as? Int ?? -1) events checked"))
            #expect(verified.text.contains(head["head_hash"] as? String ?? "-"))

            // An export makes a checkpoint: the verify page and the checkpoints list show it.
            let export = try await Self.page(api, "/api/v1/audit/export", as: auditor)
            #expect(export.status == .ok)
            let seq = try #require(export.headers[HTTPField.Name("Audit-Checkpoint-Seq")!])
            let after = try await Self.page(api, "/audit/verify", as: auditor)
            #expect(after.text.contains("<dt class=\"lr-summary-list__key\">At event</dt><dd class=\"lr-summary-list__value\">\(seq)</dd>"))
            #expect(after.text.contains(try #require(export.headers[HTTPField.Name("Audit-Chain-Hash")!])))
            let checkpoints = try await Self.page(api, "/audit/checkpoints", as: auditor)
            #expect(checkpoints.text.contains(#"<td class="lr-table__cell lr-table__cell--numeric">\#(seq)</td>"#))
            let read = try await Self.page(api, "/audit?table=read%3Aaudit.export", as: auditor)
            #expect(read.text.contains("Read: Audit trail exported"))
            #expect(read.text.contains("What was read"))
        }
    }

    @Test("statutory clocks of every review, as a table with tags")
    func clocks() async throws {
        try await withAPI { api in
            let board = try await api.call(.post, "/api/v1/boards", as: .admin, json: #"{"code":"clock-board","name":"Clock board","kind":"children_partnership"}"#)
            let boardID = try #require(board.json["id"] as? String)
            let review = try await api.call(
                .post, "/api/v1/reviews",
                json: #"{"reference":"RR-2026-09","title":"Rapid review","kind":"rapid_review","board_id":"\#(boardID)","regime":"wt2023","incident_known_on":"2026-04-02","notified_on":"2026-04-14"}"#)
            #expect(review.status == .created)
            let auditor = try await Self.cookie(api, .auditor)
            let page = try await Self.page(api, "/reports/clocks?board=\(boardID)", as: auditor)
            #expect(page.status == .ok)
            #expect(page.text.contains(">RR-2026-09</a>"))
            #expect(page.text.contains("13 April 2026"))
            #expect(page.text.contains(#"<strong class="lr-tag lr-tag--orange">Met late</strong>"#))
            #expect(page.text.contains(#"<strong class="lr-tag lr-tag--red">Missed</strong>"#))
            #expect(page.text.contains("5 working days"))
            let past = try await Self.page(api, "/reports/clocks?board=\(boardID)&as_at=01%2F04%2F2026", as: auditor)
            #expect(past.text.contains("No review matches."))
            let wrong = try await Self.page(api, "/reports/clocks?as_at=yesterday", as: auditor)
            #expect(wrong.status == .unprocessableContent)
        }
    }

    @Test("learning: themes by year as a chart and a table, search with marked matches, similar recommendations")
    func learning() async throws {
        try await withAPI { api in
            let first = try await api.createReview(reference: "LRN-2024-01", extra: #","themes":["information_sharing"],"decision_on":"2024-05-01""#)["id"] as! String
            let second = try await api.createReview(reference: "LRN-2025-01", extra: #","themes":["information_sharing","neglect"],"decision_on":"2025-03-01""#)["id"] as! String
            _ = try await api.call(.post, "/api/v1/reviews/\(first)/findings", json: #"{"text":"Health visitors were not told of <b>police call-outs</b>.","themes":["information_sharing"]}"#)
            let a = try await api.call(.post, "/api/v1/reviews/\(first)/recommendations", json: #"{"number":"1","text":"Police share domestic abuse notifications with health visitors within 48 hours.","scope":"local"}"#)
            _ = try await api.call(.post, "/api/v1/reviews/\(second)/recommendations", json: #"{"number":"3","text":"Health visitors receive police domestic abuse notifications within two working days.","scope":"local"}"#)
            let auditor = try await Self.cookie(api, .auditor)

            let page = try await Self.page(api, "/learning", as: auditor)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<th scope="rowgroup" rowspan="2" class="lr-table__header">2025</th>"#))
            #expect(page.text.contains("<svg ") && page.text.contains(#"role="img""#))
            #expect(page.text.contains(">2024: Information sharing</text>"))
            #expect(page.text.contains(">1 review</text>"))
            #expect(!page.text.contains(" style="))

            let search = try await Self.page(api, "/learning?q=call-outs", as: auditor)
            #expect(search.status == .ok)
            #expect(search.text.contains("1 result for “call-outs”"))
            #expect(search.text.contains("<mark>"))
            #expect(search.text.contains("&lt;b&gt;"))
            #expect(!search.text.contains("<b>"))
            let recommendations = try await Self.page(api, "/learning?q=notifications", as: auditor)
            #expect(recommendations.text.contains(#"href="/learning/similar/\#((try a.id()).lowercased())""#))
            let empty = try await Self.page(api, "/learning?q=", as: auditor)
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains(##"<a href="#q">Enter the words to look for"##))

            let similar = try await Self.page(api, "/learning/similar/\(try a.id())", as: auditor)
            #expect(similar.status == .ok)
            #expect(similar.text.contains("Recommendations like recommendation 1"))
            #expect(similar.text.contains("LRN-2025-01 recommendation 3"))
            #expect(similar.text.contains("notif"))
            #expect(try await Self.page(api, "/learning/similar/\(UUID())", as: auditor).status == .notFound)
        }
    }

    @Test("search snippets: only the database's <mark> tags pass as markup")
    func snippets() {
        #expect(LearningPages.safeSnippet("a <mark>police</mark> &lt;b&gt;") == "a <mark>police</mark> &lt;b&gt;")
        #expect(LearningPages.safeSnippet("<script>x</script><mark>y</mark>") == "&lt;script&gt;x&lt;/script&gt;<mark>y</mark>")
    }

    @Test("charts: values as text, a hatched second series, title and description, no style attribute")
    func charts() {
        let svg = Charts.bars(
            id: "c", title: "T <1>", description: "D",
            rows: [Charts.Row(label: "Police & health", bars: [Charts.Bar(value: 50, text: "50% assured"), Charts.Bar(value: 10, text: "10% overdue", hatched: true)]),
                   Charts.Row(label: "None", bars: [Charts.Bar(value: nil, text: "No accepted evidence")])],
            scale: 0...100)
        #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>"))
        #expect(svg.contains(#"role="img" aria-labelledby="c-title c-desc""#))
        #expect(svg.contains(#"<title id="c-title">T &lt;1&gt;</title>"#))
        #expect(svg.contains(">Police &amp; health</text>"))
        #expect(svg.contains(">50% assured</text>") && svg.contains(">10% overdue</text>") && svg.contains(">No accepted evidence</text>"))
        #expect(svg.contains(#"<pattern id="c-hatch""#) && svg.contains(#"fill="url(#c-hatch)""#))
        #expect(Self.count("<rect class=\"lr-chart__bar\"", in: svg) == 1)
        #expect(!svg.contains("style"))
    }
}
