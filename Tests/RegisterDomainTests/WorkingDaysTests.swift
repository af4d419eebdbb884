import Foundation
import RegisterDomain
import Testing

/// Bank holidays of England and Wales, 2020 to 2027, as gov.uk/bank-holidays lists them.
/// Kept here, apart from the migration, so the calendar is tested against an independent list.
let englandAndWalesHolidays: [String] = [
    "2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28",
    "2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27", "2021-12-28",
    "2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27",
    "2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25", "2023-12-26",
    "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26",
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
    "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
]

private func day(_ text: String) -> Day { Day(iso: text)! }

private let calendar = WorkingDays(holidays: englandAndWalesHolidays.map(day))

@Suite("Working days in England and Wales")
struct WorkingDaysTests {
    @Test("weekends and bank holidays are not working days; other weekdays are")
    func workingDays() {
        #expect(day("2026-04-04").isWeekend && day("2026-04-05").isWeekend)
        #expect(day("2026-04-02").isoWeekday == 4)
        #expect(!calendar.isWorkingDay(day("2026-04-04")))
        #expect(!calendar.isWorkingDay(day("2026-04-05")))
        #expect(!calendar.isWorkingDay(day("2026-04-03")))
        #expect(calendar.isWorkingDay(day("2026-04-02")))
        #expect(calendar.isWorkingDay(day("2026-04-07")))
        // With no holidays at all, only weekends are skipped.
        #expect(WorkingDays(holidays: []).adding(5, to: day("2026-04-02")) == day("2026-04-09"))
        #expect(WorkingDays(holidays: []).isWorkingDay(day("2026-04-03")))
    }

    @Test("Easter: Good Friday and Easter Monday are skipped")
    func easter() {
        // Fri 3 Apr is Good Friday and Mon 6 Apr Easter Monday: Tue 7, Wed 8, Thu 9, Fri 10, Mon 13.
        #expect(calendar.adding(5, to: day("2026-04-02")) == day("2026-04-13"))
        #expect(calendar.count(from: day("2026-04-02"), to: day("2026-04-13")) == 5)
        // A rapid review notified on Monday 30 March 2026 is due 15 working days later.
        #expect(calendar.adding(15, to: day("2026-03-30")) == day("2026-04-22"))
        #expect(!calendar.isWorkingDay(day("2022-04-15")) && !calendar.isWorkingDay(day("2022-04-18")))
    }

    @Test("Christmas at a weekend moves to substitute weekdays", arguments: [
        // 2021: Christmas on Saturday, Boxing Day on Sunday: Monday 27 and Tuesday 28 are off.
        ("2021-12-24", "2021-12-29"),
        // 2022: Christmas on Sunday: Boxing Day Monday 26, Christmas substitute Tuesday 27.
        ("2022-12-23", "2022-12-28"),
        // 2026: Christmas on Friday, Boxing Day on Saturday: substitute Monday 28.
        ("2026-12-24", "2026-12-29"),
    ])
    func christmas(_ start: String, _ next: String) {
        #expect(calendar.adding(1, to: day(start)) == day(next))
    }

    @Test("the extra bank holidays of 2022 and 2023 count as holidays")
    func extraHolidays() {
        // Platinum Jubilee: Thursday 2 and Friday 3 June 2022.
        #expect(calendar.adding(1, to: day("2022-06-01")) == day("2022-06-06"))
        // State Funeral of Queen Elizabeth II: Monday 19 September 2022.
        #expect(calendar.adding(1, to: day("2022-09-16")) == day("2022-09-20"))
        // Coronation of King Charles III: Monday 8 May 2023, a week after the early May bank holiday.
        #expect(calendar.adding(5, to: day("2023-04-28")) == day("2023-05-09"))
        // Without the one-off days in the data the answers would differ: the list is what matters.
        let ordinary = WorkingDays(holidays: calendar.holidays.subtracting([day("2022-06-03"), day("2022-09-19"), day("2023-05-08")]))
        #expect(ordinary.adding(1, to: day("2022-06-01")) == day("2022-06-03"))
        #expect(ordinary.adding(1, to: day("2022-09-16")) == day("2022-09-19"))
        #expect(ordinary.adding(5, to: day("2023-04-28")) == day("2023-05-08"))
    }

