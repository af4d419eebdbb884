import Foundation
import PostgresNIO
import RegisterDomain

/// Which assignments a work list shows. Every filter is optional; set ones must all hold.
public struct AssignmentFilter: Sendable, Equatable {
    public var partnerID: UUID?
    public var recommendationID: UUID?
    public var reviewID: UUID?
    public var status: AssignmentStatus?
    public var role: AssignmentRole?
    public var overdue: Bool?
    /// Not accepted and due within this many days from today (overdue ones included).
    public var dueWithinDays: Int?
    /// Assignments made by this actor (`user:<uuid>`), for a coordinator's own list.
    public var assignedBy: String?
    /// The reach of the person asking: a partner user sees only their organisation's.
    public var reach: Reach

    public init(
        partnerID: UUID? = nil, recommendationID: UUID? = nil, reviewID: UUID? = nil, status: AssignmentStatus? = nil, role: AssignmentRole? = nil,
        overdue: Bool? = nil, dueWithinDays: Int? = nil, assignedBy: String? = nil, reach: Reach = .everything
    ) {
        self.partnerID = partnerID
        self.recommendationID = recommendationID
        self.reviewID = reviewID
        self.status = status
        self.role = role
        self.overdue = overdue
        self.dueWithinDays = dueWithinDays
        self.assignedBy = assignedBy
        self.reach = reach
    }
}

