import Foundation
import PostgresNIO
import RegisterDomain
@testable import RegisterStore
import RegisterTestSupport
import Testing

/// A partner's work list in standard pages goes through a statement kept planned
/// (`AssignmentStore.PartnerWork`); every other work list through the general one
/// (`AssignmentStore.listQuery`). For the lists the kept one serves, the two must find the same
/// assignments with the same `overdue`, page by page, and PostgreSQL must keep its plan.
@Suite("partner's work list: the kept statement finds what the general one finds")
struct PartnerWorkKeptTests {
    @Test("one partner's work, in standard pages, by reach and by filter: the same pages; kept planned; other lists not")
    func samePages() async throws {
        try await KeptStatementTests.onOneConnection { db, database in
            // setup: the police hold 55 assignments (two standard pages), health 3; due dates past and
            // future, so that `overdue` differs between rows; some work started.
            let partners = PartnerStore(database: database)
            let police = try await partners.create(PartnerDetails(name: "Police", sector: .police), context: context()).id
            let health = try await partners.create(PartnerDetails(name: "Health", sector: .health), context: context()).id
            let (_, review) = try await seedReview(database, reference: "WORK-1")
            let recommendations = RecommendationStore(database: database)
            let store = AssignmentStore(database: database)
            let past = Day(iso: "2026-01-15")!, future = Day(iso: "2026-09-30")!
            for n in 1...55 {
                let recommendation = try await recommendations.create(
                    in: review.id, RecommendationDetails(number: "\(n)", text: "Train staff in supervision", scope: .local, targetDate: future),
                    today: today, context: context())
                let work = try await store.create(
                    for: recommendation.id, AssignmentDetails(partnerID: police, role: .lead, action: "Act.", dueDate: n % 2 == 0 ? past : future),
                    today: today, context: context())
                if n % 5 == 0 {
                    _ = try await store.transition(work.id, expectedVersion: nil, TransitionRequest(to: .inProgress), today: today, context: context())
                }
                if n % 14 == 0 {
                    _ = try await store.create(
                        for: recommendation.id, AssignmentDetails(partnerID: health, role: .supporting, action: "Help.", dueDate: past),
                        today: today, context: context())
                }
            }
            // The planner's statistics, as autovacuum would gather them: the police's share is in sight.
            try await KeptStatementTests.asOwner(db, "ANALYZE register.assignments")
            let kept: [AssignmentFilter] = [
                AssignmentFilter(reach: .partner(police)), AssignmentFilter(reach: .partner(health)),
                AssignmentFilter(partnerID: police), AssignmentFilter(partnerID: health, reach: .partner(health)),
            ]
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var sizes: [Int] = []
            var overdueSeen = Set<Bool>()
            for filter in kept {
                // act and check: walk both lists by the cursor.
                var after: UUID? = nil
                var total = 0
                repeat {
                    let page = PageRequest(after: after)
                    #expect(AssignmentStore.PartnerWork(filter, page: page, today: today) != nil, "\(filter)")
                    let listed = try await store.list(filter, page: page, today: today)
                    let general = try await store.rows(AssignmentStore.listQuery(filter, page: page, today: today))
                    let expected = Page(fetched: general, limit: page.limit, id: \.id)
                    #expect(try encoder.encode(listed) == encoder.encode(expected), "\(filter) after \(String(describing: after))")
                    overdueSeen.formUnion(listed.items.map(\.state.overdue))
                    total += listed.items.count
                    after = listed.nextCursor.flatMap(UUID.init(uuidString:))
                } while after != nil
                sizes.append(total)
            }
            #expect(sizes == [55, 3, 55, 3])
            #expect(overdueSeen == [true, false])
            // Six pages read: PostgreSQL has made its five custom plans. From here it keeps the generic
            // one, for the police too, who have more work than the average partner (with the values in
            // sight of the planner, their custom plans looked cheaper and it went on making them).
            let before = try #require(try await KeptStatementTests.planned("lr_partner_work", database))
            #expect(before.custom == 5, "\(before)")
            for _ in 1...4 { _ = try await store.list(AssignmentFilter(reach: .partner(police)), page: PageRequest(), today: today) }
            let after = try #require(try await KeptStatementTests.planned("lr_partner_work", database))
            #expect(after.generic == before.generic + 4 && after.custom == 5, "\(before) then \(after)")
            // Why it keeps it: the planner cannot see which partner asks, so a custom plan costs what the
            // generic one does, for the police (most of the work) as for health. With the values in
            // sight, the police's custom plan came out cheaper on the generated register's statistics.
            let costs = try await KeptStatementTests.estimates(
                of: [("force_generic_plan", Self.firstPage(of: police)), ("force_custom_plan", Self.firstPage(of: police)),
                     ("force_custom_plan", Self.firstPage(of: health))], database)
            #expect(Set(costs).count == 1, "\(costs)")

            // Anything else is not one partner's work alone in standard pages: the general statement.
            for (filter, page) in [
                (AssignmentFilter(partnerID: health, reach: .partner(police)), PageRequest()),
                (AssignmentFilter(status: .inProgress, reach: .partner(police)), PageRequest()),
                (AssignmentFilter(overdue: true, reach: .partner(police)), PageRequest()),
                (AssignmentFilter(reach: .partner(police)), PageRequest(limit: 20)),
                (AssignmentFilter(), PageRequest()),
            ] {
                #expect(AssignmentStore.PartnerWork(filter, page: page, today: today) == nil, "\(filter)")
            }
            // Another partner named within the police's reach finds nothing, as before.
            #expect(try await store.list(AssignmentFilter(partnerID: health, reach: .partner(police)), page: PageRequest(), today: today).items.isEmpty)
        }
    }

    /// The kept work list's first page for a partner, as `EXECUTE`.
    static func firstPage(of partner: UUID) -> String {
        "EXECUTE lr_partner_work('\(partner.uuidString)', '2026-04-01', '00000000-0000-0000-0000-000000000000')"
    }
}
