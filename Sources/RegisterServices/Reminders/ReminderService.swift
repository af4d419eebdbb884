import Foundation
import Logging
import RegisterDomain
import RegisterStore

/// Hands a message to the mail system: the SMTP client in service, a recorder in tests.
public protocol MailSender: Sendable {
    func send(_ message: OutgoingMessage, messageID: String, date: Date) async throws
}

extension SMTPClient: MailSender {}

/// Reminder digests: each person's settings, what their digest lists, and the outbox they are sent from.
///
/// A digest's lines come from the register's own definitions (overdue in SQL, statutory clocks,
/// working days), and a partner's from their organisation's reach only.
public struct ReminderService: Sendable {
    let store: ReminderStore
    let dashboard: DashboardStore
    let clocks: ClockStore
    let reviews: ReviewStore
    let clock: RegisterClock
    let publicURL: String?
    /// The first retry's wait, in seconds (`REMINDERS_RETRY_SECONDS`).
    let retrySeconds: Int

    /// What a run did.
    public struct RunSummary: Sendable, Equatable {
        /// The digests of the day (all of them on a dry run; otherwise those newly put in the outbox).
        public var digests: [ReminderDigest]
        public var sent = 0
        public var retrying = 0
        public var givenUp = 0
        /// Another process held the sender's lock, so this one did nothing.
        public var skipped = false
    }

    // MARK: A person's settings

    /// The signed-in person's reminder settings.
    public func preferences(by actor: Actor) async throws -> ReminderPreferences {
        try actor.require(.manageOwnAccount)
        guard let user = actor.user else { throw DomainError.forbidden("reminders are for people who sign in") }
        return try await store.preferences(of: user.id)
    }

    /// Records the signed-in person's reminder settings (a coordinator keeps clock warnings).
    public func setPreferences(
        _ preferences: @autoclosure () async throws -> ReminderPreferences, expectedVersion: Int?, by actor: Actor
    ) async throws -> ReminderPreferences {
        try actor.require(.manageOwnAccount)
        guard let user = actor.user else { throw DomainError.forbidden("reminders are for people who sign in") }
        let chosen = try await preferences()
        try chosen.validate(for: user.role)
        return try await store.setPreferences(of: user.id, expectedVersion: expectedVersion, to: chosen, context: actor.write)
    }

    /// Digests that could not be delivered within a day, the latest first: for admins.
    public func undelivered(limit: Int = 50, by actor: Actor) async throws -> [UndeliveredReminder] {
        try actor.require(.manageUsers)
        return try await store.givenUp(limit: limit)
    }

    // MARK: Making and sending the day's digests

    /// Each person's digest for `day`, as the rules and their settings give it (nothing is written).
    public func digests(for day: Day, by actor: Actor) async throws -> [ReminderDigest] {
        guard try actor.reach(.manageUsers) == .everything else { throw DomainError.forbidden("sending reminders is an operator's task") }
        let recipients = try await store.recipients()
        var staffItems: [ReminderItem]?
        var digests: [ReminderDigest] = []
        for recipient in recipients {
            let user = recipient.user
            let items: [ReminderItem]
            switch user.role {
            case .partner:
                // The same reach the partner's work list has: their organisation's records only.
                guard let reach = Policy.reach(user.role, partner: user.partnerID, .readAssignments), reach.partnerID != nil else { continue }
                items = try await store.partnerItems(within: reach, today: day)
            case .coordinator:
                if staffItems == nil { staffItems = try await coordinatorItems(today: day) }
                items = staffItems ?? []
            case .admin, .auditor:
                continue
            }
            guard let chosen = ReminderRules.digest(role: user.role, preferences: recipient.preferences, day: day, items: items) else { continue }
            digests.append(ReminderDigest(userID: user.id, email: user.email, day: day, kind: chosen.kind, items: chosen.items))
        }
        return digests
    }

