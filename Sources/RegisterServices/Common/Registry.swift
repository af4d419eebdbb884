import Foundation
import Logging
import PostgresNIO
import RegisterDomain
import RegisterStore

/// The register's stores over one database, shared by the HTTP application and the command line.
/// Reports and exports read through `reportsDatabase` (`REPORTS_DATABASE_URL`: a hot standby, or
/// the main database itself); everything else, every write included, goes to `database`.
public struct Registry: Sendable {
    public let database: Database
    /// Where the reports' and exports' own reads go; never written to.
    public let reportsDatabase: Database
    public let boards: BoardStore
    public let themes: ThemeStore
    public let reviews: ReviewStore
    public let reviewItems: ReviewItemStore
    public let recommendations: RecommendationStore
    public let accounts: AccountStore
    public let audit: AuditStore
    public let partners: PartnerStore
    public let assignments: AssignmentStore
    public let evidence: EvidenceStore
    public let access: AccessStore
    public let reports: ReportStore
    public let learning: LearningStore
    public let clocks: ClockStore
    public let dashboard: DashboardStore
    public let formSubmissions: FormSubmissionStore
    public let informationRequests: InformationRequestStore
    public let reviewDocuments: ReviewDocumentStore
    public let reminders: ReminderStore

    public init(database: Database, reportsDatabase: Database? = nil) {
        self.database = database
        self.reportsDatabase = reportsDatabase ?? database
        self.boards = BoardStore(database: database)
        self.themes = ThemeStore(database: database)
        self.reviews = ReviewStore(database: database)
        self.reviewItems = ReviewItemStore(database: database)
        self.recommendations = RecommendationStore(database: database)
        self.accounts = AccountStore(database: database)
        self.audit = AuditStore(database: database)
        self.partners = PartnerStore(database: database)
        self.assignments = AssignmentStore(database: database)
        self.evidence = EvidenceStore(database: database)
        self.access = AccessStore(database: database)
        self.reports = ReportStore(database: self.reportsDatabase)
        self.learning = LearningStore(database: database)
        self.clocks = ClockStore(database: database)
        self.dashboard = DashboardStore(database: database)
        self.formSubmissions = FormSubmissionStore(database: database)
        self.informationRequests = InformationRequestStore(database: database, sharingUploadsWith: evidence)
        self.reviewDocuments = ReviewDocumentStore(database: database, sharingUploadsWith: evidence)
        self.reminders = ReminderStore(database: database)
    }
}

extension Registry {
    /// The register over `client` (the main database) and, when `REPORTS_DATABASE_URL` is set,
    /// `reportsClient` for the reports' reads.
    public init(_ configuration: AppConfiguration, client: PostgresClient, reportsClient: PostgresClient?, logger: Logger) {
        var reports: Database?
        if let reportsClient, let settings = configuration.reportsDatabase {
            reports = Database(client: reportsClient, settings: settings, logger: logger)
        }
        self.init(database: Database(client: client, settings: configuration.database, logger: logger), reportsDatabase: reports)
    }
}

/// Runs `body` with the register's services over a started database client, then shuts it down:
/// for the command line, which has no server to run the client.
public func withServices<T: Sendable>(
    _ configuration: AppConfiguration, logger: Logger, clock: RegisterClock = .system,
    _ body: @Sendable (RegisterServices, PostgresClient) async throws -> T
) async throws -> T {
    var driverLogger = logger
    driverLogger.handler = NotYetRunningFilter(wrapping: logger.handler)
    let client = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: driverLogger)
    let reportsClient = configuration.reportsDatabase.map { PostgresClient(configuration: $0.clientConfiguration, backgroundLogger: driverLogger) }
    return try await withThrowingTaskGroup(of: T?.self) { group in
        // The body waits until the clients' run() has begun, so no query is leased from a client
        // that is not running (PostgresNIO warns of that).
        for running in [client] + (reportsClient.map { [$0] } ?? []) {
            let (started, signal) = AsyncStream<Void>.makeStream()
            group.addTask {
                signal.finish()
                await running.run()
                return nil
            }
            for await _ in started {}
        }
        await Task.yield()
        do {
            let services = RegisterServices(
                registry: Registry(configuration, client: client, reportsClient: reportsClient, logger: logger),
                configuration: configuration, clock: clock)
            let result = try await body(services, client)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// Drops the driver's one warning that a query was leased before the client's `run()` began: the
/// body below waits for `run()` to start, but `run()` marks itself running a moment later, so under
/// load the first query can win that race. The query then simply waits for the pool, so the warning
/// says nothing an operator can act on; every other message passes through.
struct NotYetRunningFilter: LogHandler {
    var wrapped: any LogHandler

    init(wrapping handler: any LogHandler) { self.wrapped = handler }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level == .warning, event.message.description.contains("run()` hasn't been called yet") { return }
        wrapped.log(event: event)
    }
}
