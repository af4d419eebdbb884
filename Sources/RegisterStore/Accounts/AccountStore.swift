import Foundation
import PostgresNIO
import RegisterDomain

/// An API token's public description (never the token itself, which is shown once).
public struct APIToken: Codable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var createdAt: Date
    public var revokedAt: Date?
    /// When it stops working (migration 10): 90 days after creation unless asked otherwise, at most a year.
    public var expiresAt: Date
    /// When it last authenticated a request (to the minute), if ever.
    public var lastUsedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
    }

    /// Whether it still works at `now`.
    public func isLive(at now: Date = Date()) -> Bool { revokedAt == nil && expiresAt > now }
}

/// An account change recorded in `register.account_events` (migration 10), and so in the audit trail:
/// what happened to whom and what it ended, never a secret.
public enum AccountEvent: String, Sendable {
    case deactivated, reactivated
    case roleChanged = "role_changed"
    case passwordReset = "password_reset"
    case passwordChanged = "password_changed"
}

/// An account as the admin pages list it: the person and their organisation's name and state.
public struct AccountEntry: Sendable {
    public var user: User
    public var organisation: String?
    public var organisationActive: Bool?
    /// When their password was last set.
    public var passwordChangedAt: Date?

    public init(user: User, organisation: String? = nil, organisationActive: Bool? = nil, passwordChangedAt: Date? = nil) {
        self.user = user
        self.organisation = organisation
        self.organisationActive = organisationActive
        self.passwordChangedAt = passwordChangedAt
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

    /// Who may be signed in: an active account, and for a partner user an active organisation.
    /// Every lookup of a person by their credentials, session or token applies it, so deactivating
    /// either shuts the person out at once.
    private static let mayUseRegister = "u.active AND (u.partner_id IS NULL OR EXISTS (SELECT 1 FROM register.partners pa WHERE pa.id = u.partner_id AND pa.active))"

    /// The account with this e-mail, its bcrypt hash, and whether it may sign in (an active account,
    /// of an active organisation), for sign-in. An account that may not sign in is still returned, so
    /// that its refused sign-ins are recorded against it.
    public func credentials(email: String) async throws -> (user: User, bcrypt: String, mayUseRegister: Bool)? {
        try await database.read { c in
            try await Rows.first(
                c.query(
                    """
                    SELECT \(unescaped: Self.userColumns), p.bcrypt, \(unescaped: Self.mayUseRegister) AS may_use
                    FROM register.users u JOIN auth.passwords p ON p.user_id = u.id
                    WHERE u.email = \(email.trimmingCharacters(in: .whitespaces).lowercased())
                    """, logger: database.logger)
            ) { (try Self.user($0), try $0.get("bcrypt", as: String.self), try $0.get("may_use", as: Bool.self)) }
        }
    }

    // MARK: Sign-in attempts: throttled, and recorded in register.access_events (migration 11)

    /// Who is signing in, as the trail and the throttle know them: never their password.
    public struct SignInAttempt: Sendable {
        /// The e-mail address given, normalised, when it is one (nil when what was typed is not an
        /// e-mail address, which could be a password typed in the wrong field).
        public var email: String?
        /// The client's address, as text.
        public var clientAddress: String?
        /// The keys its failures are counted under (SHA-256s): the account from this address, the
        /// account from everywhere, and the address.
        public var accountSubject: Data
        public var accountEverywhereSubject: Data
        public var addressSubject: Data?

        public init(email: String?, clientAddress: String?, accountSubject: Data, accountEverywhereSubject: Data, addressSubject: Data?) {
            self.email = email
            self.clientAddress = clientAddress
            self.accountSubject = accountSubject
            self.accountEverywhereSubject = accountEverywhereSubject
            self.addressSubject = addressSubject
        }
    }

    /// A subject's failed sign-ins in the window.
    public struct FailureTally: Sendable, Equatable {
        public var count: Int
        public var secondsSinceLast: Double

        public init(count: Int, secondsSinceLast: Double) {
            self.count = count
            self.secondsSinceLast = secondsSinceLast
        }
    }

    /// The failures of the attempt's account (from its address, and from everywhere) and of its
    /// address in the last `window` seconds (absent: none).
    public func failures(
        of attempt: SignInAttempt, within window: Int
    ) async throws -> (account: FailureTally?, accountEverywhere: FailureTally?, address: FailureTally?) {
        let rows = try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT subject, count(*)::int AS n, extract(epoch FROM clock_timestamp() - max(failed_at))::float8 AS since
                    FROM auth.sign_in_failures
                    WHERE ((scope = 'account' AND subject IN (\(attempt.accountSubject), \(attempt.accountEverywhereSubject)))
                           OR (scope = 'address' AND subject = \(attempt.addressSubject)))
                      AND failed_at > clock_timestamp() - make_interval(secs => \(window))
                    GROUP BY subject
                    """, logger: database.logger)
            ) { (try $0.get("subject", as: Data.self), FailureTally(count: try $0.get("n"), secondsSinceLast: try $0.get("since"))) }
        }
        let bySubject = Dictionary(rows, uniquingKeysWith: { first, _ in first })
        return (
            bySubject[attempt.accountSubject], bySubject[attempt.accountEverywhereSubject], attempt.addressSubject.flatMap { bySubject[$0] }
        )
    }

    /// Records a failed sign-in in one transaction: counted against its account and address (pruning
    /// every count older than `window` seconds), and recorded in the trail, linked to `user` when the
    /// e-mail address is an account's.
    public func recordFailedSignIn(_ attempt: SignInAttempt, user: UUID?, window: Int, context: WriteContext) async throws {
        try await database.write(context) { c in
            try await c.run(
                """
                INSERT INTO auth.sign_in_failures (scope, subject)
                SELECT s.scope, s.subject
                FROM (VALUES ('account', \(attempt.accountSubject)), ('account', \(attempt.accountEverywhereSubject)), ('address', \(attempt.addressSubject)))
                     AS s (scope, subject)
                WHERE s.subject IS NOT NULL
                """, logger: context.logger)
            try await c.run(
                "DELETE FROM auth.sign_in_failures WHERE failed_at < clock_timestamp() - make_interval(secs => \(window))", logger: context.logger)
            try await c.run(
                """
                INSERT INTO register.access_events (id, event, user_id, email, client_address)
                VALUES (\(UUID.v7()), 'sign_in_failed', \(user), \(attempt.email), \(attempt.clientAddress))
                """, logger: context.logger)
        }
    }

    // MARK: Sessions

    /// Starts a session; the returned token goes into the cookie and is not kept. The trail records
    /// the sign-in with the session's id (never its secret); a sign-in through the register's door
    /// (`attempt`) also clears its account's failed sign-ins.
    public func startSession(
        for user: User, lasting duration: TimeInterval, attempt: SignInAttempt? = nil, context: WriteContext
    ) async throws -> SecretToken {
        let token = SecretToken.generate(prefix: "lrs_")
        try await database.write(context) { c in
            let session = try await Rows.first(
                c.query(
                    """
                    INSERT INTO auth.sessions (token_sha256, user_id, expires_at)
                    VALUES (\(token.digest), \(user.id), now() + make_interval(secs => \(duration)))
                    RETURNING id
                    """, logger: context.logger)
            ) { try $0.get("id", as: UUID.self) }
            // Sign-in is also when expired sessions of this person are cleared away.
            try await c.run("DELETE FROM auth.sessions WHERE user_id = \(user.id) AND expires_at < now()", logger: context.logger)
            if let attempt {
                try await c.run(
                    """
                    DELETE FROM auth.sign_in_failures
                    WHERE scope = 'account' AND subject IN (\(attempt.accountSubject), \(attempt.accountEverywhereSubject))
                    """, logger: context.logger)
            }
            try await c.run(
                """
                INSERT INTO register.access_events (id, event, user_id, email, session_id, client_address)
                VALUES (\(UUID.v7()), 'sign_in_succeeded', \(user.id), \(attempt?.email), \(session), \(attempt?.clientAddress))
                """, logger: context.logger)
        }
        return token
    }

    /// Ends the session (signing out), recorded in the trail by the session's id.
    public func endSession(_ token: SecretToken, context: WriteContext) async throws {
        try await database.write(context) { c in
            try await c.run(
                """
                WITH ended AS (DELETE FROM auth.sessions WHERE token_sha256 = \(token.digest) RETURNING id, user_id)
                INSERT INTO register.access_events (id, event, user_id, session_id, reason)
                SELECT gen_random_uuid(), 'session_ended', ended.user_id, ended.id, 'signed_out' FROM ended
                """, logger: context.logger)
        }
    }

    /// The active person a live session cookie belongs to.
    public func userForSession(_ token: SecretToken) async throws -> User? {
        try await database.read { c in
            try await Rows.first(c.execute(SessionUser(digest: token.digest), logger: database.logger), Self.user)
        }
    }

    /// The look-up behind every request signed in with a session cookie, kept planned.
    struct SessionUser: SecretLookup {
        static let name = "lr_session_user"
        static let sql = """
            SELECT \(userColumns) FROM auth.sessions s JOIN register.users u ON u.id = s.user_id
            WHERE s.token_sha256 = $1 AND s.expires_at > now() AND \(mayUseRegister)
            """
        let digest: Data
    }

    // MARK: API tokens

    private static let tokenColumns = "id, name, created_at, revoked_at, expires_at, last_used_at"

    /// A new token for `user`, working for `days` days (90 unless asked otherwise, at most a year).
    public func createToken(for user: User, name: String, days: Int? = nil, context: WriteContext) async throws -> (APIToken, SecretToken) {
        var v = Validator()
        v.text(name, field: "name", max: 100)
        try v.check()
        try TokenLifetime.check(days)
        let lifetime = days ?? TokenLifetime.defaultDays
        let secret = SecretToken.generate(prefix: "lr_")
        let token = try await database.write(context) { c in
            let token = try await Rows.first(
                c.query(
                    """
                    INSERT INTO auth.api_tokens (id, user_id, name, token_sha256, expires_at)
                    VALUES (\(UUID.v7()), \(user.id), \(name), \(secret.digest), now() + make_interval(days => \(lifetime)::int))
                    RETURNING \(unescaped: Self.tokenColumns)
                    """, logger: context.logger), Self.token)!
            // The trail learns of the token by its id, name and expiry, never by its secret or hash.
            try await c.run(
                """
                INSERT INTO register.access_events (id, event, user_id, token_id, token_name, token_expires_at)
                VALUES (\(UUID.v7()), 'token_created', \(user.id), \(token.id), \(token.name), \(token.expiresAt))
                """, logger: context.logger)
            return token
        }
        return (token, secret)
    }

    public func tokens(of user: User) async throws -> [APIToken] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    "SELECT \(unescaped: Self.tokenColumns) FROM auth.api_tokens WHERE user_id = \(user.id) ORDER BY id",
                    logger: database.logger), Self.token)
        }
    }

    /// Revokes one of the person's own tokens (recorded in the trail the first time); another
    /// person's token is "not found".
    public func revokeToken(_ id: UUID, of user: User, context: WriteContext) async throws {
        try await database.write(context) { c in
            let found = try await Rows.first(
                c.query(
                    "SELECT name, revoked_at IS NOT NULL AS revoked FROM auth.api_tokens WHERE id = \(id) AND user_id = \(user.id) FOR UPDATE",
                    logger: context.logger)
            ) { (try $0.get("name", as: String.self), try $0.get("revoked", as: Bool.self)) }
            guard let (name, revoked) = found else { throw DomainError.notFound("token") }
            guard !revoked else { return }
            try await c.run("UPDATE auth.api_tokens SET revoked_at = now() WHERE id = \(id)", logger: context.logger)
            try await c.run(
                """
                INSERT INTO register.access_events (id, event, user_id, token_id, token_name, reason)
                VALUES (\(UUID.v7()), 'token_revoked', \(user.id), \(id), \(name), 'revoked')
                """, logger: context.logger)
        }
    }

    /// The active person an unrevoked, unexpired bearer token belongs to. The token's last use is
    /// noted in the same statement, at most once a minute (auth is not audited: this is no event).
    public func userForToken(_ token: SecretToken) async throws -> User? {
        try await database.read { c in
            try await Rows.first(c.execute(TokenUser(digest: token.digest), logger: database.logger), Self.user)
        }
    }

    /// The look-up behind every request signed in with an API token, kept planned. It also notes when
    /// the token was last used, at most once a minute.
    struct TokenUser: SecretLookup {
        static let name = "lr_token_user"
        static let sql = """
            WITH found AS (
                SELECT t.id AS token_id, t.last_used_at, \(userColumns)
                FROM auth.api_tokens t JOIN register.users u ON u.id = t.user_id
                WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL AND t.expires_at > now()
                  AND \(mayUseRegister)
            ), touched AS (
                UPDATE auth.api_tokens SET last_used_at = now()
                WHERE id = (SELECT token_id FROM found)
                  AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
            )
            SELECT id, email, name, role, active, partner_id, created_at FROM found
            """
        let digest: Data
    }

    private static func token(_ r: PostgresRandomAccessRow) throws -> APIToken {
        APIToken(
            id: try r.get("id"), name: try r.get("name"), createdAt: try r.get("created_at"),
            revokedAt: try r.get("revoked_at"), expiresAt: try r.get("expires_at"), lastUsedAt: try r.get("last_used_at"))
    }

    // MARK: The account lifecycle (each one transaction, recorded as an account event)

    /// Every account with its organisation, active ones first, then by name: for the admin pages.
    public func entries(partner: UUID? = nil, limit: Int = 1000) async throws -> [AccountEntry] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT \(unescaped: Self.userColumns), pa.name AS organisation, pa.active AS organisation_active, pw.changed_at
                    FROM register.users u
                    LEFT JOIN register.partners pa ON pa.id = u.partner_id
                    LEFT JOIN auth.passwords pw ON pw.user_id = u.id
                    WHERE (\(partner)::uuid IS NULL OR u.partner_id = \(partner))
                    ORDER BY u.active DESC, lower(u.name), u.id LIMIT \(limit)
                    """, logger: database.logger)
            ) { r in
                AccountEntry(
                    user: try Self.user(r), organisation: try r.get("organisation"), organisationActive: try r.get("organisation_active"),
                    passwordChangedAt: try r.get("changed_at"))
            }
        }
    }

    /// The account with this e-mail (compared without regard to case), for the command line.
    public func user(email: String) async throws -> User {
        let found = try await database.read { c in
            try await Rows.first(
                c.query(
                    "SELECT \(unescaped: Self.userColumns) FROM register.users u WHERE u.email = \(email.trimmingCharacters(in: .whitespaces).lowercased())",
                    logger: database.logger), Self.user)
        }
        guard let found else { throw DomainError.notFound("user") }
        return found
    }

    /// The person's bcrypt hash, to check their current password before they change it.
    public func passwordHash(of userID: UUID) async throws -> String? {
        try await database.read { c in
            try await Rows.first(
                c.query("SELECT bcrypt FROM auth.passwords WHERE user_id = \(userID)", logger: database.logger)
            ) { try $0.get("bcrypt", as: String.self) }
        }
    }

    /// What a deactivation or reactivation did.
    public struct ActiveChange: Sendable {
        public var user: User
        public var sessionsEnded: Int
        public var tokensRevoked: Int
    }

    /// Deactivates or reactivates an account. Deactivating ends every session of the person and
    /// revokes every API token in the same transaction (reactivating gives neither back: they sign in
    /// again and make new tokens). Doing it twice changes nothing more.
    public func setActive(_ id: UUID, active: Bool, context: WriteContext) async throws -> ActiveChange {
        try await database.write(context) { c in
            guard let current = try await Self.lock(id, on: c, logger: context.logger) else { throw DomainError.notFound("user") }
            var user = current
            if current.active != active {
                user = try await Rows.first(
                    c.query(
                        "UPDATE register.users u SET active = \(active) WHERE u.id = \(id) RETURNING \(unescaped: Self.userColumns)",
                        logger: context.logger), Self.user)!
            }
            var sessions = 0, tokens = 0
            if !active {
                sessions = try await Self.endSessions(of: id, except: nil, reason: "deactivated", on: c, logger: context.logger)
                // Each token revoked is recorded on its own, by id and name (never its secret or hash).
                tokens = try await Rows.first(
                    c.query(
                        """
                        WITH revoked AS (
                            UPDATE auth.api_tokens SET revoked_at = now() WHERE user_id = \(id) AND revoked_at IS NULL RETURNING id, name
                        ), recorded AS (
                            INSERT INTO register.access_events (id, event, user_id, token_id, token_name, reason)
                            SELECT gen_random_uuid(), 'token_revoked', \(id), revoked.id, revoked.name, 'deactivated' FROM revoked
                            RETURNING 1
                        )
                        SELECT count(*)::int AS n FROM recorded
                        """, logger: context.logger)
                ) { try $0.get("n", as: Int.self) } ?? 0
            }
            if current.active != active || sessions + tokens > 0 {
                try await Self.record(active ? .reactivated : .deactivated, of: id, sessions: sessions, tokens: tokens, on: c, context: context)
            }
            return ActiveChange(user: user, sessionsEnded: sessions, tokensRevoked: tokens)
        }
    }

    /// Changes a person's role (and a partner user's organisation). It takes effect on their next
    /// request: sessions and tokens carry no role of their own.
    public func changeRole(_ id: UUID, to change: RoleChange, context: WriteContext) async throws -> User {
        try change.validate()
        return try await database.write(context) { c in
            guard let current = try await Self.lock(id, on: c, logger: context.logger) else { throw DomainError.notFound("user") }
            if let partnerID = change.partnerID {
                let active = try await Rows.first(
                    c.query("SELECT active FROM register.partners WHERE id = \(partnerID)", logger: context.logger)
                ) { try $0.get("active", as: Bool.self) }
                guard let active else {
                    throw ValidationError(field: "partner_id", message: "partner_id names no partner organisation (GET /api/v1/partners)")
                }
                if !active, current.partnerID != partnerID {
                    throw ValidationError(field: "partner_id", message: "that partner organisation is inactive; reactivate it or choose another")
                }
            }
            guard current.role != change.role || current.partnerID != change.partnerID else { return current }
            let updated = try await Rows.first(
                c.query(
                    """
                    UPDATE register.users u SET role = \(change.role.rawValue), partner_id = \(change.partnerID)
                    WHERE u.id = \(id) RETURNING \(unescaped: Self.userColumns)
                    """, logger: context.logger), Self.user)!
            try await Self.record(.roleChanged, of: id, sessions: 0, tokens: 0, on: c, context: context)
            return updated
        }
    }

    /// Sets a person's password (an already computed bcrypt hash) and ends their sessions — all of
    /// them, or all but `keeping` (the one they changed it in). Returns how many ended.
    public func setPassword(
        of id: UUID, bcrypt: String, keeping session: SecretToken? = nil, event: AccountEvent, context: WriteContext
    ) async throws -> Int {
        try await database.write(context) { c in
            guard try await Self.lock(id, on: c, logger: context.logger) != nil else { throw DomainError.notFound("user") }
            try await c.run(
                """
                INSERT INTO auth.passwords (user_id, bcrypt) VALUES (\(id), \(bcrypt))
                ON CONFLICT (user_id) DO UPDATE SET bcrypt = excluded.bcrypt, changed_at = now()
                """, logger: context.logger)
            let ended = try await Self.endSessions(of: id, except: session, reason: event.rawValue, on: c, logger: context.logger)
            try await Self.record(event, of: id, sessions: ended, tokens: 0, on: c, context: context)
            return ended
        }
    }

    /// How many live sessions a person has (for the admin's check page).
    public func sessionCount(of id: UUID) async throws -> Int {
        try await database.read { c in
            try await Rows.first(
                c.query("SELECT count(*)::int AS n FROM auth.sessions WHERE user_id = \(id) AND expires_at > now()", logger: database.logger)
            ) { try $0.get("n", as: Int.self) } ?? 0
        }
    }

    private static func lock(_ id: UUID, on c: DatabaseConnection, logger: Logger) async throws -> User? {
        try await Rows.first(
            c.query("SELECT \(unescaped: userColumns) FROM register.users u WHERE u.id = \(id) FOR UPDATE", logger: logger), user)
    }

    /// Ends every session of the person but `keep`, recording each live one in the trail with
    /// `reason`; returns how many live ones ended.
    private static func endSessions(
        of id: UUID, except keep: SecretToken?, reason: String, on c: DatabaseConnection, logger: Logger
    ) async throws -> Int {
        try await Rows.first(
            c.query(
                """
                WITH ended AS (
                    DELETE FROM auth.sessions WHERE user_id = \(id) AND (\(keep?.digest)::bytea IS NULL OR token_sha256 <> \(keep?.digest))
                    RETURNING id, expires_at > now() AS live
                ), recorded AS (
                    INSERT INTO register.access_events (id, event, user_id, session_id, reason)
                    SELECT gen_random_uuid(), 'session_ended', \(id), ended.id, \(reason) FROM ended WHERE ended.live
                    RETURNING 1
                )
                SELECT count(*)::int AS n FROM recorded
                """, logger: logger)
        ) { try $0.get("n", as: Int.self) } ?? 0
    }

    private static func record(
        _ event: AccountEvent, of id: UUID, sessions: Int, tokens: Int, on c: DatabaseConnection, context: WriteContext
    ) async throws {
        try await c.run(
            """
            INSERT INTO register.account_events (id, user_id, event, sessions_ended, tokens_revoked)
            VALUES (\(UUID.v7()), \(id), \(event.rawValue), \(sessions), \(tokens))
            """, logger: context.logger)
    }
}

/// A look-up of a person by the secret they presented (a session cookie or an API token): its one
/// value is the secret's SHA-256, which is all the database keeps of it.
private protocol SecretLookup: KeptStatement {
    var digest: Data { get }
}

extension SecretLookup {
    static var bindingDataTypes: [PostgresDataType] { [.bytea] }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        try bindings.append(digest)
        return bindings
    }
}
