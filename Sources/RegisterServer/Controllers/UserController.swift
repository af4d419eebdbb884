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
            return try JSON.response(try await accounts.user(try context.parameters.id("user", entity: "user"), by: context.actor))
        }
    }
}
