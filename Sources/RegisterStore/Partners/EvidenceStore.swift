import Foundation
import NIOCore
import PostgresNIO
import RegisterDomain

/// Which evidence a list shows.
public struct EvidenceFilter: Sendable, Equatable {
    public var assignmentID: UUID?
    public var partnerID: UUID?
    public var verdict: Verdict?
    public var reach: Reach

    public init(assignmentID: UUID? = nil, partnerID: UUID? = nil, verdict: Verdict? = nil, reach: Reach = .everything) {
        self.assignmentID = assignmentID
        self.partnerID = partnerID
        self.verdict = verdict
        self.reach = reach
    }
}

/// Evidence submissions, their files and the verdicts on them.
public struct EvidenceStore: Sendable {
    let database: Database
    /// The places uploads take on this server (one store per running service).
    let uploadPlaces = EvidenceUpload.UploadPlaces(limit: EvidenceUpload.maxInProgress)

    public init(database: Database) { self.database = database }

    /// Uploads this server is receiving now, of every kind (they share `uploadPlaces`).
    public var uploadsInProgress: Int { uploadPlaces.taken.withLock { $0 } }

    private static let columns = """
        e.id, e.assignment_id, a.recommendation_id, a.partner_id, e.summary, e.kind, e.effective_date, e.received_at, e.submitted_by,
        e.from_partner_id, fp.name AS from_partner_name,
        register.partner_sees_submission(a.partner_id, e.assignment_id, e.from_partner_id, e.id) AS visible_to_partner,
        COALESCE(d.verdict, 'pending') AS verdict, d.decided_by, d.decided_at, d.reason
        """
    private static let from = """
        register.evidence e JOIN register.assignments a ON a.id = e.assignment_id
        JOIN register.partners fp ON fp.id = e.from_partner_id
        LEFT JOIN register.evidence_decisions d ON d.evidence_id = e.id
        """

    /// Receives a submission: `receive` streams the files into the upload (private temporary files,
    /// no database work while the client sends) and returns the text fields; then one transaction
    /// stores the submission and its files, so a refused file or field leaves nothing behind.
    ///
    /// With an idempotency key, a retry of a submission already stored returns that submission
    /// (`replayed` true) and stores nothing new.
    public func submit(
        to assignmentID: UUID, idempotencyKey: String?, maxBytes: Int64, pace: UploadPace = .standard, today: Day, context: WriteContext,
        receive: (EvidenceUpload) async throws -> EvidenceSubmission
    ) async throws -> (evidence: Evidence, replayed: Bool) {
        guard let submitter = context.actor.userID else { throw DomainError.forbidden("evidence is submitted by a signed-in person") }
        if let idempotencyKey {
            var v = Validator()
            v.text(idempotencyKey, field: "Idempotency-Key", max: 200)
            try v.check()
            if let first = try await replay(idempotencyKey, submitter: submitter, assignmentID: assignmentID) { return (first, true) }
        }
        let upload = try await EvidenceUpload.begin(
            maxBytes: maxBytes, pace: pace, person: submitter, places: uploadPlaces, database: database, context: context)
        defer { upload.discard() }
        let submission = try await receive(upload)
        guard !upload.received.isEmpty else {
            throw ValidationError(field: "files", message: "attach at least one file: the document or image that shows the work")
        }
        do {
            let evidence = try await database.write(context) { c in
                // The assignment's lock first: two submissions to one assignment then take their turns
                // instead of each holding a key lock the other's status change waits for (a deadlock).
                guard let assignment = try await AssignmentStore.fetch(assignmentID, today: today, on: c, logger: context.logger, lock: true),
                    AssignmentStore.stillHeld(assignment, by: context.actor)
                else { throw DomainError.notFound("assignment") }
                let id = UUID.v7()
                try await c.run(
                    """
                    INSERT INTO register.evidence (id, assignment_id, summary, kind, effective_date, submitted_by, idempotency_key)
                    VALUES (\(id), \(assignmentID), \(submission.summary), \(submission.kind.rawValue), \(submission.effectiveDate), \(submitter), \(idempotencyKey))
                    """, logger: context.logger)
                for file in upload.received {
                    try await file.store(evidenceID: id, on: c, logger: context.logger)
                }
                if assignment.state.status != .evidenceSubmitted {
                    _ = try assignment.state.status.transition(to: .evidenceSubmitted, reason: nil)
                    try await AssignmentStore.setStatus(assignmentID, .evidenceSubmitted, connection: c, logger: context.logger)
                }
                try await RecommendationMoves.follow(assignmentsOf: assignment.state.recommendationID, today: today, connection: c, context: context)
                return try await Self.fetch([id], on: c, logger: context.logger)[0]
            }
            return (evidence, false)
        } catch DomainError.duplicate(let field, _) where field == "evidence_idempotency" {
            // The same key raced in from a retry: answer with the submission that won.
            if let idempotencyKey, let first = try await replay(idempotencyKey, submitter: submitter, assignmentID: assignmentID) {
                return (first, true)
            }
            throw DomainError.conflict("Idempotency-Key was used for another submission; send a new key for new evidence.")
        }
    }

