import Foundation
import PostgresNIO
import RegisterDomain

/// Trackers brought in from spreadsheets: what the register already holds of them, the whole import
/// in one transaction, and the files the import page keeps between its steps.
public struct ImportStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Plans an import against what the register holds, and (unless `dryRun`, or the plan has a
    /// problem or nothing to do) makes it, all in one transaction: the records the plan is made from
    /// are read locked, and one import runs at a time (another meanwhile is told to try again, a
    /// conflict), so nothing can change between planning and writing.
    public func importing(
        references: [String], file: ImportedFile, dryRun: Bool, today: Day, context: WriteContext,
        plan: @Sendable (ExistingRecords) -> ImportPlan
    ) async throws -> (plan: ImportPlan, run: ImportRun?) {
        if dryRun {
            return try await database.read(logger: context.logger) { c in
                (plan(try await Self.existing(references: references, lock: false, on: c, logger: context.logger)), nil)
            }
        }
        return try await database.write(context) { c in
            let turn = try await Rows.first(
                c.query("SELECT pg_try_advisory_xact_lock(\(Self.lockKey)) AS got", logger: context.logger)
            ) { try $0.get("got", as: Bool.self) }
            guard turn == true else {
                throw DomainError.conflict("Another tracker is being imported now; import this one again when it has finished.")
            }
            let made = plan(try await Self.existing(references: references, lock: true, on: c, logger: context.logger))
            guard made.canImport, !made.writes.isEmpty else { return (made, nil) }
            return (made, try await Self.apply(made, file: file, today: today, on: c, context: context))
        }
    }

    /// The advisory lock imports take turns on: "import" in ASCII.
    static let lockKey: Int64 = 0x696D706F7274

    /// The reviews, recommendations and assignments a tracker with these review references can
    /// match (locked when `lock`, for a real run: assignments before recommendations, each in id order,
    /// the order every other write takes them in), and every partner (matched by name).
    static func existing(references: [String], lock: Bool, on c: DatabaseConnection, logger: Logger) async throws -> ExistingRecords {
        let references = Array(Set(references.map { $0.lowercased() }))
        var records = ExistingRecords()
        for review in try await Rows.all(
            c.query("SELECT id, reference FROM register.reviews WHERE lower(reference) = ANY(\(references))", logger: logger),
            { (id: try $0.get("id", as: UUID.self), reference: try $0.get("reference", as: String.self)) })
        {
            records.reviews[review.reference.lowercased()] = .init(id: review.id)
        }
        let assignments = try await Rows.all(
            c.query(
                """
                SELECT a.id, a.recommendation_id, a.partner_id, a.action, a.lead_officer, a.due_date, a.status
                FROM register.assignments a
                JOIN register.recommendations r ON r.id = a.recommendation_id
                JOIN register.reviews v ON v.id = r.review_id
                WHERE lower(v.reference) = ANY(\(references))
                ORDER BY a.id \(unescaped: lock ? "FOR UPDATE OF a" : "")
                """, logger: logger)
        ) { r in
            (key: ExistingRecords.AssignmentKey(recommendationID: try r.get("recommendation_id"), partnerID: try r.get("partner_id")),
             entry: ExistingRecords.AssignmentEntry(
                id: try r.get("id"), action: try r.get("action"), leadOfficer: try r.get("lead_officer"), dueDate: try r.get("due_date"),
                status: try r.get("status"), latestImportedText: nil, latestImportedRAG: nil))
        }
        var keyOf: [UUID: ExistingRecords.AssignmentKey] = [:]
        for (key, entry) in assignments {
            records.assignments[key] = entry
            keyOf[entry.id] = key
        }
        let recommendations = try await Rows.all(
            c.query(
                """
                SELECT r.id, v.reference, r.number, r.text, r.status
                FROM register.recommendations r JOIN register.reviews v ON v.id = r.review_id
                WHERE lower(v.reference) = ANY(\(references))
                ORDER BY r.id \(unescaped: lock ? "FOR UPDATE OF r" : "")
                """, logger: logger)
        ) { r in
            (key: ExistingRecords.RecommendationKey(reference: try r.get("reference"), number: try r.get("number")),
             entry: ExistingRecords.RecommendationEntry(id: try r.get("id"), text: try r.get("text"), status: try r.get("status")))
        }
        for (key, entry) in recommendations { records.recommendations[key] = entry }
        // The latest update an import made on each of those assignments (for work with none, as
        // before migration 23 named imports, the latest of all).
        let imported = try await Rows.all(
            c.query(
                """
                SELECT DISTINCT ON (u.assignment_id) u.assignment_id, u.text, u.rag
                FROM register.progress_updates u
                WHERE u.assignment_id = ANY(\(Array(keyOf.keys)))
                ORDER BY u.assignment_id, u.import_id IS NOT NULL DESC, u.id DESC
                """, logger: logger)
        ) { r in (id: try r.get("assignment_id", as: UUID.self), text: try r.get("text", as: String.self), rag: try r.get("rag", as: RAGRating?.self)) }
        for update in imported {
            guard let key = keyOf[update.id] else { continue }
            records.assignments[key]?.latestImportedText = update.text
            records.assignments[key]?.latestImportedRAG = update.rag
        }
        for partner in try await Rows.all(
            c.query("SELECT id, name, active FROM register.partners ORDER BY created_at, id", logger: logger),
            { ExistingRecords.PartnerEntry(id: try $0.get("id"), name: try $0.get("name"), active: try $0.get("active")) })
        where records.partners[PartnerName.key(partner.name)] == nil {
            records.partners[PartnerName.key(partner.name)] = partner
        }
        return records
    }

    /// Makes every write of `plan` in the caller's transaction, each table's rows in one statement,
    /// and records the run. The trail names each record's file and row (migration 23): the file in
    /// `app.context`, the rows noted by `audit.note_import_rows` for this transaction. All rows or none: any failure
    /// fails the transaction, and the register stays as it was.
    static func apply(_ plan: ImportPlan, file: ImportedFile, today: Day, on c: DatabaseConnection, context: WriteContext) async throws -> ImportRun {
        let run = ImportRun(
            id: UUID.v7(), fileName: file.name, sha256: file.sha256, sheet: plan.sheet, rows: plan.rows.count, created: plan.created,
            updated: plan.updated, unchanged: plan.unchanged)
        let actor = context.actor
        let logger = context.logger
        // Events are sealed as each statement ends, while the context below is set.
        try await c.run("SET CONSTRAINTS register.audit_changes IMMEDIATE", logger: logger)
        try await c.run("SELECT set_config('app.context', \(file.context(sheet: plan.sheet, row: nil)), true)", logger: logger)
        try await c.run(
            """
            INSERT INTO register.imports (id, file_name, sha256, sheet, rows, created, updated, unchanged, actor)
            VALUES (\(run.id), \(file.name), \(file.sha256), \(plan.sheet), \(run.rows), \(run.created), \(run.updated), \(run.unchanged), \(actor.auditName))
            """, logger: logger)

        // Each record's row: the first row that writes it.
        var rowOf: [UUID: Int] = [:]
        var newPartners: [(UUID, String)] = []
        var newReviews: [(id: UUID, details: ReviewDetails)] = []
        var newRecommendations: [(id: UUID, reviewID: UUID, details: RecommendationDetails)] = []
        var texts: [(id: UUID, text: String)] = []
        var newAssignments: [AssignmentStore.NewAssignment] = []
        var work: [(id: UUID, action: String, leadOfficer: String?, dueDate: Day)] = []
        var revisions: [AssignmentStore.Revision] = []
        var updates: [AssignmentStore.NewUpdate] = []
        var started: [UUID] = []
        var closed: [UUID] = []
        var touched: Set<UUID> = []
        var implemented: [UUID: (day: Day, note: String)] = [:]
        func row(_ id: UUID, _ planned: PlannedWrite) {
            if rowOf[id] == nil { rowOf[id] = planned.row }
        }
        func touch(_ recommendationID: UUID?) {
            if let recommendationID { touched.insert(recommendationID) }
        }
        for planned in plan.writes {
            switch planned.write {
            case .createPartner(let id, let name):
                newPartners.append((id, name))
                row(id, planned)
            case .createReview(let id, let details):
                newReviews.append((id, details))
                row(id, planned)
            case .createRecommendation(let id, let reviewID, let details):
                newRecommendations.append((id, reviewID, details))
                row(id, planned)
            case .updateRecommendationText(let id, let text):
                texts.append((id, text))
                row(id, planned)
            case .createAssignment(let id, let recommendationID, let details, let original, let status):
                newAssignments.append(.init(id: id, recommendationID: recommendationID, details: details, originalDueDate: original, status: status))
                if original != details.dueDate {
                    revisions.append(.init(assignmentID: id, from: original, to: details.dueDate, reason: "Revised date in the imported tracker"))
                }
                row(id, planned)
                touch(recommendationID)
            case .updateAssignment(let id, let action, let officer, let due, let previous, let reason):
                work.append((id, action, officer, due))
                if previous != due {
                    revisions.append(.init(assignmentID: id, from: previous, to: due, reason: reason ?? "Revised in the imported tracker"))
                }
                row(id, planned)
            case .addUpdate(let id, let happenedOn, let text, let rag, let forecast, let reason):
                updates.append(.init(
                    id: UUID.v7(), assignmentID: id,
                    update: NewProgressUpdate(happenedOn: happenedOn, text: text, rag: rag, forecastDate: forecast, ragReason: reason), importID: run.id))
                row(id, planned)
            case .startWork(let id):
                started.append(id)
                row(id, planned)
            case .closeWithoutEvidence(let id):
                closed.append(id)
                row(id, planned)
            case .markImplemented(let id, let day, let note):
                implemented[id] = (day, note)
                row(id, planned)
            }
        }
        try await Self.note(rowOf, on: c, logger: logger)
        try await c.run("SELECT set_config('app.context_rows', 'on', true), set_config('app.likeness', 'later', true)", logger: logger)

        for (id, name) in newPartners {
            try await PartnerStore.insert(PartnerDetails(name: name, sector: .other), id: id, on: c, logger: logger)
        }
        try await ReviewStore.insertAll(newReviews, on: c, logger: logger)
        try await RecommendationStore.insertAll(newRecommendations, on: c, logger: logger)
        try await RecommendationStore.replaceTexts(texts, on: c, logger: logger)
        try await AssignmentStore.insertAll(newAssignments, by: actor, on: c, logger: logger)
        try await AssignmentStore.replaceWork(work, on: c, logger: logger)
        try await AssignmentStore.recordRevisions(revisions, by: actor, on: c, logger: logger)
        try await AssignmentStore.insertUpdates(updates, today: today, by: actor, on: c, logger: logger)
        try await AssignmentStore.setStatus(started, .inProgress, connection: c, logger: logger)
        try await AssignmentStore.setStatus(closed, .closedWithoutEvidence, connection: c, logger: logger)
        // Recommendations follow their assignments (work started opens them), then those the
        // tracker records as done become implemented: reported done, never assured.
        var recommendationRows: [UUID: Int] = [:]
        for (assignment, recommendation) in try await AssignmentStore.recommendations(of: work.map(\.id) + started + closed, on: c, logger: logger) {
            touch(recommendation)
            if recommendationRows[recommendation] == nil { recommendationRows[recommendation] = rowOf[assignment] }
        }
        // A recommendation recorded earlier that moves because of a row's action is named by that row.
        try await Self.note(recommendationRows, on: c, logger: logger)
        try await RecommendationMoves.follow(assignmentsOf: touched.filter { implemented[$0] == nil }.sorted { $0.uuidString < $1.uuidString }, today: today, connection: c, context: context)
        let current = try await RecommendationMoves.lockAll(Array(implemented.keys), connection: c, logger: logger)
        try await RecommendationMoves.moveAll(
            implemented.compactMap { id, done in
                guard let status = current[id], [.open, .inProgress].contains(status) else { return nil }
                return RecommendationMoves.Move(id: id, from: status, to: .implemented, reason: done.note, day: done.day)
            }, connection: c, context: context)
        try await c.run("SELECT audit.forget_import_rows()", logger: logger)
        return run
    }

    /// Notes each record's spreadsheet row for the trail (Schema/0023), for this transaction only.
    private static func note(_ rows: [UUID: Int], on c: DatabaseConnection, logger: Logger) async throws {
        guard !rows.isEmpty else { return }
        let pairs = Array(rows)
        let keys = pairs.map { $0.key.uuidString.lowercased() }
        let numbers = pairs.map(\.value)
        try await c.run("SELECT audit.note_import_rows(\(keys)::text[], \(numbers)::int[])", logger: logger)
    }

    /// The import runs of a file, newest first.
    public func runs(sha256: String) async throws -> [ImportRun] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT id, file_name, sha256, sheet, rows, created, updated, unchanged FROM register.imports
                    WHERE sha256 = \(sha256) ORDER BY created_at DESC, id DESC
                    """, logger: database.logger)
            ) { r in
                ImportRun(
                    id: try r.get("id"), fileName: try r.get("file_name"), sha256: try r.get("sha256"), sheet: try r.get("sheet"),
                    rows: try r.get("rows"), created: try r.get("created"), updated: try r.get("updated"), unchanged: try r.get("unchanged"))
            }
        }
    }

    // MARK: Files kept between the import page's steps

    /// Keeps an uploaded file for its uploader, and removes anyone's older than a day.
    public func stage(_ bytes: [UInt8], file: ImportedFile, userID: UUID, context: WriteContext) async throws -> UUID {
        let id = UUID.v7()
        try await database.write(context) { c in
            try await c.run("DELETE FROM staging.pending_imports WHERE created_at < now() - interval '1 day'", logger: context.logger)
            try await c.run(
                """
                INSERT INTO staging.pending_imports (id, user_id, file_name, sha256, bytes)
                VALUES (\(id), \(userID), \(file.name), \(file.sha256), \(ByteBuffer(bytes: bytes)))
                """, logger: context.logger)
        }
        return id
    }

    /// A kept file, for its uploader only (anyone else: not found).
    public func staged(_ id: UUID, userID: UUID) async throws -> (file: ImportedFile, bytes: [UInt8]) {
        let found = try await database.read { c in
            try await Rows.first(
                c.query(
                    """
                    SELECT file_name, sha256, bytes FROM staging.pending_imports
                    WHERE id = \(id) AND user_id = \(userID) AND created_at >= now() - interval '1 day'
                    """, logger: database.logger)
            ) { r in
                (file: ImportedFile(name: try r.get("file_name"), sha256: try r.get("sha256")),
                 bytes: Array(buffer: try r.get("bytes", as: ByteBuffer.self)))
            }
        }
        guard let found else { throw DomainError.notFound("uploaded file") }
        return found
    }

    /// Forgets a kept file once it has been imported.
    public func discard(_ id: UUID, userID: UUID, context: WriteContext) async throws {
        try await database.write(context) { c in
            try await c.run("DELETE FROM staging.pending_imports WHERE id = \(id) AND user_id = \(userID)", logger: context.logger)
        }
    }
}
