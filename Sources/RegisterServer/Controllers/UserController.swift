import Foundation
import Hummingbird
import RegisterDomain
import RegisterStore

/// Accounts, managed by admins.
struct UserController {
    let accounts: AccountStore

    /// A new account, with the generated password when none was given (shown this once).
    struct CreatedUser: Encodable {
        var user: User
        var generatedPassword: String?

        enum CodingKeys: String, CodingKey {
            case user
            case generatedPassword = "generated_password"
        }
    }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("users") { request, context in
            try context.require(.manageUsers)
            return try JSON.response(try await accounts.users(try QueryParameters(request).page()))
        }
        group.post("users") { request, context in
            try context.require(.manageUsers)
            let new = try await JSON.decode(NewUser.self, from: request, context: context, fields: NewUser.fieldNames)
            let created = try await Self.create(new, accounts: accounts, context: context.write)
            return try JSON.response(created, status: .created)
        }
        group.get("users/:user") { _, context in
            try context.require(.manageUsers)
            return try JSON.response(try await accounts.user(try context.parameters.id("user", entity: "user")))
        }
    }

    /// Validates, hashes the password off the request threads and stores the account.
    /// Shared with `learning-register user create`.
    static func create(_ new: NewUser, accounts: AccountStore, context: WriteContext) async throws -> CreatedUser {
        try new.validate()
        let password = new.password ?? Passwords.generate()
        let user = try await accounts.createUser(new, bcrypt: try await Passwords.hash(password), context: context)
        context.logger.info("user created", metadata: ["user": "\(user.id)", "role": "\(user.role.rawValue)"])
        return CreatedUser(user: user, generatedPassword: new.password == nil ? password : nil)
    }
}
