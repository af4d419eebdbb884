/// A closed vocabulary stored and sent as its snake_case raw value.
///
/// Decoding an unknown value fails with a message that lists every allowed value, so a person
/// who typed `"SCR"` learns to write `"scr"`.
public protocol DomainEnum: RawRepresentable, CaseIterable, Codable, Hashable, Sendable
where RawValue == String {
    /// What one value is called in messages ("review kind").
    static var vocabularyName: String { get }
}

extension DomainEnum {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: Self.unknownValueMessage(raw))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// All raw values, comma separated, in declaration order.
    public static var allowedValues: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// "'x' is not a review kind; use one of: scr, rapid_review, …"
    public static func unknownValueMessage(_ raw: String) -> String {
        "'\(raw)' is not a \(vocabularyName); use one of: \(allowedValues)"
    }

    /// Parses a raw value, throwing a validation error naming `field` when it is unknown.
    public static func parse(_ raw: String, field: String) throws -> Self {
        guard let value = Self(rawValue: raw) else {
            throw ValidationError(field: field, message: unknownValueMessage(raw))
        }
        return value
    }
}
