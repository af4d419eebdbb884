import Foundation
import HTTPTypes
import PostgresNIO
import RegisterDomain
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport
import Testing

/// Progress as boards report it (issue 13, point 3): RAG ratings on progress updates, delayed
/// assignments, and the latest update in the compliance report (live and as at a past moment).
@Suite("Progress: RAG ratings and delays")
struct ProgressRAGTests {
    @Test("a progress update needs a RAG rating; red and amber need a forecast date and a reason, green and blue neither")
    func ragRules() async throws {
        try await withAPI { api in
            let (_, assignment) = try await PartnerWorkTests.assigned(api)
            let path = "/api/v1/assignments/\(assignment)/updates"
            let unrated = try await api.call(.post, path, as: .partner, json: #"{"text":"Started."}"#)
            #expect(unrated.status == .unprocessableContent)
            #expect(unrated.text.contains("rag is required"))
            let amberBare = try await api.call(.post, path, as: .partner, json: #"{"text":"Slipping.","rag":"amber"}"#)
            #expect(amberBare.status == .unprocessableContent)
            #expect(amberBare.text.contains("forecast_date") && amberBare.text.contains("rag_reason"))
            let greenWithForecast = try await api.call(.post, path, as: .partner, json: #"{"text":"Fine.","rag":"green","forecast_date":"2026-09-30"}"#)
            #expect(greenWithForecast.status == .unprocessableContent)
            #expect(try await api.call(.post, path, as: .partner, json: #"{"text":"Fine.","rag":"purple"}"#).status == .unprocessableContent)

            let amber = try await api.call(
                .post, path, as: .partner,
                json: #"{"happened_on":"2026-01-10","text":"Training booked.","rag":"amber","forecast_date":"2026-09-30","rag_reason":"Trainer off sick."}"#)
            #expect(amber.status == .created, "\(amber.text)")
            #expect(amber.json["rag"] as? String == "amber")
            #expect(amber.json["forecast_date"] as? String == "2026-09-30")
            #expect(amber.json["rag_reason"] as? String == "Trainer off sick.")
            let green = try await api.call(.post, path, as: .partner, json: #"{"text":"Back on track.","rag":"green"}"#)
            #expect(green.status == .created)
            #expect(green.json["forecast_date"] is NSNull)
            let listed = try await api.call(.get, path, as: .partner).items
            #expect(listed.map { $0["rag"] as? String } == ["amber", "green"])

            // The database keeps the rule too, and updates stay insert-only.
            let refused = try await api.db.withDatabase { database in
                try await database.read { c in
                    // By hand, past the service: a transaction that says who acts, then the insert the service would refuse.
                    _ = try await c.query("BEGIN", logger: TestDatabase.logger)
                    _ = try await c.query("SELECT set_config('app.actor', 'system:tests', true), set_config('app.request_id', 't', true)", logger: TestDatabase.logger)
                    var constraint = ""
                    do {
                        _ = try await c.query(
                            "INSERT INTO register.progress_updates (id, assignment_id, happened_on, text, rag, actor) VALUES (\(UUID.v7()), \(UUID(uuidString: assignment)!), '2026-01-01', 'x', 'red', 'tests')",
                            logger: TestDatabase.logger)
                    } catch let error as PSQLError {
                        constraint = error.serverInfo?[.constraintName] ?? "other"
                    }
                    _ = try await c.query("ROLLBACK", logger: TestDatabase.logger)
                    return constraint
                }
            }
            #expect(refused == "progress_updates_off_track_explained")
        }
    }

    @Test("an assignment is marked delayed and cleared with If-Match, by its holder or a coordinator, and the trail keeps both")
    func delay() async throws {
        try await withAPI { api in
            let (_, assignment) = try await PartnerWorkTests.assigned(api)
            let path = "/api/v1/assignments/\(assignment)/delay"
            let body = #"{"reason":"Waiting for the new case system.","expected_date":"2099-06-30"}"#
            #expect(try await api.call(.put, path, as: .partner, json: body).status == .preconditionRequired)
            #expect(try await api.call(.put, path, as: .partner, json: body, headers: [.ifMatch: "\"7\""]).status == .preconditionFailed)
            #expect(try await api.call(.put, path, as: .auditor, json: body, headers: [.ifMatch: "\"1\""]).status == .forbidden)
            let past = try await api.call(.put, path, as: .partner, json: #"{"reason":"x","expected_date":"2001-01-01"}"#, headers: [.ifMatch: "\"1\""])
            #expect(past.status == .unprocessableContent)

            let delayed = try await api.call(.put, path, as: .partner, json: body, headers: [.ifMatch: "\"1\""])
            #expect(delayed.status == .ok, "\(delayed.text)")
            #expect(delayed.headers[.eTag] == "\"2\"")
            let delay = try #require(delayed.json["delay"] as? [String: Any])
            #expect(delay["reason"] as? String == "Waiting for the new case system.")
            #expect(delay["expected_date"] as? String == "2099-06-30")
            #expect((delay["recorded_by"] as? String)?.hasPrefix("user:") == true)
            // The partner's work list shows it.
            let mine = try await api.call(.get, "/api/v1/assignments?mine=true", as: .partner).items
            #expect((mine.first { $0["id"] as? String == assignment }?["delay"] as? [String: Any])?["expected_date"] as? String == "2099-06-30")

            let cleared = try await api.call(.delete, path, as: .coordinator, headers: [.ifMatch: "\"2\""])
            #expect(cleared.status == .ok)
            #expect(cleared.json["delay"] is NSNull)
            #expect(try await api.call(.delete, path, as: .coordinator, headers: [.ifMatch: "\"3\""]).status == .conflict)

            let events = try await api.call(.get, "/api/v1/audit/events?table=assignments&key=\(assignment.lowercased())", as: .auditor).items
            let payloads = events.compactMap { ($0["payload"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }
            let reasons = payloads.map { ($0["new"] as? [String: Any])?["delay_reason"] as? String }
            // Inserted (no delay), marked, cleared: each a change of its own in the trail.
            #expect(reasons == [nil, "Waiting for the new case system.", nil])
        }
    }

    @Test("accepting the work ends its delay")
    func acceptedEndsDelay() async throws {
        try await withAPI { api in
            let (_, assignment) = try await PartnerWorkTests.assigned(api)
            let delayed = try await api.call(
                .put, "/api/v1/assignments/\(assignment)/delay", as: .coordinator, json: #"{"reason":"Late.","expected_date":"2099-01-01"}"#,
                headers: [.ifMatch: "\"1\""])
            #expect(delayed.status == .ok)
            let evidence = try await api.upload(to: assignment, as: .partner, fields: PartnerWorkTests.evidence(), files: [("a.pdf", PartnerWorld.pdf)])
            #expect(evidence.status == .created)
            let decided = try await api.call(.post, "/api/v1/evidence/\(try evidence.id())/decision", json: #"{"verdict":"accepted"}"#)
            #expect(decided.status == .ok, "\(decided.text)")
            let after = try await api.call(.get, "/api/v1/assignments/\(assignment)")
            #expect(after.json["status"] as? String == "accepted")
            #expect(after.json["delay"] is NSNull)
        }
    }

    @Test("the compliance report gives the latest update's date, RAG and text, and the delay; as at a past moment, the latest then")
    func compliance() async throws {
        try await withAPI { api in
            let (_, assignment) = try await PartnerWorkTests.assigned(api)
            let path = "/api/v1/assignments/\(assignment)/updates"
            _ = try await api.call(
                .post, path, as: .partner,
                json: #"{"happened_on":"2026-01-10","text":"Training booked.","rag":"amber","forecast_date":"2026-09-30","rag_reason":"Trainer off sick."}"#)
            try await Task.sleep(for: .milliseconds(20))
            let between = AsAt(day: Day.today(), sealedBefore: AsAt.sealTimeText(Date()))
            try await Task.sleep(for: .milliseconds(20))
            _ = try await api.call(.post, path, as: .partner, json: #"{"happened_on":"2026-01-20","text":"=HYPERLINK(\"x\") delivered.","rag":"blue"}"#)
            _ = try await api.call(
                .put, "/api/v1/assignments/\(assignment)/delay", as: .partner, json: #"{"reason":"Audit moved.","expected_date":"2099-06-30"}"#,
                headers: [.ifMatch: "\"2\""])

            let json = try await api.call(.get, "/api/v1/reports/compliance?format=json").json
            let row = try #require((json["rows"] as? [[String: Any]])?.first { $0["partner"] as? String == "Own Police" })
            #expect(row["latest_update_date"] as? String == "2026-01-20")
            #expect(row["latest_update_rag"] as? String == "blue")
            #expect(row["latest_update_text"] as? String == #"=HYPERLINK("x") delivered."#)
            #expect(row["delay_reason"] as? String == "Audit moved.")
            #expect(row["delay_expected_date"] as? String == "2099-06-30")

            let csv = try await api.call(.get, "/api/v1/reports/compliance?format=csv").text
            #expect(csv.contains("Latest update date,Latest update RAG,Latest update,Delayed because,Delayed: expected by"))
            #expect(csv.contains(#"20/01/2026,Blue (complete),"'=HYPERLINK(""x"") delivered.",Audit moved.,30/06/2099"#))
            let html = try await api.call(.get, "/api/v1/reports/compliance?format=html").text
            #expect(html.contains("Blue: complete: =HYPERLINK(&quot;x&quot;) delivered."))
            #expect(html.contains("delayed, now expected by 30 June 2099: Audit moved."))

            // As at the moment between the two updates: the first was the latest, and there was no delay.
            var rows: [ComplianceRow] = []
            try await api.registry.reports.compliance(ReportFilter(), asAt: between, today: Day.today()) { rows.append($0) }
            let then = try #require(rows.first { $0.partner == "Own Police" })
            #expect(then.latestUpdateDate == Day(iso: "2026-01-10"))
            #expect(then.latestUpdateRAG == .amber)
            #expect(then.latestUpdateText == "Training booked.")
            #expect(then.delayReason == nil)
        }
    }
}
