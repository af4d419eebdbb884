import Foundation
import PostgresNIO
import RegisterDomain
@testable import RegisterStore
import RegisterTestSupport
import Testing

/// The staff's overdue recommendations in standard pages go through a statement kept planned
/// (`RecommendationStore.OverdueRecommendations`); every other live list through the general one
/// (`RecommendationStore.liveList`, itself held to the rebuilt list by `OverdueListTests`). For the
/// list the kept one serves, the two must find the same recommendations with the same flags, page by
/// page, and PostgreSQL must keep its plan.
@Suite("overdue page: the kept statement finds what the general one finds")
struct OverdueKeptTests {
    @Test("every overdue recommendation, in standard pages: the same pages; kept planned; other lists not")
    func samePages() async throws {
        try await KeptStatementTests.onOneConnection { db, database in
            // setup: 150 recommendations with target dates past, future and none; work late, on time or
            // none; some implemented (never overdue), some in progress. About 60 are overdue: two pages,
            // some by their target date, some by late work alone.
            let police = try await PartnerStore(database: database).create(PartnerDetails(name: "Police", sector: .police), context: context()).id
            let (_, review) = try await seedReview(database, reference: "LATE-1")
            let store = RecommendationStore(database: database)
            let assignments = AssignmentStore(database: database)
            let past = Day(iso: "2026-01-15")!, future = Day(iso: "2026-09-30")!
            for n in 1...150 {
                let target: Day? = [past, future, nil][n % 3]
                let recommendation = try await store.create(
                    in: review.id, RecommendationDetails(number: "\(n)", text: "Train staff in supervision", scope: .local, targetDate: target),
                    today: today, context: context())
                if n % 4 < 2 {
                    _ = try await assignments.create(
                        for: recommendation.id, AssignmentDetails(partnerID: police, role: .lead, action: "Act.", dueDate: n % 4 == 0 ? past : future),
                        today: today, context: context())
                }
                if n % 7 == 0 {
                    _ = try await store.transition(
                        recommendation.id, expectedVersion: nil, TransitionRequest(to: .implemented, reason: "Done."), today: today, context: context())
                } else if n % 5 == 0 {
                    _ = try await store.transition(recommendation.id, expectedVersion: nil, TransitionRequest(to: .inProgress), today: today, context: context())
                }
            }
            // The planner's statistics, as autovacuum would gather them.
            for table in ["recommendations", "assignments"] { try await KeptStatementTests.asOwner(db, "ANALYZE register.\(table)") }
            let overdue = RecommendationFilter(overdue: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys

            // act and check: walk both lists by the cursor.
            var after: UUID? = nil
            var listed: [Recommendation] = []
            var pages = 0
            repeat {
                let page = PageRequest(after: after)
                #expect(RecommendationStore.OverdueRecommendations(overdue, page: page, today: today) != nil)
                let kept = try await store.list(overdue, page: page, today: today)
                let general = Page(fetched: try await store.rows(RecommendationStore.liveList(overdue, page: page, today: today)), limit: page.limit, id: \.id)
                #expect(try encoder.encode(kept) == encoder.encode(general), "after \(String(describing: after))")
                listed += kept.items
                pages += 1
                after = kept.nextCursor.flatMap(UUID.init(uuidString:))
            } while after != nil
            #expect(pages == 2 && listed.count > PageRequest.standardLimit, "\(pages) pages, \(listed.count) recommendations")
            #expect(listed.allSatisfy { $0.state.overdue })
            // Both reasons are among them: a target date passed, and late work alone.
            #expect(listed.contains { $0.details.targetDate == past } && listed.contains { $0.details.targetDate != past })
            // Everything the general list finds without the filter and flags overdue is here, and nothing else.
            let everything = try await Page.all(pageSize: 200) { try await store.list(RecommendationFilter(), page: $0, today: today) }
            #expect(listed.map(\.id) == everything.filter { $0.state.overdue }.map(\.id))

            // Two pages read, then four more: PostgreSQL has made its five custom plans and keeps the generic one.
            for _ in 1...4 { _ = try await store.list(overdue, page: PageRequest(), today: today) }
            let before = try #require(try await KeptStatementTests.planned("lr_overdue_recommendations", database))
            #expect(before.custom == 5, "\(before)")
            for _ in 1...4 { _ = try await store.list(overdue, page: PageRequest(), today: today) }
            let afterRuns = try #require(try await KeptStatementTests.planned("lr_overdue_recommendations", database))
            #expect(afterRuns.generic == before.generic + 4 && afterRuns.custom == 5, "\(before) then \(afterRuns)")
            // Why it keeps it: a custom plan, for today or for a day when everything open is late, costs what the generic one does.
            let costs = try await KeptStatementTests.estimates(
                of: [("force_generic_plan", Self.firstPage(on: today)), ("force_custom_plan", Self.firstPage(on: today)),
                     ("force_custom_plan", Self.firstPage(on: future))], database)
            #expect(Set(costs).count == 1, "\(costs)")

            // As at a day, the list is rebuilt from the history: the kept statement is not run.
            let planned = try await KeptStatementTests.planned("lr_overdue_recommendations", database)
            _ = try await store.list(overdue, page: PageRequest(), today: today, asAt: AsAt(day: today))
            let plannedAfterAsAt = try await KeptStatementTests.planned("lr_overdue_recommendations", database)
            #expect(plannedAfterAsAt?.generic == planned?.generic && plannedAfterAsAt?.custom == planned?.custom, "\(String(describing: planned))")

            // Anything else is not every overdue recommendation alone in standard pages: the general statement.
            for (filter, page) in [
                (RecommendationFilter(overdue: true, reach: .partner(police)), PageRequest()),
                (RecommendationFilter(overdue: false), PageRequest()),
                (RecommendationFilter(), PageRequest()),
                (RecommendationFilter(status: .open, overdue: true), PageRequest()),
                (RecommendationFilter(reviewID: review.id, overdue: true), PageRequest()),
                (RecommendationFilter(overdue: true, partnerID: police), PageRequest()),
                (RecommendationFilter(overdue: true), PageRequest(limit: 20)),
            ] {
                #expect(RecommendationStore.OverdueRecommendations(filter, page: page, today: today) == nil, "\(filter) \(page)")
            }
        }
    }

    /// The kept overdue page's first page on a day, as `EXECUTE`.
    static func firstPage(on day: Day) -> String {
        "EXECUTE lr_overdue_recommendations('\(day)', '00000000-0000-0000-0000-000000000000')"
    }
}
