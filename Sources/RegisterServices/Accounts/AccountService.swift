import CoreMetrics
import Foundation
import Logging
import RegisterDomain
import RegisterStore

/// Sign-in and sign-out, accounts and API tokens.
public struct AccountService: Sendable {
    let store: AccountStore
    let partners: PartnerStore
    let sessionHours: Int
    /// The cap on concurrent bcrypt work that every password check and hash goes through.
    let passwords: PasswordGate
    let throttle: SignInThrottle
    /// Shared by every copy of the service: one password check per account at a time.
    let underway = SignInsUnderway()

    /// A sign-in that worked: the person and their new session's secret (the cookie's value).
    public struct SignedIn: Sendable {
        public var user: User
        public var session: SecretToken
        public var lifetimeSeconds: Int
    }

    /// A new account, with the generated password when none was given (shown this once).
    public struct CreatedUser: Encodable, Sendable {
        public var user: User
        public var generatedPassword: String?

        enum CodingKeys: String, CodingKey {
            case user
            case generatedPassword = "generated_password"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(user, forKey: .user)
            try c.encodeIfPresent(generatedPassword, forKey: .generatedPassword)
        }
    }

    /// Where a sign-in comes from: the client's address (nil when the request did not come over the
    /// network) and the request's ids, the register's own and the client's.
    public struct SignInSource: Sendable {
        public var clientAddress: IPAddress?
        public var requestID: String
        public var clientRequestID: String?
        public var logger: Logger

        public init(clientAddress: IPAddress?, requestID: String, clientRequestID: String? = nil, logger: Logger) {
            self.clientAddress = clientAddress
            self.requestID = requestID
            self.clientRequestID = clientRequestID
            self.logger = logger
        }
    }

    /// The one who makes a failed sign-in, in the trail: nobody known (`anonymous:sign-in`). The
    /// principal only names the write; no policy is applied to it.
    private static let visitor: Principal = {
        var principal = Principal.system("sign-in")
        principal.auditName = "anonymous:sign-in"
        return principal
    }()

    /// Checks the e-mail and password and starts a session; nil when they do not match an account
    /// that may sign in. First refuses (`SignInRefusal.throttled`) while the account or the client's
    /// address must wait after repeated failures (see `SignInThrottle`); the password check waits its
    /// turn at the cap on bcrypt work (`PasswordWorkBusy` beyond it). An unknown e-mail address takes
    /// the same path, as slowly, so neither the answer nor its time tells which accounts exist. Every
    /// sign-in checked is logged and recorded in the trail with the account (never the password).
    public func signIn(email: String, password: String, from source: SignInSource) async throws -> SignedIn? {
        let logger = source.logger
        let plausible = !Validator.hasControlCharacters(email) && email.count <= 254 && password.utf8.count <= 72
            && !Validator.hasControlCharacters(password)
        let normalised = email.trimmingCharacters(in: .whitespaces).lowercased()
        let attempt = AccountStore.SignInAttempt(
            email: Self.looksLikeEmail(normalised) ? normalised : nil, clientAddress: source.clientAddress?.description,
            accountSubject: SignInThrottle.subject(.account, "\(normalised.prefix(1000))\u{0}\(source.clientAddress?.throttleKey ?? "")"),
            accountEverywhereSubject: SignInThrottle.subject(.account, String(normalised.prefix(1000))),
            addressSubject: source.clientAddress.map { SignInThrottle.subject(.address, $0.throttleKey) })
        var metadata: Logger.Metadata = [
            "email": "\(attempt.email ?? "(not an e-mail address)")", "client_address": "\(attempt.clientAddress ?? "unknown")",
        ]

        let tally = try await store.failures(of: attempt, within: throttle.window)
        let waits = [(tally.account, .account), (tally.accountEverywhere, .accountEverywhere), (tally.address, .address)]
            .compactMap { (failures: SignInThrottle.Failures?, scope: SignInThrottle.Scope) in failures.flatMap { throttle.retryAfter($0, scope: scope) } }
        if let wait = waits.max() {
            // Not recorded in the trail: a refusal costs no password check, and a flood of them must
            // not become a flood of audit events. The failures that led here are recorded.
            metadata["retry_after"] = "\(wait)"
            logger.notice("sign-in refused: too many failed sign-ins", metadata: metadata)
            Self.countFailure("throttled")
            throw SignInRefusal.throttled(retryAfterSeconds: wait)
        }

        guard underway.begin(attempt.accountEverywhereSubject) else {
            logger.notice("sign-in refused: the account's password is being checked already", metadata: metadata)
            Self.countFailure("throttled")
            throw SignInRefusal.throttled(retryAfterSeconds: 1)
        }
        defer { underway.end(attempt.accountEverywhereSubject) }
        let found = plausible ? try await store.credentials(email: email) : nil
        let matches = try await passwords.verify(password, hash: found?.bcrypt ?? Passwords.decoy)
        guard let found, matches, found.mayUseRegister else {
            let write = WriteContext(actor: Self.visitor, requestID: source.requestID, clientRequestID: source.clientRequestID, logger: logger)
            try await store.recordFailedSignIn(attempt, user: found?.user.id, window: throttle.window, context: write)
            metadata["user"] = "\(found.map { "\($0.user.id)" } ?? "none")"
            logger.notice("sign-in failed", metadata: metadata)
            Self.countFailure("bad_credentials")
            return nil
        }
        let write = WriteContext(
            actor: Principal(user: found.user), requestID: source.requestID, clientRequestID: source.clientRequestID, logger: logger)
        let lifetime = sessionHours * 3600
        let token = try await store.startSession(for: found.user, lasting: TimeInterval(lifetime), attempt: attempt, context: write)
        metadata["user"] = "\(found.user.id)"
        logger.info("signed in", metadata: metadata)
        return SignedIn(user: found.user, session: token, lifetimeSeconds: lifetime)
    }

