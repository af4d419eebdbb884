import ArgumentParser
import Hummingbird
import RegisterServer
import RegisterServices
import RegisterStore

/// `learning-register serve`: the HTTP service.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the register over HTTP: the web pages at / and the JSON API under /api/v1.")

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("http-host"), help: "Address to listen on (default: $HTTP_HOST or 127.0.0.1).") var httpHost: String?
    @Option(name: .customLong("http-port"), help: "Port to listen on (default: $HTTP_PORT or 8080).") var httpPort: Int?

    func run() async throws {
        var configuration = try database.configuration()
        if let httpHost { configuration.httpHost = httpHost }
        if let httpPort { configuration.httpPort = httpPort }
        // Uploads and packs a killed server left in the temporary folder (a day old or more) go first.
        let swept = TemporaryFolder.sweep()
        if swept > 0 { commandLogger().notice("removed \(swept) temporary folder(s) an earlier run left behind") }
        if configuration.insecureCookiesOverride {
            commandLogger().warning(
                "COOKIE_SECURE=false on \(configuration.httpHost), an address other machines can reach: session cookies will travel in clear over plain HTTP and can be stolen on the network. Serve over HTTPS and leave COOKIE_SECURE unset.")
        }
        let app = buildApplication(configuration)
        try await app.runService()
    }
}
