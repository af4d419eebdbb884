import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import RegisterDomain
@testable import RegisterServer
import RegisterReports
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

/// Every export is recorded in the audit trail as a read (who, which export, format, filters, as-at
/// day, rows, face), whichever face took it; and a streamed report holds no database connection
/// while its client reads.
@Suite("exports recorded and streamed")
struct ExportRecordTests {
    /// The read events of one kind, with their payloads read.
    static func reads(_ api: APIHarness, _ table: String) async throws -> [[String: Any]] {
        try await api.call(.get, "/api/v1/audit/events?table=\(table)&limit=200", as: .admin).items.map { item in
            let payload = try JSONSerialization.jsonObject(with: Data((item["payload"] as! String).utf8)) as! [String: Any]
            return payload
        }
    }

    static func detail(_ payload: [String: Any]) -> [String: Any] { payload["new"] as? [String: Any] ?? [:] }

    static func userID(_ api: APIHarness, _ role: Role) async throws -> String {
        try await api.db.withDatabase { database in
            let user = try #require(try await AccountStore(database: database).credentials(email: "\(role.rawValue)@example.org")).user
            return "user:" + user.id.uuidString.lowercased()
        }
    }

    @Test("compliance (every format), summary and clocks taken through the API are recorded with who, format, filters, as-at day and rows")
    func throughTheAPI() async throws {
        try await withAPI { api in
            _ = try await ReportTests.reportWorld(api)
            let auditor = try await Self.userID(api, .auditor)
            let yesterday = Day.today().adding(days: -1)
            for format in ["csv", "json", "html"] {
                let reply = try await api.call(.get, "/api/v1/reports/compliance?format=\(format)&review=RPT-2026-01", as: .auditor)
                #expect(reply.status == .ok)
            }
            #expect(try await api.call(.get, "/api/v1/reports/compliance?format=csv&overdue=true&as_at=\(yesterday)", as: .auditor).status == .ok)
            #expect(try await api.call(.get, "/api/v1/reports/summary", as: .auditor).status == .ok)
            #expect(try await api.call(.get, "/api/v1/reports/clocks?kind=lcspr", as: .auditor).status == .ok)

            let compliance = try await Self.reads(api, "read:report.compliance")
            #expect(compliance.count == 4)
            #expect(compliance.allSatisfy { $0["op"] as? String == "READ" && $0["actor"] as? String == auditor })
            let details = compliance.map(Self.detail)
            #expect(details.map { $0["format"] as? String } == ["csv", "json", "html", "csv"])
            #expect(details.allSatisfy { $0["via"] as? String == "api" })
            #expect(details[0]["filters"] as? [String: String] == ["review": "RPT-2026-01"])
            #expect(details[0]["rows"] as? Int == 2)
            #expect(details[0]["as_at"] is NSNull)
            #expect(compliance[0]["key"] as? String == "now")
            #expect(details[3]["filters"] as? [String: String] == ["overdue": "true"])
            #expect(details[3]["as_at"] as? String == yesterday.description)
            #expect(details[3]["rows"] as? Int == 0)
            #expect(compliance[3]["key"] as? String == yesterday.description)
            // What was exported, never the exported data.
            #expect(!compliance.contains { String(describing: $0).contains("notification protocol") })

            let summary = try await Self.reads(api, "read:report.summary")
            #expect(summary.count == 1)
            #expect(summary[0]["actor"] as? String == auditor)
            #expect(Self.detail(summary[0])["format"] as? String == "json")
            #expect((Self.detail(summary[0])["rows"] as? Int ?? 0) >= 2)

            let clocks = try await Self.reads(api, "read:report.clocks")
            #expect(clocks.count == 1)
            #expect(Self.detail(clocks[0])["filters"] as? [String: String] == ["kind": "lcspr"])

            // A refused export is not recorded as taken.
            #expect(try await api.call(.get, "/api/v1/reports/compliance?board=nope", as: .auditor).status == .unprocessableContent)
            #expect(try await api.call(.get, "/api/v1/reports/summary", as: .partner).status == .forbidden)
            #expect(try await Self.reads(api, "read:report.compliance").count == 4)
            #expect(try await Self.reads(api, "read:report.summary").count == 1)
        }
    }

