import Foundation
import Logging
import PostgresNIO
import RegisterDomain

extension ReminderFrequency: PostgresDecodable {}

/// A person who may get reminders, with their settings.
public struct ReminderRecipient: Sendable, Equatable {
    public var user: User
    public var preferences: ReminderPreferences

    public init(user: User, preferences: ReminderPreferences) {
        self.user = user
        self.preferences = preferences
    }
}

/// A rendered digest, ready to go into the outbox.
public struct OutgoingMessage: Sendable, Equatable {
    public var recipient: String
    public var subject: String
    public var textBody: String
    public var htmlBody: String

    public init(recipient: String, subject: String, textBody: String, htmlBody: String) {
        self.recipient = recipient
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
    }
}

/// A digest waiting in the outbox, with its message.
public struct QueuedMessage: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var day: Day
    public var kind: String
    public var attempts: Int
    public var createdAt: Date
    public var message: OutgoingMessage
}

/// A digest that could not be delivered within a day, for the admin page.
public struct UndeliveredReminder: Sendable, Equatable {
    public var id: UUID
    public var email: String
    public var name: String
    public var day: Day
    public var attempts: Int
    public var lastError: String
}

/// Reminder settings, what a digest lists, and the outbox its messages wait in.
///
/// What a digest lists reads the register's own definitions: `register.assignment_overdue` and
/// `register.information_request_overdue` in SQL, and a partner's reach exactly as the work list
/// applies it (`a.partner_id` / `q.partner_id` against the reach of `Policy`).
public struct ReminderStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Preferences

    /// The person's settings, or the defaults (daily, clock warnings on, version 0) when never set.
    public func preferences(of userID: UUID) async throws -> ReminderPreferences {
        try await database.read { c in
            try await Rows.first(
                c.query("SELECT frequency, clock_warnings, version FROM register.reminder_preferences WHERE user_id = \(userID)", logger: database.logger),
                Self.preferences) ?? ReminderPreferences()
        }
    }

    /// Records the person's settings; `expectedVersion` 0 means "never set before".
    public func setPreferences(of userID: UUID, expectedVersion: Int?, to p: ReminderPreferences, context: WriteContext) async throws -> ReminderPreferences {
        try await database.write(context) { c in
            let current = try await Rows.first(
                c.query("SELECT version FROM register.reminder_preferences WHERE user_id = \(userID) FOR UPDATE", logger: context.logger)
            ) { try $0.get("version", as: Int.self) } ?? 0
            if let expectedVersion, expectedVersion != current { throw DomainError.versionMismatch(current: current) }
            let rows = try await Rows.first(
                c.query(
                    """
                    INSERT INTO register.reminder_preferences (user_id, frequency, clock_warnings) VALUES (\(userID), \(p.frequency.rawValue), \(p.clockWarnings))
                    ON CONFLICT (user_id) DO UPDATE SET frequency = EXCLUDED.frequency, clock_warnings = EXCLUDED.clock_warnings,
                        version = register.reminder_preferences.version + 1, updated_at = now()
                    RETURNING frequency, clock_warnings, version
                    """, logger: context.logger), Self.preferences)
            return rows!
        }
    }

    private static func preferences(_ r: PostgresRandomAccessRow) throws -> ReminderPreferences {
        ReminderPreferences(frequency: try r.get("frequency"), clockWarnings: try r.get("clock_warnings"), version: try r.get("version"))
    }

    /// Active partner users and coordinators, with their settings: the people digests are for.
    public func recipients() async throws -> [ReminderRecipient] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT u.id, u.email, u.name, u.role, u.active, u.partner_id, u.created_at,
                           coalesce(p.frequency, 'daily') AS frequency, coalesce(p.clock_warnings, true) AS clock_warnings, coalesce(p.version, 0) AS version
                    FROM register.users u LEFT JOIN register.reminder_preferences p ON p.user_id = u.id
                    WHERE u.active AND u.role IN ('partner', 'coordinator')
                    ORDER BY u.email
                    """, logger: database.logger)
            ) { r in
                ReminderRecipient(
                    user: User(
                        id: try r.get("id"), email: try r.get("email"), name: try r.get("name"), role: try r.get("role"), active: try r.get("active"),
                        partnerID: try r.get("partner_id"), createdAt: try r.get("created_at")),
                    preferences: try Self.preferences(r))
            }
        }
    }

    // MARK: What a partner's digest lists

    /// A partner's lines within `reach`: actions due within their board's look-ahead, overdue, or
    /// returned for resubmission, and open further-information requests. Nothing outside the reach:
    /// a reach of everything is refused here, as partner digests are for one organisation.
    public func partnerItems(within reach: Reach, today: Day) async throws -> [ReminderItem] {
        guard let partner = reach.partnerID else { return [] }
        return try await database.read { c in
            let actions = try await Rows.all(
                c.query(
                    """
                    SELECT a.id, a.status, a.due_date, a.role, r.reference, x.number,
                           register.assignment_overdue(a.status, a.due_date, \(today)) AS overdue,
                           (a.due_date <= \(today)::date + b.reminder_due_within_days) AS due_soon
                    FROM register.assignments a
                    JOIN register.recommendations x ON x.id = a.recommendation_id
                    JOIN register.reviews r ON r.id = x.review_id
                    JOIN register.boards b ON b.id = r.board_id
                    WHERE a.partner_id = \(partner) AND NOT register.assignment_done(a.status)
                    ORDER BY a.due_date, r.reference, x.number, a.id
                    """, logger: database.logger)
            ) { r -> ReminderItem? in
                let status: AssignmentStatus = try r.get("status")
                let role: AssignmentRole = try r.get("role")
                let number: String = try r.get("number")
                let id: UUID = try r.get("id")
                let overdue: Bool = try r.get("overdue")
                let dueSoon: Bool = try r.get("due_soon")
                let topic: ReminderTopic
                if status == .returned {
                    topic = .returned
                } else if overdue {
                    topic = .overdue
                } else if dueSoon {
                    topic = .dueSoon
                } else {
                    return nil
                }
                return ReminderItem(
                    topic: topic, reference: try r.get("reference"), title: "Recommendation \(number), \(role.rawValue) action",
                    date: try r.get("due_date"), dateLabel: "Due", path: "/assignments/\(id.uuidString.lowercased())")
            }
            let requests = try await Rows.all(
                c.query(
                    """
                    SELECT q.id, q.kind, q.due_date, coalesce(r.reference, 'Further information') AS reference,
                           register.information_request_overdue(q.status, q.due_date, \(today)) AS overdue
                    FROM register.information_requests q LEFT JOIN register.reviews r ON r.id = q.review_id
                    WHERE q.partner_id = \(partner) AND q.status = 'open'
                    ORDER BY q.due_date, q.id
                    """, logger: database.logger)
            ) { r in
                let kind = try r.get("kind", as: String.self) == "briefing" ? "Briefing requested" : "Information requested"
                let overdue: Bool = try r.get("overdue")
                let id: UUID = try r.get("id")
                return ReminderItem(
                    topic: .openRequest, reference: try r.get("reference"), title: overdue ? "\(kind) (overdue)" : kind,
                    date: try r.get("due_date"), dateLabel: "Due", path: "/information-requests/\(id.uuidString.lowercased())")
            }
            return actions.compactMap { $0 } + requests
        }
    }

    // MARK: Outbox

    /// Puts a digest and its message into the outbox, unless the person already has one for the
    /// day: true when this call added it. `now` is the register's clock, which back-off and giving
    /// up are measured by.
    public func enqueue(_ digest: ReminderDigest, _ message: OutgoingMessage, at now: Date, context: WriteContext) async throws -> Bool {
        try await database.write(context) { c in
            let id = UUID.v7()
            let inserted = try await Rows.first(
                c.query(
                    """
                    INSERT INTO register.reminder_outbox (id, user_id, digest_day, kind, item_count, next_attempt_at, created_at)
                    VALUES (\(id), \(digest.userID), \(digest.day), \(digest.kind.rawValue), \(digest.items.count), \(now), \(now))
                    ON CONFLICT ON CONSTRAINT reminder_outbox_one_per_day DO NOTHING RETURNING id
                    """, logger: context.logger)
            ) { try $0.get("id", as: UUID.self) }
            guard inserted != nil else { return false }
            try await c.run(
                """
                INSERT INTO mail.messages (outbox_id, recipient, subject, text_body, html_body)
                VALUES (\(id), \(message.recipient), \(message.subject), \(message.textBody), \(message.htmlBody))
                """, logger: context.logger)
            return true
        }
    }

    /// Digests waiting to be sent whose time has come, oldest first.
    public func due(now: Date, limit: Int = 500) async throws -> [QueuedMessage] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT o.id, o.user_id, o.digest_day, o.kind, o.attempts, o.created_at, m.recipient, m.subject, m.text_body, m.html_body
                    FROM register.reminder_outbox o JOIN mail.messages m ON m.outbox_id = o.id
                    WHERE o.status = 'pending' AND o.next_attempt_at <= \(now)
                    ORDER BY o.next_attempt_at, o.id LIMIT \(limit)
                    """, logger: database.logger)
            ) { r in
                QueuedMessage(
                    id: try r.get("id"), userID: try r.get("user_id"), day: try r.get("digest_day"), kind: try r.get("kind"),
                    attempts: try r.get("attempts"), createdAt: try r.get("created_at"),
                    message: OutgoingMessage(
                        recipient: try r.get("recipient"), subject: try r.get("subject"), textBody: try r.get("text_body"),
                        htmlBody: try r.get("html_body")))
            }
        }
    }

    /// Records a delivery: the audit trail gets the row's change (who, which digest, when), and the
    /// body is deleted, as nothing needs it any more.
    public func markSent(_ id: UUID, at when: Date, context: WriteContext) async throws {
        try await database.write(context) { c in
            try await c.run(
                "UPDATE register.reminder_outbox SET status = 'sent', sent_at = \(when), attempts = attempts + 1 WHERE id = \(id) AND status = 'pending'",
                logger: context.logger)
            try await c.run("DELETE FROM mail.messages WHERE outbox_id = \(id)", logger: context.logger)
        }
    }

    /// Records a failed attempt: tried again at `retryAt`, or given up (body deleted) when nil.
    public func markFailed(_ id: UUID, error: String, retryAt: Date?, context: WriteContext) async throws {
        let reason = String(error.prefix(500)).isEmpty ? "unknown error" : String(error.prefix(500))
        try await database.write(context) { c in
            if let retryAt {
                try await c.run(
                    """
                    UPDATE register.reminder_outbox SET attempts = attempts + 1, next_attempt_at = \(retryAt), last_error = \(reason)
                    WHERE id = \(id) AND status = 'pending'
                    """, logger: context.logger)
            } else {
                try await c.run(
                    """
                    UPDATE register.reminder_outbox SET status = 'given_up', attempts = attempts + 1, last_error = \(reason)
                    WHERE id = \(id) AND status = 'pending'
                    """, logger: context.logger)
                try await c.run("DELETE FROM mail.messages WHERE outbox_id = \(id)", logger: context.logger)
            }
        }
    }

    /// Gives up every digest still pending made before `cutoff` (no run came to retry it in time).
    public func giveUpOlderThan(_ cutoff: Date, context: WriteContext) async throws -> Int {
        try await database.write(context) { c in
            let ids = try await Rows.all(
                c.query(
                    """
                    UPDATE register.reminder_outbox SET status = 'given_up', last_error = coalesce(last_error, 'not delivered within a day')
                    WHERE status = 'pending' AND created_at < \(cutoff) RETURNING id
                    """, logger: context.logger)
            ) { try $0.get("id", as: UUID.self) }
            if !ids.isEmpty {
                try await c.run("DELETE FROM mail.messages WHERE outbox_id = ANY(\(ids))", logger: context.logger)
            }
            return ids.count
        }
    }

    /// Digests given up, the latest first.
    public func givenUp(limit: Int) async throws -> [UndeliveredReminder] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT o.id, u.email, u.name, o.digest_day, o.attempts, o.last_error
                    FROM register.reminder_outbox o JOIN register.users u ON u.id = o.user_id
                    WHERE o.status = 'given_up' ORDER BY o.digest_day DESC, o.id LIMIT \(limit)
                    """, logger: database.logger)
            ) { r in
                UndeliveredReminder(
                    id: try r.get("id"), email: try r.get("email"), name: try r.get("name"), day: try r.get("digest_day"),
                    attempts: try r.get("attempts"), lastError: try r.get("last_error"))
            }
        }
    }

    // MARK: One sender at a time

    /// The advisory lock's key: "reminders" in ASCII, so it cannot meet another feature's.
    static let lockKey: Int64 = 0x72656D696E64

    /// Runs `body` only if no other process holds the reminders lock (several servers, or a server
    /// and a cron job): nil when another has it. The lock is the session's, on a connection held for
    /// the run, so a crash releases it with the connection.
    public func whileHoldingSenderLock<T: Sendable>(_ body: () async throws -> T) async throws -> T? {
        try await database.read { c in
            let got = try await Rows.first(
                c.query("SELECT pg_try_advisory_lock(\(Self.lockKey)) AS got", logger: database.logger)) { try $0.get("got", as: Bool.self) }
            guard got == true else { return nil }
            do {
                let result = try await body()
                try await c.run("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: database.logger)
                return result
            } catch {
                try? await c.run("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: database.logger)
                throw error
            }
        }
    }
}
