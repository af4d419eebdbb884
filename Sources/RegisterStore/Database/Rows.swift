import Foundation
import PostgresNIO
import RegisterDomain

/// Shared steps of the repositories: reading one row, and telling "missing" from "stale".
enum Rows {
    /// The first row of a result (of `query` or `execute`), decoded, or nil.
    static func first<T, RowSource: AsyncSequence>(
        _ rows: RowSource, _ map: (PostgresRandomAccessRow) throws -> T
    ) async throws -> T? where RowSource.Element == PostgresRow {
        for try await row in rows { return try map(row.makeRandomAccess()) }
        return nil
    }

    /// Every row of a result, decoded.
    static func all<T, RowSource: AsyncSequence>(
        _ rows: RowSource, _ map: (PostgresRandomAccessRow) throws -> T
    ) async throws -> [T] where RowSource.Element == PostgresRow {
        var result: [T] = []
        for try await row in rows { result.append(try map(row.makeRandomAccess())) }
        return result
    }

    /// Every row of a result, its cells read in the SELECT list's order (`CellsInOrder`).
    static func all<T, RowSource: AsyncSequence>(
        _ rows: RowSource, inOrder map: (inout CellsInOrder) throws -> T
    ) async throws -> [T] where RowSource.Element == PostgresRow {
        var result: [T] = []
        for try await row in rows {
            var cells = CellsInOrder(row)
            result.append(try map(&cells))
        }
        return result
    }

    /// The first row of a result, its cells read in the SELECT list's order, or nil.
    static func first<T>(_ rows: PostgresRowSequence, inOrder map: (inout CellsInOrder) throws -> T) async throws -> T? {
        for try await row in rows {
            var cells = CellsInOrder(row)
            return try map(&cells)
        }
        return nil
    }

    /// Many rows as one statement's parameter: a JSON array of objects (nil fields left out, so read
    /// back as NULL), taken apart in SQL by `jsonb_to_recordset(\(batch)::jsonb) AS x(column type, …)`.
    /// A batch is one round trip however many rows it carries (an import writes thousands).
    static func batch<T: Encodable>(_ rows: [T]) throws -> String {
        String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }

    /// After an `UPDATE … WHERE id = $1 AND version = $2` touched nothing: was the record missing or stale?
    /// Items that belong to a review are looked up within it, so another review's id is "missing".
    static func missingOrStale(
        _ table: Table, id: UUID, reviewID: UUID? = nil, on connection: DatabaseConnection, logger: Logger
    ) async throws -> any Error {
        let current = try await first(
            connection.query(
                reviewID.map { "SELECT version FROM \(unescaped: table.rawValue) WHERE id = \(id) AND review_id = \($0)" }
                    ?? "SELECT version FROM \(unescaped: table.rawValue) WHERE id = \(id)",
                logger: logger)
        ) { try $0.get("version", as: Int.self) }
        if let current { return DomainError.versionMismatch(current: current) }
        return DomainError.notFound(table.entityName)
    }
}

/// The register's tables, named once.
enum Table: String {
    case boards = "register.boards"
    case reviews = "register.reviews"
    case coreQuestions = "register.core_questions"
    case findings = "register.findings"
    case recommendations = "register.recommendations"
    case partners = "register.partners"
    case assignments = "register.assignments"

    var entityName: String {
        switch self {
        case .boards: "board"
        case .reviews: "review"
        case .coreQuestions: "core question"
        case .findings: "finding"
        case .recommendations: "recommendation"
        case .partners: "partner"
        case .assignments: "assignment"
        }
    }
}
