import Foundation
import PostgresNIO
import RegisterDomain

/// An API token's public description (never the token itself, which is shown once).
public struct APIToken: Codable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var createdAt: Date
    public var revokedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}

/// People, their password hashes, sessions and API tokens.
public struct AccountStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    private static let userColumns = "u.id, u.email, u.name, u.role, u.active, u.partner_id, u.created_at"

    private static func user(_ r: PostgresRandomAccessRow) throws -> User {
        User(
            id: try r.get("id"), email: try r.get("email"), name: try r.get("name"), role: try r.get("role"),
            active: try r.get("active"), partnerID: try r.get("partner_id"), createdAt: try r.get("created_at"))
    }

    /// Creates an account with an already computed bcrypt hash (hashing is slow and runs off the request threads).
    public func createUser(_ new: NewUser, bcrypt: String, context: WriteContext) async throws -> User {
        try new.validate()
        return try await database.write(context) { c in
            let id = UUID.v7()
            let created = try await Rows.first(
                c.query(
                    """
                    INSERT INTO register.users AS u (id, email, name, role, partner_id)
                    VALUES (\(id), \(new.normalisedEmail), \(new.name), \(new.role.rawValue), \(new.partnerID))
                    RETURNING \(unescaped: Self.userColumns)
                    """, logger: context.logger), Self.user)!
            try await c.run("INSERT INTO auth.passwords (user_id, bcrypt) VALUES (\(id), \(bcrypt))", logger: context.logger)
            return created
        }
    }

    public func user(_ id: UUID) async throws -> User {
        let found = try await database.read { c in
            try await Rows.first(c.query("SELECT \(unescaped: Self.userColumns) FROM register.users u WHERE u.id = \(id)", logger: database.logger), Self.user)
        }
        guard let found else { throw DomainError.notFound("user") }
        return found
    }

    /// People's names by id, for showing who made a change.
    public func names(of ids: [UUID]) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        let pairs = try await database.read { c in
            try await Rows.all(
                c.query("SELECT u.id, u.name FROM register.users u WHERE u.id = ANY(\(ids)::uuid[])", logger: database.logger)
            ) { (try $0.get("id", as: UUID.self), try $0.get("name", as: String.self)) }
        }
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    public func users(_ page: PageRequest) async throws -> Page<User> {
        let rows = try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT \(unescaped: Self.userColumns) FROM register.users u
                    WHERE (\(page.after)::uuid IS NULL OR u.id > \(page.after)) ORDER BY u.id LIMIT \(page.limit + 1)
                    """, logger: database.logger), Self.user)
        }
        return Page(fetched: rows, limit: page.limit, id: \.id)
    }

    /// The active account with this e-mail and its bcrypt hash, for sign-in.
    public func credentials(email: String) async throws -> (user: User, bcrypt: String)? {
        try await database.read { c in
            try await Rows.first(
                c.query(
                    """
                    SELECT \(unescaped: Self.userColumns), p.bcrypt FROM register.users u JOIN auth.passwords p ON p.user_id = u.id
                    WHERE u.email = \(email.trimmingCharacters(in: .whitespaces).lowercased()) AND u.active
                    """, logger: database.logger)
            ) { (try Self.user($0), try $0.get("bcrypt", as: String.self)) }
        }
    }

    // MARK: Sessions

    /// Starts a session; the returned token goes into the cookie and is not kept.
    public func startSession(for user: User, lasting duration: TimeInterval, context: WriteContext) async throws -> SecretToken {
        let token = SecretToken.generate(prefix: "lrs_")
        try await database.write(context) { c in
            try await c.run(
                """
                INSERT INTO auth.sessions (token_sha256, user_id, expires_at)
                VALUES (\(token.digest), \(user.id), now() + make_interval(secs => \(duration)))
                """, logger: context.logger)
            // Sign-in is also when expired sessions of this person are cleared away.
            try await c.run("DELETE FROM auth.sessions WHERE user_id = \(user.id) AND expires_at < now()", logger: context.logger)
        }
        return token
    }

    public func endSession(_ token: SecretToken, context: WriteContext) async throws {
        try await database.write(context) { c in
            try await c.run("DELETE FROM auth.sessions WHERE token_sha256 = \(token.digest)", logger: context.logger)
        }
    }

    /// The active person a live session cookie belongs to.
    public func userForSession(_ token: SecretToken) async throws -> User? {
        try await database.read { c in
            try await Rows.first(
                c.query(
                    """
                    SELECT \(unescaped: Self.userColumns) FROM auth.sessions s JOIN register.users u ON u.id = s.user_id
                    WHERE s.token_sha256 = \(token.digest) AND s.expires_at > now() AND u.active
                    """, logger: database.logger), Self.user)
        }
    }

    // MARK: API tokens

    public func createToken(for user: User, name: String, context: WriteContext) async throws -> (APIToken, SecretToken) {
        var v = Validator()
        v.text(name, field: "name", max: 100)
        try v.check()
        let secret = SecretToken.generate(prefix: "lr_")
        let token = try await database.write(context) { c in
            try await Rows.first(
                c.query(
                    """
                    INSERT INTO auth.api_tokens (id, user_id, name, token_sha256) VALUES (\(UUID.v7()), \(user.id), \(name), \(secret.digest))
                    RETURNING id, name, created_at, revoked_at
                    """, logger: context.logger), Self.token)!
        }
        return (token, secret)
    }

    public func tokens(of user: User) async throws -> [APIToken] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    "SELECT id, name, created_at, revoked_at FROM auth.api_tokens WHERE user_id = \(user.id) ORDER BY id",
                    logger: database.logger), Self.token)
        }
    }

    /// Revokes one of the person's own tokens; another person's token is "not found".
    public func revokeToken(_ id: UUID, of user: User, context: WriteContext) async throws {
        let revoked = try await database.write(context) { c in
            try await Rows.first(
                c.query(
                    """
                    UPDATE auth.api_tokens SET revoked_at = coalesce(revoked_at, now())
                    WHERE id = \(id) AND user_id = \(user.id) RETURNING id
                    """, logger: context.logger)
            ) { try $0.get("id", as: UUID.self) }
        }
        if revoked == nil { throw DomainError.notFound("token") }
    }

    /// The active person an unrevoked bearer token belongs to.
    public func userForToken(_ token: SecretToken) async throws -> User? {
        try await database.read { c in
            try await Rows.first(
                c.query(
                    """
                    SELECT \(unescaped: Self.userColumns) FROM auth.api_tokens t JOIN register.users u ON u.id = t.user_id
                    WHERE t.token_sha256 = \(token.digest) AND t.revoked_at IS NULL AND u.active
                    """, logger: database.logger), Self.user)
        }
    }

    private static func token(_ r: PostgresRandomAccessRow) throws -> APIToken {
        APIToken(
            id: try r.get("id"), name: try r.get("name"), createdAt: try r.get("created_at"),
            revokedAt: try r.get("revoked_at"))
    }
}
