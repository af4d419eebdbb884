import ArgumentParser
import RegisterServices

/// `learning-register demo load`: demonstration content for trying the register out.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Demonstration data.", subcommands: [Load.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the Coventry 2016 serious case review, a few invented reviews and one demo account per role.",
            discussion: "Does nothing when the demo data is already there. Never run it against a live register.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let configuration = try database.configuration()
            let logger = commandLogger()
            let loaded = try await withServices(configuration, logger: logger) { services, _ in
                try await DemoData.load(into: services, logger: logger)
            }
            print(loaded ? "demo data loaded" : "demo data already present")
            print("demo sign-ins (demo only):")
            for account in DemoData.accounts {
                print("  \(account.role.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(account.email)  \(account.password)")
            }
        }
    }
}
