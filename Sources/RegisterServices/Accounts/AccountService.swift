import Foundation
import Logging
import RegisterDomain
import RegisterStore

/// Sign-in and sign-out, accounts and API tokens.
public struct AccountService: Sendable {
    let store: AccountStore
    let partners: PartnerStore
    let sessionHours: Int

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
            try c.encode(generatedPassword, forKey: .generatedPassword)
        }
    }

    /// Checks the e-mail and password (as slowly for an unknown e-mail as for a known one) and
    /// starts a session. Nil when they do not match an active account.
    public func signIn(email: String, password: String, requestID: String, logger: Logger) async throws -> SignedIn? {
        let plausible = !Validator.hasControlCharacters(email) && email.count <= 254 && password.utf8.count <= 72
            && !Validator.hasControlCharacters(password)
        let found = plausible ? try await store.credentials(email: email) : nil
        let matches = try await Passwords.verify(password, hash: found?.bcrypt ?? Passwords.decoy)
        guard let found, matches else {
            logger.info("sign-in refused")
            return nil
        }
        let write = WriteContext(actor: Principal(user: found.user), requestID: requestID, logger: logger)
        let lifetime = sessionHours * 3600
        let token = try await store.startSession(for: found.user, lasting: TimeInterval(lifetime), context: write)
        logger.info("signed in", metadata: ["user": "\(found.user.id)"])
        return SignedIn(user: found.user, session: token, lifetimeSeconds: lifetime)
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

    public func createToken(named name: String, by actor: Actor) async throws -> (APIToken, SecretToken) {
        guard let user = actor.user else { throw DomainError.forbidden("API tokens belong to a signed-in person") }
        return try await store.createToken(for: user, name: name, context: actor.write)
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
        let user = try await store.createUser(new, bcrypt: try await Passwords.hash(password), context: actor.write)
        actor.logger.info("user created", metadata: ["user": "\(user.id)", "role": "\(user.role.rawValue)"])
        return CreatedUser(user: user, generatedPassword: new.password == nil ? password : nil)
    }
}