    @Test("the same exports taken from the pages are recorded too, as taken through the pages")
    func throughThePages() async throws {
        try await withAPI { api in
            _ = try await ReportTests.reportWorld(api)
            let cookie = try await AuditorPageTests.cookie(api, .auditor)
            let auditor = try await Self.userID(api, .auditor)
            #expect(try await AuditorPageTests.page(api, "/reports", as: cookie).status == .ok)
            #expect(try await AuditorPageTests.page(api, "/reports/compliance?format=csv&review=RPT-2026-01", as: cookie).status == .ok)
            #expect(try await AuditorPageTests.page(api, "/reports/compliance?review=RPT-2026-01", as: cookie).status == .ok)
            #expect(try await AuditorPageTests.page(api, "/reports/clocks", as: cookie).status == .ok)
            #expect(try await AuditorPageTests.page(api, "/reports/evidence-pack?review=RPT-2026-01", as: cookie).status == .ok)

            let summary = try await Self.reads(api, "read:report.summary")
            #expect(summary.count == 1)
            #expect(summary.first?["actor"] as? String == auditor)
            #expect(summary.first.map(Self.detail)?["via"] as? String == "page")
            let compliance = try await Self.reads(api, "read:report.compliance").map(Self.detail)
            #expect(compliance.map { $0["format"] as? String } == ["csv", "html"])
            #expect(compliance.allSatisfy { $0["via"] as? String == "page" && $0["rows"] as? Int == 2 })
            #expect(try await Self.reads(api, "read:report.clocks").map(Self.detail).first?["via"] as? String == "page")
            let pack = try await Self.reads(api, "read:evidence_pack")
            #expect(pack.count == 1)
            #expect(Self.detail(pack[0])["reference"] as? String == "RPT-2026-01")
            #expect(Self.detail(pack[0])["via"] as? String == "page")
            // Pages that record a read are, like every recorded GET, refused when another site asks for them.
            #expect(try await AuditorPageTests.page(api, "/reports", as: cookie, site: "cross-site").status == .forbidden)
            #expect(try await AuditorPageTests.page(api, "/reports/compliance?format=csv", as: cookie, site: "cross-site").status == .forbidden)
            #expect(try await Self.reads(api, "read:report.summary").count == 1)
        }
    }

    @Test("the audit export is recorded in the same shape, with its face")
    func auditExport() async throws {
        try await withAPI { api in
            #expect(try await api.call(.get, "/api/v1/audit/export", as: .auditor).status == .ok)
            let reads = try await Self.reads(api, "read:audit.export")
            #expect(reads.count == 1)
            #expect(reads[0]["key"] as? String == "events")
            #expect(Self.detail(reads[0])["format"] as? String == "jsonl")
            #expect(Self.detail(reads[0])["via"] as? String == "api")
        }
    }

    @Test("a compliance report being written holds no database connection: with a pool of one, the register still answers mid-download")
    func streamingHoldsNoConnection() async throws {
        try await TestDatabase.with { db in
            var configuration = db.app.clientConfiguration
            configuration.options.maximumConnections = 1
            let client = PostgresClient(configuration: configuration, backgroundLogger: TestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                let database = Database(client: client, logger: TestDatabase.logger, poolWait: TestDatabase.patience)
                let services = RegisterServices(
                    registry: Registry(database: database), configuration: AppConfiguration(database: db.app, logLevel: "warning"))
                let actor = Actor.system("tests", logger: TestDatabase.logger)
                let board = try await services.boards.record(BoardDetails(code: "b1", name: "Board", kind: .childrenPartnership), by: actor)
                for n in 1...3 {
                    let review = try await services.reviews.record(
                        ReviewDetails(reference: "POOL-\(n)", title: "Child \(n)", kind: .lcspr, boardID: board.id, regime: .wt2023), by: actor)
                    _ = try await services.recommendations.add(
                        to: review.id, RecommendationDetails(number: "1", text: "Do the thing.", scope: .local), by: actor)
                }
                let export = try await services.reports.compliance(ComplianceFilters(), format: .csv, asAt: nil, via: .cli, by: actor)
                var pieces = 0
                try await export.write { _ in
                    pieces += 1
                    // A slow client: while the report is being sent, another request needs the pool's only connection.
                    try await Self.within(.seconds(10)) {
                        _ = try await services.reviews.list(ReviewFilter(), page: PageRequest(limit: 5), by: actor)
                    }
                }
                #expect(pieces >= 1)
                #expect(export.rows == 3)
            }
        }
    }

    /// Runs `body`, failing if it takes longer than `limit` (a query waiting for a held connection).
    static func within(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await body(); return true }
            group.addTask { try await Task.sleep(for: limit); return false }
            let finished = try await group.next() ?? false
            group.cancelAll()
            #expect(finished, "the query waited \(limit) for a connection held by the download")
        }
    }
}
