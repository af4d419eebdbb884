import Foundation
import Hummingbird
import RegisterDomain

/// A submitted page form (`application/x-www-form-urlencoded`), its values as typed.
struct Form: Sendable {
    private(set) var values: [String: [String]] = [:]

    static let maxBytes = 256 * 1024

    init(_ values: [String: [String]] = [:]) { self.values = values }

    /// Reads the body of a page form.
    static func read(_ request: Request, context: some RequestContext) async throws -> Form {
        let body = try await request.body.collect(upTo: maxBytes)
        return Form(parsing: String(buffer: body))
    }

    init(parsing text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[key, default: []].append(value)
        }
    }

    private static func decode(_ raw: Substring) -> String {
        raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    /// The value of a field, trimmed; nil when empty.
    subscript(_ name: String) -> String? {
        guard let raw = values[name]?.first?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
        return raw
    }

    /// Every value of a field that can be ticked more than once.
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// The value of a field exactly as typed, for showing it again.
    func typed(_ name: String) -> String { values[name]?.first ?? "" }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// Reading typed values into domain values, collecting a message per field for the error summary.
struct FormReader {
    let form: Form
    private(set) var errors: [FieldError] = []

    init(_ form: Form) { self.form = form }

    mutating func fail(_ field: String, _ message: String) { errors.append(FieldError(field: field, message: message)) }

    /// Refuses the form with every problem found so far, for the page to show again.
    func check() throws {
        if !errors.isEmpty { throw ValidationError(errors) }
    }

    mutating func required(_ name: String, _ message: String) -> String {
        guard let value = form[name] else {
            fail(name, message)
            return ""
        }
        return value
    }

    func optional(_ name: String) -> String? { form[name] }

    /// A day typed as `31/03/2026`, `31/3/2026` or `2026-03-31`.
    mutating func day(_ name: String, label: String, required: Bool = false) -> Day? {
        guard let raw = form[name] else {
            if required { fail(name, "Enter \(label.lowercased())") }
            return nil
        }
        guard let day = UKDate.parse(raw) else {
            fail(name, "\(label) must be a real date, like 31/03/2026")
            return nil
        }
        return day
    }

    mutating func choice<E: DomainEnum>(_ name: String, _ type: E.Type, message: String) -> E? {
        guard let raw = form[name], let value = E(rawValue: raw) else {
            fail(name, message)
            return nil
        }
        return value
    }

    mutating func uuid(_ name: String, message: String) -> UUID? {
        guard let raw = form[name], let id = UUID(uuidString: raw) else {
            fail(name, message)
            return nil
        }
        return id
    }

    func uuids(_ name: String) -> [UUID] { form.all(name).compactMap { UUID(uuidString: $0) } }
}

/// Dates as people in the UK type and read them.
enum UKDate {
    static func parse(_ raw: String) -> Day? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let iso = Day(iso: text) { return iso }
        let parts = text.split(whereSeparator: { $0 == "/" || $0 == "-" || $0 == "." || $0 == " " }).map(String.init)
        guard parts.count == 3, let d = Int(parts[0]), let m = Int(parts[1]), var y = Int(parts[2]) else { return nil }
        if parts[2].count == 2 { y += 2000 }
        guard parts[2].count == 4 || parts[2].count == 2 else { return nil }
        return Day(year: y, month: m, day: d)
    }

    private static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    /// "31 March 2026".
    static func long(_ day: Day) -> String { day.long }

    /// "31/03/2026", for putting a stored date back into a form.
    static func typed(_ day: Day?) -> String {
        guard let day else { return "" }
        return String(format: "%02d/%02d/%04d", day.day, day.month, day.year)
    }

    /// "31 March 2026 at 2:05pm", UK time.
    static func time(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .london
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let hour = c.hour! % 12 == 0 ? 12 : c.hour! % 12
        return "\(c.day!) \(months[c.month! - 1]) \(c.year!) at \(hour):\(String(format: "%02d", c.minute!))\(c.hour! < 12 ? "am" : "pm")"
    }
}
