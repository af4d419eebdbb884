import Foundation
import Logging
import PostgresNIO
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

/// `REPORTS_DATABASE_URL`: reports and exports read through a second pool (a hot standby in
/// production), while every write, the record that a report was taken included, goes to the main one.
@Suite("reports read from the reports database")
struct ReportsDatabaseTests {
    /// Runs `body` with services whose main pool is `main` and whose reports pool is `reports`
    /// opened read-only, as `REPORTS_DATABASE_URL` opens it.
    static func withServices<T: Sendable>(
        main: TestDatabase, reports: TestDatabase, _ body: @Sendable (RegisterServices) async throws -> T
    ) async throws -> T {
        let readOnly = {
            var settings = reports.app
            settings.readOnly = true
            return settings
        }()
        return try await TestDatabase.withClient(main.app) { mainClient in
            try await TestDatabase.withClient(readOnly) { reportsClient in
                let registry = Registry(
                    database: Database(client: mainClient, logger: TestDatabase.logger, poolWait: TestDatabase.patience),
                    reportsDatabase: Database(client: reportsClient, logger: TestDatabase.logger, poolWait: TestDatabase.patience))
                return try await body(RegisterServices(registry: registry, configuration: AppConfiguration(database: main.app, logLevel: "warning")))
            }
        }
    }

    /// One review with one recommendation, written through `database`'s own services.
    static func review(_ reference: String, in database: TestDatabase) async throws {
        try await withServices(main: database, reports: database) { services in
            let actor = Actor.system("tests", logger: TestDatabase.logger)
            let board = try await services.boards.record(BoardDetails(code: "b1", name: "Board", kind: .childrenPartnership), by: actor)
            let review = try await services.reviews.record(
                ReviewDetails(reference: reference, title: "Child", kind: .lcspr, boardID: board.id, regime: .wt2023), by: actor)
            _ = try await services.recommendations.add(to: review.id, RecommendationDetails(number: "1", text: "Do the thing.", scope: .local), by: actor)
        }
    }

    static func exports(_ services: RegisterServices, database: TestDatabase) async throws -> Int {
        try await database.withDatabase { database in
            try await AuditStore(database: database).events(AuditFilter(table: "read:report.compliance"), after: nil, limit: 50).count
        }
    }

    @Test("the compliance report, the summary and the clocks report read the reports database; the export is recorded in the main one")
    func readsGoToTheReportsPool() async throws {
        try await TestDatabase.with { main in
            try await TestDatabase.with { standby in
                try await Self.review("ON-THE-MAIN-1", in: main)
                try await Self.review("ON-THE-STANDBY-1", in: standby)
                try await Self.withServices(main: main, reports: standby) { services in
                    let actor = Actor.system("tests", logger: TestDatabase.logger)
                    let export = try await services.reports.compliance(ComplianceFilters(), format: .csv, asAt: nil, via: .cli, by: actor)
                    var bytes: [UInt8] = []
                    try await export.write { bytes += $0 }
                    let csv = String(decoding: bytes, as: UTF8.self)
                    #expect(csv.contains("ON-THE-STANDBY-1"))
                    #expect(!csv.contains("ON-THE-MAIN-1"))
                    let summary = try await services.reports.summary(boardID: nil, asAt: nil, via: .cli, by: actor)
                    #expect(summary.reviews.map(\.name) == ["ON-THE-STANDBY-1"])
                    let clocks = try await services.reports.clocks(ReviewFilter(), page: PageRequest(limit: 10), asAt: nil, via: .cli, by: actor)
                    #expect(clocks.items.map(\.reference) == ["ON-THE-STANDBY-1"])
                    // Recording that the report was taken is a write: it went to the main database.
                    #expect(try await Self.exports(services, database: main) == 1)
                    #expect(try await Self.exports(services, database: standby) == 0)
                }
            }
        }
    }

    @Test("every report and export runs on a read-only reports pool (a hot standby refuses writes the same way)")
    func everyReportRunsReadOnly() async throws {
        try await TestDatabase.with { db in
            try await Self.withServices(main: db, reports: db) { services in
                #expect(try await DemoData.load(into: services, logger: TestDatabase.logger))
                let actor = Actor.system("tests", logger: TestDatabase.logger)
                let yesterday = AsAt(day: Day.today().adding(days: -1))
                for format in ReportFormat.allCases {
                    for asAt in [nil, yesterday] {
                        let export = try await services.reports.compliance(ComplianceFilters(), format: format, asAt: asAt, via: .cli, by: actor)
                        try await export.write { _ in }
                        // As at yesterday the demo data (written today) was not there yet.
                        #expect(asAt != nil || export.rows > 0)
                    }
                }
                _ = try await services.reports.summary(boardID: nil, asAt: yesterday, via: .cli, by: actor)
                _ = try await services.reports.clocks(ReviewFilter(), page: PageRequest(limit: 50), asAt: yesterday, via: .cli, by: actor)
                let body = try #require(try await services.monitoring.bodies(boardID: nil, by: actor).first)
                let today = Day.today()
                let period = ReportingPeriod(start: today.adding(days: -90), end: today)
                _ = try await services.monitoring.periodReport(body.id, period: period, format: .json, via: .cli, by: actor)
                let review = try #require(try await services.reviews.list(ReviewFilter(), page: PageRequest(limit: 1), by: actor).items.first)
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lr-pack-\(UUID())")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let pack = try await services.reports.evidencePack(review: review.id.uuidString, asAt: nil, in: folder, via: .cli, by: actor)
                #expect(FileManager.default.fileExists(atPath: pack.path))
            }
        }
    }

    @Test("REPORTS_DATABASE_URL is read with the main pool's settings and opened read-only; unset, reports read the main database")
    func setting() throws {
        let main = ["DATABASE_URL": "postgres://app@db.example/register", "DATABASE_POOL_SIZE": "7"]
        #expect(try AppConfiguration.fromEnvironment(main).reportsDatabase == nil)
        var withStandby = main
        withStandby["REPORTS_DATABASE_URL"] = "postgres://app@standby.example:5433/register"
        let reports = try #require(try AppConfiguration.fromEnvironment(withStandby).reportsDatabase)
        #expect(reports.host == "standby.example" && reports.port == 5433 && reports.poolSize == 7 && reports.readOnly)
        withStandby["REPORTS_DATABASE_URL"] = "mysql://standby"
        #expect(throws: AppConfiguration.Invalid.self) { try AppConfiguration.fromEnvironment(withStandby) }
    }
}
