import Foundation
import PostgresNIO
import RegisterDomain

/// Trackers brought in from spreadsheets: what the register already holds of them, the whole import
/// in one transaction, and the files the import page keeps between its steps.
public struct ImportStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// The reviews, recommendations and assignments a tracker with these review references can
    /// match, and every partner (matched by name).
    public func existing(references: [String]) async throws -> ExistingRecords {
        let references = Array(Set(references.map { $0.lowercased() }))
        return try await database.read { c in
            var records = ExistingRecords()
            for review in try await Rows.all(
                c.query("SELECT id, reference FROM register.reviews WHERE lower(reference) = ANY(\(references))", logger: database.logger),
                { (id: try $0.get("id", as: UUID.self), reference: try $0.get("reference", as: String.self)) })
            {
                records.reviews[review.reference.lowercased()] = .init(id: review.id)
            }
            let recommendations = try await Rows.all(
                c.query(
                    """
                    SELECT r.id, v.reference, r.number, r.text, r.status
                    FROM register.recommendations r JOIN register.reviews v ON v.id = r.review_id
                    WHERE lower(v.reference) = ANY(\(references))
                    """, logger: database.logger)
            ) { r in
                (key: ExistingRecords.RecommendationKey(reference: try r.get("reference"), number: try r.get("number")),
                 entry: ExistingRecords.RecommendationEntry(id: try r.get("id"), text: try r.get("text"), status: try r.get("status")))
            }
            for (key, entry) in recommendations { records.recommendations[key] = entry }
            let assignments = try await Rows.all(
                c.query(
                    """
                    SELECT a.id, a.recommendation_id, a.partner_id, a.action, a.lead_officer, a.due_date, a.status,
                           lu.text AS latest_text, lu.rag AS latest_rag
                    FROM register.assignments a
                    JOIN register.recommendations r ON r.id = a.recommendation_id
                    JOIN register.reviews v ON v.id = r.review_id
                    LEFT JOIN LATERAL (SELECT u.text, u.rag FROM register.progress_updates u WHERE u.assignment_id = a.id
                                       ORDER BY u.happened_on DESC, u.id DESC LIMIT 1) lu ON true
                    WHERE lower(v.reference) = ANY(\(references))
                    """, logger: database.logger)
            ) { r in
                (key: ExistingRecords.AssignmentKey(recommendationID: try r.get("recommendation_id"), partnerID: try r.get("partner_id")),
                 entry: ExistingRecords.AssignmentEntry(
                    id: try r.get("id"), action: try r.get("action"), leadOfficer: try r.get("lead_officer"), dueDate: try r.get("due_date"),
                    status: try r.get("status"), latestText: try r.get("latest_text"), latestRAG: try r.get("latest_rag")))
            }
            for (key, entry) in assignments { records.assignments[key] = entry }
            for partner in try await Rows.all(
                c.query("SELECT id, name, active FROM register.partners ORDER BY created_at, id", logger: database.logger),
                { ExistingRecords.PartnerEntry(id: try $0.get("id"), name: try $0.get("name"), active: try $0.get("active")) })
            where records.partners[PartnerName.key(partner.name)] == nil {
                records.partners[PartnerName.key(partner.name)] = partner
            }
            return records
        }
    }

    /// Makes every write of `plan` in one transaction, each with the file and row it comes from in the
    /// trail's context, and records the run. All rows or none: any failure leaves the register as it was.
    public func apply(_ plan: ImportPlan, file: ImportedFile, today: Day, context: WriteContext) async throws -> ImportRun {
        let run = ImportRun(
            id: UUID.v7(), fileName: file.name, sha256: file.sha256, sheet: plan.sheet, rows: plan.rows.count, created: plan.created,
            updated: plan.updated, unchanged: plan.unchanged)
        let actor = context.actor
        let logger = context.logger
        return try await database.write(context) { c in
            // The trail's events are sealed as each statement ends, not at COMMIT, so that each one
            // carries the context (the file and row) set for it (migration 20).
            try await c.run("SET CONSTRAINTS register.audit_changes IMMEDIATE", logger: logger)
            var currentRow: (String, Int)?
            var touched: [UUID] = []
            var touchedRow: [UUID: (String, Int)] = [:]
            func at(_ write: PlannedWrite) async throws {
                guard currentRow.map({ $0 != (write.sheet, write.row) }) ?? true else { return }
                currentRow = (write.sheet, write.row)
                try await Self.setContext(file.context(sheet: write.sheet, row: write.row), on: c, logger: logger)
            }
            func touch(_ recommendationID: UUID, _ write: PlannedWrite) {
                if touchedRow[recommendationID] == nil { touched.append(recommendationID) }
                touchedRow[recommendationID] = (write.sheet, write.row)
            }
            var recommendationOf: [UUID: UUID] = [:]
            let moves = plan.writes.filter { if case .markImplemented = $0.write { true } else { false } }
            for planned in plan.writes {
                if case .markImplemented = planned.write { continue }
                try await at(planned)
                switch planned.write {
                case .createPartner(let id, let name):
                    try await PartnerStore.insert(PartnerDetails(name: name, sector: .other), id: id, on: c, logger: logger)
                case .createReview(let id, let details):
                    try await ReviewStore.insert(details, id: id, on: c, logger: logger)
                case .createRecommendation(let id, let reviewID, let details):
                    try await RecommendationStore.insert(id, in: reviewID, details, on: c, logger: logger)
                case .updateRecommendationText(let id, let text):
                    try await c.run(
                        "UPDATE register.recommendations SET text = \(text), version = version + 1, updated_at = now() WHERE id = \(id)",
                        logger: logger)
                case .createAssignment(let id, let recommendationID, let details, let original, let status):
                    try await AssignmentStore.insert(id, for: recommendationID, details, originalDueDate: original, status: status, by: actor, on: c, logger: logger)
                    if original != details.dueDate {
                        try await AssignmentStore.recordRevision(
                            of: id, from: original, to: details.dueDate, reason: "Revised date in the imported tracker", by: actor, on: c, logger: logger)
                    }
                    recommendationOf[id] = recommendationID
                    touch(recommendationID, planned)
                case .updateAssignment(let id, let action, let officer, let due, let reason):
                    let before = try await Rows.first(
                        c.query("SELECT due_date, recommendation_id FROM register.assignments WHERE id = \(id) FOR UPDATE", logger: logger)
                    ) { (due: try $0.get("due_date", as: Day.self), recommendation: try $0.get("recommendation_id", as: UUID.self)) }
                    guard let before else { throw DomainError.conflict("An assignment changed while the tracker was being imported; check the file again.") }
                    if before.due != due {
                        try await AssignmentStore.recordRevision(of: id, from: before.due, to: due, reason: reason ?? "Revised in the imported tracker", by: actor, on: c, logger: logger)
                    }
                    try await c.run(
                        """
                        UPDATE register.assignments SET action = \(action), lead_officer = \(officer), due_date = \(due),
                            version = version + 1, updated_at = now()
                        WHERE id = \(id)
                        """, logger: logger)
                    touch(before.recommendation, planned)
                case .addUpdate(let id, let happenedOn, let text, let rag, let forecast, let reason):
                    let update = NewProgressUpdate(happenedOn: happenedOn, text: text, rag: rag, forecastDate: forecast, ragReason: reason)
                    try await AssignmentStore.insertUpdate(UUID.v7(), to: id, update, today: today, by: actor, on: c, logger: logger)
                    // The first update starts the work, as when a partner sends one.
                    try await c.run(
                        """
                        UPDATE register.assignments SET status = 'in_progress', version = version + 1, updated_at = now()
                        WHERE id = \(id) AND status IN ('assigned', 'returned')
                        """, logger: logger)
                case .closeWithoutEvidence(let id):
                    try await AssignmentStore.setStatus(id, .closedWithoutEvidence, connection: c, logger: logger)
                    let recommendation = try await Rows.first(
                        c.query("SELECT recommendation_id FROM register.assignments WHERE id = \(id)", logger: logger)
                    ) { try $0.get("recommendation_id", as: UUID.self) }
                    if let recommendation { touch(recommendation, planned) }
                case .markImplemented:
                    break
                }
            }
            // Recommendations follow their assignments (work started opens them), then those the
            // tracker records as done become implemented: reported done, never assured.
            let implemented = Set(moves.compactMap { if case .markImplemented(let id, _, _) = $0.write { id } else { nil } })
            for recommendationID in touched where !implemented.contains(recommendationID) {
                let (sheet, row) = touchedRow[recommendationID]!
                try await Self.setContext(file.context(sheet: sheet, row: row), on: c, logger: logger)
                try await RecommendationMoves.follow(assignmentsOf: recommendationID, today: today, connection: c, context: context)
            }
            for planned in moves {
                guard case .markImplemented(let id, let day, let note) = planned.write else { continue }
                try await Self.setContext(file.context(sheet: planned.sheet, row: planned.row), on: c, logger: logger)
                guard let current = try await RecommendationMoves.lock(id, connection: c, logger: logger) else { continue }
                if [.open, .inProgress].contains(current.status) {
                    try await RecommendationMoves.move(id, from: current.status, to: .implemented, reason: note, on: day, connection: c, context: context)
                }
            }
            try await Self.setContext(file.context(sheet: plan.sheet, row: nil), on: c, logger: logger)
            try await c.run(
                """
                INSERT INTO register.imports (id, file_name, sha256, sheet, rows, created, updated, unchanged, actor)
                VALUES (\(run.id), \(file.name), \(file.sha256), \(plan.sheet), \(run.rows), \(run.created), \(run.updated), \(run.unchanged), \(actor.auditName))
                """, logger: logger)
            return run
        }
    }

    private static func setContext(_ text: String, on c: PostgresConnection, logger: Logger) async throws {
        try await c.run("SELECT set_config('app.context', \(text), true)", logger: logger)
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
