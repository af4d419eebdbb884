import ArgumentParser
import Foundation
import RegisterDomain
import RegisterServices

/// `learning-register user …`: account administration from the command line.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage accounts.", subcommands: [Create.self])

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
            var password: String?
            if passwordStdin {
                let input = FileHandle.standardInput.readDataToEndOfFile()
                password = String(decoding: input, as: UTF8.self).trimmingCharacters(in: .newlines)
            }
            let configuration = try database.configuration()
            let logger = commandLogger()
            let givenPassword = password
            do {
                let created = try await withServices(configuration, logger: logger) { services, _ in
                    let actor = Actor.system("cli", logger: logger)
                    var partnerID: UUID?
                    if let partner { partnerID = try await services.partners.find(partner, by: actor).id }
                    let new = NewUser(email: email, name: name, role: role, partnerID: partnerID, password: givenPassword)
                    return try await services.accounts.create(new, by: actor)
                }
                print("created \(created.user.role.rawValue) \(created.user.email) (id \(created.user.id.uuidString.lowercased()))")
                if let generated = created.generatedPassword { print("password (shown once): \(generated)") }
            } catch let invalid as RegisterDomain.ValidationError {
                let messages = invalid.errors.map { error in
                    guard error.field == "partner_id" else { return error.message }
                    return role == .partner
                        ? "a partner user belongs to one partner organisation: name it with --partner"
                        : "only partner users belong to a partner organisation: leave out --partner"
                }
                throw CommandFailure(message: messages.joined(separator: "; "))
            } catch DomainError.duplicate(_, let value) {
                throw CommandFailure(message: "an account with e-mail \(value) already exists")
            } catch DomainError.notFound {
                throw CommandFailure(message: "no partner organisation is called or has the id '\(partner ?? "")'; `learning-register partner create` makes one")
            }
        }
    }
}