    /// Counts a failed sign-in for `/metrics` (`register_sign_in_failures_total`): `bad_credentials`
    /// (a wrong e-mail address or password, or an account that may not sign in) or `throttled`
    /// (refused before any password check). Looked up at each failure, so it counts into whichever
    /// metrics backend the program has installed by then (none on the command line).
    static func countFailure(_ reason: String) {
        Counter(label: "register_sign_in_failures_total", dimensions: [("reason", reason)]).increment()
    }

    /// Whether what was typed as an e-mail address is one, and so may be written to the log and
    /// the trail (a password typed in the wrong field must not be).
    static func looksLikeEmail(_ text: String) -> Bool {
        text.unicodeScalars.count <= 254 && text.range(of: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+\\z", options: .regularExpression) != nil
            && !Validator.hasControlCharacters(text)
    }

    /// Ends the session whose secret is `session`.
    public func signOut(session: SecretToken, by actor: Actor) async throws {
        try await store.endSession(session, context: actor.write)
    }

    /// The person a session cookie or a bearer token belongs to, if it is current.
    public func user(session: SecretToken) async throws -> User? { try await store.userForSession(session) }
    public func user(token: SecretToken) async throws -> User? { try await store.userForToken(token) }

    /// The organisation a person belongs to, for the page header ("Northvale Police"); the
    /// partnership's own staff belong to the partnership.
    public func organisationName(of user: User) async throws -> String? {
        guard let partnerID = user.partnerID else { return nil }
        return try await partners.get(partnerID).details.name
    }

    /// Who made each change, in words: a person's name for `user:<id>`, "the command line" for
    /// `system:…`. For those who may read the history the names appear in.
    public func actorNames(_ auditNames: [String], by actor: Actor) async throws -> [String: String] {
        try actor.require(.readHistory)
        let ids = auditNames.compactMap { $0.hasPrefix("user:") ? UUID(uuidString: String($0.dropFirst(5))) : nil }
        let names = try await store.names(of: Array(Set(ids)))
        var result: [String: String] = [:]
        for name in auditNames {
            if name.hasPrefix("user:"), let id = UUID(uuidString: String(name.dropFirst(5))) {
                result[name] = names[id] ?? "a removed account"
            } else if name.hasPrefix("system:") {
                result[name] = "the command line (\(name.dropFirst(7)))"
            } else if name.hasPrefix("anonymous:") {
                result[name] = "someone not signed in (\(name.dropFirst(10)))"
            } else {
                result[name] = name
            }
        }
        return result
    }

    public func tokens(by actor: Actor) async throws -> [APIToken] {
        guard let user = actor.user else { return [] }
        return try await store.tokens(of: user)
    }

    /// A new API token of the signed-in person, working for `days` days (90 unless asked, at most 365).
    public func createToken(named name: String, days: Int? = nil, by actor: Actor) async throws -> (APIToken, SecretToken) {
        guard let user = actor.user else { throw DomainError.forbidden("API tokens belong to a signed-in person") }
        return try await store.createToken(for: user, name: name, days: days, context: actor.write)
    }

    public func revokeToken(_ id: UUID, by actor: Actor) async throws {
        guard let user = actor.user else { throw DomainError.notFound("token") }
        try await store.revokeToken(id, of: user, context: actor.write)
    }

    public func users(_ page: PageRequest, by actor: Actor) async throws -> Page<User> {
        try actor.require(.manageUsers)
        return try await store.users(page)
    }

    public func user(_ id: UUID, by actor: Actor) async throws -> User {
        try actor.require(.manageUsers)
        return try await store.user(id)
    }

    /// Validates, hashes the password off the request threads and stores the account.
    public func create(_ new: @autoclosure () async throws -> NewUser, by actor: Actor) async throws -> CreatedUser {
        try actor.require(.manageUsers)
        let new = try await new()
        try new.validate()
        let password = new.password ?? Passwords.generate()
        let user = try await store.createUser(new, bcrypt: try await passwords.hash(password), context: actor.write)
        actor.logger.info("user created", metadata: ["user": "\(user.id)", "role": "\(user.role.rawValue)"])
        return CreatedUser(user: user, generatedPassword: new.password == nil ? password : nil)
    }

    // MARK: The account lifecycle: one function per action, for the API, the pages and the command line

    /// A password reset: the account, and the generated password when none was given (shown this once).
    public struct ResetPassword: Encodable, Sendable {
        public var user: User
        public var generatedPassword: String?
        public var sessionsEnded: Int

        enum CodingKeys: String, CodingKey {
            case user
            case generatedPassword = "generated_password"
            case sessionsEnded = "sessions_ended"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(user, forKey: .user)
            try c.encodeIfPresent(generatedPassword, forKey: .generatedPassword)
            try c.encode(sessionsEnded, forKey: .sessionsEnded)
        }
    }

    /// Every account with its organisation, active ones first (admins only).
    public func entries(partner: UUID? = nil, by actor: Actor) async throws -> [AccountEntry] {
        try actor.require(.manageUsers)
        return try await store.entries(partner: partner)
    }

    /// The account with this e-mail address (the command line's `--email`).
    public func user(email: String, by actor: Actor) async throws -> User {
        try actor.require(.manageUsers)
        return try await store.user(email: email)
    }

    /// How many live sessions the person has, for the admin's check before deactivating them.
    public func liveSessions(of id: UUID, by actor: Actor) async throws -> Int {
        try actor.require(.manageUsers)
        return try await store.sessionCount(of: id)
    }

    /// The API tokens of someone else (for the admin's check page: what a deactivation revokes).
    public func tokens(of id: UUID, by actor: Actor) async throws -> [APIToken] {
        try actor.require(.manageUsers)
        return try await store.tokens(of: try await store.user(id))
    }

    /// Deactivates an account: they cannot sign in, and their sessions and API tokens end at once,
    /// in the same transaction. An admin cannot deactivate themselves (another admin, or the command
    /// line, must), so the register is never left without the person who could undo it.
    public func deactivate(_ id: UUID, by actor: Actor) async throws -> AccountStore.ActiveChange {
        try actor.require(.manageUsers)
        if actor.user?.id == id { throw DomainError.conflict("You cannot deactivate your own account: another admin must do it.") }
        let change = try await store.setActive(id, active: false, context: actor.write)
        actor.logger.info(
            "user deactivated",
            metadata: ["user": "\(id)", "sessions_ended": "\(change.sessionsEnded)", "tokens_revoked": "\(change.tokensRevoked)"])
        return change
    }

    /// Reactivates an account: they can sign in again (with the password they had); their old
    /// sessions and tokens stay ended.
    public func reactivate(_ id: UUID, by actor: Actor) async throws -> User {
        try actor.require(.manageUsers)
        let change = try await store.setActive(id, active: true, context: actor.write)
        actor.logger.info("user reactivated", metadata: ["user": "\(id)"])
        return change.user
    }

    /// Changes someone's role (and a partner user's organisation); it applies from their next request.
    /// An admin cannot change their own role.
    public func changeRole(_ id: UUID, _ change: @autoclosure () async throws -> RoleChange, by actor: Actor) async throws -> User {
        try actor.require(.manageUsers)
        if actor.user?.id == id { throw DomainError.conflict("You cannot change your own role: another admin must do it.") }
        let change = try await change()
        try change.validate()
        let user = try await store.changeRole(id, to: change, context: actor.write)
        actor.logger.info("user role changed", metadata: ["user": "\(id)", "role": "\(user.role.rawValue)"])
        return user
    }

    /// Sets a new password for someone who has forgotten theirs (or whose password may be known to
    /// others): the one given, or a generated one shown once. Every session of theirs ends; their API
    /// tokens stay (revoke those by deactivating, or they revoke their own). Admins change their own
    /// password with `changePassword`, which asks for the current one.
    public func resetPassword(_ id: UUID, _ reset: @autoclosure () async throws -> PasswordReset, by actor: Actor) async throws -> ResetPassword {
        try actor.require(.manageUsers)
        if actor.user?.id == id {
            throw DomainError.conflict("To change your own password, use your account page (PUT /api/v1/me/password): it asks for your current one.")
        }
        let reset = try await reset()
        try reset.validate()
        let user = try await store.user(id)
        let password = reset.password ?? Passwords.generate()
        let ended = try await store.setPassword(of: id, bcrypt: try await passwords.hash(password), event: .passwordReset, context: actor.write)
        actor.logger.info("user password reset", metadata: ["user": "\(id)", "sessions_ended": "\(ended)"])
        return ResetPassword(user: user, generatedPassword: reset.password == nil ? password : nil, sessionsEnded: ended)
    }

    /// Changes the signed-in person's own password, once their current one is confirmed. Every other
    /// session of theirs ends; `keeping` (the session they are using, if any) stays signed in.
    /// Returns how many sessions ended.
    @discardableResult
    public func changePassword(
        _ change: @autoclosure () async throws -> PasswordChange, keeping session: SecretToken?, by actor: Actor
    ) async throws -> Int {
        try actor.require(.manageOwnAccount)
        guard let user = actor.user else { throw DomainError.forbidden("only a signed-in person has a password of their own") }
        let change = try await change()
        try change.validate()
        let current = try await store.passwordHash(of: user.id)
        // As at sign-in: bcrypt reads 72 bytes and stops at a NUL, so nothing longer or odder can be right.
        let plausible = change.currentPassword.utf8.count <= PasswordRules.maximumBytes && !Validator.hasControlCharacters(change.currentPassword)
        let matches = try await passwords.verify(plausible ? change.currentPassword : "", hash: current ?? Passwords.decoy)
        guard plausible, matches, current != nil else {
            actor.logger.info("own password change refused: current password wrong", metadata: ["user": "\(user.id)"])
            throw ValidationError(field: "current_password", message: "current_password is not your current password")
        }
        let ended = try await store.setPassword(
            of: user.id, bcrypt: try await passwords.hash(change.newPassword), keeping: session, event: .passwordChanged, context: actor.write)
        actor.logger.info("own password changed", metadata: ["user": "\(user.id)", "sessions_ended": "\(ended)"])
        return ended
    }
}
