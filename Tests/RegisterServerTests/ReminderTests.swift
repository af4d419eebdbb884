import Foundation
import HTTPTypes
import PostgresNIO
import RegisterDomain
@testable import RegisterServer
@testable import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

/// Reminder digests (issue 15): what each person's digest lists, that it comes from the register's
/// own definitions and a partner's reach only, the outbox's once-a-day rule, retries and giving up,
/// the settings page. Delivery through a real SMTP server is Tests/reminders (aiosmtpd).
@Suite("reminder digests")
struct ReminderTests {
    /// A day well after PartnerWorld's due dates (31 March 2026) and its evidence (received today).
    static let later = Day(year: 2027, month: 2, day: 1)!

    @Test("a partner's digest lists their organisation's overdue and returned actions and open requests, never another's")
    func partnerIsolation() async throws {
        let clock = MovableClock(Self.noon(Self.later))
        try await withAPI(clock: clock.register) { api in
            // setup
            let world = try await PartnerWorld.make(api)
            var requests: [UUID: String] = [:]
            for side in PartnerWorld.Side.allCases {
                let partner = side == .own ? api.ownPartner : api.otherPartner
                let asked = try await api.call(
                    .post, "/api/v1/information-requests",
                    json: #"{"partner_id":"\#(partner.uuidString.lowercased())","kind":"briefing","question":"Secret question \#(side)","due_date":"2027-03-01","review_id":"\#(world[side].review)"}"#)
                #expect(asked.status == .created, "\(asked.text)")
                requests[partner] = (asked.json["id"] as? String)?.lowercased()
            }
            let services = Self.services(api, clock: clock)

            // act
            let digests = try await services.reminders.digests(for: Self.later, by: .system("tests", logger: TestDatabase.logger))

            // check
            let own = try #require(digests.first { $0.email == "partner@example.org" })
            let other = try #require(digests.first { $0.email == "other-partner@example.org" })
            for (digest, mine, theirs) in [(own, world.own, world.other), (other, world.other, world.own)] {
                let paths = digest.items.map(\.path)
                #expect(paths.contains("/assignments/\(mine.assignment.lowercased())"))
                #expect(!paths.contains("/assignments/\(theirs.assignment.lowercased())"))
                #expect(digest.items.contains { $0.topic == .overdue })
                #expect(digest.items.contains { $0.topic == .openRequest })
                #expect(!digest.items.contains { $0.topic == .clock || $0.topic == .evidenceWaiting || $0.topic == .partnerOverdue })
                #expect(digest.items.allSatisfy { $0.partnerName == nil })
                let partner = digest.email == own.email ? api.ownPartner : api.otherPartner
                #expect(digest.items.filter { $0.topic == .openRequest }.map(\.path) == ["/information-requests/\(requests[partner]!)"])
            }
            // The admin and the auditor get no digest; the coordinator gets the partnership's view.
            #expect(!digests.contains { $0.email == "admin@example.org" || $0.email == "auditor@example.org" })
            let coordinator = try #require(digests.first { $0.email == "coordinator@example.org" })
            #expect(Set(coordinator.items.filter { $0.topic == .partnerOverdue }.compactMap(\.partnerName)) == ["Own Police", "Other Health"])
            #expect(coordinator.items.filter { $0.topic == .evidenceWaiting }.count == 2)
        }
    }

    @Test("overdue in a digest is the database's definition: the same actions the overdue work list shows")
    func overdueDefinedOnce() async throws {
        let clock = MovableClock(Self.noon(Day(year: 2026, month: 4, day: 1)!))
        try await withAPI(clock: clock.register) { api in
            let world = try await PartnerWorld.make(api)
            let services = Self.services(api, clock: clock)
            for day in [Day(year: 2026, month: 3, day: 31)!, Day(year: 2026, month: 4, day: 1)!] {
                let digests = try await services.reminders.digests(for: day, by: .system("tests", logger: TestDatabase.logger))
                let listed = try await api.registry.assignments.list(
                    AssignmentFilter(overdue: true, reach: .partner(api.ownPartner)), page: PageRequest(limit: 100), today: day
                ).items.map { "/assignments/\($0.id.uuidString.lowercased())" }
                let inDigest = digests.first { $0.email == "partner@example.org" }?.items.filter { $0.topic == .overdue }.map(\.path) ?? []
                #expect(inDigest == listed, "on \(day)")
                #expect(listed.isEmpty == (day < Day(year: 2026, month: 4, day: 1)!), "\(world.own.assignment) is due 31 March")
            }
        }
    }

    @Test("work closed without evidence (an imported tracker's complete) is done with: in no digest, not due in the work list")
    func closedWithoutEvidenceIsDone() async throws {
        let clock = MovableClock(Self.noon(Self.later))
        try await withAPI(clock: clock.register) { api in
            let world = try await PartnerWorld.make(api)
            let services = Self.services(api, clock: clock)
            let path = "/assignments/\(world.own.assignment.lowercased())"
            func listed() async throws -> (digest: Bool, dueSoon: Bool) {
                let digests = try await services.reminders.digests(for: Self.later, by: .system("tests", logger: TestDatabase.logger))
                let due = try await api.registry.assignments.list(
                    AssignmentFilter(dueWithinDays: 14, reach: .partner(api.ownPartner)), page: PageRequest(limit: 100), today: Self.later)
                return (
                    digests.first { $0.email == "partner@example.org" }?.items.contains { $0.path == path } ?? false,
                    due.items.contains { $0.id.uuidString.lowercased() == world.own.assignment.lowercased() })
            }
            let before = try await listed()
            #expect(before.digest && before.dueSoon, "the open action is chased and due")

            // As the import records a tracker's "Complete" (migration 20), through the audited path.
            _ = try await Self.count(
                api,
                """
                WITH marked AS (
                    UPDATE register.assignments SET status = 'closed_without_evidence', version = version + 1
                    FROM (SELECT set_config('app.actor', 'system:tests', true), set_config('app.request_id', 'closed-without-evidence', true)) s
                    WHERE id = '\(world.own.assignment)' RETURNING 1)
                SELECT count(*)::int FROM marked
                """)

            let after = try await listed()
            #expect(!after.digest, "a digest never chases work done with")
            #expect(!after.dueSoon, "the work list's due-within filter leaves out work done with")
        }
    }

    @Test("serve's daily round: at REMINDERS_AT (UK time) the scheduler makes and sends the day's digests by itself")
    func schedulerSendsAtTheSetTime() async throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .london
        let start = calendar.date(from: DateComponents(year: 2027, month: 2, day: 1, hour: 6, minute: 59, second: 58))!
        let clock = MovableClock(start)
        try await withAPI(clock: clock.register) { api in
            _ = try await PartnerWorld.make(api)
            let sender = RecordingSender()
            let scheduler = ReminderScheduler(
                services: Self.services(api, clock: clock), at: try #require(ReminderTime("07:00")), sender: sender, logger: TestDatabase.logger)
            let rounds = Task { await scheduler.rounds() }
            // The scheduler reads the time (06:59:58) and sleeps until 07:00; meanwhile the day moves on.
            try await Task.sleep(for: .milliseconds(500))
            #expect(sender.sent.isEmpty, "nothing before 07:00")
            clock.advance(5)
            let expected: Set = ["partner@example.org", "other-partner@example.org", "coordinator@example.org"]
            // The round sends one message after another: wait for all of them (a busy machine is slow).
            for _ in 0..<600 where !Set(sender.sent.map(\.recipient)).isSuperset(of: expected) {
                try await Task.sleep(for: .milliseconds(100))
            }
            rounds.cancel()
            await rounds.value
            #expect(Set(sender.sent.map(\.recipient)).isSuperset(of: expected))
            #expect(sender.sent.count == Set(sender.sent.map(\.recipient)).count, "one digest each")
        }
    }

    @Test("each person gets one digest a day however often the run is made; the trail records the send, not the body")
    func onceADay() async throws {
        let clock = MovableClock(Self.noon(Self.later))
        try await withAPI(clock: clock.register) { api in
            _ = try await PartnerWorld.make(api)
            let services = Self.services(api, clock: clock)
            let mail = RecordingSender()
            let system = Actor.system("reminders", logger: TestDatabase.logger)

            let first = try await services.reminders.run(day: Self.later, dryRun: false, sender: mail, by: system)
            let again = try await services.reminders.run(day: Self.later, dryRun: false, sender: mail, by: system)

            #expect(first.sent == 3 && first.digests.count == 3)
            #expect(again.sent == 0 && again.digests.isEmpty)
            #expect(mail.sent.map(\.recipient).sorted() == ["coordinator@example.org", "other-partner@example.org", "partner@example.org"])
            // A dry run writes nothing and sends nothing.
            let dry = try await services.reminders.run(day: Self.later.adding(days: 1), dryRun: true, sender: mail, by: system)
            #expect(dry.digests.count == 3 && mail.sent.count == 3)
            let trail = try await AccountLifecycleTests.trail(api).filter { $0.contains("reminder_outbox") }
            #expect(trail.count == 6, "an insert and a 'sent' per digest")
            #expect(trail.allSatisfy { $0.contains("system:reminders") })
            let subject = try #require(mail.sent.first?.subject)
            #expect(!trail.contains { $0.contains(subject) || $0.contains("Recommendation 1") })
            let bodies = try await Self.count(api, "SELECT count(*) FROM mail.messages")
            #expect(bodies == 0, "bodies are deleted once sent")
        }
    }

    @Test("a failed send is retried with back-off and given up after a day, shown to admins; a refusal of the address is given up at once")
    func retriesAndGivingUp() async throws {
        let clock = MovableClock(Self.noon(Self.later))
        try await withAPI(clock: clock.register) { api in
            _ = try await PartnerWorld.make(api)
            let services = Self.services(api, clock: clock)
            let system = Actor.system("reminders", logger: TestDatabase.logger)
            let mail = RecordingSender()
            mail.failWith = SMTPError(step: "DATA", code: 451, message: "try later")

            let first = try await services.reminders.run(day: Self.later, dryRun: false, sender: mail, by: system)
            #expect(first.retrying == 3 && first.sent == 0)
            // Not yet due again: nothing is tried.
            let early = try await services.reminders.retry(sender: mail, by: system)
            #expect(early.retrying == 0 && mail.attempts == 3)
            clock.advance(61)
            let second = try await services.reminders.retry(sender: mail, by: system)
            #expect(second.retrying == 3 && mail.attempts == 6)
            #expect(try await Self.count(api, "SELECT count(*) FROM register.reminder_outbox WHERE attempts = 2 AND next_attempt_at > now()") == 3)

            clock.advance(24 * 3600)
            let late = try await services.reminders.retry(sender: mail, by: system)
            #expect(late.givenUp == 3)
            let undelivered = try await services.reminders.undelivered(by: system)
            #expect(undelivered.count == 3 && undelivered.allSatisfy { $0.lastError.contains("451") })

            // The admin page says so.
            let admin = try await AdminPageTests.visitor(api, "admin@example.org").get("/admin")
            #expect(AdminPageTests.words(admin).contains("Reminder e-mails not delivered"))
            #expect(AdminPageTests.words(admin).contains("partner@example.org"))

            // A 550 for the address: trying again will not help.
            mail.failWith = SMTPError(step: "RCPT", code: 550, message: "no such mailbox")
            let next = try await services.reminders.run(day: Self.later.adding(days: 1), dryRun: false, sender: mail, by: system)
            #expect(next.givenUp == 3 && next.retrying == 0)
        }
    }

    @Test("coordinators cannot switch off statutory-clock warnings: refused by the service and by the database")
    func coordinatorsKeepClockWarnings() async throws {
        try await withAPI { api in
            let services = Self.services(api, clock: MovableClock(Date()))
            let coordinator = try #require(try await api.registry.accounts.credentials(email: "coordinator@example.org")).user
            let actor = Actor(user: coordinator, requestID: "t", logger: TestDatabase.logger)
            await #expect(throws: RegisterDomain.ValidationError.self) {
                _ = try await services.reminders.setPreferences(ReminderPreferences(frequency: .none, clockWarnings: false), expectedVersion: nil, by: actor)
            }
            let none = try await services.reminders.setPreferences(ReminderPreferences(frequency: .none), expectedVersion: 0, by: actor)
            #expect(none.frequency == .none && none.clockWarnings && none.version == 1)
            // Straight to the database, past the service: refused there too.
            await #expect(throws: (any Error).self) {
                try await api.registry.reminders.setPreferences(
                    of: coordinator.id, expectedVersion: nil, to: ReminderPreferences(frequency: .none, clockWarnings: false),
                    context: WriteContext(actor: .system("tests"), requestID: "t", logger: TestDatabase.logger))
            }
        }
        // The rule: "none" still carries clock warnings to a coordinator; weekly is Mondays only.
        let clockItem = ReminderItem(topic: .clock, reference: "R-1", title: "Final report", date: Self.later, dateLabel: "Due", path: "/reviews/x")
        let overdue = ReminderItem(topic: .partnerOverdue, reference: "R-1", title: "Recommendation 1", date: Self.later, dateLabel: "Was due", path: "/a")
        let tuesday = Day(year: 2027, month: 2, day: 2)!
        #expect(ReminderRules.digest(role: .coordinator, preferences: .init(frequency: .none), day: tuesday, items: [clockItem, overdue])?.kind == .clocks)
        #expect(ReminderRules.digest(role: .coordinator, preferences: .init(frequency: .none), day: tuesday, items: [overdue]) == nil)
        #expect(ReminderRules.digest(role: .partner, preferences: .init(frequency: .weekly), day: tuesday, items: [overdue]) == nil)
        #expect(ReminderRules.digest(role: .partner, preferences: .init(frequency: .weekly), day: Self.later, items: [overdue])?.kind == .weekly)
    }

    @Test("the API: GET and PUT /api/v1/me/reminders with If-Match; a coordinator's clock warnings stay on (422)")
    func settingsAPI() async throws {
        try await withAPI { api in
            let first = try await api.call(.get, "/api/v1/me/reminders", as: .partner)
            #expect(first.status == .ok && first.json["frequency"] as? String == "daily" && first.headers[.eTag] == "\"0\"")
            let noMatch = try await api.call(.put, "/api/v1/me/reminders", as: .partner, json: #"{"frequency":"weekly"}"#)
            #expect(noMatch.status == .preconditionRequired)
            let saved = try await api.call(.put, "/api/v1/me/reminders", as: .partner, json: #"{"frequency":"weekly"}"#, headers: [.ifMatch: "\"0\""])
            #expect(saved.status == .ok && saved.json["frequency"] as? String == "weekly" && saved.json["version"] as? Int == 1)
            let stale = try await api.call(.put, "/api/v1/me/reminders", as: .partner, json: #"{"frequency":"none"}"#, headers: [.ifMatch: "\"0\""])
            #expect(stale.status == .preconditionFailed)
            let refused = try await api.call(
                .put, "/api/v1/me/reminders", as: .coordinator, json: #"{"frequency":"none","clock_warnings":false}"#, headers: [.ifMatch: "\"0\""])
            #expect(refused.status == .unprocessableContent && refused.isProblem)
            let unknown = try await api.call(.put, "/api/v1/me/reminders", as: .partner, json: #"{"frequency":"hourly"}"#, headers: [.ifMatch: "\"1\""])
            #expect(unknown.status.code / 100 == 4 && unknown.isProblem)
        }
    }

    @Test("only one process sends at a time: a second, while the first holds the advisory lock, does nothing")
    func oneSenderAtATime() async throws {
        try await withAPI { api in
            let store = api.registry.reminders
            // The inner call leases another connection, so another session, as a second server would.
            let inner = try await store.whileHoldingSenderLock { try await store.whileHoldingSenderLock { 1 } }
            #expect(inner == .some(nil))
            // Released afterwards: the next run gets it.
            #expect(try await store.whileHoldingSenderLock { 2 } == 2)
        }
    }

    @Test("the mail settings: STARTTLS unless the URL says otherwise, MAIL_FROM required, REMINDERS_AT in UK time")
    func mailSettings() throws {
        let base = ["DATABASE_URL": "postgres://u:p@localhost:5432/d"]
        let secure = try AppConfiguration.fromEnvironment(
            base.merging(["SMTP_URL": "smtp://user%40x:p%20w@mail.example.org", "MAIL_FROM": "register@example.org", "PUBLIC_URL": "https://r.example/"]) { $1 })
        #expect(secure.mail?.security == .startTLS && secure.mail?.port == 587 && secure.mail?.username == "user@x" && secure.mail?.password == "p w")
        #expect(secure.publicURL == "https://r.example")
        let relay = try AppConfiguration.fromEnvironment(base.merging(["SMTP_URL": "smtp://localhost:25?starttls=off", "MAIL_FROM": "r@example.org"]) { $1 })
        #expect(relay.mail?.security == MailSettings.Security.none)
        #expect(throws: AppConfiguration.Invalid.self) {
            try AppConfiguration.fromEnvironment(base.merging(["SMTP_URL": "smtp://mail.example.org"]) { $1 })
        }
        #expect(throws: AppConfiguration.Invalid.self) {
            try AppConfiguration.fromEnvironment(base.merging(["REMINDERS_AT": "7am"]) { $1 })
        }
        // 07:00 in London is 06:00 UTC in summer and 07:00 UTC in winter.
        let at = try #require(ReminderTime("07:00"))
        let summer = at.next(after: ISO8601DateFormatter().date(from: "2026-07-01T10:00:00Z")!)
        #expect(ISO8601DateFormatter().string(from: summer) == "2026-07-02T06:00:00Z")
        let winter = at.next(after: ISO8601DateFormatter().date(from: "2026-12-01T05:00:00Z")!)
        #expect(ISO8601DateFormatter().string(from: winter) == "2026-12-01T07:00:00Z")
    }

    @Test("the message says as little as it can, escapes what it shows, and links to the settings page")
    func messageContents() throws {
        let item = ReminderItem(
            topic: .overdue, reference: "R<script>1", title: "Recommendation 2, lead action", date: Self.later, dateLabel: "Due", path: "/assignments/abc")
        let message = MIMEMessage.compose(
            ReminderDigest(userID: UUID(), email: "p@example.org", day: Self.later, kind: .daily, items: [item]), publicURL: "https://r.example")
        #expect(message.htmlBody.contains("R&lt;script&gt;1") && !message.htmlBody.contains("<script"))
        #expect(message.textBody.contains("https://r.example/assignments/abc") && message.textBody.contains("1 February 2027"))
        #expect(message.textBody.contains("https://r.example/account/reminders"))
        let raw = MIMEMessage.render(message, from: "register@example.org", messageID: "abc@r.example", date: Date())
        #expect(raw.contains("Content-Type: multipart/alternative;") && raw.contains("text/plain; charset=utf-8") && raw.contains("text/html; charset=utf-8"))
        #expect(MIMEMessage.dotStuffed("a\r\n.b\r\n.") == "a\r\n..b\r\n..")
    }

    @Test("the settings page: a person chooses weekly; no choice is an error with the summary; a coordinator is told clock warnings stay")
    func settingsPage() async throws {
        try await withAPI { api in
            let partner = try await AdminPageTests.visitor(api, "partner@example.org")
            let page = try await partner.get("/account/reminders")
            #expect(page.status == .ok && page.text.contains("name=\"csrf_token\"") && AdminPageTests.words(page).contains("Weekly, on Mondays"))
            let wrong = try await partner.post("/account/reminders", [("version", "0")])
            #expect(wrong.status == .unprocessableContent && AdminPageTests.words(wrong).contains("Choose how often you want reminder e-mails"))
            let saved = try await partner.post("/account/reminders", [("frequency", "weekly"), ("version", "0")])
            #expect(saved.status == .seeOther)
            let user = try #require(try await api.registry.accounts.credentials(email: "partner@example.org")).user
            #expect(try await api.registry.reminders.preferences(of: user.id).frequency == .weekly)
            let coordinator = try await AdminPageTests.visitor(api, "coordinator@example.org").get("/account/reminders")
            #expect(AdminPageTests.words(coordinator).contains("you always get warnings of statutory deadlines"))
        }
    }

    // MARK: Support

    static func noon(_ day: Day) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .london
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12))!
    }

    static func services(_ api: APIHarness, clock: MovableClock) -> RegisterServices {
        var configuration = AppConfiguration(database: api.db.app, logLevel: "warning")
        configuration.publicURL = "https://register.example.test"
        return RegisterServices(registry: api.registry, configuration: configuration, clock: clock.register)
    }

    static func count(_ api: APIHarness, _ sql: String) async throws -> Int {
        try await TestDatabase.withClient(api.db.owner) { client in
            var n = 0
            for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger).decode(Int.self) { n = value }
            return n
        }
    }
}

/// A clock a test moves forward.
final class MovableClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Date

    init(_ start: Date) { self.now = start }

    func advance(_ seconds: TimeInterval) {
        lock.lock()
        now = now.addingTimeInterval(seconds)
        lock.unlock()
    }

    var register: RegisterClock {
        RegisterClock { [self] in
            lock.lock()
            defer { lock.unlock() }
            return now
        }
    }
}

/// A mail system that keeps what it is given, or refuses it with `failWith`.
final class RecordingSender: MailSender, @unchecked Sendable {
    private let lock = NSLock()
    private var _sent: [OutgoingMessage] = []
    private var _attempts = 0
    private var _failWith: SMTPError?

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    var sent: [OutgoingMessage] { locked { _sent } }
    var attempts: Int { locked { _attempts } }
    var failWith: SMTPError? {
        get { locked { _failWith } }
        set { locked { _failWith = newValue } }
    }

    func send(_ message: OutgoingMessage, messageID: String, date: Date) async throws {
        try locked {
            _attempts += 1
            if let failure = _failWith { throw failure }
            _sent.append(message)
        }
    }
}
