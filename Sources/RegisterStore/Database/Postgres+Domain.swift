import NIOCore
import PostgresNIO
import RegisterDomain

// Days travel in PostgreSQL's binary `date` format: whole days since 2000-01-01.
extension Day: PostgresNonThrowingEncodable, PostgresDecodable {
    private static let postgresEpochOffset = 10_957  // days from 1970-01-01 to 2000-01-01

    public static var psqlType: PostgresDataType { .date }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(Int32(daysSinceEpoch - Day.postgresEpochOffset))
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .date, format == .binary, let days = buffer.readInteger(as: Int32.self) else {
            throw PostgresDecodingError.Code.typeMismatch
        }
        self.init(daysSinceEpoch: Int(days) + Day.postgresEpochOffset)
    }
}

// Vocabularies are stored as their raw text; an unknown value read back is a decoding failure.
extension PostgresDecodable where Self: DomainEnum {
    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        let raw = try String(from: &buffer, type: type, format: format, context: context)
        guard let value = Self(rawValue: raw) else { throw PostgresDecodingError.Code.failure }
        self = value
    }
}

extension BoardKind: PostgresDecodable {}
extension ReviewKind: PostgresDecodable {}
extension Regime: PostgresDecodable {}
extension Scope: PostgresDecodable {}
extension ReviewStatus: PostgresDecodable {}
extension RecommendationStatus: PostgresDecodable {}
extension Role: PostgresDecodable {}
extension Sector: PostgresDecodable {}
extension HolderKind: PostgresDecodable {}
extension AssignmentRole: PostgresDecodable {}
extension AssignmentStatus: PostgresDecodable {}
extension EvidenceKind: PostgresDecodable {}
extension Verdict: PostgresDecodable {}
extension ReviewDate: PostgresDecodable {}
extension ClockUnit: PostgresDecodable {}

extension PostgresRandomAccessRow {
    /// Decodes a named column, so row mapping reads by name rather than by position.
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self, context: .default)
    }
}

/// A row's cells read one after another, in the SELECT list's order: for the statements whose rows
/// are many (the compliance report's hundreds of thousands, a work list's pages of 50 on every
/// request), where finding each column by its name costs as much as decoding it. Everywhere else
/// rows are read by name.
struct CellsInOrder {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) { cells = row.makeIterator() }

    mutating func next<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
        // Swift evaluates arguments left to right, so a row's initialiser can read its cells in order.
        guard let cell = cells.next() else { throw MissingColumn() }
        return try cell.decode(T.self, context: .default)
    }
}

/// A statement's row has fewer columns than the code reads.
struct MissingColumn: Error {}
