import Crypto
import Foundation
import RegisterDomain
import RegisterReports
import RegisterStore

/// Every action of the register, one function each, shared by the JSON API, the web pages and the
/// command line. Each applies the access policy, validation, the audit context and the transaction;
/// the faces only read their input and present the result.
public struct RegisterServices: Sendable {
    public let registry: Registry
    public let configuration: AppConfiguration
    public let clock: RegisterClock

    public let reviews: ReviewService
    public let reviewItems: ReviewItemService
    public let recommendations: RecommendationService
    public let assignments: AssignmentService
    public let evidence: EvidenceService
    public let reports: ReportService
    public let accounts: AccountService
    public let partners: PartnerService
    public let boards: BoardService
    public let audit: AuditService
    public let learning: LearningService
    public let dashboard: DashboardService
    public let forms: FormService
    public let monitoring: MonitoringService
    public let requests: InformationRequestService
    public let documents: ReviewDocumentService
    public let imports: ImportService
    public let reminders: ReminderService
    public let operations: OperationsService

    public init(registry: Registry, configuration: AppConfiguration, clock: RegisterClock = .system) {
        self.registry = registry
        self.configuration = configuration
        self.clock = clock
        let access = Access(store: registry.access)
        let trail = AuditTrail(store: registry.audit, signingKey: configuration.auditSigningKey)
        let history = HistoryReader(audit: registry.audit)
        self.reviews = ReviewService(store: registry.reviews, clocks: registry.clocks, history: history, access: access, clock: clock)
        self.reviewItems = ReviewItemService(store: registry.reviewItems, access: access)
        self.recommendations = RecommendationService(
            store: registry.recommendations, learning: registry.learning, history: history, access: access, clock: clock)
        self.assignments = AssignmentService(store: registry.assignments, access: access, clock: clock)
        self.evidence = EvidenceService(
            store: registry.evidence, audit: registry.audit, access: access, clock: clock, uploadPace: configuration.uploadPace)
        // Reports read through the reports database (a standby when REPORTS_DATABASE_URL is set);
        // recording that a report was taken (`audit`) writes to the main one.
        let standby = registry.reportsDatabase
        self.reports = ReportService(
            store: registry.reports, reviews: ReviewStore(database: standby), clocks: ClockStore(database: standby),
            pack: EvidencePack(reports: registry.reports, evidence: registry.evidence, documents: registry.reviewDocuments, trail: trail), audit: registry.audit, clock: clock,
            names: FilterNames(boards: registry.boards, partners: registry.partners, themes: registry.themes))
        self.accounts = AccountService(
            store: registry.accounts, partners: registry.partners, sessionHours: configuration.sessionHours,
            passwords: PasswordGate(slots: configuration.passwordHashingSlots), throttle: configuration.signInThrottle)
        self.partners = PartnerService(store: registry.partners)
        self.boards = BoardService(boards: registry.boards, themes: registry.themes, clock: clock)
        self.audit = AuditService(trail: trail)
        self.learning = LearningService(store: registry.learning)
        self.forms = FormService(store: registry.formSubmissions)
        self.dashboard = DashboardService(
            store: registry.dashboard, clocks: registry.clocks, reviews: registry.reviews, requests: registry.informationRequests, clock: clock)
        self.requests = InformationRequestService(
            store: registry.informationRequests, audit: registry.audit, access: access, clock: clock, uploadPace: configuration.uploadPace)
        self.documents = ReviewDocumentService(
            store: registry.reviewDocuments, audit: registry.audit, access: access, uploadPace: configuration.uploadPace)
        self.imports = ImportService(store: ImportStore(database: registry.database), boards: registry.boards, learning: registry.learning, clock: clock)
        self.reminders = ReminderService(
            store: registry.reminders, dashboard: registry.dashboard, clocks: registry.clocks, reviews: registry.reviews, clock: clock,
            publicURL: configuration.publicURL, retrySeconds: configuration.reminderRetrySeconds)
        self.operations = OperationsService(registry: registry)
        self.monitoring = MonitoringService(
            store: MonitoringStore(database: registry.database), periods: PeriodStore(database: standby), audit: registry.audit, clock: clock)
    }
}

/// A record's changes, field by field, oldest first (reads are events too, but not changes).
struct HistoryReader: Sendable {
    let audit: AuditStore

    func entries(table: String, id: UUID) async throws -> [HistoryEntry] {
        var entries: [HistoryEntry] = []
        var after: Int64?
        while true {
            let page = try await audit.events(AuditFilter(table: table, key: id.uuidString.lowercased()), after: after, limit: 500)
            entries += page.compactMap(HistoryEntry.init)
            guard page.count == 500 else { return entries }
            after = page.last?.seq
        }
    }
}
