import Crypto
import Foundation
import HTTPTypes
import RegisterDomain
@testable import RegisterServer
import RegisterReports
import RegisterStore
import RegisterTestSupport
import Testing
import ZIPFoundation

/// Compliance reports, summary figures, evidence packs and the learning view, through the API.
@Suite("Reports and learning")
struct ReportTests {
    /// A review with two recommendations: one assigned to the test partner with accepted outcome
    /// evidence (so assured), one with awkward text and nobody assigned.
    static func reportWorld(_ api: APIHarness) async throws -> (review: String, assured: String, awkward: String, assignment: String, evidence: [String: Any]) {
        let review = try await api.createReview(reference: "RPT-2026-01")["id"] as! String
        let (assured, assignment) = try await PartnerWorkTests.assignedTo(api, review: review, number: "1", text: "Agree a notification protocol between police and health visitors.")
        let awkward = try await api.call(
            .post, "/api/v1/reviews/\(review)/recommendations",
            json: #"{"number":"2","text":"=HYPERLINK(\"http://evil.example\",\"click\") <script>alert(1)</script>, \"quoted\"\nsecond line","scope":"local","target_date":"2020-01-31"}"#)
        try #require(awkward.status == .created, "\(awkward.text)")
        let evidence = try await api.upload(
            to: assignment, fields: ["summary": "Audit of notifications", "kind": "outcome", "effective_date": "2026-02-28"],
            files: [("audit.pdf", PartnerWorld.pdf)])
        _ = try await api.call(.post, "/api/v1/evidence/\(try evidence.id())/decision", json: #"{"verdict":"accepted"}"#)
        return (review, assured, try awkward.id(), assignment, evidence.json)
    }

    /// Splits RFC 4180 CSV into rows of cells.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], cell = "", quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { cell.unicodeScalars.append("\""); chars.removeFirst() } else { quoted = false }
                } else { cell.unicodeScalars.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { row.append(cell); cell = ""
            } else if c == "\r", chars.first == "\n" { chars.removeFirst(); row.append(cell); rows.append(row); row = []; cell = ""
            } else { cell.unicodeScalars.append(c) }
        }
        if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
        return rows
    }

