/// Working days in England and Wales: Monday to Friday, less the bank holidays it is given.
///
/// The holidays are data (the `register.bank_holidays` table), never worked out here, because
/// one-off holidays (a state funeral, a coronation) and moved ones (VE Day 2020) follow no rule.
/// "N working days from a day" counts from the day after it, as the statutory deadlines do:
/// 5 working days from Monday 5 January 2026 is Monday 12 January 2026.
public struct WorkingDays: Sendable, Equatable {
    /// The bank holidays that do not count (weekends never count anyway).
    public let holidays: Set<Day>

    public init(holidays: some Sequence<Day>) {
        self.holidays = Set(holidays)
    }

    /// Whether `day` is a weekday that is not a bank holiday.
    public func isWorkingDay(_ day: Day) -> Bool {
        !day.isWeekend && !holidays.contains(day)
    }

    /// The day `n` working days after `day` (before it, for negative `n`). Zero gives `day` itself,
    /// working day or not.
    public func adding(_ n: Int, to day: Day) -> Day {
        var current = day
        var remaining = abs(n)
        let step = n < 0 ? -1 : 1
        while remaining > 0 {
            current = current.adding(days: step)
            if isWorkingDay(current) { remaining -= 1 }
        }
        return current
    }

    /// Working days after `from` up to and including `to` (negative when `to` is earlier), so that
    /// `count(from: d, to: adding(n, to: d)) == n`.
    public func count(from: Day, to: Day) -> Int {
        if to < from { return -count(from: to, to: from) }
        let span = to.daysSinceEpoch - from.daysSinceEpoch
        // Whole weeks hold five weekdays each; only the remainder is walked.
        var weekdays = span / 7 * 5
        var day = from.adding(days: span / 7 * 7)
        while day < to {
            day = day.adding(days: 1)
            if !day.isWeekend { weekdays += 1 }
        }
        let holidaysInside = holidays.lazy.filter { from < $0 && $0 <= to && !$0.isWeekend }.count
        return weekdays - holidaysInside
    }
}

extension Day {
    /// ISO weekday: 1 for Monday through 7 for Sunday.
    public var isoWeekday: Int {
        // 1970-01-01 was a Thursday (4).
        ((daysSinceEpoch % 7) + 7 + 3) % 7 + 1
    }

    /// Saturday or Sunday.
    public var isWeekend: Bool { isoWeekday >= 6 }

    /// The same day `n` calendar months later (earlier for negative `n`), or the month's last day
    /// when it is shorter: 31 August plus 6 months is 28 (or 29) February.
    /// Saturates at the first and last days a `Day` can hold rather than failing.
    public func adding(months n: Int) -> Day {
        let index = year * 12 + (month - 1) + n
        let y = index / 12, m = index % 12 + 1
        if y > 9999 { return Day(year: 9999, month: 12, day: 31)! }
        if y < 1 { return Day(year: 1, month: 1, day: 1)! }
        return Day(year: y, month: m, day: min(day, Day.daysIn(month: m, year: y)))!
    }
}
