import PostgresNIO
import RegisterDomain
import _ConnectionPoolModule

/// The database cannot be reached (down, restarting, refusing connections): a 503, not a 500.
public struct DatabaseUnavailable: Error, CustomStringConvertible {
    public var underlying: String
    public var description: String { "database unavailable: \(underlying)" }

    public init(underlying: String) { self.underlying = underlying }
}

/// Every pooled connection stayed in use for as long as a request may wait for one: a 503 with
/// `Retry-After`, so the request is refused at once rather than left hanging.
public struct DatabaseBusy: Error, CustomStringConvertible {
    /// How long the request waited in line.
    public var waited: Duration
    public var description: String { "no database connection came free within \(waited)" }

    public init(waited: Duration) { self.waited = waited }
}

/// PostgreSQL cancelled a statement that ran past its `statement_timeout` (or was cancelled by an
/// operator): the transaction was rolled back. A 503 with `Retry-After`, not a 500.
public struct DatabaseTimedOut: Error, CustomStringConvertible {
    public var underlying: String
    public var description: String { "statement cancelled: \(underlying)" }

    public init(underlying: String) { self.underlying = underlying }
}

/// Turns PostgreSQL's refusals into the register's own errors.
///
/// The database enforces the same rules as the domain (constraints, foreign keys); when it is the
/// one to refuse (for example two people taking the same reference at once), the person still
/// gets a clear 4xx instead of a 500.
public enum StoreErrors {
    /// An unexpected error as a log line or an operator may read it. PostgreSQL's own fields are
    /// named one by one, leaving out its detail, which can quote a whole row of case data ("Failing
    /// row contains …"); PostgresNIO's own description of the error says nothing, on purpose.
    public static func loggable(_ error: any Error) -> String {
        guard let database = error as? PSQLError else { return String(reflecting: error) }
        let server = database.serverInfo
        let fields: [(String, String?)] = [
            ("code", "\(database.code)"), ("sqlstate", server?[.sqlState]), ("message", server?[.message]),
            ("table", server?[.tableName]), ("column", server?[.columnName]), ("constraint", server?[.constraintName]),
            ("routine", server?[.routine]),
        ]
        return "PSQLError(" + fields.compactMap { name, value in value.map { "\(name): \($0)" } }.joined(separator: ", ") + ")"
    }

    static func translate(_ error: any Error) -> any Error {
        if error is ConnectionPoolError { return DatabaseUnavailable(underlying: String(reflecting: error)) }
        if let psql = error as? PSQLError, psql.code != .server { return DatabaseUnavailable(underlying: String(reflecting: error)) }
        guard let psql = error as? PSQLError, let info = psql.serverInfo else { return error }
        let constraint = info[.constraintName] ?? ""
        switch info[.sqlState] {
        case "57014":  // query_canceled: the statement ran past statement_timeout
            return DatabaseTimedOut(underlying: String(reflecting: error))
        case "40001", "40P01", "55P03", "57P01", "25P03":
            // Serialisation failure, deadlock, lock timeout, shutdown, idle timeout: try again.
            return DatabaseUnavailable(underlying: String(reflecting: error))
        case "23505":  // unique_violation
            return duplicate(constraint: constraint, detail: info[.detail] ?? "")
        case "23503":  // foreign_key_violation
            return ValidationError(field: foreignKeyField(constraint), message: "\(foreignKeyField(constraint)) does not name an existing record of this review or register")
        case "23514":  // check_violation
            if constraint == "themes_known" {
                return ValidationError(field: "themes", message: "\(info[.message] ?? "unknown theme"); GET /api/v1/themes lists the codes")
            }
            return ValidationError(field: "", message: "the register refused the change (\(constraint)): check the dates and required reasons")
        case "LRA10", "LRA11":
            // Insert-only records, and the assurance rule, refused by the database itself.
            return DomainError.conflict(info[.message] ?? "the register refused the change")
        default:
            return error
        }
    }

    private static func duplicate(constraint: String, detail: String) -> DomainError {
        // detail reads: Key (reference)=(CSPR-2024-03) already exists.
        let value = detail.split(separator: "=").dropFirst().first.map { String($0.dropFirst().prefix(while: { $0 != ")" })) } ?? ""
        switch constraint {
        case "reviews_reference_unique": return .duplicate(field: "reference", value: value)
        case "recommendations_number_unique": return .duplicate(field: "number", value: value.components(separatedBy: ", ").last ?? value)
        case "users_email_unique": return .duplicate(field: "email", value: value)
        case "boards_code_key": return .duplicate(field: "code", value: value)
        case "partners_name_unique": return .duplicate(field: "name", value: value)
        // The detail names the board; the person needs to know a business unit already exists there.
        case "partners_one_business_unit": return .duplicate(field: "kind", value: "business_unit")
        default: return .duplicate(field: constraint, value: value)
        }
    }

    private static func foreignKeyField(_ constraint: String) -> String {
        if constraint.contains("board") { return "board_id" }
        if constraint.contains("parent") { return "parent_review_id" }
        if constraint.contains("question") { return "question_ids" }
        if constraint.contains("partner") { return "partner_id" }
        if constraint.contains("finding") { return "finding_ids" }
        return "id"
    }
}
