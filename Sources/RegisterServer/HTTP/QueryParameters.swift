import Foundation
import Hummingbird
import RegisterDomain
import RegisterStore

/// Typed reading of query parameters, refusing bad values with a 422 that names the parameter.
struct QueryParameters {
    /// The first value of each name, decoded as HTML forms encode them (`+` is a space).
    let values: [String: String]

    init(_ request: Request) { self.values = Self.parse(request.uri.query ?? "") }

    /// `a=1&q=child+sexual%20exploitation` → ["a": "1", "q": "child sexual exploitation"].
    static func parse(_ query: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ raw: Substring) -> String {
                let spaced = raw.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if values[name] == nil { values[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return values
    }

    func text(_ name: String, max: Int = 200) throws -> String? {
        guard let value = values[name] else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        if trimmed.unicodeScalars.count > max { throw RequestProblem.badQuery(field: name, message: "\(name) is longer than \(max) characters") }
        if Validator.hasControlCharacters(trimmed) { throw RequestProblem.badQuery(field: name, message: "\(name) contains a control character") }
        return trimmed
    }

    func vocabulary<E: DomainEnum>(_ name: String, _ type: E.Type) throws -> E? {
        guard let raw = try text(name) else { return nil }
        guard let value = E(rawValue: raw) else { throw RequestProblem.badQuery(field: name, message: "\(name): \(E.unknownValueMessage(raw))") }
        return value
    }

    func uuid(_ name: String) throws -> UUID? {
        guard let raw = try text(name) else { return nil }
        guard let id = UUID(uuidString: raw) else { throw RequestProblem.badQuery(field: name, message: "\(name) must be a record id (a UUID)") }
        return id
    }

    func day(_ name: String) throws -> Day? {
        guard let raw = try text(name) else { return nil }
        guard let day = Day(iso: raw) else {
            throw RequestProblem.badQuery(field: name, message: "\(name) '\(raw)' is not a real date; write YYYY-MM-DD, for example 2026-03-31")
        }
        return day
    }

    func bool(_ name: String) throws -> Bool? {
        guard let raw = try text(name) else { return nil }
        switch raw.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw RequestProblem.badQuery(field: name, message: "\(name) must be true or false")
        }
    }

    /// `as_at=YYYY-MM-DD`: the register as it stood at the end of that day, UK time.
    func asAt() throws -> AsAt? {
        guard let day = try day("as_at") else { return nil }
        guard day.year <= 9998 else { throw RequestProblem.badQuery(field: "as_at", message: "as_at must be a date before the year 9999") }
        return AsAt(day: day)
    }

    /// `limit`: 1–200, default 50.
    func limit() throws -> Int {
        guard let raw = try text("limit") else { return PageRequest.standardLimit }
        guard let n = Int(raw), (1...200).contains(n) else {
            throw RequestProblem.badQuery(field: "limit", message: "limit must be a whole number from 1 to 200")
        }
        return n
    }

    /// A cursor that is a sequence number (audit events and checkpoints).
    func seqCursor() throws -> Int64? {
        guard let raw = try text("cursor") else { return nil }
        guard let seq = Int64(raw), seq >= 0 else {
            throw RequestProblem.badQuery(field: "cursor", message: "cursor must be the next_cursor value of a previous page")
        }
        return seq
    }

    /// `limit` (1–200, default 50) and `cursor` (the `next_cursor` of the previous page).
    func page() throws -> PageRequest {
        let limit = try limit()
        var after: UUID?
        if let raw = try text("cursor") {
            guard let id = UUID(uuidString: raw) else {
                throw RequestProblem.badQuery(field: "cursor", message: "cursor must be the next_cursor value of a previous page")
            }
            after = id
        }
        return PageRequest(after: after, limit: limit)
    }
}

extension Parameters {
    /// A path parameter that must be a record id; anything else is simply "not found".
    func id(_ name: String, entity: String) throws -> UUID {
        guard let raw = self.get(name), let id = UUID(text: raw) else { throw DomainError.notFound(entity) }
        return id
    }
}