    @Test("counting undoes adding, forwards and backwards")
    func countUndoesAdding() {
        var start = day("2021-12-01")
        while start < day("2023-06-01") {
            for n in [0, 1, 4, 5, 15, 23] {
                let end = calendar.adding(n, to: start)
                #expect(calendar.count(from: start, to: end) == n, "\(n) working days from \(start)")
                #expect(n == 0 || calendar.isWorkingDay(end))
                #expect(calendar.count(from: end, to: start) == -n)
            }
            #expect(calendar.adding(-3, to: calendar.adding(3, to: start)) <= start)
            start = start.adding(days: 3)
        }
        // A whole year: 365 days, 104 weekend days, 8 bank holidays on weekdays.
        #expect(calendar.count(from: day("2025-12-31"), to: day("2026-12-31")) == 365 - 104 - 8)
    }

    @Test("months keep the day of the month, or the month's last day")
    func months() {
        #expect(day("2026-01-15").adding(months: 6) == day("2026-07-15"))
        #expect(day("2025-08-31").adding(months: 6) == day("2026-02-28"))
        #expect(day("2023-08-31").adding(months: 6) == day("2024-02-29"))
        #expect(day("2026-11-30").adding(months: 3) == day("2027-02-28"))
        #expect(day("2026-03-31").adding(months: -1) == day("2026-02-28"))
    }
}

@Suite("Statutory clocks of a review")
struct StatutoryClockTests {
    /// The rules of migration 5 for child reviews under Working Together 2023.
    static let rules = [
        DeadlineRule(
            clock: "notification", regime: .wt2023, label: "Notified within 5 working days", kinds: [.rapidReview, .lcspr],
            startsFrom: .incidentKnownOn, amount: 5, unit: .workingDays, metBy: .notifiedOn, position: 1, source: "Children Act 2004 s16C"),
        DeadlineRule(
            clock: "rapid_review", regime: .wt2023, label: "Rapid review within 15 working days", kinds: [.rapidReview],
            startsFrom: .notifiedOn, amount: 15, unit: .workingDays, metBy: .rapidReviewCompletedOn, position: 2, source: "Panel FAQ"),
        DeadlineRule(
            clock: "publication", regime: .wt2023, label: "Published within 6 months", kinds: [.lcspr],
            startsFrom: .decisionOn, amount: 6, unit: .months, metBy: .publishedOn, position: 3, source: "Working Together 2023"),
        DeadlineRule(
            clock: "notification", regime: .wt2015, label: "Notified within 5 working days", kinds: [.scr],
            startsFrom: .incidentKnownOn, amount: 5, unit: .workingDays, metBy: .notifiedOn, position: 1, source: "Working Together 2015"),
    ]

    func review(kind: ReviewKind = .lcspr, _ change: (inout ReviewDetails) -> Void = { _ in }) -> ReviewDetails {
        var details = ReviewDetails(reference: "CSPR-2026-01", title: "Child G", kind: kind, boardID: UUID(), regime: kind.regimes.last!)
        change(&details)
        return details
    }

    func pause(_ clock: String = "notification", from: String, to: String? = nil) -> ClockPause {
        ClockPause(
            id: UUID(), reviewID: UUID(), clock: clock, from: day(from), to: to.map(day), reason: "Parallel criminal proceedings",
            actor: "user:test", createdAt: Date())
    }

    func clock(_ details: ReviewDetails, code: String = "notification", pauses: [ClockPause] = [], today: String) throws -> StatutoryClock {
        let clocks = StatutoryClock.evaluate(details, rules: Self.rules, pauses: pauses, calendar: calendar, today: day(today))
        return try #require(clocks.first { $0.code == code })
    }

    @Test("a review runs the clocks of its kind and regime, in order; a safeguarding adults review has none")
    func applicable() {
        let lcspr = StatutoryClock.evaluate(review(), rules: Self.rules, pauses: [], calendar: calendar, today: day("2026-04-08"))
        #expect(lcspr.map(\.code) == ["notification", "publication"])
        let rapid = StatutoryClock.evaluate(review(kind: .rapidReview), rules: Self.rules, pauses: [], calendar: calendar, today: day("2026-04-08"))
        #expect(rapid.map(\.code) == ["notification", "rapid_review"])
        #expect(StatutoryClock.evaluate(review(kind: .sar), rules: Self.rules, pauses: [], calendar: calendar, today: day("2026-04-08")).isEmpty)
    }

    @Test("not started until its start date is recorded: no due date")
    func notStarted() throws {
        let c = try clock(review { $0.incidentKnownOn = day("2026-04-02") }, code: "publication", today: "2026-04-08")
        #expect(c.state == .notStarted)
        #expect(c.startsOn == nil && c.dueOn == nil && !c.paused && c.pausedDays == 0)
    }

