import Foundation
import HTTPTypes
import RegisterDomain
import RegisterServices
import RegisterTestSupport
import Testing

@testable import RegisterServer

/// Issue 13, point 9: the two sets of minutes the register was drawn from, entered end to end through
/// the API on the days they describe. Every fact comes from the minutes: the Coventry Education and
/// Children's Services Scrutiny Board (2) of 21 July 2016, and the Wolverhampton scrutiny panel's
/// Quarter 2 update of the Children and Young People Service Improvement Plan 2018-2019. Where the
/// register needs something the minutes do not say (a file, a due date), the test says so.
@Suite("the seed minutes, entered end to end")
struct SeedMinutesTests {
    /// The register's clock, moved to the day of each meeting.
    final class Calendar: @unchecked Sendable {
        private let lock = NSLock()
        private var day = "2016-07-21"
        func set(_ iso: String) { lock.withLock { day = iso } }
        var clock: RegisterClock {
            RegisterClock { [self] in
                let iso = lock.withLock { day }
                return ISO8601DateFormatter().date(from: "\(iso)T12:00:00Z")!
            }
        }
    }

    static let pdf = PartnerWorld.pdf

    @Test("Coventry 2016: the serious case review held by the LSCB itself, its documents, the scrutiny board's tracker and its briefing asked in 6 months")
    func coventry() async throws {
        let calendar = Calendar()
        try await withAPI(clock: calendar.clock) { api in
            let board = try await api.call(
                .post, "/api/v1/boards", as: .admin,
                json: #"{"code":"coventry-lscb","name":"Coventry Local Safeguarding Children Board","kind":"lscb","area":"Coventry"}"#)
            let boardID = try board.id()
            let unit = try await api.call(
                .post, "/api/v1/partners", as: .admin,
                json: #"{"name":"Coventry LSCB business unit","sector":"partnership","kind":"business_unit","board_id":"\#(boardID)"}"#).id()
            let taskAndFinish = try await api.call(
                .post, "/api/v1/partners", as: .admin,
                json: #"{"name":"Task and finish group: longer term needs of children who have experienced abuse","sector":"partnership","kind":"subgroup","board_id":"\#(boardID)"}"#).id()
            let council = try await api.call(
                .post, "/api/v1/partners", as: .admin, json: #"{"name":"Coventry City Council People Directorate","sector":"local_authority"}"#).id()
            let unitToken = try await api.member(of: UUID(uuidString: unit)!, email: "lscb-business-unit@example.org")
            let groupToken = try await api.member(of: UUID(uuidString: taskAndFinish)!, email: "task-and-finish@example.org")
            let councilToken = try await api.member(of: UUID(uuidString: council)!, email: "people-directorate@example.org")

            // The review: agreed in March 2015 under Working Together 2015, published on 11 July 2016.
            let review = try await api.call(
                .post, "/api/v1/reviews",
                json: #"{"reference":"COV-SCR-2016-01","title":"Serious case review: child sexual exploitation of five young people","kind":"scr","board_id":"\#(boardID)","regime":"wt2015","published_on":"2016-07-11","themes":["child_sexual_exploitation","voice_of_the_child"]}"#)
            #expect(review.status == .created, "\(review.text)")
            let reviewID = try review.id()
            #expect(review.json["online_until"] as? String == "2017-07-11", "a serious case review stays online at least 12 months")
            for question in [
                "What can we learn specifically about these cases, as well as more widely around responses to troubled young people?",
                "Why did it happen and could it have been prevented?",
                "Could it happen now? If yes, what do we need to change?",
            ] {
                #expect(try await api.call(.post, "/api/v1/reviews/\(reviewID)/questions", json: try HoldersAndSourcesTests.json(["text": question])).status == .created)
            }
            // Its documents: the report appended to the briefing note, and the SCR Co-ordinator's briefing note.
            for (kind, title, name) in [
                ("published_report", "Serious Case Review Report", "scr-report.pdf"),
                ("briefing_note", "Briefing note of the SCR Co-ordinator for Adult and Children's Safeguarding Boards", "briefing-note.pdf"),
            ] {
                let document = try await api.multipart(
                    "/api/v1/reviews/\(reviewID)/documents", as: .coordinator, fields: ["kind": kind, "title": title], files: [(name, Self.pdf)], fileField: "file")
                #expect(document.status == .created, "\(document.text)")
            }

            // Recommendations 1–4, addressed to the LSCB itself: held by its business unit, and 3 by the
            // task-and-finish group it asks for; each evidenced (the files are the test's) and assured.
            for (index, text) in HoldersAndSourcesTests.coventryRecommendations.enumerated() {
                let (holder, token) = index == 2 ? (taskAndFinish, groupToken) : (unit, unitToken)
                let recommendation = try await api.call(
                    .post, "/api/v1/reviews/\(reviewID)/recommendations",
                    json: try HoldersAndSourcesTests.json(["number": "\(index + 1)", "text": text, "scope": "local"]))
                let recommendationID = try recommendation.id()
                let assignment = try await api.call(
                    .post, "/api/v1/recommendations/\(recommendationID)/assignments",
                    json: #"{"partner_id":"\#(holder)","role":"lead","action":"\#(text)","due_date":"2017-07-21"}"#)
                #expect(assignment.status == .created, "\(assignment.text)")
                let assignmentID = try assignment.id()
                calendar.set("2017-06-30")
                let evidence = try await api.upload(
                    to: assignmentID, as: nil, token: token,
                    fields: ["summary": "Recommendation \(index + 1) delivered", "kind": "outcome", "effective_date": "2017-06-30"],
                    files: [("outcome.pdf", Self.pdf)])
                #expect(evidence.status == .created, "\(evidence.text)")
                _ = try await api.call(.post, "/api/v1/evidence/\(try evidence.id())/decision", json: #"{"verdict":"accepted","reason":"Outcome shown."}"#)
                #expect(try await api.call(.get, "/api/v1/recommendations/\(recommendationID)").json["status"] as? String == "assured")
                calendar.set("2016-07-21")
            }

            // The scrutiny board's own tracker: its recommendations to officers, and the briefing it asked for.
            let tracker = try await api.call(
                .post, "/api/v1/reviews",
                json: #"{"reference":"COV-SCRUTINY-2016-07-21","title":"Education and Children's Services Scrutiny Board (2): recommendations of 21 July 2016","kind":"scrutiny_inquiry","board_id":"\#(boardID)","regime":"local"}"#)
            #expect(tracker.status == .created, "\(tracker.text)")
            let trackerID = try tracker.id()
            #expect(try await api.call(.get, "/api/v1/reviews/\(trackerID)/clocks").items.isEmpty)
            for (number, text) in [
                ("10.2", "Officers investigate whether there is a standard definition of 'school ready' so that the expectation can be shared with all providers."),
                ("11.a", "The new Chair of the Improvement Board be invited to the Scrutiny Board."),
                ("11.b", "A letter of thanks be sent to Mark Rogers for his support to the Improvement Board."),
            ] {
                let recommendation = try await api.call(
                    .post, "/api/v1/reviews/\(trackerID)/recommendations", json: try HoldersAndSourcesTests.json(["number": number, "text": text, "scope": "local"]))
                #expect(recommendation.status == .created, "\(recommendation.text)")
            }
            // "A briefing note in 6 months to update members on Early Help": due 21 January 2017.
            let asked = try await api.call(
                .post, "/api/v1/information-requests",
                json: #"{"partner_id":"\#(council)","kind":"briefing","question":"A briefing note to update members on Early Help.","on_behalf_of":"Education and Children's Services Scrutiny Board (2)","due_date":"2017-01-21","review_id":"\#(trackerID)"}"#)
            #expect(asked.status == .created, "\(asked.text)")
            let requestID = try asked.id()
            let open = try await api.call(.get, "/api/v1/information-requests?status=open", as: nil, token: councilToken)
            #expect(open.items.map { $0["id"] as? String } == [requestID])
            #expect(try await api.call(.get, "/api/v1/information-requests/\(requestID)", as: nil, token: unitToken).status == .notFound)
            calendar.set("2017-01-20")
            let answered = try await api.multipart(
                "/api/v1/information-requests/\(requestID)/answers", as: nil, token: councilToken,
                fields: ["text": "Briefing note on Early Help attached."], files: [("early-help-briefing.pdf", Self.pdf)])
            #expect(answered.status == .created, "\(answered.text)")
            #expect(answered.json["status"] as? String == "answered")

            // The review's evidence pack carries its documents; the compliance report names the holders.
            let pack = try await api.call(.get, "/api/v1/reports/evidence-pack?review=COV-SCR-2016-01", as: .auditor)
            #expect(pack.status == .ok)
            #expect(pack.body.range(of: Data("documents/".utf8)) != nil, "the pack lists the review's documents")
            let csv = try await api.call(.get, "/api/v1/reports/compliance?format=csv&review=COV-SCR-2016-01", as: .auditor).text
            #expect(csv.contains("Coventry LSCB business unit") && csv.contains("Task and finish group"))
        }
    }

    @Test("Wolverhampton 2019: the improvement plan's priorities and actions, on track by the end of Q4, a delayed item, and the panel's actions from the meeting")
    func wolverhampton() async throws {
        let calendar = Calendar()
        calendar.set("2019-01-31")
        try await withAPI(clock: calendar.clock) { api in
            let board = try await api.call(
                .post, "/api/v1/boards", as: .admin, json: #"{"code":"wolverhampton","name":"Wolverhampton","kind":"children_partnership","area":"Wolverhampton"}"#)
            let boardID = try board.id()
            let service = try await api.call(
                .post, "/api/v1/partners", as: .admin,
                json: #"{"name":"City of Wolverhampton Council Children and Young People Service","sector":"local_authority"}"#).id()
            let serviceToken = try await api.member(of: UUID(uuidString: service)!, email: "principal-social-worker@example.org")

            let plan = try await api.call(
                .post, "/api/v1/reviews",
                json: #"{"reference":"WOL-CYPS-IP-2018-19","title":"Children and Young People Service Improvement Plan 2018-2019","kind":"improvement_plan","board_id":"\#(boardID)","regime":"local"}"#)
            #expect(plan.status == .created, "\(plan.text)")
            let planID = try plan.id()
            var actions: [String: String] = [:]
            for (number, priority, action, officer) in [
                ("1", "Embed restorative practice across the workforce to support the changes in the service.",
                 "The communications team produces a video to further embed restorative practice.", "Principal Social Worker"),
                ("2", "Respond to the challenge of child sexual exploitation.", "Establish the Regional Exploitation Group.", "Head of Service People"),
            ] {
                let recommendation = try await api.call(
                    .post, "/api/v1/reviews/\(planID)/recommendations",
                    json: try HoldersAndSourcesTests.json(["number": number, "text": priority, "scope": "local"]))
                let assignment = try await api.call(
                    .post, "/api/v1/recommendations/\(try recommendation.id())/assignments",
                    json: try HoldersAndSourcesTests.json([
                        "partner_id": service, "role": "lead", "action": action, "lead_officer": officer, "due_date": "2019-03-31",
                    ]))
                #expect(assignment.status == .created, "\(assignment.text)")
                actions[number] = assignment.json["id"] as? String
            }
            // Quarter 2: "on track to deliver priorities in the plan by the end of Q4".
            let update = try await api.call(
                .post, "/api/v1/assignments/\(actions["1"]!)/updates", as: nil, token: serviceToken,
                json: #"{"text":"On track to deliver the priorities in the plan by the end of Q4.","rag":"green"}"#)
            #expect(update.status == .created, "\(update.text)")
            // The Regional Exploitation Group's establishment is delayed; the panel queried why.
            let version = try await api.call(.get, "/api/v1/assignments/\(actions["2"]!)").json["version"] as! Int
            let delayed = try await api.call(
                .put, "/api/v1/assignments/\(actions["2"]!)/delay", as: .coordinator,
                json: #"{"reason":"Progress in establishing the Regional Exploitation Group is delayed; the panel queried the reasons.","expected_date":"2019-03-31"}"#,
                headers: [.ifMatch: "\"\(version)\""])
            #expect(delayed.status == .ok, "\(delayed.text)")

            // Actions from the meeting, each owned by a named officer.
            let meeting = try await api.call(
                .post, "/api/v1/reviews",
                json: #"{"reference":"WOL-SCRUTINY-2019-Q2","title":"Scrutiny panel: Quarter 2 update, actions from the meeting","kind":"scrutiny_inquiry","board_id":"\#(boardID)","regime":"local"}"#)
            let meetingID = try meeting.id()
            for (number, text, officer) in [
                ("1", "Discuss the idea of a child or parent friendly version of the Improvement Plan and report back to a future meeting of the panel.",
                 "Louise Haughton, Principal Social Worker"),
                ("2", "Re-circulate a copy of the briefing on the autism strategy to the panel.", "Scrutiny officer"),
                ("3", "Add an item on the autism strategy to the agenda for the panel meeting on 27 March 2019.", "Scrutiny officer"),
            ] {
                let recommendation = try await api.call(
                    .post, "/api/v1/reviews/\(meetingID)/recommendations",
                    json: try HoldersAndSourcesTests.json(["number": number, "text": text, "scope": "local", "addressee": officer]))
                let assignment = try await api.call(
                    .post, "/api/v1/recommendations/\(try recommendation.id())/assignments",
                    json: try HoldersAndSourcesTests.json([
                        "partner_id": service, "role": "lead", "action": text, "lead_officer": officer, "due_date": "2019-03-27",
                    ]))
                #expect(assignment.status == .created, "\(assignment.text)")
            }

            // The compliance report, as the panel reads it: the latest update's RAG and text, and the delay.
            let report = try await api.call(.get, "/api/v1/reports/compliance?format=json&review=WOL-CYPS-IP-2018-19", as: .auditor)
            let rows = report.json["rows"] as? [[String: Any]] ?? []
            #expect(rows.count == 2, "\(report.text)")
            let restorative = rows.first { $0["action"] as? String == "The communications team produces a video to further embed restorative practice." }
            #expect(restorative?["latest_update_rag"] as? String == "green", "\(String(describing: restorative))")
            #expect((restorative?["latest_update_text"] as? String)?.contains("end of Q4") == true)
            let exploitation = rows.first { $0["action"] as? String == "Establish the Regional Exploitation Group." }
            #expect(exploitation?["delay_expected_date"] as? String == "2019-03-31", "\(String(describing: exploitation))")

            // After the meeting on 27 March 2019 the agenda item is overdue until it is done.
            calendar.set("2019-04-01")
            let overdue = try await api.call(.get, "/api/v1/assignments?overdue=true", as: nil, token: serviceToken)
            #expect(overdue.items.count >= 3, "the panel's three actions were due by 27 March 2019: \(overdue.text)")
            #expect(try await api.call(.get, "/api/v1/reviews?case_review=false").items.count == 2)
        }
    }
}
