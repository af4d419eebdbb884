import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RegisterDomain
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

@testable import RegisterServer

/// Recurring lessons (issue 13, point 7): the same recommendation made by several reviews, grouped;
/// and recording one that resembles earlier ones names them.
@Suite("recurring lessons")
struct RecurringLessonTests {
    static let sharing = [
        "Police share domestic incident notifications with health visitors within 48 hours.",
        "Police and health share domestic incident notifications with health visitors within 48 hours.",
        "Police share every domestic incident notification with health visitors within 48 hours.",
    ]

    /// A review of a given decision year, with its recommendations; returns the review id and the recommendations' answers.
    static func review(_ api: APIHarness, _ reference: String, year: Int, _ texts: [String]) async throws -> (String, [Reply]) {
        let id = try await api.createReview(reference: reference, extra: #","themes":["information_sharing"],"decision_on":"\#(year)-05-01""#)["id"] as! String
        var answers: [Reply] = []
        for (index, text) in texts.enumerated() {
            let answer = try await api.call(.post, "/api/v1/reviews/\(id)/recommendations", json: #"{"number":"\#(index + 1)","text":"\#(text)","scope":"local"}"#)
            #expect(answer.status == .created, "\(answer.text)")
            answers.append(answer)
        }
        return (id, answers)
    }

    @Test("three reviews with much the same recommendation and one unrelated: one lesson of 3 reviews, from the earliest year")
    func oneGroup() async throws {
        try await withAPI { api in
            // setup
            _ = try await Self.review(api, "RL-2013-01", year: 2013, [Self.sharing[0]])
            _ = try await Self.review(api, "RL-2019-01", year: 2019, [Self.sharing[1], "Review the school attendance policy for children missing education."])
            let (_, latest) = try await Self.review(api, "RL-2024-01", year: 2024, [Self.sharing[2]])
            _ = try await Self.review(api, "RL-2020-01", year: 2020, ["Commission a self-neglect practice guidance refresh for adults."])
            // act
            let lessons = try await api.call(.get, "/api/v1/learning/recurring", as: .auditor)
            // check
            #expect(lessons.status == .ok, "\(lessons.text)")
            #expect(lessons.items.count == 1, "\(lessons.text)")
            let lesson = try #require(lessons.items.first)
            #expect(lesson["reviews"] as? Int == 3)
            #expect(lesson["first_year"] as? Int == 2013)
            #expect(lesson["last_year"] as? Int == 2024)
            let members = lesson["members"] as? [[String: Any]] ?? []
            #expect(members.map { $0["review_reference"] as? String } == ["RL-2013-01", "RL-2019-01", "RL-2024-01"])
            #expect(members.allSatisfy { ($0["text"] as? String)?.contains("notification") == true })
            #expect((lesson["themes"] as? [[String: Any]])?.first?["code"] as? String == "information_sharing")
            // A theme none of them answers leaves nothing; a page of one is followed by nothing more.
            #expect(try await api.call(.get, "/api/v1/learning/recurring?theme=neglect").items.isEmpty)
            #expect(try await api.call(.get, "/api/v1/learning/recurring?limit=1").json["next_cursor"] is NSNull)
            // Reworded into another lesson, the 2024 recommendation leaves the group (its pairs go with its old words).
            let id = try latest[0].id()
            let reworded = try await api.call(
                .patch, "/api/v1/recommendations/\(id)", json: #"{"text":"Schools record every child missing education the same day."}"#,
                headers: [.ifMatch: "\"1\""])
            #expect(reworded.status == .ok, "\(reworded.text)")
            let after = try await api.call(.get, "/api/v1/learning/recurring").items
            #expect(after.map { $0["reviews"] as? Int } == [2])
            #expect(after.first?["last_year"] as? Int == 2019)
        }
    }

    @Test("two much-alike recommendations of the same review are not a recurring lesson")
    func sameReview() async throws {
        try await withAPI { api in
            let (_, answers) = try await Self.review(api, "RL-2022-01", year: 2022, [Self.sharing[0], Self.sharing[1]])
            #expect((answers[1].json["similar_earlier"] as? [Any])?.isEmpty == true)
            #expect(try await api.call(.get, "/api/v1/learning/recurring").items.isEmpty)
        }
    }

    @Test("recording a recommendation like earlier ones of other reviews answers with them; the page says so")
    func recordingNamesEarlier() async throws {
        try await withAPI { api in
            // setup
            let (_, first) = try await Self.review(api, "RL-2015-01", year: 2015, [Self.sharing[0]])
            let (_, second) = try await Self.review(api, "RL-2018-01", year: 2018, [Self.sharing[1]])
            #expect((first[0].json["similar_earlier"] as? [Any])?.isEmpty == true)
            let named = second[0].json["similar_earlier"] as? [[String: Any]] ?? []
            #expect(named.map { $0["review_reference"] as? String } == ["RL-2015-01"])
            #expect(named.first?["id"] as? String == first[0].json["id"] as? String)
            #expect((named.first?["score"] as? Double ?? 0) >= 0.45)
            // act: a third, through the page form
            let review = try await api.createReview(reference: "RL-2025-01", extra: #","decision_on":"2025-01-10""#)["id"] as! String
            let (cookie, csrf) = try await api.pageSession(email: "coordinator@example.org")
            let form = "number=1&scope=local&text=\(Self.sharing[2].addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&csrf_token=\(csrf)"
            let saved = try await api.call(
                .post, "/reviews/\(review)/recommendations/new", as: nil, body: ByteBuffer(string: form),
                headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded", .secFetchSite: "same-origin"])
            // check: back to the review, whose page names both earlier ones with links
            #expect(saved.status == .seeOther, "\(saved.text)")
            let location = try #require(saved.headers[.location])
            #expect(location.hasPrefix("/reviews/\(review.lowercased())?resembles="), "\(location)")
            let page = try await api.call(.get, String(location.split(separator: "#")[0]), as: nil, headers: [.cookie: cookie])
            #expect(page.text.contains("Recommendation 1 resembles recommendations in 2 other reviews"), "\(page.text)")
            #expect(page.text.contains(#"href="/recommendations/\#((try first[0].id()).lowercased())">RL-2015-01 recommendation 1</a>"#))
            // The recommendation's own page says so too.
            let added = try await api.call(.get, "/api/v1/recommendations?review=\(review)").items.first?["id"] as? String
            let own = try await api.call(.get, "/recommendations/\(try #require(added))", as: nil, headers: [.cookie: cookie])
            #expect(own.text.contains("This recommendation resembles recommendations in 2 other reviews"))
            #expect(page.text.contains("RL-2018-01 recommendation 1"))
        }
    }

    @Test("a partner is refused the list and its page (no learning view), and learns nothing of others' recommendations")
    func partners() async throws {
        try await withAPI { api in
            _ = try await Self.review(api, "RL-2016-01", year: 2016, [Self.sharing[0]])
            _ = try await Self.review(api, "RL-2017-01", year: 2017, [Self.sharing[1]])
            #expect(try await api.call(.get, "/api/v1/learning/recurring", as: .auditor).items.count == 1)
            let refused = try await api.call(.get, "/api/v1/learning/recurring", as: .partner)
            #expect(refused.status == .forbidden)
            #expect(!refused.text.contains("RL-2016-01"))
            let (cookie, _) = try await api.pageSession(email: "partner@example.org")
            let page = try await api.call(.get, "/learning/recurring", as: nil, headers: [.cookie: cookie])
            #expect(page.status == .forbidden)
            #expect(!page.text.contains("RL-2016-01"))
            // Those who may read the learning view see the page.
            let (coordinator, _) = try await api.pageSession(email: "coordinator@example.org")
            let shown = try await api.call(.get, "/learning/recurring", as: nil, headers: [.cookie: coordinator])
            #expect(shown.status == .ok)
            #expect(shown.text.contains("The same lesson in 2 reviews, from 2016 to 2017"))
        }
    }
}

@Suite("recurring lessons: demo")
struct RecurringLessonDemoTests {
    @Test("the demo data shows a recurring lesson: information sharing in 3 Northvale reviews, 2018 to 2025")
    func demo() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let services = RegisterServices(registry: Registry(database: database), configuration: AppConfiguration(database: db.app))
                #expect(try await DemoData.load(into: services, logger: TestDatabase.logger))
                let lessons = try await services.learning.recurring(
                    boardID: nil, theme: nil, page: PageRequest(limit: 20), by: .system("tests", logger: TestDatabase.logger))
                let first = try #require(lessons.items.first)
                #expect(first.reviews == 3)
                #expect((first.firstYear, first.lastYear) == (2018, 2025))
                #expect(Set(first.members.map(\.reviewReference)) == ["NV-SCR-2018-03", "NV-LCSPR-2021-01", "NV-LCSPR-2025-02"])
                #expect(first.themes.map(\.code).contains("information_sharing"))
            }
        }
    }
}

@Suite("recurring lessons: grouping")
struct RecurringLessonGroupingTests {
    @Test("pairs chain into one group; the group with most reviews comes first; a cursor pages on")
    func grouping() {
        func end(_ n: UInt8, review: UInt8, year: Int) -> LessonPair.End {
            LessonPair.End(id: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, n)),
                           reviewID: UUID(uuid: (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, review)), year: year)
        }
        let a = end(1, review: 1, year: 2013), b = end(2, review: 2, year: 2016), c = end(3, review: 3, year: 2020)
        let d = end(4, review: 4, year: 2021), e = end(5, review: 5, year: 2022)
        let groups = RecurringLessons.groups([LessonPair(d, e), LessonPair(a, b), LessonPair(c, b)])
        #expect(groups.count == 2)
        #expect(groups[0].members.map(\.id) == [a.id, b.id, c.id])
        #expect(groups[0].reviews == 3)
        #expect(groups[1].members.map(\.id) == [d.id, e.id])
    }
}
