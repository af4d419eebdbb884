import Foundation
import Logging
import PostgresNIO
import RegisterStore

/// A real PostgreSQL database for one test, cloned from a template migrated once per test run.
///
/// `scripts/test` starts the cluster and sets `TEST_OWNER_URL` (the migration owner),
/// `TEST_APP_URL` (the service's role) and `TEST_TEMPLATE_DATABASE`.
public struct TestDatabase: Sendable {
    /// The service's role on this test's database.
    public let app: DatabaseSettings
    /// The migration owner on this test's database.
    public let owner: DatabaseSettings
    public let name: String

    public static let logger: Logger = {
        var logger = Logger(label: "tests")
        logger.logLevel = .warning
        return logger
    }()

    /// The repository's `Schema/` folder.
    public static let schemaFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schema")

    /// A database error with its details visible in the test report.
    public struct Readable: Error, CustomStringConvertible {
        public var description: String
    }

    public struct NotConfigured: Error, CustomStringConvertible {
        public var description: String {
            "TEST_OWNER_URL, TEST_APP_URL and TEST_TEMPLATE_DATABASE are not set: run the tests with scripts/test, which starts PostgreSQL"
        }
    }

    static func settings() throws -> (owner: DatabaseSettings, app: DatabaseSettings, template: String) {
        let env = ProcessInfo.processInfo.environment
        guard let owner = env["TEST_OWNER_URL"], let app = env["TEST_APP_URL"], let template = env["TEST_TEMPLATE_DATABASE"] else {
            throw NotConfigured()
        }
        // The service's settings as production has them, but a small pool with a longer wait: every
        // suite runs at once, and hundreds of test applications with 20 connections each would crowd
        // the test cluster's connections until some wait past any timeout. A test that means to meet
        // the pool's limits sets its own.
        var service = try DatabaseSettings(url: app)
        service.poolSize = 4
        service.poolWait = Self.patience
        return (try DatabaseSettings(url: owner), service, template)
    }

    /// How long a test's database call waits for a connection. Every suite runs at once on a
    /// machine that may be busy, and a connection can take seconds to come; production's few
    /// seconds (`DATABASE_POOL_WAIT_MS`, a 503 after) are tested where they are meant (PoolTests).
    public static let patience: Duration = .seconds(30)

    /// Runs `body` with a fresh database, migrated, dropped afterwards.
    public static func with<T: Sendable>(_ body: @Sendable (TestDatabase) async throws -> T) async throws -> T {
        let (owner, _, template) = try settings()
        try await readable { try await Template.shared.migrate(owner.with(database: template)) }
        return try await with(template: template, body)
    }

    /// Runs `body` with a fresh database that no migration has touched (to test upgrades), dropped afterwards.
    public static func withUnmigrated<T: Sendable>(_ body: @Sendable (TestDatabase) async throws -> T) async throws -> T {
        try await with(template: "template1", body)
    }

    private static func with<T: Sendable>(template: String, _ body: @Sendable (TestDatabase) async throws -> T) async throws -> T {
        try await DatabasePlaces.shared.holding {
            let (owner, app, _) = try settings()
            let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try await readable {
                try await withClient(owner) { client in
                    try await client.query("CREATE DATABASE \(unescaped: name) TEMPLATE \(unescaped: template) OWNER register_owner", logger: logger)
                    // A test's database need not survive a crash: its commits do not wait for the disk
                    // (the served database's do: scripts/postgres keeps synchronous_commit on).
                    try await client.query("ALTER DATABASE \(unescaped: name) SET synchronous_commit = off", logger: logger)
                }
            }
            let database = TestDatabase(app: app.with(database: name), owner: owner.with(database: name), name: name)
            do {
                let result = try await readable { try await body(database) }
                try await drop(name, owner: owner)
                return result
            } catch {
                try? await drop(name, owner: owner)
                throw error
            }
        }
    }

    /// Runs `work`, turning a database error into one whose details show in the test report
    /// (PSQLError hides them from `description`).
    static func readable<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as PSQLError {
            throw Readable(description: String(reflecting: error))
        }
    }

    /// Drops a test's database once the service's connections to it have gone. They close
    /// asynchronously after the pool shuts down, and the owner may not end another role's sessions,
    /// so it waits a little; a database that still cannot be dropped is left for the next
    /// `scripts/test`, which starts from a fresh cluster state anyway. Cleanup never fails a test.
    private static func drop(_ name: String, owner: DatabaseSettings) async throws {
        for _ in 0..<50 {
            do {
                try await withClient(owner) { client in
                    try await client.query("DROP DATABASE IF EXISTS \(unescaped: name)", logger: logger)
                }
                return
            } catch {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        logger.warning("test database left behind", metadata: ["database": "\(name)"])
    }

    /// Runs `body` with a started client, closed afterwards.
    @discardableResult
    public static func withClient<T: Sendable>(_ settings: DatabaseSettings, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        var configuration = settings.clientConfiguration
        configuration.options.maximumConnections = 12
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// The register's stores on the service's role, as the running service has them.
    public func withDatabase<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        try await Self.withClient(app) { client in try await body(Database(client: client, logger: Self.logger, poolWait: Self.patience)) }
    }
}

/// Migrates the template database once per test process, whatever the number of tests asking.
actor Template {
    static let shared = Template()
    private var migration: Task<Void, any Error>?

    func migrate(_ settings: DatabaseSettings) async throws {
        if migration == nil {
            migration = Task {
                let migrator = try Migrator(folder: TestDatabase.schemaFolder)
                try await TestDatabase.withClient(settings) { client in
                    _ = try await migrator.migrate(client: client, logger: TestDatabase.logger)
                }
            }
        }
        try await migration!.value
    }
}

/// How many test databases may exist at once. Swift Testing starts every test together; with a
/// database and its pools for each, a few hundred tests at once came within a handful of the test
/// cluster's 400 connections on a fast machine and past them on a slower one ("too many clients").
/// With 32 places the peak was 80 connections and the run took as long (122.7 s against 116.1 s): the
/// tests spend most of their time waiting on the database, so 32 keep two cores busy, and the rest
/// wait their turn. A test that asks for a second database inside its first (a standby beside the
/// primary, in ReportsDatabaseTests) uses the place it holds, so no test waits on itself; so does
/// any task it starts (not a detached one, which would wait for a place of its own).
actor DatabasePlaces {
    static let shared = DatabasePlaces(count: 32)

    @TaskLocal private static var placeHeld = false
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(count: Int) { free = count }

    nonisolated func holding<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if Self.placeHeld { return try await body() }
        await take()
        do {
            let result = try await Self.$placeHeld.withValue(true) { try await body() }
            await give()
            return result
        } catch {
            await give()
            throw error
        }
    }

    private func take() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func give() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
