import ArgumentParser
import Foundation
import RegisterDomain
import RegisterServices

/// `learning-register partner …`: partner organisations from the command line.
struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner", abstract: "Manage partner organisations and the partnership's own business unit and subgroups.",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a partner organisation, or the partnership's business unit or a subgroup of it.",
            discussion: """
                A business unit or subgroup (a task-and-finish group, say) holds actions as a partner does: give --kind \
                business_unit or subgroup with --board (the partnership's board code or id); its sector is partnership. \
                Then give its people accounts with `learning-register user create --role partner --partner NAME`.
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organisation's name, for example \"West Midlands Police\".") var name: String
        @Option(help: "police, health, local_authority, education, probation, voluntary or other; partnership for a business unit or subgroup (the default for them).")
        var sector: String?
        @Option(help: "organisation (the default), business_unit or subgroup.") var kind: String = HolderKind.organisation.rawValue
        @Option(help: "For a business unit or subgroup: its partnership's board, by code (such as coventry-lscb) or id.") var board: String?
        @Option(help: "What a subgroup is for.") var remit: String?

        func run() async throws {
            guard let kind = HolderKind(rawValue: kind) else { throw ValidationError("--kind: \(HolderKind.unknownValueMessage(kind))") }
            let sectorName = sector ?? (kind.isPartnership ? Sector.partnership.rawValue : "")
            guard let sector = Sector(rawValue: sectorName) else {
                throw ValidationError(sectorName.isEmpty ? "--sector is needed for a partner organisation" : "--sector: \(Sector.unknownValueMessage(sectorName))")
            }
            let configuration = try database.configuration()
            let logger = commandLogger()
            do {
                let partner = try await withServices(configuration, logger: logger) { services, _ in
                    let actor = Actor.system("cli", logger: logger)
                    var boardID: UUID?
                    if let board { boardID = try await services.boards.find(board, by: actor).id }
                    return try await services.partners.record(
                        PartnerDetails(name: name, sector: sector, kind: kind, boardID: boardID, remit: remit), by: actor)
                }
                print("created \(partner.details.kind == .organisation ? "partner" : partner.details.kind.rawValue.replacingOccurrences(of: "_", with: " ")) \(partner.details.name) (\(partner.details.sector.rawValue); id \(partner.id.uuidString.lowercased()))")
            } catch let invalid as RegisterDomain.ValidationError {
                throw CommandFailure(message: invalid.errors.map(\.message).joined(separator: "; "))
            } catch DomainError.duplicate(let field, _) {
                throw CommandFailure(message: field == "kind" ? "this partnership already has a business unit" : "a partner organisation called \(name) already exists")
            } catch DomainError.notFound {
                throw CommandFailure(message: "no board has the code or id \(board ?? "")")
            }
        }
    }
}