    private func replay(_ key: String, submitter: UUID, assignmentID: UUID) async throws -> Evidence? {
        let first = try await database.read { c in
            try await Self.fetch(
                where: "e.submitted_by = \(submitter) AND e.idempotency_key = \(key)", on: c, logger: database.logger
            ).first
        }
        guard let first else { return nil }
        guard first.assignmentID == assignmentID else {
            throw DomainError.conflict("Idempotency-Key '\(key)' was already used for evidence on another assignment; send a new key for new evidence.")
        }
        return first
    }

    public func get(_ id: UUID) async throws -> Evidence {
        let found = try await database.read { c in try await Self.fetch([id], on: c, logger: database.logger).first }
        guard let found else { throw DomainError.notFound("evidence") }
        return found
    }

    /// Evidence in the order it was received (oldest first), so a list of pending evidence is a queue.
    /// A partner's list holds what their organisation sent on its assignments, and what was shared with it.
    public func list(_ f: EvidenceFilter, page: PageRequest) async throws -> Page<Evidence> {
        let rows = try await database.read { c in
            try await Self.fetch(
                where: """
                    (\(f.reach.partnerID)::uuid IS NULL OR (a.partner_id = \(f.reach.partnerID)
                        AND register.partner_sees_submission(\(f.reach.partnerID), e.assignment_id, e.from_partner_id, e.id)))
                    AND (\(f.partnerID)::uuid IS NULL OR a.partner_id = \(f.partnerID))
                    AND (\(f.assignmentID)::uuid IS NULL OR e.assignment_id = \(f.assignmentID))
                    AND (\(f.verdict?.rawValue)::text IS NULL OR COALESCE(d.verdict, 'pending') = \(f.verdict?.rawValue))
                    AND (\(page.after)::uuid IS NULL OR e.id > \(page.after))
                    ORDER BY e.id LIMIT \(page.limit + 1)
                    """, on: c, logger: database.logger)
        }
        return Page(fetched: rows, limit: page.limit, id: \.id)
    }

