import Foundation

/// The editable part of a record: what a create request carries and what a PATCH merges into.
public protocol Draft: Codable, Sendable {
    /// The JSON field names a request may send; any other field is refused, so typos are caught.
    static var fieldNames: Set<String> { get }
    /// Checks the register's rules, throwing a `ValidationError` that lists every problem.
    func validate() throws
}

extension Draft where Self: Codable {
    /// Field names taken from a `CodingKeys` enum.
    public static func names<K: CodingKey & CaseIterable>(_: K.Type) -> Set<String> {
        Set(K.allCases.map(\.stringValue))
    }
}

/// State of a record that is not edited directly (for example a lifecycle status).
public struct NoState: Encodable, Sendable, Equatable {
    public init() {}
    public func encode(to encoder: any Encoder) throws {}
}

/// A stored record: identity, optimistic-lock version and timestamps around its editable details
/// and the state only the register's own operations change. Encodes as one flat JSON object.
public struct Record<Details: Draft, State: Encodable & Sendable>: Sendable, Encodable {
    public var id: UUID
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var details: Details
    public var state: State

    public init(id: UUID, version: Int, createdAt: Date, updatedAt: Date, details: Details, state: State) {
        self.id = id
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.details = details
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case id, version
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try details.encode(to: encoder)
        try state.encode(to: encoder)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

extension Record where State == NoState {
    public init(id: UUID, version: Int, createdAt: Date, updatedAt: Date, details: Details) {
        self.init(id: id, version: version, createdAt: createdAt, updatedAt: updatedAt, details: details, state: NoState())
    }
}

extension UUID {
    /// A version 7 UUID: time-ordered, so ordering by id is ordering by creation and a cursor
    /// over ids stays stable while rows are added.
    public static func v7(now: Date = Date()) -> UUID {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - UInt64(i)))) }
        var random = SystemRandomNumberGenerator()
        for i in 6..<16 { bytes[i] = UInt8.random(in: 0...255, using: &random) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
