import Foundation
import RegisterDomain
import RegisterStore

/// The coordinator's home page: what needs attention first.
public struct DashboardService: Sendable {
    let store: DashboardStore
    let clocks: ClockStore
    let reviews: ReviewStore
    let requests: InformationRequestStore
    let clock: RegisterClock

    /// A statutory clock due soon or missed, with its review.
    public struct ClockAlert: Sendable {
        public var review: Review
        public var clock: StatutoryClock
    }

    /// Everything on the coordinator's home page.
    public struct Overview: Sendable {
        public var overdue: Excerpt<OverdueAction>
        public var awaitingDecision: Excerpt<PendingEvidence>
        /// Clocks due within `clockHorizonDays` or missed, the earliest due first.
        public var clocks: [ClockAlert]
        public var reviewsByStatus: [(ReviewStatus, Int)]
        /// Further-information requests still open, and how many of them are overdue.
        public var requests: RequestFigures
        public var today: Day
    }

    /// How far ahead the home page looks for statutory deadlines.
    public static let clockHorizonDays = 30

    public func overview(listing limit: Int = 10, by actor: Actor) async throws -> Overview {
        // The home page shows the whole register's work: for staff who decide evidence.
        guard try actor.reach(.decideEvidence) == .everything else { throw DomainError.forbidden("the overview is for the partnership's staff") }
        let today = clock.today()
        async let overdue = store.overdueActions(today: today, limit: limit)
        async let waiting = store.awaitingDecision(now: clock.now(), limit: limit)
        async let byStatus = store.reviewsByStatus()
        async let requestFigures = requests.figures(today: today)
        let alerts = try await clockAlerts(today: today)
        return Overview(
            overdue: try await overdue, awaitingDecision: try await waiting, clocks: alerts,
            reviewsByStatus: try await byStatus.sorted { $0.0.order < $1.0.order }, requests: try await requestFigures, today: today)
    }

    /// Evidence waiting for a verdict, the longest waiting first: the evidence queue.
    public func queue(limit: Int, by actor: Actor) async throws -> Excerpt<PendingEvidence> {
        try actor.require(.decideEvidence)
        return try await store.awaitingDecision(now: clock.now(), limit: limit)
    }

    private func clockAlerts(today: Day) async throws -> [ClockAlert] {
        try await Self.clockAlerts(reviews: reviews, clocks: clocks, today: today, horizon: today.adding(days: Self.clockHorizonDays))
    }

    /// Statutory clocks of reviews under way that are running or paused and due by `horizon`, or
    /// missed, the earliest due first: the home page's list, and the coordinator's reminder digest.
    static func clockAlerts(reviews: ReviewStore, clocks: ClockStore, today: Day, horizon: Day) async throws -> [ClockAlert] {
        let underWay = try await Page.all(pageSize: 500) { try await reviews.list(ReviewFilter(), page: $0, today: today) }
            .filter { $0.state.status != .closed }
        let evaluated = try await clocks.clocks(of: underWay, today: today)
        var alerts: [ClockAlert] = []
        for review in underWay {
            for clock in evaluated[review.id] ?? [] {
                let soon = (clock.state == .running || clock.state == .paused) && (clock.dueOn.map { $0 <= horizon } ?? false)
                if soon || clock.state == .missed { alerts.append(ClockAlert(review: review, clock: clock)) }
            }
        }
        return alerts.sorted { ($0.clock.dueOn ?? today) < ($1.clock.dueOn ?? today) }
    }
}

extension ReviewStatus {
    /// The lifecycle's order, for listing statuses as a review passes through them.
    var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}