    /// Accepts or returns pending evidence; the assignment and its recommendation follow.
    public func decide(_ id: UUID, _ decision: Decision, today: Day, context: WriteContext) async throws -> Evidence {
        let reason = try decision.validate()
        guard let decider = context.actor.userID else { throw DomainError.forbidden("evidence is decided by a signed-in person") }
        return try await database.write(context) { c in
            guard let evidence = try await Self.fetch([id], on: c, logger: context.logger).first else { throw DomainError.notFound("evidence") }
            guard let assignment = try await AssignmentStore.fetch(evidence.assignmentID, today: today, on: c, logger: context.logger, lock: true) else {
                throw DomainError.notFound("assignment")
            }
            // Re-read under the assignment's lock: a decision made meanwhile is seen here.
            let current = try await Self.fetch([id], on: c, logger: context.logger)[0]
            guard current.verdict == .pending else {
                throw DomainError.conflict("This evidence was already \(current.verdict.rawValue); a verdict is never changed. Ask the partner to submit new evidence.")
            }
            try await c.run(
                """
                INSERT INTO register.evidence_decisions (evidence_id, verdict, reason, decided_by)
                VALUES (\(id), \(decision.verdict.rawValue), \(reason), \(decider))
                """, logger: context.logger)
            let otherPending = try await Rows.first(
                c.query(
                    """
                    SELECT EXISTS (SELECT 1 FROM register.evidence e LEFT JOIN register.evidence_decisions d ON d.evidence_id = e.id
                                   WHERE e.assignment_id = \(evidence.assignmentID) AND d.evidence_id IS NULL) AS pending
                    """, logger: context.logger)
            ) { try $0.get("pending", as: Bool.self) } ?? false
            let next = AssignmentStatus.afterVerdict(decision.verdict, otherPending: otherPending)
            if next != assignment.state.status {
                _ = try assignment.state.status.transition(to: next, reason: reason)
                try await AssignmentStore.setStatus(evidence.assignmentID, next, connection: c, logger: context.logger)
            }
            try await RecommendationMoves.follow(assignmentsOf: assignment.state.recommendationID, today: today, connection: c, context: context)
            return try await Self.fetch([id], on: c, logger: context.logger)[0]
        }
    }

    /// A file of a piece of evidence, without its bytes.
    public func file(_ fileID: UUID, of evidenceID: UUID) async throws -> EvidenceFile {
        guard let found = try await get(evidenceID).files.first(where: { $0.id == fileID }) else { throw DomainError.notFound("file") }
        return found
    }

    /// Streams a file's bytes, piece by piece, to `write`, holding no database connection while
    /// `write` waits (see `StoredFileReader`).
    public func streamFile(_ fileID: UUID, logger: Logger, to write: (ByteBuffer) async throws -> Void) async throws {
        try await StoredFileReader(database: database).pieces(of: fileID, logger: logger, to: write)
    }

    /// The same, checked against the file's recorded size and SHA-256 as it goes: throws
    /// `StoredFileMismatch` before the last piece when the bytes differ.
    public func streamVerified(_ file: EvidenceFile, logger: Logger, to write: (ByteBuffer) async throws -> Void) async throws {
        try await StoredFileReader(database: database).verified(file, logger: logger, to: write)
    }

