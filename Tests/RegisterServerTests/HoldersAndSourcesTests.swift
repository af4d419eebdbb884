import Foundation
import HTTPTypes
import RegisterDomain
import RegisterStore
import RegisterTestSupport
import Testing

@testable import RegisterServer

/// Issue 13, points 1, 2 and 8: the partnership itself holds actions; plans, inspections' action
/// plans, audits and inquiries are sources beside reviews; publication is delayed or comes down.
@Suite("Holders, sources and publication")
struct HoldersAndSourcesTests {
    /// The Coventry serious case review's recommendations, as the scrutiny board's minutes of 21 July
    /// 2016 give them (the fourth is cut short in the published minutes).
    static let coventryRecommendations = [
        "The LSCB to ensure that assessing the impact of Coventry's CSE strategy on outcomes for children is identified as a priority including giving consideration to the option of commissioning a research led project to identify the outcomes.",
        "That the LSCB and partners consider how to promote and develop a relationship based model of working with children who present as vulnerable and at risk.",
        "The Board to co-ordinate a task and finish group to consider the longer term needs of those children and young people who have experienced abuse and how these can be met within Coventry.",
        "The LSCB share this SCR with the Adult Safeguarding Board.",
    ]

    @Test("the LSCB's business unit and a task-and-finish group hold, evidence and see assured recommendations 1–4 of the Coventry review")
    func partnershipHoldsActions() async throws {
        try await withAPI { api in
            let board = try await api.call(.post, "/api/v1/boards", as: .admin, json: #"{"code":"coventry-lscb","name":"Coventry Local Safeguarding Children Board","kind":"lscb"}"#)
            let boardID = try board.id()
            let unit = try await api.call(
                .post, "/api/v1/partners", as: .admin,
                json: #"{"name":"Coventry LSCB business unit","sector":"partnership","kind":"business_unit","board_id":"\#(boardID)"}"#)
            #expect(unit.status == .created, "\(unit.text)")
            #expect(unit.json["kind"] as? String == "business_unit")
            #expect(unit.json["board_id"] as? String == boardID)
            let group = try await api.call(
                .post, "/api/v1/partners", as: .admin,
                json: #"{"name":"Task and finish group: longer term needs","sector":"partnership","kind":"subgroup","board_id":"\#(boardID)","remit":"The longer term needs of children and young people who have experienced abuse"}"#)
            #expect(group.status == .created, "\(group.text)")

            // The rules of holders, in the API's words.
            let second = try await api.call(
                .post, "/api/v1/partners", as: .admin,
                json: #"{"name":"Another business unit","sector":"partnership","kind":"business_unit","board_id":"\#(boardID)"}"#)
            #expect(second.status == .conflict, "one business unit per partnership: \(second.text)")
            for (json, field) in [
                (#"{"name":"No board","sector":"partnership","kind":"subgroup"}"#, "board_id"),
                (#"{"name":"Police with a board","sector":"police","board_id":"\#(boardID)"}"#, "board_id"),
                (#"{"name":"Pretend partnership","sector":"partnership"}"#, "sector"),
                (#"{"name":"Subgroup as police","sector":"police","kind":"subgroup","board_id":"\#(boardID)"}"#, "sector"),
            ] {
                let refused = try await api.call(.post, "/api/v1/partners", as: .admin, json: json)
                #expect(refused.status == .unprocessableContent, "\(json): \(refused.text)")
                #expect(refused.text.contains(field), "\(json): \(refused.text)")
            }
            let listed = try await api.call(.get, "/api/v1/partners?board_id=\(boardID)&kind=subgroup", as: .admin)
            #expect(listed.items.map { $0["name"] as? String } == ["Task and finish group: longer term needs"])

            // Their members are partner-role users attached to them.
            let unitID = try unit.id()
            let groupID = try group.id()
            let unitToken = try await api.member(of: UUID(uuidString: unitID)!, email: "business-unit@example.org")
            let groupToken = try await api.member(of: UUID(uuidString: groupID)!, email: "task-and-finish@example.org")

            let review = try await api.call(
                .post, "/api/v1/reviews",
                json: #"{"reference":"COV-SCR-2016-01","title":"Serious case review: child sexual exploitation","kind":"scr","board_id":"\#(boardID)","regime":"wt2015","published_on":"2016-07-11"}"#)
            #expect(review.status == .created, "\(review.text)")
            let reviewID = try review.id()
            for (index, text) in Self.coventryRecommendations.enumerated() {
                let holder = index == 2 ? groupID : unitID
                let token = index == 2 ? groupToken : unitToken
                let recommendation = try await api.call(
                    .post, "/api/v1/reviews/\(reviewID)/recommendations",
                    json: try Self.json(["number": "\(index + 1)", "text": text, "scope": "local", "addressee": index == 2 ? "The Board" : "The LSCB"]))
                #expect(recommendation.status == .created, "\(recommendation.text)")
                let recommendationID = try recommendation.id()
                let assignment = try await api.call(
                    .post, "/api/v1/recommendations/\(recommendationID)/assignments",
                    json: #"{"partner_id":"\#(holder)","role":"lead","action":"Deliver recommendation \#(index + 1).","due_date":"2017-03-31"}"#)
                #expect(assignment.status == .created, "\(assignment.text)")
                let assignmentID = try assignment.id()

                // The other holder's member cannot see this one's work: 404, as if absent.
                let otherToken = index == 2 ? unitToken : groupToken
                #expect(try await api.call(.get, "/api/v1/assignments/\(assignmentID)", as: nil, token: otherToken).status == .notFound)

                let update = try await api.call(.post, "/api/v1/assignments/\(assignmentID)/updates", as: nil, token: token, json: #"{"text":"Under way.","rag":"green"}"#)
                #expect(update.status == .created, "\(update.text)")
                let evidence = try await api.upload(
                    to: assignmentID, as: nil, token: token,
                    fields: ["summary": "What changed for children", "kind": "outcome", "effective_date": "2017-03-31"],
                    files: [("outcome.pdf", PartnerWorld.pdf)])
                #expect(evidence.status == .created, "\(evidence.text)")
                let decision = try await api.call(
                    .post, "/api/v1/evidence/\(try evidence.id())/decision", json: #"{"verdict":"accepted","reason":"Outcome shown."}"#)
                #expect(decision.status == .ok, "\(decision.text)")
                let assured = try await api.call(.get, "/api/v1/recommendations/\(recommendationID)")
                #expect(assured.json["status"] as? String == "assured", "recommendation \(index + 1): \(assured.text)")
            }
            // The compliance report names the holders as it names partners.
            let csv = try await api.call(.get, "/api/v1/reports/compliance?format=csv&review=\(reviewID)", as: .auditor)
            #expect(csv.status == .ok)
            #expect(csv.text.contains("Coventry LSCB business unit"))
            #expect(csv.text.contains("Task and finish group: longer term needs"))
        }
    }

    @Test("an improvement plan is a source of its own kind: no statutory clock, its own life, and everything downstream as for a review")
    func sourcesOtherThanReviews() async throws {
        try await withAPI { api in
            let board = try await api.call(.post, "/api/v1/boards", as: .admin, json: #"{"code":"wolverhampton","name":"Wolverhampton","kind":"children_partnership"}"#)
            let boardID = try board.id()
            // A plan is held under local arrangements, never a review's guidance.
            let wrongRegime = try await api.call(
                .post, "/api/v1/reviews",
                json: #"{"reference":"WOL-CYPS-IP-2018","title":"Plan","kind":"improvement_plan","board_id":"\#(boardID)","regime":"wt2018"}"#)
            #expect(wrongRegime.status == .unprocessableContent)
            #expect(wrongRegime.text.contains("local"))
            let plan = try await api.call(
                .post, "/api/v1/reviews",
                json: #"{"reference":"WOL-CYPS-IP-2018","title":"Children and Young People Service Improvement Plan 2018-2019","kind":"improvement_plan","board_id":"\#(boardID)","regime":"local"}"#)
            #expect(plan.status == .created, "\(plan.text)")
            #expect(plan.json["status"] as? String == "in_progress")
            let planID = try plan.id()
            #expect(try await api.call(.get, "/api/v1/reviews/\(planID)/clocks").items.isEmpty)

            // Its life: in progress → monitoring → closed; never notified, commissioned or published.
            let publish = try await api.call(.post, "/api/v1/reviews/\(planID)/transitions", json: #"{"to":"published"}"#)
            #expect(publish.status == .conflict || publish.status == .unprocessableContent, "\(publish.text)")
            #expect(publish.text.contains("monitoring"))
            // A plan never becomes a case review.
            let version = try await api.call(.get, "/api/v1/reviews/\(planID)").json["version"] as! Int
            let becomeReview = try await api.call(
                .patch, "/api/v1/reviews/\(planID)", json: #"{"kind":"learning_review"}"#,
                headers: [.ifMatch: "\"\(version)\"", .contentType: "application/merge-patch+json"])
            #expect(becomeReview.status == .unprocessableContent, "\(becomeReview.text)")

            // Priorities as recommendations, actions as assignments, evidence and assurance as for a review.
            let priority = try await api.call(
                .post, "/api/v1/reviews/\(planID)/recommendations",
                json: #"{"number":"P1","text":"Respond to the challenge of child sexual exploitation, including establishing the Regional Exploitation Group.","scope":"regional"}"#)
            #expect(priority.status == .created, "\(priority.text)")
            let priorityID = try priority.id()
            let action = try await api.call(
                .post, "/api/v1/recommendations/\(priorityID)/assignments",
                json: #"{"partner_id":"\#(api.ownPartner.uuidString.lowercased())","role":"lead","action":"Establish the Regional Exploitation Group.","due_date":"2019-03-31"}"#)
            #expect(action.status == .created, "\(action.text)")
            let actionID = try action.id()
            let evidence = try await api.upload(
                to: actionID, fields: ["summary": "Group established", "kind": "outcome", "effective_date": "2019-03-31"], files: [("terms.pdf", PartnerWorld.pdf)])
            #expect(evidence.status == .created, "\(evidence.text)")
            _ = try await api.call(.post, "/api/v1/evidence/\(try evidence.id())/decision", json: #"{"verdict":"accepted","reason":"Terms of reference agreed."}"#)
            #expect(try await api.call(.get, "/api/v1/recommendations/\(priorityID)").json["status"] as? String == "assured")

            let moved = try await api.call(.post, "/api/v1/reviews/\(planID)/transitions", json: #"{"to":"monitoring"}"#)
            #expect(moved.status == .ok, "\(moved.text)")

            // Lists tell reviews from other sources; the report, the learning view and the trail carry it.
            let sources = try await api.call(.get, "/api/v1/reviews?case_review=false")
            #expect(sources.items.map { $0["reference"] as? String } == ["WOL-CYPS-IP-2018"])
            #expect(try await api.call(.get, "/api/v1/reviews?case_review=true").items.isEmpty)
            let report = try await api.call(.get, "/api/v1/reports/compliance?format=csv&review=\(planID)", as: .auditor)
            #expect(report.text.contains("Establish the Regional Exploitation Group."))
            let clocks = try await api.call(.get, "/api/v1/reports/clocks?case_review=true", as: .auditor)
            #expect(clocks.items.isEmpty, "the clocks report lists case reviews: \(clocks.text)")
            let history = try await api.call(.get, "/api/v1/reviews/\(planID)/history")
            #expect(history.status == .ok)
            #expect(!history.items.isEmpty)
        }
    }

    @Test("publication: a delay needs its reason and day; a published report records how long it must stay online; the clocks report lists those due to come down")
    func publication() async throws {
        try await withAPI { api in
            let review = try await api.createReview(reference: "CSPR-2025-07", extra: #","decision_on":"2025-01-10""#)
            let id = review["id"] as! String
            #expect(review["online_until"] is NSNull)
            func patch(_ json: String) async throws -> Reply {
                let version = try await api.call(.get, "/api/v1/reviews/\(id)").json["version"] as! Int
                return try await api.call(
                    .patch, "/api/v1/reviews/\(id)", json: json, headers: [.ifMatch: "\"\(version)\"", .contentType: "application/merge-patch+json"])
            }
            let noDay = try await patch(#"{"publication_delay_reason":"Parallel criminal proceedings"}"#)
            #expect(noDay.status == .unprocessableContent)
            #expect(noDay.text.contains("publication_expected_on"))
            let delayed = try await patch(#"{"publication_delay_reason":"Parallel criminal proceedings","publication_expected_on":"2025-11-30"}"#)
            #expect(delayed.status == .ok, "\(delayed.text)")
            #expect(delayed.json["publication_expected_on"] as? String == "2025-11-30")

            // Published: Working Together 2023 keeps a local review's report online for at least a year.
            let published = try await patch(#"{"published_on":"2025-12-01"}"#)
            #expect(published.json["online_until"] as? String == "2026-12-01", "\(published.text)")
            let early = try await patch(#"{"taken_down_on":"2025-11-01"}"#)
            #expect(early.status == .unprocessableContent, "taken down before it was published: \(early.text)")

            // Due to come down by 10 December 2026, then not once it has come down.
            let due = try await api.call(.get, "/api/v1/reports/clocks?comes_down_by=2026-12-10", as: .auditor)
            #expect(due.items.map { $0["reference"] as? String } == ["CSPR-2025-07"], "\(due.text)")
            #expect(due.items.first?["online_until"] as? String == "2026-12-01")
            #expect(try await api.call(.get, "/api/v1/reports/clocks?comes_down_by=2026-11-30", as: .auditor).items.isEmpty)
            #expect(try await patch(#"{"taken_down_on":"2026-12-02"}"#).status == .ok)
            #expect(try await api.call(.get, "/api/v1/reports/clocks?comes_down_by=2026-12-10", as: .auditor).items.isEmpty)

            // The rule is data: a safeguarding adults review has none recorded, so no day is set.
            let boardID = review["board_id"] as! String
            let sar = try await api.call(
                .post, "/api/v1/reviews",
                json: #"{"reference":"SAR-2025-02","title":"Adult D","kind":"sar","board_id":"\#(boardID)","regime":"care_act_2014","published_on":"2025-06-01"}"#)
            #expect(sar.json["online_until"] is NSNull, "\(sar.text)")
        }
    }

    static func json(_ object: [String: String]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}

extension APIHarness {
    /// A partner-role member of a holder (an organisation, business unit or subgroup), with an API token.
    func member(of holder: UUID, email: String) async throws -> String {
        try await db.withDatabase { database in
            let accounts = AccountStore(database: database)
            let write = WriteContext(actor: .system("tests"), requestID: "member", logger: TestDatabase.logger)
            let user = try await accounts.createUser(
                NewUser(email: email, name: email, role: .partner, partnerID: holder), bcrypt: APIHarness.passwordHash, context: write)
            return try await accounts.createToken(for: user, name: "tests", context: write).1.text
        }
    }
}
