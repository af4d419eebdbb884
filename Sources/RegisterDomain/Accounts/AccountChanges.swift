import Foundation

/// What every password the register accepts must be: long enough to resist guessing, short enough
/// for bcrypt (which reads 72 bytes and silently ignores the rest), and free of control characters
/// (bcrypt stops at a NUL, so a password holding one would be cut short silently).
public enum PasswordRules {
    public static let minimumCharacters = 12
    public static let maximumBytes = 72

    public static func check(_ password: String, field: String, into v: inout Validator) {
        if password.count < minimumCharacters { v.fail(field, "\(field) must be at least \(minimumCharacters) characters") }
        if password.utf8.count > maximumBytes { v.fail(field, "\(field) must be at most \(maximumBytes) bytes (bcrypt's limit)") }
        if Validator.hasControlCharacters(password) { v.fail(field, "\(field) must not contain control characters") }
    }
}

/// An admin's change of someone's role (and, for a partner user, their organisation).
public struct RoleChange: Codable, Sendable, Equatable {
    public var role: Role
    /// Required for the partner role, refused for every other.
    public var partnerID: UUID?

    public init(role: Role, partnerID: UUID? = nil) {
        self.role = role
        self.partnerID = partnerID
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case role
        case partnerID = "partner_id"
    }

    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.stringValue))

    public func validate() throws {
        var v = Validator()
        if role == .partner, partnerID == nil {
            v.fail("partner_id", "a partner user belongs to one partner organisation: give its id in partner_id (GET /api/v1/partners)")
        }
        if role != .partner, partnerID != nil {
            v.fail("partner_id", "only partner users belong to a partner organisation; leave partner_id out for a \(role.rawValue)")
        }
        try v.check()
    }
}

/// An admin's reset of someone's password: the one given, or one the register generates and shows once.
public struct PasswordReset: Codable, Sendable, Equatable {
    public var password: String?

    public init(password: String? = nil) { self.password = password }

    enum CodingKeys: String, CodingKey, CaseIterable { case password }

    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.stringValue))

    public func validate() throws {
        var v = Validator()
        if let password { PasswordRules.check(password, field: "password", into: &v) }
        try v.check()
    }
}

/// A person's change of their own password: the current one, to show it is them, and the new one.
public struct PasswordChange: Codable, Sendable, Equatable {
    public var currentPassword: String
    public var newPassword: String

    public init(currentPassword: String, newPassword: String) {
        self.currentPassword = currentPassword
        self.newPassword = newPassword
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case currentPassword = "current_password"
        case newPassword = "new_password"
    }

    public static let fieldNames: Set<String> = Set(CodingKeys.allCases.map(\.stringValue))

    /// The new password's rules; whether the current one is right is the service's to check.
    public func validate() throws {
        var v = Validator()
        if currentPassword.isEmpty { v.fail("current_password", "current_password must not be empty") }
        PasswordRules.check(newPassword, field: "new_password", into: &v)
        if !newPassword.isEmpty, newPassword == currentPassword { v.fail("new_password", "new_password must differ from the current password") }
        try v.check()
    }
}

/// How long an API token works: 90 days unless its owner asks otherwise, at most a year.
public enum TokenLifetime {
    public static let defaultDays = 90
    public static let maximumDays = 365

    public static func check(_ days: Int?, field: String = "expires_in_days") throws {
        guard let days else { return }
        if !(1...maximumDays).contains(days) {
            throw ValidationError(field: field, message: "\(field) must be a whole number of days from 1 to \(maximumDays)")
        }
    }
}
