import Foundation
import NIOCore
import PostgresNIO
import RegisterDomain

/// Documents of a review: one stored file each, kept as evidence files are (the sealed store),
/// never changed; withdrawn with a reason, never deleted.
public struct ReviewDocumentStore: Sendable {
    let database: Database
    /// The server's upload places, shared with evidence uploads.
    let uploadPlaces: EvidenceUpload.UploadPlaces

    /// Documents take the same upload places as evidence on this server.
    public init(database: Database, sharingUploadsWith evidence: EvidenceStore) {
        self.database = database
        self.uploadPlaces = evidence.uploadPlaces
    }

    private static let columns = """
        d.id, d.review_id, d.kind, d.title, d.name, d.media_type, d.size_bytes, encode(d.sha256, 'hex') AS sha256, d.added_by, d.added_at,
        w.reason AS withdrawn_reason, w.withdrawn_by, w.withdrawn_at
        """
    private static let from = "register.review_documents d LEFT JOIN register.review_document_withdrawals w ON w.document_id = d.id"

    /// Receives a document: `receive` streams its one file into the upload and returns the fields;
    /// then one transaction stores it.
    public func add(
        to reviewID: UUID, maxBytes: Int64, pace: UploadPace = .standard, context: WriteContext, receive: (EvidenceUpload) async throws -> DocumentSubmission
    ) async throws -> ReviewDocument {
        let upload = try await EvidenceUpload.begin(
            maxBytes: maxBytes, pace: pace, person: context.actor.userID, places: uploadPlaces, database: database, context: context)
        defer { upload.discard() }
        let submission = try await receive(upload)
        guard upload.received.count == 1, let file = upload.received.first else {
            throw ValidationError(field: "files", message: "attach exactly one file: each document is one file (add another document for another file)")
        }
        return try await database.write(context) { c in
            let found = try await Rows.first(
                c.query("SELECT EXISTS (SELECT 1 FROM register.reviews WHERE id = \(reviewID)) AS found", logger: context.logger)
            ) { try $0.get("found", as: Bool.self) }
            guard found == true else { throw DomainError.notFound("review") }
            try await file.storePieces(on: c, logger: context.logger)
            try await c.run(
                """
                INSERT INTO register.review_documents (id, review_id, kind, title, name, media_type, size_bytes, sha256, added_by)
                VALUES (\(file.file.id), \(reviewID), \(submission.kind.rawValue), \(submission.title), \(file.file.name), \(file.file.mediaType),
                        \(file.file.sizeBytes), \(ByteBuffer(bytes: file.sha256)), \(context.actor.auditName))
                """, logger: context.logger)
            return try await Self.fetch(where: "d.id = \(file.file.id)", on: c, logger: context.logger)[0]
        }
    }

    /// A review's documents, oldest first. `partnerKindsOnly` keeps the kinds open to partners.
    public func list(of reviewID: UUID, partnerKindsOnly: Bool) async throws -> [ReviewDocument] {
        try await database.read { c in
            try await Self.fetch(
                where: """
                    d.review_id = \(reviewID) AND (NOT \(partnerKindsOnly) OR register.document_kind_open_to_partners(d.kind)) ORDER BY d.id
                    """, on: c, logger: database.logger)
        }
    }

    public func get(_ id: UUID) async throws -> ReviewDocument {
        let found = try await database.read { c in try await Self.fetch(where: "d.id = \(id)", on: c, logger: database.logger).first }
        guard let found else { throw DomainError.notFound("document") }
        return found
    }

    /// Marks a document withdrawn, with its reason; once only (the withdrawal's key is the document,
    /// so of two at once the second is refused by the database).
    public func withdraw(_ id: UUID, reason: String, context: WriteContext) async throws -> ReviewDocument {
        do {
            return try await database.write(context) { c in
                guard let current = try await Self.fetch(where: "d.id = \(id)", on: c, logger: context.logger).first else {
                    throw DomainError.notFound("document")
                }
                if current.withdrawn { throw Self.alreadyWithdrawn }
                try await c.run(
                    """
                    INSERT INTO register.review_document_withdrawals (document_id, reason, withdrawn_by)
                    VALUES (\(id), \(reason), \(context.actor.auditName))
                    """, logger: context.logger)
                return try await Self.fetch(where: "d.id = \(id)", on: c, logger: context.logger)[0]
            }
        } catch DomainError.duplicate(let field, _) where field == "review_document_withdrawals_pkey" {
            throw Self.alreadyWithdrawn
        }
    }

    private static let alreadyWithdrawn = DomainError.conflict("This document was already withdrawn; a withdrawal is never changed.")

    /// A review's documents as they stood at the end of `asAt`'s day (now when nil), read back from
    /// the audit trail as the evidence pack reads evidence files: each with its withdrawal, if any, by then.
    public func documents(of reviewID: UUID, asAt: AsAt?) async throws -> [ReviewDocument] {
        let at = asAt?.sealedBefore
        return try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT d.id, d.review_id, d.kind, d.title, d.name, d.media_type, d.size_bytes, encode(d.sha256, 'hex') AS sha256, d.added_by,
                           d.added_at, w.reason AS withdrawn_reason, w.withdrawn_by, w.withdrawn_at
                    FROM register.review_documents_at(\(at)) d
                    LEFT JOIN register.review_document_withdrawals_at(\(at)) w ON w.document_id = d.id
                    WHERE d.review_id = \(reviewID) ORDER BY d.id
                    """, logger: database.logger), Self.document)
        }
    }

    /// The document's bytes, checked against its recorded size and SHA-256 as they go.
    public func streamVerified(_ document: ReviewDocument, logger: Logger, to write: (ByteBuffer) async throws -> Void) async throws {
        try await StoredFileReader(database: database).verified(document.file, logger: logger, to: write)
    }

    private static func fetch(where condition: PostgresQuery, on c: DatabaseConnection, logger: Logger) async throws -> [ReviewDocument] {
        let query = PostgresQuery(unsafeSQL: "SELECT \(columns) FROM \(from) WHERE " + condition.sql, binds: condition.binds)
        return try await Rows.all(c.query(query, logger: logger), Self.document)
    }

    private static func document(_ r: PostgresRandomAccessRow) throws -> ReviewDocument {
        ReviewDocument(
            id: try r.get("id"), reviewID: try r.get("review_id"), kind: try r.get("kind"), title: try r.get("title"),
            file: EvidenceFile(
                id: try r.get("id"), name: try r.get("name"), mediaType: try r.get("media_type"), sizeBytes: try r.get("size_bytes"),
                sha256: try r.get("sha256")),
            addedBy: try r.get("added_by"), addedAt: try r.get("added_at"), withdrawnReason: try r.get("withdrawn_reason"),
            withdrawnBy: try r.get("withdrawn_by"), withdrawnAt: try r.get("withdrawn_at"))
    }
}

extension DocumentKind: PostgresDecodable {}
