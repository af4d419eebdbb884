import Foundation

/// A date as a tracker gives it, read into a day.
public struct TrackerDate: Sendable, Equatable {
    public var day: Day
    /// Only a month was given ("March 2026"): the day is the month's last, and the report says so.
    public var monthOnly: Bool

    public init(day: Day, monthOnly: Bool = false) {
        self.day = day
        self.monthOnly = monthOnly
    }

    private static let months = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
        "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8, "september": 9, "october": 10,
        "november": 11, "december": 12,
    ]

    /// Why a date could not be read.
    public enum Problem: Error, Equatable, Sendable {
        /// Nothing a person would read as a date ("TBC", "ongoing").
        case unreadable
        /// A date in a known form that does not exist (31/02/2026).
        case impossible
    }

    /// Reads the forms people type: `31/03/2026`, `31/3/26`, `31-Mar-26`, `31 March 2026`, `31st March 2026`,
    /// `2026-03-31`, `March 2026` / `Mar-26` (the month's last day, flagged). Day before month: UK trackers.
    public static func parse(_ raw: String) -> Result<TrackerDate, Problem> {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .failure(.unreadable) }
        // 2026-03-31, possibly with a time after it (a date exported by a database).
        if text.count >= 10, let iso = Day(iso: String(text.prefix(10))), text.count == 10 || text.dropFirst(10).first == "T" || text.dropFirst(10).first == " " {
            return .success(TrackerDate(day: iso))
        }
        let parts = text.lowercased()
            .replacingOccurrences(of: ",", with: " ")
            .split(whereSeparator: { $0 == "/" || $0 == "-" || $0 == " " || $0 == "." })
            .map(String.init)
        func year(_ s: String) -> Int? {
            guard s.allSatisfy(\.isNumber), let n = Int(s) else { return nil }
            switch s.count {
            case 2: return 2000 + n
            case 4: return n
            default: return nil
            }
        }
        func dayNumber(_ s: String) -> Int? {
            var s = s
            for suffix in ["st", "nd", "rd", "th"] where s.hasSuffix(suffix) { s.removeLast(2) }
            guard (1...2).contains(s.count), s.allSatisfy(\.isNumber) else { return nil }
            return Int(s)
        }
        func month(_ s: String) -> Int? {
            if let m = months[s] { return m }
            guard (1...2).contains(s.count), s.allSatisfy(\.isNumber) else { return nil }
            return Int(s)
        }
        switch parts.count {
        case 3:
            guard let d = dayNumber(parts[0]), let m = month(parts[1]), let y = year(parts[2]) else { return .failure(.unreadable) }
            // A numeric month must be a month; otherwise this may be an American date or rubbish.
            guard (1...12).contains(m), (1...31).contains(d) else { return .failure(.impossible) }
            guard let day = Day(year: y, month: m, day: d) else { return .failure(.impossible) }
            return .success(TrackerDate(day: day))
        case 2:
            guard let m = months[parts[0]], let y = year(parts[1]), let last = Day(year: y, month: m, day: Day.daysIn(month: m, year: y))
            else { return .failure(.unreadable) }
            return .success(TrackerDate(day: last, monthOnly: true))
        default:
            return .failure(.unreadable)
        }
    }

    /// The day an Excel serial number stands for, in the 1900 date system.
    ///
    /// Excel counts 1900 as a leap year (a bug kept from Lotus 1-2-3): serial 60 is the 29 February
    /// 1900 that never was, so it has no day; serials after it are one more than the true count.
    public static func excelSerial(_ serial: Double) -> Day? {
        let whole = Int(serial.rounded(.down))
        guard whole >= 1, whole != 60, whole < 2_958_466 else { return nil }
        // Serial 1 is 1 January 1900; 1899-12-31 is 25,568 days before 1970-01-01.
        let offset = whole < 60 ? whole : whole - 1
        return Day(daysSinceEpoch: -25_568 + offset)
    }
}

/// A RAG colour or free-text status read from a tracker.
public struct TrackerStatus: Sendable, Equatable {
    /// The rating the imported progress update carries.
    public var rag: RAGRating
    /// Complete in the tracker ("Complete", "Blue", "Closed").
    public var complete: Bool {
        rag == .blue
    }

    public init(rag: RAGRating) { self.rag = rag }

    private static let words: [String: RAGRating] = [
        "r": .red, "red": .red, "off track": .red, "delayed": .red, "overdue": .red, "not started": .red, "not on track": .red,
        "behind": .red, "behind schedule": .red, "significant concerns": .red, "not achieved": .red, "stalled": .red,
        "a": .amber, "amber": .amber, "at risk": .amber, "some concerns": .amber, "partially complete": .amber,
        "partially met": .amber, "slipping": .amber, "in progress at risk": .amber, "ra": .amber, "red amber": .amber,
        "amber red": .amber,
        "g": .green, "green": .green, "on track": .green, "in progress": .green, "ongoing": .green, "started": .green,
        "progressing": .green, "on target": .green, "open": .green, "ag": .green, "amber green": .green, "green amber": .green,
        "b": .blue, "blue": .blue, "complete": .blue, "completed": .blue, "closed": .blue, "done": .blue, "achieved": .blue,
        "met": .blue, "implemented": .blue, "fully implemented": .blue, "embedded": .blue, "finished": .blue,
    ]

    /// The status a cell names, or nil when it names none the register knows.
    public static func parse(_ raw: String) -> TrackerStatus? {
        let key = raw.lowercased()
            .replacingOccurrences(of: "–", with: " ")
            .split(whereSeparator: { !$0.isLetter })
            .joined(separator: " ")
        if let rag = words[key] { return TrackerStatus(rag: rag) }
        // "Green - on track", "Complete (signed off)": the first word decides when it is a colour or status word.
        if let first = key.split(separator: " ").first, let rag = words[String(first)], first.count > 1 {
            return TrackerStatus(rag: rag)
        }
        return nil
    }
}

/// Partner names compared as people write them: "West Midlands Police", "west midlands police.",
/// "W. Midlands Police" differ only by case and punctuation (the first two match, the third does not).
public enum PartnerName {
    /// Lower case, letters and digits only, "&" read as "and", single spaces.
    public static func key(_ name: String) -> String {
        let words = name.lowercased()
            .replacingOccurrences(of: "&", with: " and ")
            .replacingOccurrences(of: "'", with: "")
            .replacingOccurrences(of: "’", with: "")
            .split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        return words.joined(separator: " ")
    }
}

extension Day {
    /// "31 March 2026", as people read a date (GOV.UK style): the one way the register writes it
    /// for people, on pages, in reports, e-mails and the import report.
    public var long: String {
        let names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        return "\(day) \(names[month - 1]) \(year)"
    }

    /// The import report's name for `long`.
    var written: String { long }
}