    @Test("CSV: RFC 4180, UTF-8 with BOM, UK dates, formula cells neutralised, one row per recommendation × assignment")
    func csv() async throws {
        try await withAPI { api in
            let world = try await Self.reportWorld(api)
            let reply = try await api.call(.get, "/api/v1/reports/compliance?format=csv&review=RPT-2026-01", as: .auditor)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(Array(reply.body.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let rows = Self.parseCSV(String(decoding: reply.body.dropFirst(3), as: UTF8.self))
            #expect(rows.count == 3)
            #expect(rows.allSatisfy { $0.count == 27 }, "\(rows.map(\.count))")
            #expect(rows[0][0] == "Review reference")
            let first = rows[1], second = rows[2]
            #expect(first[3] == "1")
            #expect(first[7] == "Own Police")
            #expect(first[11] == "31/03/2026")
            #expect(first[15] == "outcome")
            #expect(first[16] == "accepted")
            #expect(first[19] == PartnerWorkTests.sha256(PartnerWorld.pdf))
            #expect(first[6] == "assured")
            // The awkward text survives exactly, made harmless: the leading = is neutralised, quotes and the newline kept.
            #expect(second[4].hasPrefix("'=HYPERLINK("))
            #expect(second[4].contains("\"quoted\"\nsecond line"))
            #expect(Int(second[14])! > 2000)
            _ = world
            for raw in ["=1+1", "+44", "-3", "@SUM(A1)", "\tx", "\r=1"] {
                #expect(CSVComplianceWriter.cell(raw).hasPrefix("'") || CSVComplianceWriter.cell(raw).hasPrefix("\"'"), "\(raw)")
            }
            #expect(CSVComplianceWriter.cell("plain") == "plain")
            #expect(CSVComplianceWriter.cell("a,b") == "\"a,b\"")
        }
    }

    @Test("JSON and HTML: the same rows; HTML escapes everything, totals first, then grouped by review and recommendation; filters hold")
    func jsonAndHTML() async throws {
        try await withAPI { api in
            let world = try await Self.reportWorld(api)
            let json = try await api.call(.get, "/api/v1/reports/compliance?format=json&review=\(world.review)", as: .coordinator)
            #expect(json.status == .ok)
            let rows = json.json["rows"] as? [[String: Any]] ?? []
            #expect(rows.count == 2)
            #expect(rows[0]["partner"] as? String == "Own Police")
            #expect(rows[0]["assured_on"] as? String != nil)
            #expect(rows[0]["latest_evidence_sha256"] as? [String] == [PartnerWorkTests.sha256(PartnerWorld.pdf)])
            #expect(rows[1]["partner"] is NSNull)
            #expect((rows[1]["overdue_days"] as? Int ?? 0) > 0)
            let overdue = try await api.call(.get, "/api/v1/reports/compliance?review=\(world.review)&overdue=true").json["rows"] as? [[String: Any]]
            #expect(overdue?.count == 1)
            let partner = try await api.call(.get, "/api/v1/reports/compliance?partner=\(api.ownPartner.uuidString.lowercased())").json["rows"] as? [[String: Any]]
            #expect(partner?.count == 1)
            let html = try await api.call(.get, "/api/v1/reports/compliance?format=html&review=RPT-2026-01", as: .auditor)
            #expect(html.headers[.contentType] == "text/html; charset=utf-8")
            #expect(!html.text.contains("<script>alert"))
            #expect(html.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(html.text.contains("id=\"totals\""))
            #expect(html.text.contains("<strong>2</strong> recommendations"))
            #expect(html.text.contains("<tr><th scope=\"row\">Own Police</th><td class=\"number\">1</td><td class=\"number\">1</td><td class=\"number\">0</td></tr>"))
            #expect(html.text.contains("<h2>RPT-2026-01: Child G</h2>"))
            #expect(html.text.range(of: "id=\"totals\"")!.lowerBound < html.text.range(of: "<h2>RPT-2026-01")!.lowerBound)
            #expect(html.text.contains("<li>Review: RPT-2026-01: Child G</li>"))
            #expect(html.text.contains("31 March 2026"))
            // Partners do not get reports.
            #expect(try await api.call(.get, "/api/v1/reports/compliance", as: .partner).status == .forbidden)
            #expect(try await api.call(.get, "/api/v1/reports/compliance?format=pdf").status == .unprocessableContent)
        }
    }

    @Test("as_at: a report of yesterday does not hold what was recorded today")
    func asAt() async throws {
        try await withAPI { api in
            _ = try await Self.reportWorld(api)
            let yesterday = Day.today().adding(days: -1)
            let then = try await api.call(.get, "/api/v1/reports/compliance?as_at=\(yesterday)").json
            #expect(then["as_at"] as? String == yesterday.description)
            #expect((then["rows"] as? [[String: Any]])?.isEmpty == true)
            let now = try await api.call(.get, "/api/v1/reports/compliance?as_at=\(Day.today())").json["rows"] as? [[String: Any]]
            #expect(now?.count == 2)
            #expect(now?.first?["recommendation_status"] as? String == "assured")
        }
    }

    @Test("summary figures: counts, percent assured and overdue, median days, closures without impact evidence")
    func summary() async throws {
        try await withAPI { api in
            let world = try await Self.reportWorld(api)
            // Closing the unassigned recommendation as implemented, with no evidence at all: it must be listed.
            _ = try await api.call(.post, "/api/v1/recommendations/\(world.awkward)/transitions", json: #"{"to":"implemented"}"#)
            let summary = try await api.call(.get, "/api/v1/reports/summary", as: .auditor).json
            let review = try #require((summary["reviews"] as? [[String: Any]])?.first { $0["name"] as? String == "RPT-2026-01" })
            #expect(review["total"] as? Int == 2)
            #expect(review["percent_assured"] as? Double == 50)
            #expect((review["by_status"] as? [String: Int]) == ["assured": 1, "implemented": 1])
            #expect(review["median_days_due_to_accepted"] as? Double != nil)
            let partner = try #require((summary["partners"] as? [[String: Any]])?.first { $0["name"] as? String == "Own Police" })
            #expect(partner["total"] as? Int == 1)
            #expect(partner["percent_assured"] as? Double == 100)
            let closed = summary["closed_without_impact_evidence"] as? [[String: Any]] ?? []
            #expect(closed.map { $0["recommendation_number"] as? String } == ["2"])
        }
    }

    @Test("evidence pack: compliance CSV, every accepted file and a manifest of SHA-256s with the checkpoint; recorded")
    func evidencePack() async throws {
        try await withAPI { api in
            let world = try await Self.reportWorld(api)
            // A returned submission must not be in the pack.
            let returned = try await api.upload(
                to: world.assignment, fields: ["summary": "Draft", "kind": "output", "effective_date": "2026-02-28"],
                files: [("draft.csv", Array("a,b\n1,2\n".utf8))])
            _ = try await api.call(.post, "/api/v1/evidence/\(try returned.id())/decision", json: #"{"verdict":"returned","reason":"Not needed"}"#)
            let reply = try await api.call(.get, "/api/v1/reports/evidence-pack?review=RPT-2026-01", as: .auditor)
            #expect(reply.status == .ok, "\(reply.text.prefix(300))")
            #expect(reply.headers[.contentType] == "application/zip")
            let archive = try Archive(data: reply.body, accessMode: .read)
            var contents: [String: Data] = [:]
            for entry in archive {
                var data = Data()
                _ = try archive.extract(entry) { data.append($0) }
                contents[entry.path] = data
            }
            #expect(Set(contents.keys) == ["compliance.csv", "manifest.json", "evidence/recommendation-1/Own Police/audit.pdf"])
            #expect(contents["evidence/recommendation-1/Own Police/audit.pdf"].map(Array.init) == PartnerWorld.pdf)
            let manifest = try JSONSerialization.jsonObject(with: contents["manifest.json"]!) as! [String: Any]
            let files = manifest["files"] as! [[String: Any]]
            for file in files {
                let path = file["path"] as! String
                #expect(file["sha256"] as? String == PartnerWorkTests.sha256(Array(contents[path]!)), "\(path)")
            }
            let audit = manifest["audit"] as! [String: Any]
            let checkpoint = audit["checkpoint"] as! [String: Any]
            #expect(checkpoint["seq"] as? Int == audit["head_seq"] as? Int)
            let verified = try await api.call(.get, "/api/v1/audit/verify", as: .auditor).json
            #expect((verified["events"] as? Int ?? 0) >= (audit["head_seq"] as? Int ?? .max))
            let events = try await api.call(.get, "/api/v1/audit/events?table=read:evidence_pack", as: .auditor).items
            #expect(events.count == 1)
            #expect(try await api.call(.get, "/api/v1/reports/evidence-pack?review=NOPE-1").status == .notFound)
            #expect(try await api.call(.get, "/api/v1/reports/evidence-pack").status == .unprocessableContent)
        }
    }

    @Test("clocks report: each review's statutory clocks, met on time or late, due or missed")
    func clocksReport() async throws {
        try await withAPI { api in
            let board = try await api.call(.post, "/api/v1/boards", as: .admin, json: #"{"code":"clock-board","name":"Board","kind":"children_partnership"}"#)
            let boardID = try board.id()
            let review = try await api.call(
                .post, "/api/v1/reviews",
                json: #"{"reference":"RR-2026-09","title":"Rapid review","kind":"rapid_review","board_id":"\#(boardID)","regime":"wt2023","incident_known_on":"2026-04-02","notified_on":"2026-04-14"}"#)
            #expect(review.status == .created, "\(review.text)")
            let report = try await api.call(.get, "/api/v1/reports/clocks?board=\(boardID)", as: .auditor)
            #expect(report.status == .ok)
            let item = try #require(report.items.first)
            #expect(item["reference"] as? String == "RR-2026-09")
            let clocks = item["clocks"] as? [[String: Any]] ?? []
            let notification = try #require(clocks.first { $0["code"] as? String == "notification" })
            // Five working days from Thursday 2 April 2026 (Good Friday and Easter Monday skipped): Monday 13 April. Notified on the 14th: late.
            #expect(notification["due_on"] as? String == "2026-04-13")
            #expect(notification["state"] as? String == "met_late")
            let rapid = try #require(clocks.first { $0["code"] as? String == "rapid_review" })
            #expect(rapid["state"] as? String == "missed")
            #expect(try await api.call(.get, "/api/v1/reports/clocks", as: .partner).status == .forbidden)
        }
    }

    @Test("learning view: themes by year, ranked highlighted search, similar recommendations across reviews")
    func learning() async throws {
        try await withAPI { api in
            let first = try await api.createReview(reference: "LRN-2024-01", extra: #","themes":["information_sharing"],"decision_on":"2024-05-01""#)["id"] as! String
            let second = try await api.createReview(reference: "LRN-2025-01", extra: #","themes":["information_sharing","neglect"],"decision_on":"2025-03-01""#)["id"] as! String
            _ = try await api.call(.post, "/api/v1/reviews/\(first)/findings", json: #"{"text":"Health visitors were not told of <b>police call-outs</b>.","themes":["information_sharing"]}"#)
            let a = try await api.call(.post, "/api/v1/reviews/\(first)/recommendations", json: #"{"number":"1","text":"Police share domestic abuse notifications with health visitors within 48 hours.","scope":"local"}"#)
            let b = try await api.call(.post, "/api/v1/reviews/\(second)/recommendations", json: #"{"number":"3","text":"Health visitors receive police domestic abuse notifications within two working days.","scope":"local"}"#)
            _ = try await api.call(.post, "/api/v1/reviews/\(second)/recommendations", json: #"{"number":"4","text":"Review the school attendance policy.","scope":"local"}"#)

            let themes = try await api.call(.get, "/api/v1/learning/themes", as: .auditor).items
            let sharing2024 = themes.first { $0["theme"] as? String == "information_sharing" && $0["year"] as? Int == 2024 }
            #expect(sharing2024?["reviews"] as? Int == 1)
            #expect(sharing2024?["findings"] as? Int == 1)
            #expect(themes.contains { $0["theme"] as? String == "neglect" && $0["year"] as? Int == 2025 })

            let hits = try await api.call(.get, "/api/v1/learning/search?q=police%20notification").items
            #expect(hits.count >= 2)
            #expect(hits.allSatisfy { ($0["snippet"] as? String)?.contains("<mark>") == true })
            let finding = try await api.call(.get, "/api/v1/learning/search?q=call-outs").items.first { $0["type"] as? String == "finding" }
            #expect((finding?["snippet"] as? String)?.contains("&lt;b&gt;police") == true, "\(finding ?? [:])")
            #expect((finding?["snippet"] as? String)?.contains("<b>") == false)
            #expect(try await api.call(.get, "/api/v1/learning/search").status == .unprocessableContent)

            let similar = try await api.call(.get, "/api/v1/recommendations/\(try a.id())/similar").items
            #expect(similar.first?["id"] as? String == b.json["id"] as? String)
            #expect((similar.first?["shared_terms"] as? [String])?.contains("notif") == true)
            #expect(try await api.call(.get, "/api/v1/recommendations/\(UUID())/similar").status == .notFound)
            #expect(try await api.call(.get, "/api/v1/learning/themes", as: .partner).status == .forbidden)
        }
    }
}
