import Foundation
import PostgresNIO
import RegisterDomain

/// One-time keys of the page forms, so a form sent twice acts once.
public struct FormSubmissionStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// What became of an earlier submission with this key.
    public enum Claim: Sendable, Equatable {
        /// The key is new: go ahead, then `settle` it.
        case first
        /// Sent before; the first led here (nil while it is still being handled, or it failed).
        case repeated(outcome: String?)
    }

    /// Claims `key` for `user`. Keys older than a day are swept on the way.
    public func claim(_ key: UUID, user: UUID) async throws -> Claim {
        try await database.read { c in
            try await c.run("DELETE FROM auth.form_submissions WHERE received_at < now() - interval '1 day'", logger: database.logger)
            let inserted = try await Rows.first(
                c.query(
                    """
                    INSERT INTO auth.form_submissions (form_key, user_id) VALUES (\(key), \(user))
                    ON CONFLICT (form_key) DO NOTHING RETURNING form_key
                    """, logger: database.logger)
            ) { try $0.get("form_key", as: UUID.self) }
            if inserted != nil { return .first }
            let outcome = try await Rows.first(
                c.query("SELECT outcome FROM auth.form_submissions WHERE form_key = \(key) AND user_id = \(user)", logger: database.logger)
            ) { try $0.get("outcome", as: String?.self) }
            return .repeated(outcome: outcome ?? nil)
        }
    }

    /// Records where `user`'s submission led.
    public func settle(_ key: UUID, user: UUID, outcome: String) async throws {
        try await database.read { c in
            try await c.run(
                "UPDATE auth.form_submissions SET outcome = \(outcome) WHERE form_key = \(key) AND user_id = \(user)", logger: database.logger)
        }
    }

    /// Forgets `user`'s submission that was refused (invalid input), so the corrected form can be sent.
    public func release(_ key: UUID, user: UUID) async throws {
        try await database.read { c in
            try await c.run(
                "DELETE FROM auth.form_submissions WHERE form_key = \(key) AND user_id = \(user) AND outcome IS NULL", logger: database.logger)
        }
    }
}
