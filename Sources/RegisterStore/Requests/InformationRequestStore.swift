import Foundation
import NIOCore
import PostgresNIO
import RegisterDomain

/// Which further-information requests a list shows. Every filter is optional; set ones must all hold.
public struct InformationRequestFilter: Sendable, Equatable {
    public var partnerID: UUID?
    public var reviewID: UUID?
    public var recommendationID: UUID?
    public var assignmentID: UUID?
    public var status: RequestStatus?
    public var overdue: Bool?
    /// The reach of the person asking: a holder's people see only requests made of their holder.
    public var reach: Reach

    public init(
        partnerID: UUID? = nil, reviewID: UUID? = nil, recommendationID: UUID? = nil, assignmentID: UUID? = nil, status: RequestStatus? = nil,
        overdue: Bool? = nil, reach: Reach = .everything
    ) {
        self.partnerID = partnerID
        self.reviewID = reviewID
        self.recommendationID = recommendationID
        self.assignmentID = assignmentID
        self.status = status
        self.overdue = overdue
        self.reach = reach
    }
}

/// How many requests are open, and how many of those overdue, on a day: the home page's figures.
public struct RequestFigures: Sendable, Equatable {
    public var open: Int
    public var overdue: Int

    public init(open: Int, overdue: Int) {
        self.open = open
        self.overdue = overdue
    }
}

/// Further-information requests, their answers and the answers' files.
public struct InformationRequestStore: Sendable {
    let database: Database
    /// The server's upload places, shared with evidence uploads: one limit for all of them.
    let uploadPlaces: EvidenceUpload.UploadPlaces

    /// Answers' files take the same places as evidence uploads on this server.
    public init(database: Database, sharingUploadsWith evidence: EvidenceStore) {
        self.database = database
        self.uploadPlaces = evidence.uploadPlaces
    }

    private static let columns = """
        q.id, q.partner_id, p.name AS partner_name, q.review_id, q.recommendation_id, q.assignment_id, q.kind, q.question, q.on_behalf_of,
        q.due_date, q.status, q.asked_by, q.withdrawn_reason, q.withdrawn_by, q.withdrawn_at, q.version, q.created_at, q.updated_at,
        r.reference, x.number
        """
    private static let from = """
        register.information_requests q
        JOIN register.partners p ON p.id = q.partner_id
        LEFT JOIN register.reviews r ON r.id = q.review_id
        LEFT JOIN register.recommendations x ON x.id = q.recommendation_id
        """

    /// Asks a holder. The holder must exist and be active; what it is about must exist.
    public func create(_ d: InformationRequestDetails, today: Day, context: WriteContext) async throws -> InformationRequest {
        try d.validate()
        return try await database.write(context) { c in
            let active = try await Rows.first(
                c.query("SELECT active FROM register.partners WHERE id = \(d.partnerID)", logger: context.logger)
            ) { try $0.get("active", as: Bool.self) }
            guard let active else {
                throw ValidationError(field: "partner_id", message: "partner_id does not name a partner organisation (GET /api/v1/partners)")
            }
            if !active { throw ValidationError(field: "partner_id", message: "that organisation is inactive; reactivate it or ask another") }
            let links: [(String, String, UUID?)] = [
                ("review_id", "register.reviews", d.reviewID), ("recommendation_id", "register.recommendations", d.recommendationID),
                ("assignment_id", "register.assignments", d.assignmentID),
            ]
            for (field, table, id) in links {
                guard let id else { continue }
                let found = try await Rows.first(
                    c.query("SELECT EXISTS (SELECT 1 FROM \(unescaped: table) WHERE id = \(id)) AS found", logger: context.logger)
                ) { try $0.get("found", as: Bool.self) }
                if found != true { throw ValidationError(field: field, message: "\(field) does not name a record of the register") }
            }
            let id = UUID.v7()
            try await c.run(
                """
                INSERT INTO register.information_requests
                    (id, partner_id, review_id, recommendation_id, assignment_id, kind, question, on_behalf_of, due_date, asked_by)
                VALUES (\(id), \(d.partnerID), \(d.reviewID), \(d.recommendationID), \(d.assignmentID), \(d.kind.rawValue), \(d.question),
                        \(d.onBehalfOf?.trimmingCharacters(in: .whitespacesAndNewlines)), \(d.dueDate), \(context.actor.auditName))
                """, logger: context.logger)
            return try await Self.fetch([id], today: today, on: c, logger: context.logger)[0]
        }
    }

    public func get(_ id: UUID, today: Day) async throws -> InformationRequest {
        let found = try await database.read { c in try await Self.fetch([id], today: today, on: c, logger: database.logger).first }
        guard let found else { throw DomainError.notFound("information request") }
        return found
    }

