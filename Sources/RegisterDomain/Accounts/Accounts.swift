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
    /// The organisation a partner user belongs to (nobody else belongs to one).
    public var partnerID: UUID?
    public var createdAt: Date

    public init(id: UUID, email: String, name: String, role: Role, active: Bool, partnerID: UUID? = nil, createdAt: Date) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.active = active
        self.partnerID = partnerID
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, email, name, role, active
        case partnerID = "partner_id"
        case createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(email, forKey: .email)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(active, forKey: .active)
        try c.encode(partnerID, forKey: .partnerID)
        try c.encode(createdAt, forKey: .createdAt)
    }
}

/// What an admin supplies to create an account.
public struct NewUser: Codable, Sendable, Equatable {
    public var email: String
    public var name: String
    public var role: Role
    /// Required for partner users, refused for everyone else.
    public var partnerID: UUID?
    /// Omit to have the register generate one and show it once.
    public var password: String?

    public init(email: String, name: String, role: Role, partnerID: UUID? = nil, password: String? = nil) {
        self.email = email
        self.name = name
        self.role = role
        self.partnerID = partnerID
        self.password = password
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case email, name, role
        case partnerID = "partner_id"
        case password
    }

    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.stringValue))

    /// E-mail addresses compare without regard to case.
    public var normalisedEmail: String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    public func validate() throws {
        var v = Validator()
        v.text(email, field: "email", max: 254)
        if normalisedEmail.range(of: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+\\z", options: .regularExpression) == nil {
            v.fail("email", "email must be an address such as name@example.org")
        }
        v.text(name, field: "name", max: 200)
        if role == .partner, partnerID == nil {
            v.fail("partner_id", "a partner user belongs to one partner organisation: give its id in partner_id (GET /api/v1/partners)")
        }
        if role != .partner, partnerID != nil {
            v.fail("partner_id", "only partner users belong to a partner organisation; leave partner_id out for a \(role.rawValue)")
        }
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
    public var partnerID: UUID?
    /// The name written to the audit trail: `user:<uuid>`, or `system:<what>` for the command line.
    public var auditName: String

    public init(user: User) {
        self.userID = user.id
        self.role = user.role
        self.partnerID = user.partnerID
        self.auditName = "user:" + user.id.lowercasedText
    }

    /// An operator working from the command line (`learning-register user create`, `demo load`).
    public static func system(_ what: String) -> Principal { Principal(role: .admin, auditName: "system:\(what)") }

    init(role: Role, auditName: String) {
        self.userID = nil
        self.role = role
        self.partnerID = nil
        self.auditName = auditName
    }
}
