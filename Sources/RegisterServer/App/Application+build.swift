import Foundation
import Hummingbird
import Logging
import PostgresNIO
import RegisterDomain
import RegisterReports
import RegisterStore

/// The register's stores over one database, shared by the HTTP application and the command line.
public struct Registry: Sendable {
    public let database: Database
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

    public init(database: Database) {
        self.database = database
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
        self.reports = ReportStore(database: database)
        self.learning = LearningStore(database: database)
        self.clocks = ClockStore(database: database)
    }

    /// Creates an account (hashing the password off the request threads); the command line and the API share it.
    public func createUser(_ new: NewUser, context: WriteContext) async throws -> (user: User, generatedPassword: String?) {
        let created = try await UserController.create(new, accounts: accounts, context: context)
        return (created.user, created.generatedPassword)
    }
}

/// Builds the whole HTTP application: used by `learning-register serve` and by every test.
public func buildApplication(_ configuration: AppConfiguration, logger: Logger? = nil) -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "learning-register")
    logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
    let client = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
    let registry = Registry(database: Database(client: client, logger: logger))
    let router = buildRouter(registry, configuration: configuration)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "learning-register"),
        services: [client],
        logger: logger)
}

func buildRouter(_ registry: Registry, configuration: AppConfiguration) -> Router<RegisterRequestContext> {
    let router = Router(context: RegisterRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: ProblemMiddleware { $0.requestID })

    // Health checks answer without looking at credentials, so they work while the database is down.
    HealthController(database: registry.database).addRoutes(to: router)

    let api = router.group("api/v1").add(middleware: Authenticator(accounts: registry.accounts))
    api.get("openapi.yaml") { _, _ in try OpenAPIDocument.response() }
    let session = SessionController(accounts: registry.accounts, configuration: configuration)
    session.addPublicRoutes(to: api)

    let signedIn = api.group(context: SignedInContext.self)
    let access = Access(store: registry.access)
    session.addRoutes(to: signedIn)
    UserController(accounts: registry.accounts).addRoutes(to: signedIn)
    BoardController(boards: registry.boards, themes: registry.themes).addRoutes(to: signedIn)
    PartnerController(partners: registry.partners).addRoutes(to: signedIn)
    ReviewController(reviews: registry.reviews, audit: registry.audit, access: access).addRoutes(to: signedIn)
    ClockController(clocks: registry.clocks, access: access).addRoutes(to: signedIn)
    ReviewItemController(items: registry.reviewItems, access: access).addRoutes(to: signedIn)
    RecommendationController(recommendations: registry.recommendations, audit: registry.audit, access: access).addRoutes(to: signedIn)
    AssignmentController(assignments: registry.assignments, access: access).addRoutes(to: signedIn)
    EvidenceController(evidence: registry.evidence, audit: registry.audit, access: access, maxUploadBytes: configuration.maxUploadBytes)
        .addRoutes(to: signedIn)
    let trail = AuditTrail(store: registry.audit, signingKey: configuration.auditSigningKey)
    AuditController(trail: trail).addRoutes(to: signedIn)
    ReportController(
        reports: registry.reports, pack: EvidencePack(reports: registry.reports, evidence: registry.evidence, trail: trail),
        reviews: registry.reviews, clocks: registry.clocks
    ).addRoutes(to: signedIn)
    LearningController(learning: registry.learning).addRoutes(to: signedIn)
    return router
}