    /// Evidence waiting longer than five working days, statutory clocks due within five working days
    /// or missed, and overdue actions by partner: the same for every coordinator.
    func coordinatorItems(today: Day) async throws -> [ReminderItem] {
        let calendar = try await clocks.calendar()
        var items: [ReminderItem] = []
        let alerts = try await DashboardService.clockAlerts(
            reviews: reviews, clocks: clocks, today: today, horizon: calendar.adding(ReminderRules.clockWarningWorkingDays, to: today))
        for alert in alerts {
            guard let due = alert.clock.dueOn else { continue }
            items.append(
                ReminderItem(
                    topic: .clock, reference: alert.review.details.reference, title: alert.clock.label + (alert.clock.state == .missed ? " (missed)" : ""),
                    date: due, dateLabel: "Due", path: "/reviews/\(alert.review.id.uuidString.lowercased())"))
        }
        for waiting in try await dashboard.awaitingDecision(now: clock.now(), limit: 1000).items {
            let received = Day.today(now: waiting.receivedAt)
            guard calendar.count(from: received, to: today) > ReminderRules.evidenceWaitWorkingDays else { continue }
            items.append(
                ReminderItem(
                    topic: .evidenceWaiting, reference: waiting.reviewReference, title: "Recommendation \(waiting.recommendationNumber), evidence",
                    partnerName: waiting.partnerName, date: received, dateLabel: "Received", path: "/evidence"))
        }
        for overdue in try await dashboard.overdueActions(today: today, limit: 1000).items.sorted(by: { ($0.partnerName, $0.dueDate) < ($1.partnerName, $1.dueDate) }) {
            items.append(
                ReminderItem(
                    topic: .partnerOverdue, reference: overdue.reviewReference, title: "Recommendation \(overdue.recommendationNumber)",
                    partnerName: overdue.partnerName, date: overdue.dueDate, dateLabel: "Was due",
                    path: "/assignments/\(overdue.assignmentID.uuidString.lowercased())"))
        }
        return items
    }

    /// Makes `day`'s digests, puts each in the outbox (once per person per day), then sends what is
    /// due. On a dry run, only says who would get what. Only one process sends at a time.
    public func run(day: Day, dryRun: Bool, sender: (any MailSender)?, by actor: Actor) async throws -> RunSummary {
        if dryRun { return RunSummary(digests: try await digests(for: day, by: actor)) }
        guard let publicURL else { throw DomainError.conflict("PUBLIC_URL is not set: digests link into the register, so it must know its address") }
        let made = try await store.whileHoldingSenderLock { () async throws -> RunSummary in
            var summary = RunSummary(digests: [])
            for digest in try await digests(for: day, by: actor) {
                let message = MIMEMessage.compose(digest, publicURL: publicURL)
                if try await store.enqueue(digest, message, at: clock.now(), context: actor.write) { summary.digests.append(digest) }
            }
            if let sender { try await deliver(into: &summary, sender: sender, by: actor) }
            return summary
        }
        return made ?? RunSummary(digests: [], skipped: true)
    }

    /// Sends whatever in the outbox is due (retries included), without making new digests.
    public func retry(sender: any MailSender, by actor: Actor) async throws -> RunSummary {
        try actor.require(.manageUsers)
        let done = try await store.whileHoldingSenderLock { () async throws -> RunSummary in
            var summary = RunSummary(digests: [])
            try await deliver(into: &summary, sender: sender, by: actor)
            return summary
        }
        return done ?? RunSummary(digests: [], skipped: true)
    }

    private func deliver(into summary: inout RunSummary, sender: any MailSender, by actor: Actor) async throws {
        try actor.require(.manageUsers)
        let now = clock.now()
        let expired = try await store.giveUpOlderThan(now.addingTimeInterval(-ReminderRules.giveUpAfter), context: actor.write)
        if expired > 0 { actor.logger.error("reminders given up: not delivered within a day", metadata: ["count": "\(expired)"]) }
        summary.givenUp += expired
        for queued in try await store.due(now: now) {
            let domain = publicURL.flatMap { URL(string: $0)?.host } ?? "learning-register.invalid"
            do {
                try await sender.send(queued.message, messageID: "\(queued.id.uuidString.lowercased())@\(domain)", date: clock.now())
                try await store.markSent(queued.id, at: clock.now(), context: actor.write)
                actor.logger.info("reminder sent", metadata: ["outbox": "\(queued.id)", "user": "\(queued.userID)", "day": "\(queued.day)"])
                summary.sent += 1
            } catch {
                let retryAt = clock.now().addingTimeInterval(ReminderRules.retryDelay(afterAttempts: queued.attempts + 1, first: TimeInterval(retrySeconds)))
                let permanent = (error as? SMTPError)?.permanent == true
                let expired = retryAt >= queued.createdAt.addingTimeInterval(ReminderRules.giveUpAfter)
                let reason = String(describing: error)
                try await store.markFailed(queued.id, error: reason, retryAt: permanent || expired ? nil : retryAt, context: actor.write)
                if permanent || expired {
                    actor.logger.error("reminder given up", metadata: ["outbox": "\(queued.id)", "user": "\(queued.userID)", "error": "\(reason)"])
                    summary.givenUp += 1
                } else {
                    actor.logger.warning("reminder not sent; will try again", metadata: ["outbox": "\(queued.id)", "retry_at": "\(retryAt)", "error": "\(reason)"])
                    summary.retrying += 1
                }
            }
        }
    }
}
