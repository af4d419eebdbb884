import Foundation
import HTTPTypes
import RegisterDomain
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport
import Testing

@Suite("Audit trail over the API")
struct AuditAPITests {
    @Test("only auditors and admins read, verify and export the trail")
    func roles() async throws {
        try await withAPI { api in
            for path in ["/api/v1/audit/events", "/api/v1/audit/verify", "/api/v1/audit/checkpoints", "/api/v1/audit/export"] {
                for role in [Role.coordinator, .partner] {
                    let refused = try await api.call(.get, path, as: role).status
                    #expect(refused == .forbidden, "\(role) \(path)")
                }
                let allowed = try await api.call(.get, path, as: .auditor).status
                #expect(allowed == .ok, "auditor \(path)")
            }
        }
    }

    @Test("events filter by table, key and actor; the chain verifies; an export streams every event and is itself recorded")
    func eventsVerifyExport() async throws {
        try await withAPI { api in
            let review = try await api.createReview()
            let id = review["id"] as! String
            let events = try await api.call(.get, "/api/v1/audit/events?table=reviews&key=\(id.lowercased())", as: .auditor)
            #expect(events.items.count == 1)
            #expect(events.items[0]["operation"] as? String == "INSERT")
            #expect((events.items[0]["actor"] as? String)?.hasPrefix("user:") == true)
            let verify = try await api.call(.get, "/api/v1/audit/verify", as: .auditor)
            #expect(verify.json["ok"] as? Bool == true)
            #expect(verify.json["unsealed"] as? Int == 0)
            let export = try await api.call(.get, "/api/v1/audit/export", as: .auditor)
            #expect(export.status == .ok)
            let lines = export.text.split(separator: "\n")
            let checkpointSeq = Int(export.headers[HTTPField.Name("Audit-Checkpoint-Seq")!] ?? "")
            #expect(lines.count == checkpointSeq)
            let firstLine = try #require(lines.first)
            #expect(firstLine.hasPrefix(#"{"seq":1,"sealed_at":"#))
            // The export itself is an event, with who took it.
            let reads = try await api.call(.get, "/api/v1/audit/events?table=read:audit.export", as: .auditor)
            #expect(reads.items.count == 1)
            #expect(reads.items[0]["operation"] as? String == "READ")
            #expect(try await api.call(.get, "/api/v1/audit/checkpoints", as: .auditor).items.count == 1)
            #expect(try await api.call(.get, "/api/v1/audit/events?cursor=abc", as: .auditor).status == .unprocessableContent)
            // Paging through every event with the cursor it hands out.
            var seen = 0
            var cursor = ""
            repeat {
                let page = try await api.call(.get, "/api/v1/audit/events?limit=2\(cursor)", as: .auditor)
                #expect(page.status == .ok)
                seen += page.items.count
                cursor = (page.json["next_cursor"] as? String).map { "&cursor=\($0)" } ?? ""
            } while !cursor.isEmpty
            #expect(seen >= checkpointSeq ?? 0)
        }
    }

    @Test("history shows who changed which field and how; as_at before the review existed is not found")
    func historyAndAsAt() async throws {
        try await withAPI { api in
            let id = try await api.createReview()["id"] as! String
            _ = try await api.call(.patch, "/api/v1/reviews/\(id)", json: #"{"title":"Renamed"}"#, headers: [.ifMatch: "\"1\""])
            _ = try await api.call(.post, "/api/v1/reviews/\(id)/transitions", json: #"{"to":"commissioned"}"#)
            let history = try await api.call(.get, "/api/v1/reviews/\(id)/history", as: .auditor)
            #expect(history.items.map { $0["operation"] as? String } == ["INSERT", "UPDATE", "UPDATE"])
            let rename = history.items[1]["changes"] as? [[String: Any]] ?? []
            #expect(rename.count == 1)
            #expect(rename.first?["field"] as? String == "title")
            #expect(rename.first?["from"] as? String == "Child G")
            #expect(rename.first?["to"] as? String == "Renamed")
            #expect((history.items[2]["changes"] as? [[String: Any]])?.first?["field"] as? String == "status")
            #expect(try await api.call(.get, "/api/v1/reviews/\(id)/history", as: .partner).status == .notFound)
            // Today the review reads as it is now; before it existed, it was not there.
            let today = Day.today().description
            #expect(try await api.call(.get, "/api/v1/reviews/\(id)?as_at=\(today)").json["title"] as? String == "Renamed")
            #expect(try await api.call(.get, "/api/v1/reviews/\(id)?as_at=2020-01-01").status == .notFound)
            #expect(try await api.call(.get, "/api/v1/reviews?as_at=2020-01-01").items.isEmpty)
            #expect(try await api.call(.get, "/api/v1/recommendations?as_at=2026-02-30").status == .unprocessableContent)
        }
    }
}
