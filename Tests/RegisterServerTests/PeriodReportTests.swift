import Foundation
import HTTPTypes
import RegisterDomain
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport
import Testing

/// Reporting periods (issue 13, point 4): a monitoring body's report for a period, as at both ends
/// from the audit trail; who may take it; its CSV; and the record that it was presented.
@Suite("Reporting periods")
struct PeriodReportTests {
    /// A body of the review's board, monitoring that review; returns the body's id.
    static func body(_ api: APIHarness, review: String) async throws -> String {
        let board = try #require(try await api.call(.get, "/api/v1/reviews/\(review)").json["board_id"] as? String)
        let body = try await api.call(.post, "/api/v1/monitoring-bodies", json: #"{"board_id":"\#(board)","name":"Safeguarding Board","kind":"board"}"#)
        #expect(body.status == .created, "\(body.text)")
        let id = try body.id()
        let monitored = try await api.call(.post, "/api/v1/monitoring-bodies/\(id)/sources", json: #"{"review_id":"\#(review)"}"#)
        #expect(monitored.status == .created, "\(monitored.text)")
        return id
    }

    static func update(_ api: APIHarness, _ assignment: String, _ json: String) async throws {
        let posted = try await api.call(.post, "/api/v1/assignments/\(assignment)/updates", as: .partner, json: json)
        #expect(posted.status == .created, "\(posted.text)")
    }

    static func accepted(_ api: APIHarness, _ assignment: String) async throws {
        let evidence = try await api.upload(to: assignment, fields: PartnerWorkTests.evidence(summary: "Audit in the period"), files: [("a.pdf", PartnerWorld.pdf)])
        #expect(evidence.status == .created)
        #expect(try await api.call(.post, "/api/v1/evidence/\(try evidence.id())/decision", json: #"{"verdict":"accepted"}"#).status == .ok)
    }

    /// The moment now, in the trail's time, with a little space either side so that no commit shares it.
    static func moment() async throws -> String {
        try await Task.sleep(for: .milliseconds(30))
        let text = AsAt.sealTimeText(Date())
        try await Task.sleep(for: .milliseconds(30))
        return text
    }

    @Test("a period's report: status and RAG at its start and end, updates and evidence received in it, what became overdue and assured")
    func quarter() async throws {
        try await withAPI { api in
            // setup: before the period, two recommendations with work under way.
            let today = Day.today(), yesterday = Day.today().adding(days: -1)
            let review = try await api.createReview(reference: "PERIOD-2026-01")["id"] as! String
            let (first, late) = try await PartnerWorkTests.assignedTo(api, review: review, number: "1", text: "Share information.")
            _ = try await api.call(
                .patch, "/api/v1/assignments/\(late)", json: #"{"due_date":"\#(yesterday)","due_date_reason":"Brought forward for the test."}"#,
                headers: [.ifMatch: "\"1\""])
            let (second, done) = try await PartnerWorkTests.assignedTo(api, review: review, number: "2", text: "Train staff.")
            _ = try await api.call(.patch, "/api/v1/assignments/\(done)", json: #"{"due_date":"2099-12-31","due_date_reason":"Long work."}"#, headers: [.ifMatch: "\"1\""])
            try await Self.update(api, late, #"{"text":"Slipping.","rag":"amber","forecast_date":"2099-01-31","rag_reason":"Staff shortage."}"#)
            try await Self.update(api, done, #"{"text":"Going well.","rag":"green"}"#)
            let body = try await Self.body(api, review: review)
            let start = AsAt(day: yesterday, sealedBefore: try await Self.moment())

            // act: inside the period, a red update on the late work; the other is evidenced, accepted and assured.
            try await Self.update(api, late, #"{"text":"Off track.","rag":"red","forecast_date":"2099-03-31","rag_reason":"Still no staff."}"#)
            try await Self.update(api, done, #"{"text":"Finished.","rag":"blue"}"#)
            try await Self.accepted(api, done)
            let end = AsAt(day: today, sealedBefore: try await Self.moment())
            // After the period: nothing of this may show.
            try await Self.update(api, late, #"{"text":"Recovered after the period.","rag":"green"}"#)
            _ = try await api.upload(to: late, fields: PartnerWorkTests.evidence(summary: "After the period"), files: [("b.pdf", PartnerWorld.pdf)])

            let lines = try await PeriodStore(database: api.registry.database).lines(bodyID: UUID(uuidString: body)!, start: start, end: end)

            // check
            #expect(lines.map(\.number) == ["1", "2"])
            let one = try #require(lines.first { $0.recommendationID.uuidString.lowercased() == first.lowercased() })
            let a = try #require(one.assignments.first)
            #expect(a.statusAtStart == .inProgress && a.statusAtEnd == .inProgress)
            #expect(a.ragAtStart == .amber)
            #expect(a.ragAtEnd == .red)
            #expect(!a.overdueAtStart && a.overdueAtEnd && a.becameOverdue)
            #expect(one.becameOverdue)
            #expect(a.updates.map(\.text) == ["Off track."])
            #expect(a.updates.first?.forecastDate == Day(iso: "2099-03-31"))
            #expect(a.evidence.isEmpty)
            #expect(!one.becameAssured)

            let two = try #require(lines.first { $0.recommendationID.uuidString.lowercased() == second.lowercased() })
            let b = try #require(two.assignments.first)
            #expect(two.statusAtStart != .assured && two.statusAtEnd == .assured)
            #expect(two.assuredInPeriodOn == today)
            #expect(b.statusAtStart == .inProgress && b.statusAtEnd == .accepted)
            #expect(b.ragAtStart == .green && b.ragAtEnd == .blue)
            #expect(b.updates.map(\.text) == ["Finished."])
            #expect(b.evidence.map(\.summary) == ["Audit in the period"])
            #expect(b.evidence.first?.verdict == .accepted)
            #expect(!b.becameOverdue)
        }
    }

    @Test("staff and auditors take the report (recorded as an export); partners get none of it; its CSV neutralises formulas")
    func accessAndCSV() async throws {
        try await withAPI { api in
            let review = try await api.createReview(reference: "PERIOD-2026-02")["id"] as! String
            let (_, assignment) = try await PartnerWorkTests.assignedTo(api, review: review, number: "1", text: "=cmd|' /C calc'!A0")
            try await Self.update(api, assignment, #"{"text":"@SUM(1+1) done.","rag":"green"}"#)
            let body = try await Self.body(api, review: review)
            let quarter = try #require(ReportingPeriod.quarter("\(Day.today().year)-Q\((Day.today().month + 2) / 3)")?.quarterName)
            let path = "/api/v1/monitoring-bodies/\(body)/period-report?quarter=\(quarter)"

            let csv = try await api.call(.get, path + "&format=csv", as: .auditor)
            #expect(csv.status == .ok)
            #expect(csv.text.hasPrefix("\u{FEFF}Review reference,"))
            #expect(csv.text.contains(#"'=cmd|' /C calc'!A0"#))
            #expect(csv.text.contains("'") && csv.text.contains("Green: @SUM(1+1) done."))
            #expect(!csv.text.contains(",=cmd") && !csv.text.contains(",@SUM"))
            let html = try await api.call(.get, path + "&format=html", as: .coordinator)
            #expect(html.status == .ok)
            #expect(html.text.contains("Safeguarding Board") && html.text.contains("Green: on track"))
            let json = try await api.call(.get, path)
            #expect((json.json["recommendations"] as? [[String: Any]])?.count == 1)

            // Partners: not their report (403), nor the bodies, nor recording a presentation.
            #expect(try await api.call(.get, path, as: .partner).status == .forbidden)
            #expect(try await api.call(.get, "/api/v1/monitoring-bodies", as: .partner).status == .forbidden)
            #expect(try await api.call(.get, "/api/v1/monitoring-bodies/\(body)/presentations", as: .partner).status == .forbidden)
            // A bad period is a 422 problem, a period not begun too.
            #expect(try await api.call(.get, "/api/v1/monitoring-bodies/\(body)/period-report?quarter=2026-Q5").status == .unprocessableContent)
            #expect(try await api.call(.get, "/api/v1/monitoring-bodies/\(body)/period-report?quarter=2199-Q1").status == .unprocessableContent)

            let reads = try await api.call(.get, "/api/v1/audit/events?table=read:report.period", as: .auditor).items
            #expect(reads.count == 3)
        }
    }

    @Test("a report's presentation is recorded with who recorded it, listed on the body, and never changed")
    func presented() async throws {
        try await withAPI { api in
            let review = try await api.createReview(reference: "PERIOD-2026-03")["id"] as! String
            let body = try await Self.body(api, review: review)
            let path = "/api/v1/monitoring-bodies/\(body)/presentations"
            let json = #"{"period_start":"2026-01-01","period_end":"2026-03-31","presented_to":"Safeguarding Board","presented_on":"2026-04-14"}"#
            #expect(try await api.call(.post, path, as: .auditor, json: json).status == .forbidden)
            #expect(try await api.call(.post, path, json: #"{"period_start":"2026-01-01","period_end":"2026-03-31","presented_to":"X","presented_on":"2025-12-01"}"#).status == .unprocessableContent)
            let recorded = try await api.call(.post, path, json: json)
            #expect(recorded.status == .created, "\(recorded.text)")
            #expect((recorded.json["recorded_by"] as? String)?.hasPrefix("user:") == true)
            let listed = try await api.call(.get, path, as: .auditor).items
            #expect(listed.map { $0["presented_to"] as? String } == ["Safeguarding Board"])
            #expect(listed.first?["presented_on"] as? String == "2026-04-14")
            let events = try await api.call(.get, "/api/v1/audit/events?table=period_presentations", as: .auditor).items
            #expect(events.count == 1)
        }
    }
}
