import Foundation
import HTTPTypes
import RegisterDomain
@testable import RegisterServer
import RegisterTestSupport
import Testing

/// No oracles: what a partner user reads about recommendations and reviews is worked out over what
/// they may see. Another organisation's late work never shows as "overdue" to them, and filtering by
/// another organisation finds exactly what an id that names nothing finds.
@Suite("partner scope: no oracles")
struct PartnerScopeTests {
    /// One recommendation given to both organisations: the test partner's work is on time, the other
    /// organisation's is overdue. No target date, so only the assignments can make it overdue.
    static func sharedWork(_ api: APIHarness) async throws -> (review: String, recommendation: String) {
        let review = try await api.createReview(reference: "SHARED-2026-01")["id"] as! String
        let recommendation = try await api.call(
            .post, "/api/v1/reviews/\(review)/recommendations", json: #"{"number":"1","text":"Share information.","scope":"local"}"#
        ).id()
        let onTime = Day.today().adding(days: 60)
        for (partner, due) in [(api.ownPartner, onTime.description), (api.otherPartner, "2026-01-31")] {
            let assigned = try await api.call(
                .post, "/api/v1/recommendations/\(recommendation)/assignments",
                json: #"{"partner_id":"\#(partner.uuidString.lowercased())","role":"lead","action":"Do it.","due_date":"\#(due)"}"#)
            try #require(assigned.status == .created, "\(assigned.text)")
        }
        return (review, recommendation)
    }

    @Test("a partner whose own work is on time never sees the recommendation or its review as overdue because another partner is late")
    func overdueWithinReach() async throws {
        try await withAPI { api in
            let world = try await Self.sharedWork(api)
            // Staff see the other organisation's late work.
            #expect(try await api.call(.get, "/api/v1/recommendations/\(world.recommendation)").json["overdue"] as? Bool == true)
            #expect(try await api.call(.get, "/api/v1/reviews?overdue=true").items.count == 1)

            let detail = try await api.call(.get, "/api/v1/recommendations/\(world.recommendation)", as: .partner)
            #expect(detail.status == .ok)
            #expect(detail.json["overdue"] as? Bool == false)
            let ofReview = try await api.call(.get, "/api/v1/reviews/\(world.review)/recommendations", as: .partner).items
            #expect(ofReview.map { $0["overdue"] as? Bool } == [false])
            let listed = try await api.call(.get, "/api/v1/recommendations", as: .partner).items
            #expect(listed.map { $0["overdue"] as? Bool } == [false])
            #expect(try await api.call(.get, "/api/v1/recommendations?overdue=true", as: .partner).items.isEmpty)
            #expect(try await api.call(.get, "/api/v1/recommendations?overdue=false", as: .partner).items.count == 1)
            #expect(try await api.call(.get, "/api/v1/reviews?overdue=true", as: .partner).items.isEmpty)
            #expect(try await api.call(.get, "/api/v1/reviews?overdue=false", as: .partner).items.count == 1)
            // As at today, rebuilt from the trail: the same answer.
            let asAt = try await api.call(.get, "/api/v1/recommendations/\(world.recommendation)?as_at=\(Day.today())", as: .partner)
            #expect(asAt.status == .ok)
            #expect(asAt.json["overdue"] as? Bool == false)
            #expect(try await api.call(.get, "/api/v1/recommendations?overdue=true&as_at=\(Day.today())", as: .partner).items.isEmpty)

            // The late partner sees its own lateness.
            let late = try await api.call(.get, "/api/v1/recommendations/\(world.recommendation)", as: nil, token: api.otherPartnerToken)
            #expect(late.json["overdue"] as? Bool == true)

            // The review's page, as the partner sees it: no overdue tag.
            let cookie = try await AuditorPageTests.cookie(api, .partner)
            let page = try await AuditorPageTests.page(api, "/reviews/\(world.review)", as: cookie)
            #expect(page.status == .ok)
            #expect(!page.text.contains(", overdue"))
            let staff = try await AuditorPageTests.page(api, "/reviews/\(world.review)", as: try await AuditorPageTests.cookie(api, .coordinator))
            #expect(staff.text.contains(", overdue"))
        }
    }

    @Test("filtering by another partner answers exactly as filtering by an id that names nothing")
    func partnerFilter() async throws {
        try await withAPI { api in
            _ = try await Self.sharedWork(api)
            let other = try await api.call(.get, "/api/v1/recommendations?partner=\(api.otherPartner.uuidString.lowercased())", as: .partner)
            let nobody = try await api.call(.get, "/api/v1/recommendations?partner=\(UUID().uuidString.lowercased())", as: .partner)
            #expect(other.status == .ok)
            #expect(other.items.isEmpty)
            #expect(other.body == nobody.body)
            #expect(try await api.call(.get, "/api/v1/recommendations?partner=\(api.ownPartner.uuidString.lowercased())", as: .partner).items.count == 1)
            // Staff may filter by any organisation.
            #expect(try await api.call(.get, "/api/v1/recommendations?partner=\(api.otherPartner.uuidString.lowercased())").items.count == 1)
        }
    }
}