/// Assignments of recommendations to partners, their due-date revisions and progress updates.
public struct AssignmentStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// The columns every assignment is read with, in the order `assignment(_:)` reads them; each
    /// query adds `overdue` after them, by the database's one definition (0009).
    private static let columns = """
        a.id, a.recommendation_id, a.partner_id, a.role, a.action, a.lead_officer, a.due_date, a.original_due_date, a.status,
        a.assigned_by, a.version, a.created_at, a.updated_at, x.review_id, x.number, r.reference, p.name AS partner_name,
        a.delay_reason, a.delay_expected_date, a.delay_recorded_by, a.delay_recorded_at
        """
    private static let from = """
        register.assignments a
        JOIN register.recommendations x ON x.id = a.recommendation_id
        JOIN register.reviews r ON r.id = x.review_id
        JOIN register.partners p ON p.id = a.partner_id
        """

    /// An assignment from a row of `columns` and `overdue`, its cells read in that order (a work
    /// list reads fifty on every request).
    private static func assignment(_ c: inout CellsInOrder) throws -> Assignment {
        let id: UUID = try c.next(), recommendationID: UUID = try c.next(), partnerID: UUID = try c.next()
        let role: AssignmentRole = try c.next(), action: String = try c.next(), leadOfficer: String? = try c.next()
        let due: Day = try c.next(), originalDue: Day = try c.next(), status: AssignmentStatus = try c.next()
        let assignedBy: String = try c.next(), version: Int = try c.next(), createdAt: Date = try c.next(), updatedAt: Date = try c.next()
        let reviewID: UUID = try c.next(), number: String = try c.next(), reference: String = try c.next(), partnerName: String = try c.next()
        let delayReason: String? = try c.next(), delayExpected: Day? = try c.next(), delayBy: String? = try c.next(), delayAt: Date? = try c.next()
        let overdue: Bool = try c.next()
        var delay: AssignmentDelay?
        if let delayReason, let delayExpected, let delayBy, let delayAt {
            delay = AssignmentDelay(reason: delayReason, expectedDate: delayExpected, recordedBy: delayBy, recordedAt: delayAt)
        }
        return Assignment(
            id: id, version: version, createdAt: createdAt, updatedAt: updatedAt,
            details: AssignmentDetails(partnerID: partnerID, role: role, action: action, leadOfficer: leadOfficer, dueDate: due),
            state: AssignmentState(
                recommendationID: recommendationID, reviewID: reviewID, reviewReference: reference, recommendationNumber: number,
                partnerName: partnerName, status: status, originalDueDate: originalDue, overdue: overdue, assignedBy: assignedBy, delay: delay))
    }

    /// Gives a recommendation to a partner. One assignment per partner and recommendation.
    public func create(for recommendationID: UUID, _ d: AssignmentDetails, today: Day, context: WriteContext) async throws -> Assignment {
        try d.validate()
        return try await database.write(context) { c in
            guard let current = try await RecommendationMoves.lock(recommendationID, connection: c, logger: context.logger) else {
                throw DomainError.notFound("recommendation")
            }
            if current.status.isClosed, current.status != .implemented {
                throw DomainError.conflict("Recommendation is \(current.status.rawValue): reopen it before assigning more work.")
            }
            let partnerActive = try await Rows.first(
                c.query("SELECT active FROM register.partners WHERE id = \(d.partnerID)", logger: context.logger)
            ) { try $0.get("active", as: Bool.self) }
            guard let partnerActive else {
                throw ValidationError(field: "partner_id", message: "partner_id does not name a partner organisation (GET /api/v1/partners)")
            }
            if !partnerActive {
                throw ValidationError(field: "partner_id", message: "that partner organisation is inactive; reactivate it or choose another")
            }
            let id = UUID.v7()
            do {
                try await Self.insert(id, for: recommendationID, d, originalDueDate: d.dueDate, status: .assigned, by: context.actor, on: c, logger: context.logger)
            } catch let error as PSQLError where error.serverInfo?[.constraintName] == "assignments_one_per_partner" {
                throw DomainError.conflict("This partner already has an assignment for this recommendation; edit that one instead.")
            }
            return try await Self.fetch(id, today: today, on: c, logger: context.logger)!
        }
    }

    /// Inserts a validated assignment in the caller's transaction; `status` is `assigned` but for an import.
    static func insert(
        _ id: UUID, for recommendationID: UUID, _ d: AssignmentDetails, originalDueDate: Day, status: AssignmentStatus, by actor: Principal,
        on c: DatabaseConnection, logger: Logger
    ) async throws {
        try await insertAll([NewAssignment(id: id, recommendationID: recommendationID, details: d, originalDueDate: originalDueDate, status: status)],
            by: actor, on: c, logger: logger)
    }

    /// An assignment to insert: `status` is `assigned` but for an import.
    struct NewAssignment {
        var id: UUID
        var recommendationID: UUID
        var details: AssignmentDetails
        var originalDueDate: Day
        var status: AssignmentStatus
    }

    /// Inserts validated assignments in one statement, in the caller's transaction.
    static func insertAll(_ items: [NewAssignment], by actor: Principal, on c: DatabaseConnection, logger: Logger) async throws {
        struct Row: Encodable {
            let id: UUID, recommendation_id: UUID, partner_id: UUID, role: String, action: String, lead_officer: String?
            let due_date: Day, original_due_date: Day, status: String
        }
        guard !items.isEmpty else { return }
        let batch = try Rows.batch(items.map {
            Row(id: $0.id, recommendation_id: $0.recommendationID, partner_id: $0.details.partnerID, role: $0.details.role.rawValue,
                action: $0.details.action, lead_officer: $0.details.leadOfficer, due_date: $0.details.dueDate, original_due_date: $0.originalDueDate,
                status: $0.status.rawValue)
        })
        try await c.run(
            """
            INSERT INTO register.assignments (id, recommendation_id, partner_id, role, action, lead_officer, due_date, original_due_date, assigned_by, status)
            SELECT x.id, x.recommendation_id, x.partner_id, x.role, x.action, x.lead_officer, x.due_date, x.original_due_date, \(actor.auditName), x.status
            FROM jsonb_to_recordset(\(batch)::jsonb) AS x(
                id uuid, recommendation_id uuid, partner_id uuid, role text, action text, lead_officer text, due_date date, original_due_date date, status text)
            """, logger: logger)
    }

    /// A change of due date with its reason.
    struct Revision {
        var assignmentID: UUID
        var from: Day
        var to: Day
        var reason: String?
    }

    /// Records a change of due date with its reason, in the caller's transaction.
    static func recordRevision(of id: UUID, from: Day, to: Day, reason: String?, by actor: Principal, on c: DatabaseConnection, logger: Logger) async throws {
        try await recordRevisions([Revision(assignmentID: id, from: from, to: to, reason: reason)], by: actor, on: c, logger: logger)
    }

    /// Records changes of due date with their reasons in one statement, in the caller's transaction.
    static func recordRevisions(_ revisions: [Revision], by actor: Principal, on c: DatabaseConnection, logger: Logger) async throws {
        struct Row: Encodable { let id: UUID, assignment_id: UUID, from_date: Day, to_date: Day, reason: String? }
        guard !revisions.isEmpty else { return }
        let batch = try Rows.batch(revisions.map {
            Row(id: UUID.v7(), assignment_id: $0.assignmentID, from_date: $0.from, to_date: $0.to,
                reason: $0.reason?.trimmingCharacters(in: .whitespacesAndNewlines))
        })
        try await c.run(
            """
            INSERT INTO register.due_date_revisions (id, assignment_id, from_date, to_date, reason, actor)
            SELECT x.id, x.assignment_id, x.from_date, x.to_date, x.reason, \(actor.auditName)
            FROM jsonb_to_recordset(\(batch)::jsonb) AS x(id uuid, assignment_id uuid, from_date date, to_date date, reason text)
            """, logger: logger)
    }

    /// Sets the action, lead officer and due date of assignments in one statement (an import whose
    /// tracker changed them; the caller records the due dates' revisions).
    static func replaceWork(_ items: [(id: UUID, action: String, leadOfficer: String?, dueDate: Day)], on c: DatabaseConnection, logger: Logger) async throws {
        struct Row: Encodable { let id: UUID, action: String, lead_officer: String?, due_date: Day }
        guard !items.isEmpty else { return }
        let batch = try Rows.batch(items.map { Row(id: $0.id, action: $0.action, lead_officer: $0.leadOfficer, due_date: $0.dueDate) })
        try await c.run(
            """
            UPDATE register.assignments a SET action = x.action, lead_officer = x.lead_officer, due_date = x.due_date,
                version = a.version + 1, updated_at = now()
            FROM jsonb_to_recordset(\(batch)::jsonb) AS x(id uuid, action text, lead_officer text, due_date date)
            WHERE a.id = x.id
            """, logger: logger)
    }

    /// The recommendation each assignment belongs to, in the assignments' id order.
    static func recommendations(of ids: [UUID], on c: DatabaseConnection, logger: Logger) async throws -> [(assignment: UUID, recommendation: UUID)] {
        guard !ids.isEmpty else { return [] }
        return try await Rows.all(
            c.query("SELECT id, recommendation_id FROM register.assignments WHERE id = ANY(\(ids)) ORDER BY id", logger: logger)
        ) { (try $0.get("id", as: UUID.self), try $0.get("recommendation_id", as: UUID.self)) }
    }

    /// A validated progress update to insert; `importID` names the import run it comes from.
    struct NewUpdate {
        var id: UUID
        var assignmentID: UUID
        var update: NewProgressUpdate
        var importID: UUID?
    }

    /// Inserts a validated progress update in the caller's transaction.
    static func insertUpdate(_ updateID: UUID, to id: UUID, _ update: NewProgressUpdate, today: Day, by actor: Principal, on c: DatabaseConnection, logger: Logger) async throws {
        try await insertUpdates([NewUpdate(id: updateID, assignmentID: id, update: update)], today: today, by: actor, on: c, logger: logger)
    }

    /// Inserts validated progress updates in one statement, in the caller's transaction.
    static func insertUpdates(_ updates: [NewUpdate], today: Day, by actor: Principal, on c: DatabaseConnection, logger: Logger) async throws {
        struct Row: Encodable {
            let id: UUID, assignment_id: UUID, happened_on: Day, text: String, rag: String?, forecast_date: Day?, rag_reason: String?, import_id: UUID?
        }
        guard !updates.isEmpty else { return }
        let batch = try Rows.batch(updates.map {
            Row(id: $0.id, assignment_id: $0.assignmentID, happened_on: $0.update.happenedOn ?? today, text: $0.update.text, rag: $0.update.rag?.rawValue,
                forecast_date: $0.update.forecastDate, rag_reason: $0.update.ragReason?.trimmingCharacters(in: .whitespacesAndNewlines), import_id: $0.importID)
        })
        try await c.run(
            """
            INSERT INTO register.progress_updates (id, assignment_id, happened_on, text, rag, forecast_date, rag_reason, author_id, actor, import_id)
            SELECT x.id, x.assignment_id, x.happened_on, x.text, x.rag, x.forecast_date, x.rag_reason, \(actor.userID), \(actor.auditName), x.import_id
            FROM jsonb_to_recordset(\(batch)::jsonb)
                AS x(id uuid, assignment_id uuid, happened_on date, text text, rag text, forecast_date date, rag_reason text, import_id uuid)
            """, logger: logger)
    }

    public func get(_ id: UUID, today: Day) async throws -> Assignment {
        let found = try await database.read { c in try await Self.fetch(id, today: today, on: c, logger: database.logger) }
        guard let found else { throw DomainError.notFound("assignment") }
        return found
    }

    /// A work list, in the order assignments were made (the cursor is the last id shown).
    public func list(_ f: AssignmentFilter, page: PageRequest, today: Day) async throws -> Page<Assignment> {
        let rows: [Assignment]
        if let work = PartnerWork(f, page: page, today: today) {
            rows = try await database.read { c in try await Rows.all(c.execute(work, logger: database.logger), inOrder: Self.assignment) }
        } else {
            rows = try await self.rows(Self.listQuery(f, page: page, today: today))
        }
        return Page(fetched: rows, limit: page.limit, id: \.id)
    }

    /// The assignments a list's query finds.
    func rows(_ query: PostgresQuery) async throws -> [Assignment] {
        try await database.read { c in try await Rows.all(c.query(query, logger: database.logger), inOrder: Self.assignment) }
    }

    /// Any work list, every filter optional (`$n IS NULL OR …`), planned for the values at hand.
    static func listQuery(_ f: AssignmentFilter, page: PageRequest, today: Day) -> PostgresQuery {
        let horizon = f.dueWithinDays.map { today.adding(days: $0) }
        return """
            SELECT \(unescaped: Self.columns), register.assignment_overdue(a.status, a.due_date, \(today)) AS overdue
            FROM \(unescaped: Self.from)
            WHERE (\(f.reach.partnerID)::uuid IS NULL OR a.partner_id = \(f.reach.partnerID))
              AND (\(f.partnerID)::uuid IS NULL OR a.partner_id = \(f.partnerID))
              AND (\(f.recommendationID)::uuid IS NULL OR a.recommendation_id = \(f.recommendationID))
              AND (\(f.reviewID)::uuid IS NULL OR x.review_id = \(f.reviewID))
              AND (\(f.status?.rawValue)::text IS NULL OR a.status = \(f.status?.rawValue))
              AND (\(f.role?.rawValue)::text IS NULL OR a.role = \(f.role?.rawValue))
              AND (\(f.overdue)::boolean IS NULL OR \(f.overdue) = register.assignment_overdue(a.status, a.due_date, \(today)))
              AND (\(horizon)::date IS NULL OR (NOT register.assignment_done(a.status) AND a.due_date <= \(horizon)))
              AND (\(f.assignedBy)::text IS NULL OR a.assigned_by = \(f.assignedBy))
              AND (\(page.after)::uuid IS NULL OR a.id > \(page.after))
            ORDER BY a.id LIMIT \(page.limit + 1)
            """
    }

    /// One partner's work with nothing else filtered, a standard page at a time: what a partner's
    /// work list asks on each visit (the API's `mine=true`, a coordinator's `partner_id=`), kept
    /// planned. It finds what the general statement above finds for the same filter
    /// (`PartnerWorkKeptTests`); that statement's optional filters need a plan made for the values at
    /// hand, and making it cost PostgreSQL more than the read (BENCHMARKS.md, "Late work inlined, and
    /// a partner's work list kept planned").
    ///
    /// PostgreSQL keeps a generic plan only when it costs no more than the custom plans of the first
    /// five runs, so the statement is written for its estimates to come out alike:
    /// - the page's length is in the text, and only standard pages come here (a bound LIMIT is costed
    ///   as a tenth of the rows, dearer than planning afresh);
    /// - the partner and the cursor reach the plan as sub-selects (InitPlans), which the index scan
    ///   uses like any value but the planner cannot look into: with the values in sight, a partner
    ///   with more work than the average looked cheaper to plan afresh each time, and PostgreSQL did.
    /// The first page starts after the nil UUID, which sorts before every id (`PageRequest.afterOrFirst`).
    struct PartnerWork: KeptStatement {
        static let name = "lr_partner_work"
        static let sql = """
            SELECT \(columns), register.assignment_overdue(a.status, a.due_date, $2) AS overdue
            FROM \(from)
            WHERE a.partner_id = (SELECT $1::uuid) AND a.id > (SELECT $3::uuid)
            ORDER BY a.id LIMIT \(PageRequest.standardLimit + 1)
            """
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .date, .uuid]
        let partnerID: UUID
        let today: Day
        let after: UUID

        /// The statement for this list, or nil when it is not one partner's work alone in standard pages.
        init?(_ f: AssignmentFilter, page: PageRequest, today: Day) {
            let unfiltered = AssignmentFilter(partnerID: f.partnerID, reach: f.reach)
            guard f == unfiltered, page.limit == PageRequest.standardLimit,
                let partnerID = f.reach.partnerID ?? f.partnerID, f.partnerID == nil || f.partnerID == partnerID
            else { return nil }
            self.partnerID = partnerID
            self.today = today
            self.after = page.afterOrFirst
        }

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(partnerID)
            bindings.append(today)
            bindings.append(after)
            return bindings
        }
    }

    /// Edits the action, officer, role or due date. A due-date change is kept with its reason.
    public func update(_ id: UUID, expectedVersion: Int, to d: AssignmentDetails, today: Day, context: WriteContext) async throws -> Assignment {
        try await database.write(context) { c in
            guard let current = try await Self.fetch(id, today: today, on: c, logger: context.logger, lock: true) else {
                throw DomainError.notFound("assignment")
            }
            if current.version != expectedVersion { throw DomainError.versionMismatch(current: current.version) }
            try d.validateChange(from: current.details)
            if d.dueDate != current.details.dueDate {
                try await Self.recordRevision(
                    of: id, from: current.details.dueDate, to: d.dueDate, reason: d.dueDateReason, by: context.actor, on: c, logger: context.logger)
            }
            try await c.run(
                """
                UPDATE register.assignments SET role = \(d.role.rawValue), action = \(d.action), lead_officer = \(d.leadOfficer),
                    due_date = \(d.dueDate), version = version + 1, updated_at = now()
                WHERE id = \(id)
                """, logger: context.logger)
            if d.role != current.details.role {
                try await RecommendationMoves.follow(assignmentsOf: current.state.recommendationID, today: today, connection: c, context: context)
            }
            return try await Self.fetch(id, today: today, on: c, logger: context.logger)!
        }
    }

    /// A move a person asks for: starting work, or a coordinator reopening accepted work (with a reason).
    public func transition(
        _ id: UUID, expectedVersion: Int?, _ request: TransitionRequest<AssignmentStatus>, today: Day, context: WriteContext
    ) async throws -> Assignment {
        guard AssignmentStatus.requestable.contains(request.to) else {
            throw DomainError.conflict(
                "An assignment becomes \(request.to.rawValue) through its evidence: submit evidence (POST /assignments/{id}/evidence) or decide it (POST /evidence/{id}/decision).")
        }
        return try await database.write(context) { c in
            guard let current = try await Self.fetch(id, today: today, on: c, logger: context.logger, lock: true) else {
                throw DomainError.notFound("assignment")
            }
            if let expectedVersion, expectedVersion != current.version { throw DomainError.versionMismatch(current: current.version) }
            let reason = try current.state.status.transition(to: request.to, reason: request.reason)
            if let on = request.on, on > today {
                throw ValidationError(field: "on", message: "on (\(on)) is in the future; give the day it happened")
            }
            if current.state.status.isClosed, request.to == .inProgress, context.actor.role == .partner {
                throw DomainError.forbidden("only the partnership's coordinator can reopen accepted work")
            }
            try await Self.setStatus(id, request.to, connection: c, logger: context.logger)
            if let reason {
                try await c.run(
                    """
                    INSERT INTO register.progress_updates (id, assignment_id, happened_on, text, author_id, actor)
                    VALUES (\(UUID.v7()), \(id), \(request.on ?? today), \("Reopened: " + reason), \(context.actor.userID), \(context.actor.auditName))
                    """, logger: context.logger)
            }
            try await RecommendationMoves.follow(assignmentsOf: current.state.recommendationID, today: today, connection: c, context: context)
            return try await Self.fetch(id, today: today, on: c, logger: context.logger)!
        }
    }

    /// Adds a dated progress update; the first one starts the work.
    public func addUpdate(to id: UUID, _ update: NewProgressUpdate, today: Day, context: WriteContext) async throws -> ProgressUpdate {
        try update.validate(today: today)
        return try await database.write(context) { c in
            guard let current = try await Self.fetch(id, today: today, on: c, logger: context.logger, lock: true), Self.stillHeld(current, by: context.actor)
            else { throw DomainError.notFound("assignment") }
            let updateID = UUID.v7()
            try await Self.insertUpdate(updateID, to: id, update, today: today, by: context.actor, on: c, logger: context.logger)
            let created = try await Self.updates(where: "u.id = \(updateID)", on: c, logger: context.logger)[0]
            if [.assigned, .returned].contains(current.state.status) {
                try await Self.setStatus(id, .inProgress, connection: c, logger: context.logger)
                try await RecommendationMoves.follow(assignmentsOf: current.state.recommendationID, today: today, connection: c, context: context)
            }
            return created
        }
    }

    /// Whether a partner's work may still be recorded on the assignment, read under its lock: the
    /// access check ran before an upload's bytes arrived, and a reassignment may have committed since.
    /// Work is credited to the organisation that holds the assignment, so it must be the sender's own
    /// (staff act for the partnership and are not bound to one organisation).
    static func stillHeld(_ assignment: Assignment, by actor: Principal) -> Bool {
        actor.partnerID.map { $0 == assignment.details.partnerID } ?? true
    }

    /// An assignment's progress updates; within a partner's reach, those their organisation sent and
    /// those shared with it.
    public func updates(of id: UUID, reach: Reach) async throws -> [ProgressUpdate] {
        try await database.read { c in
            try await Self.updates(
                where: """
                    u.assignment_id = \(id)
                    AND (\(reach.partnerID)::uuid IS NULL OR register.partner_sees_submission(\(reach.partnerID), u.assignment_id, u.from_partner_id, NULL))
                    ORDER BY u.happened_on, u.id
                    """, on: c, logger: database.logger)
        }
    }

    private static func updates(where condition: PostgresQuery, on c: DatabaseConnection, logger: Logger) async throws -> [ProgressUpdate] {
        // The condition's placeholders ($1, $2…) keep their numbers: the text before it binds nothing.
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT u.id, u.assignment_id, u.happened_on, u.text, u.rag, u.forecast_date, u.rag_reason, u.author_id, u.created_at, u.from_partner_id, fp.name AS from_partner_name,
                       register.partner_sees_submission(a.partner_id, u.assignment_id, u.from_partner_id, NULL) AS visible_to_partner
                FROM register.progress_updates u
                JOIN register.assignments a ON a.id = u.assignment_id
                JOIN register.partners fp ON fp.id = u.from_partner_id
                WHERE
                """ + " " + condition.sql, binds: condition.binds)
        return try await Rows.all(c.query(query, logger: logger)) { r in
            ProgressUpdate(
                id: try r.get("id"), assignmentID: try r.get("assignment_id"), happenedOn: try r.get("happened_on"), text: try r.get("text"),
                rag: try r.get("rag"), forecastDate: try r.get("forecast_date"), ragReason: try r.get("rag_reason"),
                authorID: try r.get("author_id"), createdAt: try r.get("created_at"),
                from: Provenance(
                    partnerID: try r.get("from_partner_id"), partnerName: try r.get("from_partner_name"),
                    visibleToPartner: try r.get("visible_to_partner")))
        }
    }

    /// Marks an assignment delayed (or records a new reason and date for a delay already marked),
    /// refused when it changed since read or is accepted. The holder's own work only, for a partner.
    public func markDelayed(_ id: UUID, expectedVersion: Int, _ request: DelayRequest, today: Day, context: WriteContext) async throws -> Assignment {
        try request.validate(today: today)
        return try await database.write(context) { c in
            guard let current = try await Self.fetch(id, today: today, on: c, logger: context.logger, lock: true), Self.stillHeld(current, by: context.actor)
            else { throw DomainError.notFound("assignment") }
            if current.version != expectedVersion { throw DomainError.versionMismatch(current: current.version) }
            if current.state.status.isClosed {
                throw DomainError.conflict("This work is \(current.state.status == .accepted ? "accepted" : "closed"): it is done, so it cannot be delayed. Reopen it first if it is not.")
            }
            try await c.run(
                """
                UPDATE register.assignments SET delay_reason = \(request.reason.trimmingCharacters(in: .whitespacesAndNewlines)),
                    delay_expected_date = \(request.expectedDate), delay_recorded_by = \(context.actor.auditName), delay_recorded_at = now(),
                    version = version + 1, updated_at = now()
                WHERE id = \(id)
                """, logger: context.logger)
            return try await Self.fetch(id, today: today, on: c, logger: context.logger)!
        }
    }

    /// Clears an assignment's delay, refused when it changed since read or is not delayed.
    public func clearDelay(_ id: UUID, expectedVersion: Int, today: Day, context: WriteContext) async throws -> Assignment {
        try await database.write(context) { c in
            guard let current = try await Self.fetch(id, today: today, on: c, logger: context.logger, lock: true), Self.stillHeld(current, by: context.actor)
            else { throw DomainError.notFound("assignment") }
            if current.version != expectedVersion { throw DomainError.versionMismatch(current: current.version) }
            if current.state.delay == nil { throw DomainError.conflict("This assignment is not marked delayed: there is no delay to clear.") }
            try await c.run(
                """
                UPDATE register.assignments SET delay_reason = NULL, delay_expected_date = NULL, delay_recorded_by = NULL, delay_recorded_at = NULL,
                    version = version + 1, updated_at = now()
                WHERE id = \(id)
                """, logger: context.logger)
            return try await Self.fetch(id, today: today, on: c, logger: context.logger)!
        }
    }

    public func dueDateRevisions(of id: UUID) async throws -> [DueDateRevision] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT id, from_date, to_date, reason, actor, created_at FROM register.due_date_revisions
                    WHERE assignment_id = \(id) ORDER BY id
                    """, logger: database.logger)
            ) { r in
                DueDateRevision(
                    id: try r.get("id"), fromDate: try r.get("from_date"), toDate: try r.get("to_date"), reason: try r.get("reason"),
                    actor: try r.get("actor"), createdAt: try r.get("created_at"))
            }
        }
    }

    /// Moves every unfinished assignment of a partner (or of one officer) to another partner or
    /// officer in one transaction, recording what moved and why. Accepted work stays where it was done.
    public func reassign(_ request: ReassignmentRequest, context: WriteContext) async throws -> Reassignment {
        try request.validate()
        return try await database.write(context) { c in
            let partners = try await Rows.all(
                c.query(
                    "SELECT id, active FROM register.partners WHERE id IN (\(request.fromPartnerID), \(request.targetPartnerID))",
                    logger: context.logger)
            ) { (try $0.get("id", as: UUID.self), try $0.get("active", as: Bool.self)) }
            if !partners.contains(where: { $0.0 == request.fromPartnerID }) {
                throw ValidationError(field: "from_partner_id", message: "from_partner_id does not name a partner organisation")
            }
            guard let target = partners.first(where: { $0.0 == request.targetPartnerID }) else {
                throw ValidationError(field: "to_partner_id", message: "to_partner_id does not name a partner organisation")
            }
            if !target.1 { throw ValidationError(field: "to_partner_id", message: "to_partner_id names an inactive partner organisation") }
            let moving = try await Rows.all(
                c.query(
                    """
                    SELECT a.id FROM register.assignments a
                    WHERE a.partner_id = \(request.fromPartnerID) AND NOT register.assignment_done(a.status)
                      AND (\(request.fromLeadOfficer)::text IS NULL OR a.lead_officer = \(request.fromLeadOfficer))
                    ORDER BY a.id FOR UPDATE OF a
                    """, logger: context.logger)
            ) { try $0.get("id", as: UUID.self) }
            let clashes = try await Rows.all(
                c.query(
                    """
                    SELECT r.reference || ' recommendation ' || x.number AS what FROM register.assignments a
                    JOIN register.recommendations x ON x.id = a.recommendation_id JOIN register.reviews r ON r.id = x.review_id
                    WHERE a.partner_id = \(request.fromPartnerID) AND NOT register.assignment_done(a.status) AND \(request.targetPartnerID) <> \(request.fromPartnerID)
                      AND (\(request.fromLeadOfficer)::text IS NULL OR a.lead_officer = \(request.fromLeadOfficer))
                      AND EXISTS (SELECT 1 FROM register.assignments b WHERE b.recommendation_id = a.recommendation_id AND b.partner_id = \(request.targetPartnerID))
                    ORDER BY 1
                    """, logger: context.logger)
            ) { try $0.get("what", as: String.self) }
            if !clashes.isEmpty {
                throw DomainError.conflict(
                    "The receiving partner already has its own assignment for: \(clashes.joined(separator: "; ")). Merge those by hand first; nothing was moved.")
            }
            if moving.isEmpty {
                throw DomainError.conflict("No unfinished assignment matches: nothing to move.")
            }
            try await c.run(
                """
                UPDATE register.assignments SET partner_id = \(request.targetPartnerID),
                    lead_officer = COALESCE(\(request.toLeadOfficer), lead_officer), version = version + 1, updated_at = now()
                WHERE id = ANY(\(moving)::uuid[])
                """, logger: context.logger)
            let id = UUID.v7()
            try await c.run(
                """
                INSERT INTO register.reassignments (id, from_partner_id, to_partner_id, from_lead_officer, to_lead_officer, reason, assignment_ids, actor)
                VALUES (\(id), \(request.fromPartnerID), \(request.targetPartnerID), \(request.fromLeadOfficer), \(request.toLeadOfficer),
                        \(request.reason.trimmingCharacters(in: .whitespacesAndNewlines)), \(moving), \(context.actor.auditName))
                """, logger: context.logger)
            return Reassignment(id: id, assignmentIDs: moving)
        }
    }

    /// Accepted work is done, so a delay marked on it ends there (the database refuses a delayed accepted row).
    static func setStatus(_ id: UUID, _ status: AssignmentStatus, connection c: DatabaseConnection, logger: Logger) async throws {
        try await setStatus([id], status, connection: c, logger: logger)
    }

    /// Sets the status of several assignments in one statement (see above).
    static func setStatus(_ ids: [UUID], _ status: AssignmentStatus, connection c: DatabaseConnection, logger: Logger) async throws {
        guard !ids.isEmpty else { return }
        let done = status.isClosed
        try await c.run(
            """
            UPDATE register.assignments SET status = \(status.rawValue), version = version + 1, updated_at = now(),
                delay_reason = CASE WHEN \(done) THEN NULL ELSE delay_reason END,
                delay_expected_date = CASE WHEN \(done) THEN NULL ELSE delay_expected_date END,
                delay_recorded_by = CASE WHEN \(done) THEN NULL ELSE delay_recorded_by END,
                delay_recorded_at = CASE WHEN \(done) THEN NULL ELSE delay_recorded_at END
            WHERE id = ANY(\(ids))
            """,
            logger: logger)
    }

    static func fetch(_ id: UUID, today: Day, on c: DatabaseConnection, logger: Logger, lock: Bool = false) async throws -> Assignment? {
        try await Rows.first(
            c.query(
                """
                SELECT \(unescaped: columns), register.assignment_overdue(a.status, a.due_date, \(today)) AS overdue
                FROM \(unescaped: from) WHERE a.id = \(id) \(unescaped: lock ? "FOR UPDATE OF a" : "")
                """,
                logger: logger),
            inOrder: assignment)
    }
}