    @Test("running, then missed once the due date has passed unmet")
    func runningThenMissed() throws {
        let details = review { $0.incidentKnownOn = day("2026-04-02") }
        let running = try clock(details, today: "2026-04-08")
        #expect(running.state == .running)
        #expect(running.startsOn == day("2026-04-02") && running.dueOn == day("2026-04-13"))
        #expect(try clock(details, today: "2026-04-13").state == .running)
        let missed = try clock(details, today: "2026-04-14")
        #expect(missed.state == .missed && missed.dueOn == day("2026-04-13"))
    }

    @Test("met on time when met on or before the due date, met late after it", arguments: [
        ("2026-04-09", ClockState.metOnTime), ("2026-04-13", .metOnTime), ("2026-04-14", .metLate),
    ])
    func met(_ notified: String, _ state: ClockState) throws {
        let c = try clock(review { $0.incidentKnownOn = day("2026-04-02"); $0.notifiedOn = day(notified) }, today: "2026-06-01")
        #expect(c.state == state)
        #expect(c.metOn == day(notified))
    }

    @Test("a pause moves the due date later by the working days it covers")
    func pauseMovesWorkingDayDue() throws {
        let details = review { $0.incidentKnownOn = day("2026-04-02") }
        // Wednesday 8 and Thursday 9 April stand still: due Wednesday 15 rather than Monday 13.
        let ended = [pause(from: "2026-04-08", to: "2026-04-09")]
        let c = try clock(details, pauses: ended, today: "2026-04-15")
        #expect(c.dueOn == day("2026-04-15") && c.pausedDays == 2 && c.state == .running && !c.paused)
        #expect(try clock(details, pauses: ended, today: "2026-04-16").state == .missed)
        // Notified on the 15th: late without the pause, on time with it.
        var notified = details
        notified.notifiedOn = day("2026-04-15")
        #expect(try clock(notified, today: "2026-04-16").state == .metLate)
        #expect(try clock(notified, pauses: ended, today: "2026-04-16").state == .metOnTime)
        // Weekend days inside a pause do not count twice.
        let overWeekend = try clock(details, pauses: [pause(from: "2026-04-10", to: "2026-04-12")], today: "2026-04-10")
        #expect(overWeekend.pausedDays == 1 && overWeekend.dueOn == day("2026-04-14"))
    }

    @Test("a pause still running stops the clock: paused, due as if it ran again tomorrow")
    func ongoingPause() throws {
        let details = review { $0.incidentKnownOn = day("2026-04-02") }
        let ongoing = [pause(from: "2026-04-08")]
        let first = try clock(details, pauses: ongoing, today: "2026-04-09")
        #expect(first.state == .paused && first.paused)
        #expect(first.dueOn == day("2026-04-15") && first.pausedDays == 2)
        let later = try clock(details, pauses: ongoing, today: "2026-04-20")
        #expect(later.state == .paused && later.pausedDays == 9 && later.dueOn == day("2026-04-24"))
        // Met while stopped: on time, and the pause counts only up to that day.
        var met = details
        met.notifiedOn = day("2026-04-20")
        let done = try clock(met, pauses: ongoing, today: "2026-05-01")
        #expect(done.state == .metOnTime && done.dueOn == day("2026-04-24") && !done.paused)
    }

    @Test("a pause before the clock starts, or after it was missed, changes nothing")
    func pausesOutsideTheClock() throws {
        let details = review { $0.incidentKnownOn = day("2026-04-02") }
        let before = try clock(details, pauses: [pause(from: "2026-03-01", to: "2026-03-31")], today: "2026-04-08")
        #expect(before.dueOn == day("2026-04-13") && before.pausedDays == 0 && before.state == .running)
        let tooLate = try clock(details, pauses: [pause(from: "2026-04-20")], today: "2026-04-21")
        #expect(tooLate.state == .missed && !tooLate.paused && tooLate.dueOn == day("2026-04-13"))
        // Another clock's pause is not this one's.
        let other = try clock(details, pauses: [pause("publication", from: "2026-04-08")], today: "2026-04-09")
        #expect(other.state == .running && other.pausedDays == 0)
    }

    @Test("a month clock moves by the calendar days paused")
    func pauseMovesMonthDue() throws {
        let details = review { $0.decisionOn = day("2026-01-15") }
        #expect(try clock(details, code: "publication", today: "2026-02-01").dueOn == day("2026-07-15"))
        let c = try clock(details, code: "publication", pauses: [pause("publication", from: "2026-03-01", to: "2026-03-10")], today: "2026-07-20")
        #expect(c.dueOn == day("2026-07-25") && c.pausedDays == 10 && c.state == .running)
        #expect(try clock(details, code: "publication", today: "2026-07-20").state == .missed)
    }

