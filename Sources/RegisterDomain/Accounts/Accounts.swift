import Foundation

/// What a person may do in the register.
public enum Role: String, DomainEnum {
    case admin, coordinator, partner, auditor
    public static let vocabularyName = "role"
}

/// A person who signs in.
public struct User: Codable, Sendable, Equatable {
    public var id: UUID
    public var email: String
    public var name: String
    public var role: Role
    public var active: Bool
    public var createdAt: Date

    public init(id: UUID, email: String, name: String, role: Role, active: Bool, createdAt: Date) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.active = active
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, email, name, role, active
        case createdAt = "created_at"
    }
}

/// What an admin supplies to create an account.
public struct NewUser: Codable, Sendable, Equatable {
    public var email: String
    public var name: String
    public var role: Role
    /// Omit to have the register generate one and show it once.
    public var password: String?

    public init(email: String, name: String, role: Role, password: String? = nil) {
        self.email = email
        self.name = name
        self.role = role
        self.password = password
    }

    /// E-mail addresses compare without regard to case.
    public var normalisedEmail: String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    public func validate() throws {
        var v = Validator()
        v.text(email, field: "email", max: 254)
        if normalisedEmail.range(of: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+\\z", options: .regularExpression) == nil {
            v.fail("email", "email must be an address such as name@example.org")
        }
        v.text(name, field: "name", max: 200)
        if let password {
            if password.count < 12 { v.fail("password", "password must be at least 12 characters") }
            if password.utf8.count > 72 { v.fail("password", "password must be at most 72 bytes (bcrypt's limit)") }
            // bcrypt reads up to the first NUL: a password holding one would be cut short silently.
            if Validator.hasControlCharacters(password) { v.fail("password", "password must not contain control characters") }
        }
        try v.check()
    }
}

/// Who is making a change: recorded as `app.actor` on every write, and so in the audit trail.
public struct Principal: Sendable, Equatable {
    public var userID: UUID?
    public var role: Role
    /// The name written to the audit trail: `user:<uuid>`, or `system:<what>` for the command line.
    public var auditName: String

    public init(user: User) {
        self.userID = user.id
        self.role = user.role
        self.auditName = "user:\(user.id.uuidString.lowercased())"
    }

    /// An operator working from the command line (`learning-register user create`, `demo load`).
    public static func system(_ what: String) -> Principal { Principal(role: .admin, auditName: "system:\(what)") }

    init(role: Role, auditName: String) {
        self.userID = nil
        self.role = role
        self.auditName = auditName
    }
}
