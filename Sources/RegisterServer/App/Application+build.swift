import Foundation
import Hummingbird
import ServiceLifecycle
import Logging
import PostgresNIO
import RegisterDomain
import RegisterServices
import RegisterStore

/// Builds the whole HTTP application: used by `learning-register serve` and by every test.
public func buildApplication(_ configuration: AppConfiguration, logger: Logger? = nil, clock: RegisterClock = .system) -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "learning-register")
    logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
    // Before the services are made, so that everything they count is counted.
    PrometheusBackend.install()
    let client = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
    // REPORTS_DATABASE_URL: a second pool, for the reports' reads only.
    let reportsClient = configuration.reportsDatabase.map { PostgresClient(configuration: $0.clientConfiguration, backgroundLogger: logger) }
    let services = RegisterServices(
        registry: Registry(configuration, client: client, reportsClient: reportsClient, logger: logger), configuration: configuration,
        clock: clock)
    let router = buildRouter(services)
    var background: [any Service] = [client] + (reportsClient.map { [$0] } ?? [])
    background.append(JournalSealer(database: services.registry.database, logger: logger))
    if let at = configuration.remindersAt, let mail = configuration.mail {
        do {
            background.append(ReminderScheduler(services: services, at: at, sender: try SMTPClient(settings: mail), logger: logger))
        } catch {
            logger.error("reminders are off: the mail settings cannot be used", metadata: ["error": "\(error)"])
        }
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "learning-register"),
        services: background,
        logger: logger)
}

func buildRouter(_ services: RegisterServices) -> Router<RegisterRequestContext> {
    let configuration = services.configuration
    let router = Router(context: RegisterRequestContext.self)
    let views = Views.load()
    // Outermost, so that it sees every answer as sent, errors turned into problems included, and
    // times it to its last byte; by the route's pattern, never the path with its ids.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: ClientAddressMiddleware(trustedProxies: configuration.trustedProxies))
    // Outside the error handling, so error pages and problems carry the same headers as any answer.
    router.add(middleware: SecurityHeadersMiddleware())
    // Errors become problem+json under /api and error pages elsewhere, keeping their status.
    router.add(middleware: ProblemMiddleware(errorPage: WebPages.errorPage(views: views)))
    router.add(middleware: SameOriginMiddleware())
    let cookies = Cookies(secure: configuration.secureCookies)

    // Health checks answer without looking at credentials, so they work while the database is down.
    HealthController(database: services.registry.database).addRoutes(to: router)
    MetricsController(operations: services.operations, token: configuration.metricsToken).addRoutes(to: router)

    let api = router.group("api/v1").add(middleware: Authenticator(accounts: services.accounts, cookies: cookies))
    api.get("openapi.yaml") { _, _ in try OpenAPIDocument.response() }
    let session = SessionController(accounts: services.accounts, cookies: SessionCookie(cookies: cookies))
    session.addPublicRoutes(to: api)

    let signedIn = api.group(context: SignedInContext.self)
    session.addRoutes(to: signedIn)
    UserController(accounts: services.accounts).addRoutes(to: signedIn)
    BoardController(boards: services.boards).addRoutes(to: signedIn)
    ReminderController(reminders: services.reminders).addRoutes(to: signedIn)
    PartnerController(partners: services.partners).addRoutes(to: signedIn)
    ReviewController(reviews: services.reviews).addRoutes(to: signedIn)
    ClockController(reviews: services.reviews).addRoutes(to: signedIn)
    ReviewItemController(items: services.reviewItems).addRoutes(to: signedIn)
    RecommendationController(recommendations: services.recommendations).addRoutes(to: signedIn)
    AssignmentController(assignments: services.assignments).addRoutes(to: signedIn)
    EvidenceController(evidence: services.evidence, maxUploadBytes: configuration.maxUploadBytes).addRoutes(to: signedIn)
    InformationRequestController(requests: services.requests, maxUploadBytes: configuration.maxUploadBytes).addRoutes(to: signedIn)
    ReviewDocumentController(documents: services.documents, maxUploadBytes: configuration.maxUploadBytes).addRoutes(to: signedIn)
    AuditController(audit: services.audit).addRoutes(to: signedIn)
    ReportController(reports: services.reports).addRoutes(to: signedIn)
    MonitoringController(monitoring: services.monitoring).addRoutes(to: signedIn)
    LearningController(learning: services.learning, recommendations: services.recommendations).addRoutes(to: signedIn)

    WebPages(services: services, cookies: cookies, views: views).addRoutes(to: router)
    return router
}
