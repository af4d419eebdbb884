import Foundation
import PostgresNIO
import RegisterDomain
import RegisterStore
import RegisterTestSupport
import Testing

@Suite("Statutory clocks: bank holidays and deadline rules as data, pauses")
struct ClockTests {
    private func day(_ text: String) -> Day { Day(iso: text)! }

    @Test("the migrated calendar holds Easter, substitute days and the one-off bank holidays of 2022 and 2023")
    func bankHolidays() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let calendar = try await ClockStore(database: database).calendar()
                for holiday in ["2026-04-03", "2026-04-06", "2022-06-03", "2022-09-19", "2023-05-08", "2021-12-27", "2021-12-28", "2022-12-27", "2020-05-08"] {
                    #expect(calendar.holidays.contains(day(holiday)), "\(holiday) is a bank holiday")
                }
                // The real Christmas and Boxing Day of 2021 fell at the weekend: listed as their substitutes only.
                #expect(!calendar.holidays.contains(day("2021-12-25")) && !calendar.holidays.contains(day("2021-12-26")))
                #expect(!calendar.holidays.contains(day("2020-05-04")))
                let y2026 = calendar.holidays.filter { $0.year == 2026 }.map(\.description).sorted()
                #expect(y2026 == ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"])
                // Every year from 2000 to 2030 is there, with 8 days, or more in a jubilee or a year of one-offs.
                let perYear = Dictionary(grouping: calendar.holidays, by: \.year).mapValues(\.count)
                #expect(Set(perYear.keys) == Set(2000...2030))
                #expect(perYear.values.allSatisfy { $0 >= 8 })
                #expect(perYear[2022] == 10 && perYear[2023] == 9 && perYear[2011] == 9 && perYear[2012] == 9 && perYear[2002] == 9)
                #expect(calendar.holidays.allSatisfy { !$0.isWeekend })
                #expect(calendar.adding(5, to: day("2026-04-02")) == day("2026-04-13"))
            }
        }
    }

    @Test("deadline rules are data, one per clock and regime")
    func rules() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let rules = try await ClockStore(database: database).rules()
                func clocks(_ kind: ReviewKind, _ regime: Regime) -> [String] {
                    DeadlineRule.applicable(rules, kind: kind, regime: regime).map(\.clock)
                }
                #expect(clocks(.lcspr, .wt2023) == ["notification", "publication"])
                #expect(clocks(.rapidReview, .wt2018) == ["notification", "rapid_review"])
                #expect(clocks(.scr, .wt2015) == ["notification", "decision", "completion"])
                #expect(clocks(.dhr, .dhr2016) == ["decision", "completion"])
                #expect(clocks(.sar, .careAct2014).isEmpty)
                #expect(clocks(.nationalReview, .wt2023).isEmpty)
                let rapid = try #require(rules.first { $0.clock == "rapid_review" && $0.regime == .wt2023 })
                #expect(rapid.amount == 15 && rapid.unit == .workingDays && rapid.startsFrom == .notifiedOn && rapid.metBy == .rapidReviewCompletedOn)
                let publication = try #require(rules.first { $0.clock == "publication" && $0.regime == .wt2018 })
                #expect(publication.amount == 6 && publication.unit == .months && publication.startsFrom == .decisionOn && publication.metBy == .publishedOn)
            }
        }
    }

    @Test("a real review's clocks, paused and resumed, with every pause in the audit trail")
    func reviewClocks() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                // setup
                let (_, seeded) = try await seedReview(database, reference: "CSPR-2026-07")
                var details = seeded.details
                details.incidentKnownOn = day("2026-04-02")
                details.decisionOn = day("2026-01-15")
                let review = try await ReviewStore(database: database).update(seeded.id, expectedVersion: 1, to: details, context: context())
                let store = ClockStore(database: database)

                // act
                let before = try await store.clocks(of: review.id, today: day("2026-04-08"))
                let long = try await store.pause(
                    review.id, ClockPauseRequest(clock: "publication", from: day("2026-03-01"), to: day("2026-03-10"), reason: "Criminal trial"),
                    context: context("user:coordinator"))
                let ongoing = try await store.pause(
                    review.id, ClockPauseRequest(clock: "notification", from: day("2026-04-08"), reason: "  Police asked us to wait  "), context: context())
                let during = try await store.clocks(of: review.id, today: day("2026-04-09"))

                // check
                #expect(before.map(\.code) == ["notification", "publication"])
                #expect(before[0].dueOn == day("2026-04-13") && before[0].state == .running)
                #expect(before[1].dueOn == day("2026-07-15") && before[1].state == .running)
                #expect(ongoing.reason == "Police asked us to wait" && ongoing.to == nil && ongoing.actor == "system:tests")
                #expect(during[0].state == .paused && during[0].paused && during[0].dueOn == day("2026-04-15") && during[0].pausedDays == 2)
                #expect(during[0].pauses.map(\.id) == [ongoing.id])
                #expect(during[1].dueOn == day("2026-07-25") && during[1].pausedDays == 10 && during[1].pauses.map(\.id) == [long.id])

                // An overlapping pause is refused; ending the running one lets the clock run again.
                await #expect(throws: ValidationError.self) {
                    try await store.pause(review.id, ClockPauseRequest(clock: "notification", from: day("2026-04-10"), reason: "Again"), context: context())
                }
                let ended = try await store.endPause(ongoing.id, of: review.id, ClockPauseEnd(on: day("2026-04-09")), context: context())
                #expect(ended.to == day("2026-04-09"))
                let after = try await store.clocks(of: review.id, today: day("2026-04-10"))
                #expect(after[0].state == .running && after[0].dueOn == day("2026-04-15"))
                await #expect(throws: DomainError.self) {
                    try await store.endPause(ongoing.id, of: review.id, ClockPauseEnd(on: day("2026-04-10")), context: context())
                }
                #expect(try await store.pauses(of: review.id).map(\.id) == [long.id, ongoing.id])

                let events = try await AuditStore(database: database).events(AuditFilter(table: "clock_pauses"), after: nil, limit: 10)
                #expect(events.count == 3)
                #expect(events.first?.payload.contains("\"actor\": \"system:user:coordinator\"") == true)
            }
        }
    }

    @Test("clocks as at an earlier moment count only the pauses recorded by then, as they then stood")
    func clocksAsAt() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                // setup
                let (_, seeded) = try await seedReview(database, reference: "CSPR-2026-09")
                var details = seeded.details
                details.incidentKnownOn = day("2026-04-02")
                let review = try await ReviewStore(database: database).update(seeded.id, expectedVersion: 1, to: details, context: context())
                let store = ClockStore(database: database)
                let audit = AuditStore(database: database)
                func moment() async throws -> AsAt {
                    let sealed = try await audit.head().sealedAt
                    try await Task.sleep(for: .milliseconds(5))
                    return AsAt(day: day("2026-04-10"), sealedBefore: sealed + "~")
                }

                // act
                let beforePause = try await moment()
                let pause = try await store.pause(
                    review.id, ClockPauseRequest(clock: "notification", from: day("2026-04-08"), reason: "Police asked us to wait"), context: context())
                let whilePaused = try await moment()
                _ = try await store.endPause(pause.id, of: review.id, ClockPauseEnd(on: day("2026-04-09")), context: context())
                let then1 = try await store.clocks(of: review.id, today: day("2026-04-10"), asAt: beforePause)
                let then2 = try await store.clocks(of: review.id, today: day("2026-04-10"), asAt: whilePaused)
                let now = try await store.clocks(of: review.id, today: day("2026-04-10"))
                let batch = try await store.clocks(of: [review], today: day("2026-04-10"), asAt: whilePaused)

                // check: no pause yet; the pause running (its end not yet known); the pause ended.
                #expect(then1[0].pauses.isEmpty && then1[0].state == .running && then1[0].dueOn == day("2026-04-13"))
                #expect(then2[0].pauses.map(\.id) == [pause.id] && then2[0].state == .paused)
                #expect(now[0].pauses.map(\.to) == [day("2026-04-09")] && now[0].state == .running && now[0].dueOn == day("2026-04-15"))
                #expect(batch[review.id]?.first?.state == .paused)
                // Before the review existed, there is no review to have clocks.
                await #expect(throws: DomainError.notFound("review")) {
                    try await store.clocks(of: review.id, today: day("2020-01-01"), asAt: AsAt(day: day("2020-01-01")))
                }
            }
        }
    }

    @Test("an unknown review, or another review's pause, is not found; an unknown clock is a field error")
    func refusals() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (_, review) = try await seedReview(database, reference: "CSPR-2026-08")
                let (_, other) = try await seedReview(database, reference: "CSPR-2026-09")
                let store = ClockStore(database: database)
                await #expect(throws: DomainError.notFound("review")) { try await store.clocks(of: UUID(), today: day("2026-04-08")) }
                await #expect(throws: DomainError.notFound("review")) {
                    try await store.pause(UUID(), ClockPauseRequest(clock: "publication", from: day("2026-04-08"), reason: "x"), context: context())
                }
                do {
                    _ = try await store.pause(review.id, ClockPauseRequest(clock: "rapid_review", from: day("2026-04-08"), reason: "x"), context: context())
                    Issue.record("paused a clock the review does not run")
                } catch let error as ValidationError {
                    #expect(error.errors.map(\.field) == ["clock"])
                }
                let pause = try await store.pause(review.id, ClockPauseRequest(clock: "publication", from: day("2026-04-08"), reason: "x"), context: context())
                await #expect(throws: DomainError.notFound("clock pause")) {
                    try await store.endPause(pause.id, of: other.id, ClockPauseEnd(on: day("2026-04-09")), context: context())
                }
                // Not started clocks answer without a due date.
                let clocks = try await store.clocks(of: review.id, today: day("2026-04-08"))
                #expect(clocks.allSatisfy { $0.state == .notStarted && $0.dueOn == nil })
            }
        }
    }
}