    @Test("every field is sent, null when unknown")
    func json() throws {
        let c = try clock(review(), code: "publication", today: "2026-04-08")
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any])
        #expect(object["due_on"] is NSNull && object["starts_on"] is NSNull && object["met_on"] is NSNull)
        #expect(object["state"] as? String == "not_started")
        #expect(object["unit"] as? String == "months" && object["starts_from"] as? String == "decision_on")
        #expect(object["code"] as? String == "publication" && object["paused"] as? Bool == false)
    }
}

@Suite("Pausing a statutory clock")
struct ClockPauseRuleTests {
    let rules = StatutoryClockTests.rules

    func problems(_ request: ClockPauseRequest, kind: ReviewKind = .lcspr, existing: [ClockPause] = []) -> [FieldError] {
        do {
            _ = try request.validate(kind: kind, regime: kind.regimes.last!, rules: rules, existing: existing)
            return []
        } catch let error as ValidationError {
            return error.errors
        } catch {
            return [FieldError(field: "unexpected", message: "\(error)")]
        }
    }

    func existing(_ clock: String, from: String, to: String?) -> ClockPause {
        ClockPause(id: UUID(), reviewID: UUID(), clock: clock, from: day(from), to: to.map(day), reason: "Trial", actor: "user:x", createdAt: Date())
    }

    @Test("a pause of one of the review's clocks, with a reason, is accepted; the reason is trimmed")
    func valid() throws {
        let reason = try ClockPauseRequest(clock: "publication", from: day("2026-05-01"), reason: "  Criminal trial  ")
            .validate(kind: .lcspr, regime: .wt2023, rules: rules, existing: [])
        #expect(reason == "Criminal trial")
    }

    @Test("an unknown clock, a missing reason and an end before the start are each named")
    func invalid() {
        let errors = problems(ClockPauseRequest(clock: "rapid_review", from: day("2026-05-10"), to: day("2026-05-01"), reason: " "))
        #expect(errors.map(\.field) == ["clock", "reason", "to"])
        #expect(errors[0].message.contains("notification, publication"))
        let none = problems(ClockPauseRequest(clock: "publication", from: day("2026-05-01"), reason: "Trial"), kind: .sar)
        #expect(none.map(\.field) == ["clock"] && none[0].message.contains("no statutory clocks"))
    }

    @Test("pauses of one clock may not overlap; other clocks and adjacent days are fine")
    func overlap() {
        let running = [existing("publication", from: "2026-05-01", to: nil)]
        #expect(problems(ClockPauseRequest(clock: "publication", from: day("2026-06-01"), reason: "Again"), existing: running).map(\.field) == ["from"])
        #expect(problems(ClockPauseRequest(clock: "publication", from: day("2026-04-01"), to: day("2026-05-01"), reason: "x"), existing: running).map(\.field) == ["from"])
        #expect(problems(ClockPauseRequest(clock: "publication", from: day("2026-04-01"), to: day("2026-04-30"), reason: "x"), existing: running).isEmpty)
        #expect(problems(ClockPauseRequest(clock: "notification", from: day("2026-06-01"), reason: "x"), existing: running).isEmpty)
        let ended = [existing("publication", from: "2026-05-01", to: "2026-05-10")]
        #expect(problems(ClockPauseRequest(clock: "publication", from: day("2026-05-11"), reason: "x"), existing: ended).isEmpty)
        #expect(problems(ClockPauseRequest(clock: "publication", from: day("2026-05-10"), reason: "x"), existing: ended).map(\.field) == ["from"])
    }

    @Test("a pause ends once, and not before it began")
    func ending() throws {
        let running = existing("publication", from: "2026-05-01", to: nil)
        try ClockPauseEnd(on: day("2026-05-01")).validate(ending: running)
        #expect(throws: ValidationError.self) { try ClockPauseEnd(on: day("2026-04-30")).validate(ending: running) }
        let ended = existing("publication", from: "2026-05-01", to: "2026-05-10")
        #expect(throws: DomainError.conflict(
            "This pause of the publication clock already ended on 2026-05-10; record a new pause if the clock stopped again.")
        ) {
            try ClockPauseEnd(on: day("2026-05-20")).validate(ending: ended)
        }
    }
}
