import ArgumentParser
import Foundation
import RegisterDomain
import RegisterServices

/// `learning-register partner …`: partner organisations from the command line.
struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "partner", abstract: "Manage partner organisations.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a partner organisation.",
            discussion: "Then give its people accounts with `learning-register user create --role partner --partner NAME`.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organisation's name, for example \"West Midlands Police\".") var name: String
        @Option(help: "police, health, local_authority, education, probation, voluntary or other.") var sector: String

        func run() async throws {
            guard let sector = Sector(rawValue: sector) else { throw ValidationError("--sector: \(Sector.unknownValueMessage(sector))") }
            let configuration = try database.configuration()
            let logger = commandLogger()
            do {
                let partner = try await withServices(configuration, logger: logger) { services, _ in
                    try await services.partners.record(PartnerDetails(name: name, sector: sector), by: .system("cli", logger: logger))
                }
                print("created partner \(partner.details.name) (\(partner.details.sector.rawValue); id \(partner.id.uuidString.lowercased()))")
            } catch let invalid as RegisterDomain.ValidationError {
                throw CommandFailure(message: invalid.errors.map(\.message).joined(separator: "; "))
            } catch DomainError.duplicate {
                throw CommandFailure(message: "a partner organisation called \(name) already exists")
            }
        }
    }
}
