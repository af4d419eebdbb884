import ArgumentParser
import Foundation
import RegisterDomain
import RegisterServices

/// `learning-register user …`: account administration from the command line. Each subcommand calls
/// the same service function as the admin pages and the JSON API, as `system:cli` in the audit trail.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts.",
        subcommands: [Create.self, Deactivate.self, Reactivate.self, ChangeRole.self, ResetPassword.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account.",
            discussion: "Without --password-stdin a password is generated and printed once; give it to the person over a safe channel.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "E-mail address, used to sign in.") var email: String
        @Option(help: "Full name.") var name: String
        @Option(help: "admin, coordinator, partner or auditor.") var role: String
        @Option(help: "For a partner user: the partner organisation's id or exact name (see `partner create`).") var partner: String?
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input instead of generating one.")
        var passwordStdin = false

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role: \(Role.unknownValueMessage(role))") }
            let password = passwordStdin ? readPasswordFromStandardInput() : nil
            let configuration = try database.configuration()
            let logger = commandLogger()
            do {
                let created = try await withServices(configuration, logger: logger) { services, _ in
                    let actor = Actor.system("cli", logger: logger)
                    var partnerID: UUID?
                    if let partner { partnerID = try await services.partners.find(partner, by: actor).id }
                    let new = NewUser(email: email, name: name, role: role, partnerID: partnerID, password: password)
                    return try await services.accounts.create(new, by: actor)
                }
                print("created \(created.user.role.rawValue) \(created.user.email) (id \(created.user.id.uuidString.lowercased()))")
                if let generated = created.generatedPassword { print("password (shown once): \(generated)") }
            } catch let invalid as RegisterDomain.ValidationError {
                throw CommandFailure(message: describe(invalid, role: role))
            } catch DomainError.duplicate(_, let value) {
                throw CommandFailure(message: "an account with e-mail \(value) already exists")
            } catch DomainError.notFound {
                throw CommandFailure(message: "no partner organisation is called or has the id '\(partner ?? "")'; `learning-register partner create` makes one")
            }
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate an account.",
            discussion: "The person can no longer sign in; their sessions end and their API tokens are revoked at once. `user reactivate` undoes it (tokens stay revoked).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The account's e-mail address.") var email: String

        func run() async throws {
            let change = try await onAccount(email, database: database) { services, actor, user in
                try await services.accounts.deactivate(user.id, by: actor)
            }
            print("deactivated \(change.user.email): \(change.sessionsEnded) session(s) ended, \(change.tokensRevoked) API token(s) revoked")
        }
    }

    struct Reactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reactivate a deactivated account.", discussion: "The person signs in again with the password they had.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The account's e-mail address.") var email: String

        func run() async throws {
            let user = try await onAccount(email, database: database) { services, actor, user in
                try await services.accounts.reactivate(user.id, by: actor)
            }
            print("reactivated \(user.email)")
        }
    }

    struct ChangeRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "role", abstract: "Change an account's role.",
            discussion: "It applies from the person's next request. A partner user needs --partner; no other role has one.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The account's e-mail address.") var email: String
        @Option(help: "admin, coordinator, partner or auditor.") var role: String
        @Option(help: "For the partner role: the partner organisation's id or exact name.") var partner: String?

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role: \(Role.unknownValueMessage(role))") }
            let partner = self.partner
            do {
                let user = try await onAccount(email, database: database) { services, actor, user in
                    var partnerID: UUID?
                    if let partner {
                        do {
                            partnerID = try await services.partners.find(partner, by: actor).id
                        } catch DomainError.notFound {
                            throw CommandFailure(message: "no partner organisation is called or has the id '\(partner)'")
                        }
                    }
                    return try await services.accounts.changeRole(user.id, RoleChange(role: role, partnerID: partnerID), by: actor)
                }
                print("\(user.email) is now \(user.role.rawValue)")
            } catch let invalid as RegisterDomain.ValidationError {
                throw CommandFailure(message: describe(invalid, role: role))
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Set a new password for an account.",
            discussion: "Without --password-stdin a password is generated and printed once. Every session of the person ends; their API tokens stay.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The account's e-mail address.") var email: String
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input instead of generating one.")
        var passwordStdin = false

        func run() async throws {
            let password = passwordStdin ? readPasswordFromStandardInput() : nil
            do {
                let reset = try await onAccount(email, database: database) { services, actor, user in
                    try await services.accounts.resetPassword(user.id, PasswordReset(password: password), by: actor)
                }
                print("password of \(reset.user.email) reset: \(reset.sessionsEnded) session(s) ended")
                if let generated = reset.generatedPassword { print("password (shown once): \(generated)") }
            } catch let invalid as RegisterDomain.ValidationError {
                throw CommandFailure(message: invalid.errors.map(\.message).joined(separator: "; "))
            }
        }
    }
}

/// The password given on standard input, without its final line break (never echoed or logged).
private func readPasswordFromStandardInput() -> String {
    let input = FileHandle.standardInput.readDataToEndOfFile()
    return String(decoding: input, as: UTF8.self).trimmingCharacters(in: .newlines)
}

/// Runs `body` on the account with this e-mail, as the command line (`system:cli`).
private func onAccount<T: Sendable>(
    _ email: String, database: DatabaseOptions, _ body: @Sendable @escaping (RegisterServices, Actor, User) async throws -> T
) async throws -> T {
    let configuration = try database.configuration()
    let logger = commandLogger()
    do {
        return try await withServices(configuration, logger: logger) { services, _ in
            let actor = Actor.system("cli", logger: logger)
            let user: User
            do {
                user = try await services.accounts.user(email: email, by: actor)
            } catch DomainError.notFound {
                throw CommandFailure(message: "no account has the e-mail address \(email)")
            }
            return try await body(services, actor, user)
        }
    } catch DomainError.conflict(let detail) {
        throw CommandFailure(message: detail)
    } catch DomainError.notFound(let what) {
        throw CommandFailure(message: "no such \(what)")
    }
}

/// Validation messages in the command line's words (its flags, not the API's fields).
private func describe(_ invalid: RegisterDomain.ValidationError, role: Role) -> String {
    invalid.errors.map { error in
        guard error.field == "partner_id" else { return error.message }
        if error.message.contains("inactive") { return "that partner organisation is inactive; reactivate it or choose another" }
        return role == .partner
            ? "a partner user belongs to one partner organisation: name it with --partner"
            : "only partner users belong to a partner organisation: leave out --partner"
    }.joined(separator: "; ")
}
