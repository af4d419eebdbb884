import Foundation
import RegisterDomain

/// One change to a record, field by field, as the audit trail recorded it.
public struct HistoryEntry: Encodable, Sendable {
    public var seq: Int64
    public var sealedAt: String
    public var operation: String
    public var actor: String
    public var requestID: String
    public var changes: [FieldChange]

    enum CodingKeys: String, CodingKey {
        case seq
        case sealedAt = "sealed_at"
        case operation, actor
        case requestID = "request_id"
        case changes
    }

    /// A field's value before and after (JSON values; null when absent).
    public struct FieldChange: Encodable, Sendable {
        public var field: String
        public var from: JSONValue
        public var to: JSONValue
    }

    /// Bookkeeping columns that change with every edit and say nothing a person needs.
    static let ignored: Set<String> = ["version", "updated_at", "created_at"]

    /// Reads an event's payload; nil for a payload that is not a change event.
    public init?(_ event: AuditEvent) {
        guard let payload = try? JSONDecoder().decode(JSONValue.self, from: Data(event.payload.utf8)), case .object(let fields) = payload,
            case .string(let op)? = fields["op"], op != "READ"
        else { return nil }
        func object(_ key: String) -> [String: JSONValue] {
            if case .object(let o)? = fields[key] { return o }
            return [:]
        }
        let old = object("old"), new = object("new")
        var changes: [FieldChange] = []
        for key in Set(old.keys).union(new.keys).subtracting(Self.ignored).sorted() {
            let before = old[key] ?? .null, after = new[key] ?? .null
            if before != after { changes.append(FieldChange(field: key, from: before, to: after)) }
        }
        func text(_ key: String) -> String {
            if case .string(let s)? = fields[key] { return s }
            return ""
        }
        self.seq = event.seq
        self.sealedAt = event.sealedAt
        self.operation = op
        self.actor = text("actor")
        self.requestID = text("request_id")
        self.changes = changes
    }
}
