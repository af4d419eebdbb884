import Foundation
import PostgresNIO
import RegisterDomain
@testable import RegisterStore
import RegisterTestSupport
import Testing

/// The live recommendations list walks the tables in id order (`RecommendationStore.liveList`); the
/// as-at form rebuilds the register first (`rebuiltList`). Over the live tables (no moment given)
/// the two must find the same recommendations with the same `overdue`, page by page, for every
/// filter and for a partner's reach.
@Suite("overdue list: the live query finds what the rebuilt one finds")
struct OverdueListTests {
    @Test("every filter and reach, page by page: the same rows, the same overdue flags")
    func sameRows() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                // setup: two partners, two reviews on two boards, recommendations open, in progress and
                // implemented, with target dates past, future and none, and work late or not for each partner.
                let partners = PartnerStore(database: database)
                let police = try await partners.create(PartnerDetails(name: "Police", sector: .police), context: context()).id
                let health = try await partners.create(PartnerDetails(name: "Health", sector: .health), context: context()).id
                let (boardA, reviewA) = try await seedReview(database, reference: "A-1", themes: ["neglect"])
                let (_, reviewB) = try await seedReview(database, reference: "B-1", kind: .sar)
                let store = RecommendationStore(database: database)
                let assignments = AssignmentStore(database: database)
                let past = Day(iso: "2026-01-15")!, future = Day(iso: "2026-09-30")!
                let targets: [Day?] = [past, future, nil]
                // Late work: none, the police's, health's, both, police on time.
                let work: [[(UUID, Day)]] = [[], [(police, past)], [(health, past)], [(police, past), (health, past)], [(police, future)], [(health, future), (police, past)]]
                var n = 0
                for (r, review) in [reviewA, reviewB].enumerated() {
                    for target in targets {
                        for late in work {
                            n += 1
                            let recommendation = try await store.create(
                                in: review.id,
                                RecommendationDetails(
                                    number: "\(n)", text: n % 4 == 0 ? "Audit the information sharing protocol" : "Train staff in supervision",
                                    scope: n % 5 == 0 ? .regional : .local, targetDate: target),
                                today: today, context: context())
                            for (partner, due) in late {
                                _ = try await assignments.create(
                                    for: recommendation.id, AssignmentDetails(partnerID: partner, role: .lead, action: "Act.", dueDate: due),
                                    today: today, context: context())
                            }
                            if (n + r) % 3 == 0 {
                                _ = try await store.transition(
                                    recommendation.id, expectedVersion: nil, TransitionRequest(to: .implemented, reason: "Done."), today: today, context: context())
                            } else if (n + r) % 3 == 1 {
                                _ = try await store.transition(
                                    recommendation.id, expectedVersion: nil, TransitionRequest(to: .inProgress), today: today, context: context())
                            }
                        }
                    }
                }
                var filters: [RecommendationFilter] = []
                for reach in [Reach.everything, .partner(police), .partner(health)] {
                    for overdue in [nil, true, false] {
                        filters.append(RecommendationFilter(overdue: overdue, reach: reach))
                        filters.append(RecommendationFilter(reviewID: reviewB.id, overdue: overdue, reach: reach))
                        filters.append(RecommendationFilter(boardID: boardA.id, overdue: overdue, reach: reach))
                        filters.append(RecommendationFilter(kind: .sar, status: .inProgress, overdue: overdue, reach: reach))
                        filters.append(RecommendationFilter(scope: .regional, theme: "neglect", overdue: overdue, reach: reach))
                        filters.append(RecommendationFilter(overdue: overdue, dueAfter: Day(iso: "2026-02-01")!, dueBefore: future, reach: reach))
                        filters.append(RecommendationFilter(overdue: overdue, text: "audit", partnerID: police, reach: reach))
                        filters.append(RecommendationFilter(overdue: overdue, partnerID: health, reach: reach))
                    }
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                var overdueSeen = Set<Bool>()
                var pagesCompared = 0
                for filter in filters {
                    // act and check: walk both lists in pages of 4 by the cursor.
                    var after: UUID? = nil
                    repeat {
                        let page = PageRequest(after: after, limit: 4)
                        let live = try await store.rows(RecommendationStore.liveList(filter, page: page, today: today))
                        let rebuilt = try await store.rows(RecommendationStore.rebuiltList(filter, page: page, at: nil, on: today))
                        #expect(try encoder.encode(live) == encoder.encode(rebuilt), "\(filter) after \(String(describing: after))")
                        #expect(live.map(\.id) == rebuilt.map(\.id))
                        overdueSeen.formUnion(live.map(\.state.overdue))
                        pagesCompared += 1
                        after = live.count > 4 ? live[3].id : nil
                    } while after != nil
                }
                // The register held both kinds, and the lists were long enough to page.
                #expect(overdueSeen == [true, false])
                #expect(pagesCompared > filters.count)
                let all = try await store.list(RecommendationFilter(), page: PageRequest(limit: 200), today: today)
                #expect(all.items.count == 36)
                // For the police, health's late work does not make a recommendation overdue (0013).
                let healthLateOnly = try await store.list(RecommendationFilter(overdue: true, reach: .partner(police)), page: PageRequest(limit: 200), today: today)
                let everyone = try await store.list(RecommendationFilter(overdue: true), page: PageRequest(limit: 200), today: today)
                #expect(healthLateOnly.items.count < everyone.items.count)
            }
        }
    }
}
