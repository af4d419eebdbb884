import Foundation
import HTTPTypes
import RegisterDomain
@testable import RegisterServer
import Testing

@Suite("Statutory clocks over the API")
struct ClockAPITests {
    /// The clocks of a review, by code.
    private func clocks(_ api: APIHarness, _ review: String, as role: Role? = .coordinator, token: String? = nil) async throws -> [String: [String: Any]] {
        let reply = try await api.call(.get, "/api/v1/reviews/\(review)/clocks", as: role, token: token)
        #expect(reply.status == .ok, "\(reply.text)")
        return Dictionary(uniqueKeysWithValues: reply.items.map { ($0["code"] as! String, $0) })
    }

    @Test("a review's clocks: due dates in working days, met on time, running, for everyone who may read the review")
    func readClocks() async throws {
        try await withAPI { api in
            // setup: notified within 5 working days in 2020; decided ten days ago, not yet published.
            let decided = Day.today().adding(days: -10)
            let review = try await api.createReview(
                reference: "CSPR-2020-01", extra: #","incident_known_on":"2020-01-06","notified_on":"2020-01-10","decision_on":"\#(decided)""#)["id"] as! String

            // act
            let byCode = try await clocks(api, review)

            // check
            #expect(Set(byCode.keys) == ["notification", "publication"])
            let notification = try #require(byCode["notification"])
            #expect(notification["starts_on"] as? String == "2020-01-06")
            #expect(notification["due_on"] as? String == "2020-01-13")
            #expect(notification["met_on"] as? String == "2020-01-10")
            #expect(notification["state"] as? String == "met_on_time")
            #expect(notification["unit"] as? String == "working_days" && notification["amount"] as? Int == 5)
            let publication = try #require(byCode["publication"])
            #expect(publication["due_on"] as? String == decided.adding(months: 6).description)
            #expect(publication["met_on"] is NSNull)
            #expect(publication["state"] as? String == "running" && publication["paused"] as? Bool == false)
            #expect(publication["paused_days"] as? Int == 0 && (publication["pauses"] as? [Any])?.isEmpty == true)
            #expect(try await api.call(.get, "/api/v1/reviews/\(review)/clocks", as: .auditor).status == .ok)
            // As at a day: today's as now; before the review was recorded it is not there; a day that is not a date is a 422.
            let today = try await clocks(api, review)
            let asAtToday = try await api.call(.get, "/api/v1/reviews/\(review)/clocks?as_at=\(Day.today(in: .london))", as: .coordinator)
            #expect(asAtToday.status == .ok)
            let dueThen = Dictionary(uniqueKeysWithValues: asAtToday.items.map { ($0["code"] as! String, $0["due_on"] as? String) })
            #expect(!dueThen.isEmpty && dueThen == today.mapValues { $0["due_on"] as? String })
            #expect(try await api.call(.get, "/api/v1/reviews/\(review)/clocks?as_at=2020-01-01", as: .coordinator).status == .notFound)
            #expect(try await api.call(.get, "/api/v1/reviews/\(review)/clocks?as_at=yesterday", as: .coordinator).status == .unprocessableContent)
        }
    }

    @Test("a pause with a reason stops a clock; ending it starts the clock again; it ends once")
    func pauseAndEnd() async throws {
        try await withAPI { api in
            // setup
            let today = Day.today()
            let decided = today.adding(days: -10)
            let review = try await api.createReview(reference: "CSPR-2026-11", extra: #","decision_on":"\#(decided)""#)["id"] as! String
            let from = decided.adding(days: 1)

            // act
            let created = try await api.call(
                .post, "/api/v1/reviews/\(review)/clock-pauses",
                json: #"{"clock":"publication","from":"\#(from)","reason":"Parallel criminal proceedings"}"#)

            // check
            #expect(created.status == .created, "\(created.text)")
            let pauseID = try #require(created.json["id"] as? String)
            #expect(created.json["review_id"] as? String == review)
            #expect(created.json["clock"] as? String == "publication")
            #expect(created.json["from"] as? String == from.description)
            #expect(created.json["to"] is NSNull)
            #expect(created.json["reason"] as? String == "Parallel criminal proceedings")
            #expect((created.json["actor"] as? String)?.hasPrefix("user:") == true)
            #expect(created.json["created_at"] is String)
            let paused = try #require(try await clocks(api, review)["publication"])
            #expect(paused["state"] as? String == "paused" && paused["paused"] as? Bool == true)
            #expect(paused["paused_days"] as? Int == 10)
            #expect(paused["due_on"] as? String == decided.adding(months: 6).adding(days: 10).description)
            #expect((paused["pauses"] as? [[String: Any]])?.first?["id"] as? String == pauseID)

            let ended = try await api.call(.post, "/api/v1/reviews/\(review)/clock-pauses/\(pauseID)/end", json: #"{"on":"\#(today.adding(days: -1))"}"#)
            #expect(ended.status == .ok, "\(ended.text)")
            #expect(ended.json["to"] as? String == today.adding(days: -1).description)
            let running = try #require(try await clocks(api, review)["publication"])
            #expect(running["state"] as? String == "running" && running["paused_days"] as? Int == 9)

            let again = try await api.call(.post, "/api/v1/reviews/\(review)/clock-pauses/\(pauseID)/end", json: #"{"on":"\#(today)"}"#)
            #expect(again.status == .conflict && again.isProblem)
            let elsewhere = try await api.call(.post, "/api/v1/reviews/\(review)/clock-pauses/\(UUID())/end", json: #"{"on":"\#(today)"}"#)
            #expect(elsewhere.status == .notFound && elsewhere.isProblem)
        }
    }

    @Test("bad pauses are refused with the field to correct", arguments: [
        (#"{"clock":"rapid_review","from":"2026-05-01","reason":"Trial"}"#, "clock"),
        (#"{"clock":"publication","from":"2026-05-01"}"#, "reason"),
        (#"{"clock":"publication","from":"2026-05-01","to":"2026-05-10","reason":"   "}"#, "reason"),
        (#"{"clock":"publication","from":"2026-05-10","to":"2026-05-01","reason":"Trial"}"#, "to"),
        (#"{"clock":"publication","from":"2026-02-30","reason":"Trial"}"#, "from"),
        (#"{"clock":"publication","reason":"Trial"}"#, "from"),
        (#"{"clock":"publication","from":"2026-05-01","reason":"Trial","until":"2026-06-01"}"#, "until"),
        (#"{"clock":"publication","from":"2026-05-20","reason":"Overlaps the pause from 1 May"}"#, "from"),
    ])
    func refused(_ body: String, _ field: String) async throws {
        try await withAPI { api in
            let review = try await api.createReview(reference: "CSPR-2026-12", extra: #","decision_on":"2026-04-01""#)["id"] as! String
            let first = try await api.call(
                .post, "/api/v1/reviews/\(review)/clock-pauses", json: #"{"clock":"publication","from":"2026-05-15","reason":"Trial"}"#)
            #expect(first.status == .created)

            let reply = try await api.call(.post, "/api/v1/reviews/\(review)/clock-pauses", json: body)

            #expect(reply.status == .unprocessableContent, "\(reply.text)")
            #expect(reply.isProblem)
            let fields = (reply.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == [field])
            // Nothing was added.
            let pauses = try await clocks(api, review)["publication"]?["pauses"] as? [Any]
            #expect(pauses?.count == 1)
        }
    }

    @Test("ending a pause before it began, or with no date, is refused")
    func badEnd() async throws {
        try await withAPI { api in
            let review = try await api.createReview(reference: "CSPR-2026-13", extra: #","decision_on":"2026-04-01""#)["id"] as! String
            let pause = try await api.call(
                .post, "/api/v1/reviews/\(review)/clock-pauses", json: #"{"clock":"publication","from":"2026-05-15","reason":"Trial"}"#)
            let id = try #require(pause.json["id"] as? String)
            for (body, field) in [(#"{"on":"2026-05-14"}"#, "on"), (#"{}"#, "on"), (#"{"on":"soon"}"#, "on")] {
                let reply = try await api.call(.post, "/api/v1/reviews/\(review)/clock-pauses/\(id)/end", json: body)
                #expect(reply.status == .unprocessableContent, "\(body): \(reply.text)")
                #expect((reply.json["errors"] as? [[String: Any]])?.first?["field"] as? String == field)
            }
            let notJSON = try await api.call(.post, "/api/v1/reviews/\(review)/clock-pauses/\(id)/end", body: .init(string: "on=2026-05-20"))
            #expect(notJSON.status.code >= 400 && notJSON.status.code < 500 && notJSON.isProblem)
        }
    }

    @Test("a partner sees the clocks of reviews with their work only; nobody else's review exists for them; only coordinators pause")
    func access() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let own = world.own.review, other = world.other.review
            let pause = #"{"clock":"publication","from":"2026-05-01","reason":"Trial"}"#

            #expect(try await api.call(.get, "/api/v1/reviews/\(own)/clocks", as: .partner).status == .ok)
            let hidden = try await api.call(.get, "/api/v1/reviews/\(other)/clocks", as: .partner)
            #expect(hidden.status == .notFound && hidden.isProblem)
            #expect(try await api.call(.post, "/api/v1/reviews/\(other)/clock-pauses", as: .partner, json: pause).status == .notFound)
            #expect(try await api.call(.post, "/api/v1/reviews/\(own)/clock-pauses", as: .partner, json: pause).status == .forbidden)
            #expect(try await api.call(.post, "/api/v1/reviews/\(own)/clock-pauses", as: .auditor, json: pause).status == .forbidden)
            #expect(try await api.call(.get, "/api/v1/reviews/\(UUID())/clocks").status == .notFound)
            #expect(try await api.call(.get, "/api/v1/reviews/not-an-id/clocks").status == .notFound)
            #expect(try await api.call(.post, "/api/v1/reviews/\(UUID())/clock-pauses", json: pause).status == .notFound)

            let created = try await api.call(.post, "/api/v1/reviews/\(own)/clock-pauses", as: .coordinator, json: pause)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            let end = #"{"on":"2026-05-02"}"#
            #expect(try await api.call(.post, "/api/v1/reviews/\(own)/clock-pauses/\(id)/end", as: .partner, json: end).status == .forbidden)
            #expect(try await api.call(.post, "/api/v1/reviews/\(other)/clock-pauses/\(id)/end", as: .coordinator, json: end).status == .notFound)
            #expect(try await api.call(.post, "/api/v1/reviews/\(own)/clock-pauses/\(id)/end", as: .coordinator, json: end).status == .ok)
        }
    }
}