    /// Shares with the partner who has an assignment now what another organisation sent on it: one
    /// piece of evidence, or everything. Refused when there is nothing of another's left to share.
    public func share(on assignmentID: UUID, _ request: ShareRequest, today: Day, context: WriteContext) async throws -> EvidenceShare {
        try await database.write(context) { c in
            // The assignment's lock: its partner cannot change (a reassignment) while this is recorded.
            guard let assignment = try await AssignmentStore.fetch(assignmentID, today: today, on: c, logger: context.logger, lock: true) else {
                throw DomainError.notFound("assignment")
            }
            let partner = assignment.details.partnerID
            let unseen: Int
            if let evidenceID = request.evidenceID {
                guard let evidence = try await Self.fetch([evidenceID], on: c, logger: context.logger).first, evidence.assignmentID == assignmentID else {
                    throw ValidationError(field: "evidence_id", message: "evidence_id does not name evidence on this assignment")
                }
                unseen = evidence.from.visibleToPartner ? 0 : 1
            } else {
                unseen = try await Rows.first(
                    c.query(
                        """
                        SELECT (SELECT count(*) FROM register.evidence e WHERE e.assignment_id = \(assignmentID)
                                  AND NOT register.partner_sees_submission(\(partner), e.assignment_id, e.from_partner_id, e.id))
                             + (SELECT count(*) FROM register.progress_updates u WHERE u.assignment_id = \(assignmentID)
                                  AND NOT register.partner_sees_submission(\(partner), u.assignment_id, u.from_partner_id, NULL)) AS unseen
                        """, logger: context.logger)
                ) { try $0.get("unseen", as: Int.self) } ?? 0
            }
            guard unseen > 0 else {
                throw DomainError.conflict(
                    request.evidenceID == nil
                        ? "\(assignment.state.partnerName) already sees everything on this assignment: it sent it, or it was shared already."
                        : "\(assignment.state.partnerName) already sees this evidence: it sent it, or it was shared already.")
            }
            let id = UUID.v7()
            return try await Rows.first(
                c.query(
                    """
                    INSERT INTO register.evidence_shares (id, assignment_id, evidence_id, partner_id, shared_by)
                    VALUES (\(id), \(assignmentID), \(request.evidenceID), \(partner), \(context.actor.auditName))
                    RETURNING id, assignment_id, evidence_id, partner_id, shared_by, created_at
                    """, logger: context.logger)
            ) { r in
                EvidenceShare(
                    id: try r.get("id"), assignmentID: try r.get("assignment_id"), evidenceID: try r.get("evidence_id"),
                    partnerID: try r.get("partner_id"), partnerName: assignment.state.partnerName, sharedBy: try r.get("shared_by"),
                    createdAt: try r.get("created_at"))
            }!
        }
    }

    static func fetch(_ ids: [UUID], on c: DatabaseConnection, logger: Logger) async throws -> [Evidence] {
        try await fetch(where: "e.id = ANY(\(ids)::uuid[]) ORDER BY e.id", on: c, logger: logger)
    }

    private static func fetch(where condition: PostgresQuery, on c: DatabaseConnection, logger: Logger) async throws -> [Evidence] {
        // The condition's placeholders ($1, $2…) keep their numbers: the text before it binds nothing.
        let query = PostgresQuery(unsafeSQL: "SELECT \(columns) FROM \(from) WHERE " + condition.sql, binds: condition.binds)
        let rows = try await Rows.all(c.query(query, logger: logger)) { r in
            Evidence(
                id: try r.get("id"), assignmentID: try r.get("assignment_id"), recommendationID: try r.get("recommendation_id"),
                partnerID: try r.get("partner_id"), summary: try r.get("summary"), kind: try r.get("kind"),
                effectiveDate: try r.get("effective_date"), receivedAt: try r.get("received_at"), submittedBy: try r.get("submitted_by"),
                from: Provenance(
                    partnerID: try r.get("from_partner_id"), partnerName: try r.get("from_partner_name"),
                    visibleToPartner: try r.get("visible_to_partner")),
                files: [], verdict: try r.get("verdict"), decidedBy: try r.get("decided_by"), decidedAt: try r.get("decided_at"),
                reason: try r.get("reason"))
        }
        guard !rows.isEmpty else { return [] }
        let files = try await Rows.all(
            c.query(
                """
                SELECT id, evidence_id, name, media_type, size_bytes, encode(sha256, 'hex') AS sha256 FROM register.evidence_files
                WHERE evidence_id = ANY(\(rows.map { $0.id })::uuid[]) ORDER BY evidence_id, position
                """, logger: logger)
        ) { r -> (UUID, EvidenceFile) in
            (try r.get("evidence_id", as: UUID.self),
             EvidenceFile(
                id: try r.get("id"), name: try r.get("name"), mediaType: try r.get("media_type"), sizeBytes: try r.get("size_bytes"),
                sha256: try r.get("sha256")))
        }
        let byEvidence = Dictionary(grouping: files, by: { $0.0 })
        return rows.map { e in
            var e = e
            e.files = byEvidence[e.id]?.map { $0.1 } ?? []
            return e
        }
    }
}