    /// Requests in the order they were made (the cursor is the last id shown).
    public func list(_ f: InformationRequestFilter, page: PageRequest, today: Day) async throws -> Page<InformationRequest> {
        let rows = try await database.read { c in
            try await Self.fetch(
                where: """
                    (\(f.reach.partnerID)::uuid IS NULL OR q.partner_id = \(f.reach.partnerID))
                    AND (\(f.partnerID)::uuid IS NULL OR q.partner_id = \(f.partnerID))
                    AND (\(f.reviewID)::uuid IS NULL OR q.review_id = \(f.reviewID))
                    AND (\(f.recommendationID)::uuid IS NULL OR q.recommendation_id = \(f.recommendationID))
                    AND (\(f.assignmentID)::uuid IS NULL OR q.assignment_id = \(f.assignmentID))
                    AND (\(f.status?.rawValue)::text IS NULL OR q.status = \(f.status?.rawValue))
                    AND (\(f.overdue)::boolean IS NULL OR \(f.overdue) = register.information_request_overdue(q.status, q.due_date, \(today)))
                    AND (\(page.after)::uuid IS NULL OR q.id > \(page.after))
                    ORDER BY q.id LIMIT \(page.limit + 1)
                    """, today: today, on: c, logger: database.logger)
        }
        return Page(fetched: rows, limit: page.limit, id: \.id)
    }

    /// Open requests, and how many of them are overdue on `today` (by the one definition).
    public func figures(today: Day) async throws -> RequestFigures {
        try await database.read { c in
            try await Rows.first(
                c.query(
                    """
                    SELECT count(*)::int AS open,
                           count(*) FILTER (WHERE register.information_request_overdue(status, due_date, \(today)))::int AS overdue
                    FROM register.information_requests WHERE status = 'open'
                    """, logger: database.logger)
            ) { RequestFigures(open: try $0.get("open"), overdue: try $0.get("overdue")) } ?? RequestFigures(open: 0, overdue: 0)
        }
    }

    /// Receives an answer: `receive` streams any files into the upload (no database work while the
    /// client sends) and returns the text; one transaction then stores the answer and its files and
    /// marks an open request answered. A withdrawn request takes no answer.
    public func answer(
        _ requestID: UUID, maxBytes: Int64, pace: UploadPace = .standard, today: Day, context: WriteContext,
        receive: (EvidenceUpload) async throws -> AnswerSubmission
    ) async throws -> InformationRequest {
        guard let answerer = context.actor.userID else { throw DomainError.forbidden("an answer is given by a signed-in person") }
        let upload = try await EvidenceUpload.begin(
            maxBytes: maxBytes, pace: pace, person: answerer, places: uploadPlaces, database: database, context: context)
        defer { upload.discard() }
        let submission = try await receive(upload)
        return try await database.write(context) { c in
            let status = try await Rows.first(
                c.query("SELECT status FROM register.information_requests WHERE id = \(requestID) FOR UPDATE", logger: context.logger)
            ) { try $0.get("status", as: RequestStatus.self) }
            guard let status else { throw DomainError.notFound("information request") }
            if status == .withdrawn {
                throw DomainError.conflict("This request was withdrawn, so it takes no answer. Nothing was stored.")
            }
            let id = UUID.v7()
            try await c.run(
                """
                INSERT INTO register.information_answers (id, request_id, text, answered_by)
                VALUES (\(id), \(requestID), \(submission.text), \(answerer))
                """, logger: context.logger)
            for file in upload.received {
                try await file.storePieces(on: c, logger: context.logger)
                try await c.run(
                    """
                    INSERT INTO register.information_answer_files (id, answer_id, position, name, media_type, size_bytes, sha256)
                    VALUES (\(file.file.id), \(id), \(file.position), \(file.file.name), \(file.file.mediaType), \(file.file.sizeBytes),
                            \(ByteBuffer(bytes: file.sha256)))
                    """, logger: context.logger)
            }
            try await c.run(
                """
                UPDATE register.information_requests SET status = 'answered', version = version + 1, updated_at = now()
                WHERE id = \(requestID)
                """, logger: context.logger)
            return try await Self.fetch([requestID], today: today, on: c, logger: context.logger)[0]
        }
    }

    /// Withdraws an open request, with the reason the holder will read; refused when it changed
    /// since `expectedVersion` was read, or is no longer open.
    public func withdraw(_ id: UUID, expectedVersion: Int?, reason: String, today: Day, context: WriteContext) async throws -> InformationRequest {
        try await database.write(context) { c in
            let current = try await Rows.first(
                c.query("SELECT status, version FROM register.information_requests WHERE id = \(id) FOR UPDATE", logger: context.logger)
            ) { (try $0.get("status", as: RequestStatus.self), try $0.get("version", as: Int.self)) }
            guard let current else { throw DomainError.notFound("information request") }
            if let expectedVersion, expectedVersion != current.1 { throw DomainError.versionMismatch(current: current.1) }
            guard current.0 == .open else {
                throw DomainError.conflict("This request is already \(current.0.rawValue); only an open request can be withdrawn.")
            }
            try await c.run(
                """
                UPDATE register.information_requests
                SET status = 'withdrawn', withdrawn_reason = \(reason), withdrawn_by = \(context.actor.auditName), withdrawn_at = now(),
                    version = version + 1, updated_at = now()
                WHERE id = \(id)
                """, logger: context.logger)
            return try await Self.fetch([id], today: today, on: c, logger: context.logger)[0]
        }
    }

