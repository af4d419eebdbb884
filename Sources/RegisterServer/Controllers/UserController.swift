import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices

/// Accounts, managed by admins.
struct UserController {
    let accounts: AccountService

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("users") { request, context in
            try JSON.response(try await accounts.users(try QueryParameters(request).page(), by: context.actor))
        }
        group.post("users") { request, context in
            let created = try await accounts.create(
                try await JSON.decode(NewUser.self, from: request, context: context, fields: NewUser.fieldNames), by: context.actor)
            return try JSON.response(created, status: .created)
        }
        group.get("users/:user") { _, context in
            try context.actor.require(.manageUsers)
            return try JSON.response(try await accounts.user(try id(context), by: context.actor))
        }
        // The account lifecycle: the same service functions as the admin pages and `learning-register user …`.
        group.post("users/:user/deactivate") { _, context in
            try JSON.response(try await accounts.deactivate(try id(context), by: context.actor).user)
        }
        group.post("users/:user/reactivate") { _, context in
            try JSON.response(try await accounts.reactivate(try id(context), by: context.actor))
        }
        group.put("users/:user/role") { request, context in
            let user = try await accounts.changeRole(
                try id(context), try await JSON.decode(RoleChange.self, from: request, context: context, fields: RoleChange.fieldNames),
                by: context.actor)
            return try JSON.response(user)
        }
        group.post("users/:user/password-reset") { request, context in
            let reset = try await accounts.resetPassword(
                try id(context), try await JSON.decode(PasswordReset.self, from: request, context: context, fields: PasswordReset.fieldNames),
                by: context.actor)
            return try JSON.response(reset)
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID {
        try context.parameters.id("user", entity: "user")
    }
}