    /// A file of an answer to the request, without its bytes.
    public func file(_ fileID: UUID, of requestID: UUID) async throws -> EvidenceFile {
        let found = try await database.read { c in
            try await Rows.first(
                c.query(
                    """
                    SELECT f.id, f.name, f.media_type, f.size_bytes, encode(f.sha256, 'hex') AS sha256
                    FROM register.information_answer_files f JOIN register.information_answers a ON a.id = f.answer_id
                    WHERE f.id = \(fileID) AND a.request_id = \(requestID)
                    """, logger: database.logger), Self.file)
        }
        guard let found else { throw DomainError.notFound("file") }
        return found
    }

    /// The file's bytes, checked against its recorded size and SHA-256 as they go (see `StoredFileReader`).
    public func streamVerified(_ file: EvidenceFile, logger: Logger, to write: (ByteBuffer) async throws -> Void) async throws {
        try await StoredFileReader(database: database).verified(file, logger: logger, to: write)
    }

    static func file(_ r: PostgresRandomAccessRow) throws -> EvidenceFile {
        EvidenceFile(
            id: try r.get("id"), name: try r.get("name"), mediaType: try r.get("media_type"), sizeBytes: try r.get("size_bytes"),
            sha256: try r.get("sha256"))
    }

    static func fetch(_ ids: [UUID], today: Day, on c: DatabaseConnection, logger: Logger) async throws -> [InformationRequest] {
        try await fetch(where: "q.id = ANY(\(ids)::uuid[]) ORDER BY q.id", today: today, on: c, logger: logger)
    }

    private static func fetch(where condition: PostgresQuery, today: Day, on c: DatabaseConnection, logger: Logger) async throws -> [InformationRequest] {
        // The condition's placeholders keep their numbers: the day is bound after them.
        var binds = condition.binds
        binds.append(today)
        let query = PostgresQuery(
            unsafeSQL: "SELECT \(columns), register.information_request_overdue(q.status, q.due_date, $\(binds.count)::date) AS overdue FROM \(from) WHERE "
                + condition.sql, binds: binds)
        let rows = try await Rows.all(c.query(query, logger: logger)) { r in
            let reference: String? = try r.get("reference")
            let number: String? = try r.get("number")
            return InformationRequest(
                id: try r.get("id"),
                details: InformationRequestDetails(
                    partnerID: try r.get("partner_id"), kind: try r.get("kind"), question: try r.get("question"),
                    onBehalfOf: try r.get("on_behalf_of"), dueDate: try r.get("due_date"), reviewID: try r.get("review_id"),
                    recommendationID: try r.get("recommendation_id"), assignmentID: try r.get("assignment_id")),
                partnerName: try r.get("partner_name"),
                about: reference.map { ref in number.map { "\(ref) recommendation \($0)" } ?? ref },
                status: try r.get("status"), overdue: try r.get("overdue"), askedBy: try r.get("asked_by"),
                withdrawnReason: try r.get("withdrawn_reason"), withdrawnBy: try r.get("withdrawn_by"), withdrawnAt: try r.get("withdrawn_at"),
                answers: [], version: try r.get("version"), createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"))
        }
        guard !rows.isEmpty else { return [] }
        let requestIDs = rows.map(\.id)
        var answers = try await Rows.all(
            c.query(
                """
                SELECT id, request_id, text, answered_by, from_partner_id, received_at FROM register.information_answers
                WHERE request_id = ANY(\(requestIDs)::uuid[]) ORDER BY id
                """, logger: logger)
        ) { r in
            InformationAnswer(
                id: try r.get("id"), requestID: try r.get("request_id"), text: try r.get("text"), answeredBy: try r.get("answered_by"),
                fromPartnerID: try r.get("from_partner_id"), receivedAt: try r.get("received_at"), files: [])
        }
        if !answers.isEmpty {
            let files = try await Rows.all(
                c.query(
                    """
                    SELECT id, answer_id, name, media_type, size_bytes, encode(sha256, 'hex') AS sha256 FROM register.information_answer_files
                    WHERE answer_id = ANY(\(answers.map(\.id))::uuid[]) ORDER BY answer_id, position
                    """, logger: logger)
            ) { r in (try r.get("answer_id", as: UUID.self), try Self.file(r)) }
            let byAnswer = Dictionary(grouping: files, by: \.0)
            for index in answers.indices { answers[index].files = byAnswer[answers[index].id]?.map(\.1) ?? [] }
        }
        let byRequest = Dictionary(grouping: answers, by: \.requestID)
        return rows.map { q in
            var q = q
            q.answers = byRequest[q.id] ?? []
            return q
        }
    }
}

extension RequestKind: PostgresDecodable {}
extension RequestStatus: PostgresDecodable {}
