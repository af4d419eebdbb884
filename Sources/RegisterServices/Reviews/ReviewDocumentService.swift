import Foundation
import NIOCore
import RegisterDomain
import RegisterStore

/// Documents of a review (the published report, briefing notes, the partnership's response):
/// attached and withdrawn by the partnership's staff, read by staff and auditors, and by partners
/// for the kinds open to them on reviews within their reach. Every download is in the audit trail.
public struct ReviewDocumentService: Sendable {
    let store: ReviewDocumentStore
    let audit: AuditStore
    let access: Access
    /// How slowly an upload may arrive before it is ended.
    let uploadPace: UploadPace

    /// The review's documents the actor may read.
    public func list(of reviewID: UUID, by actor: Actor) async throws -> [ReviewDocument] {
        let reach = try await access.read(.review(reviewID), .readReviews, by: actor)
        return try await store.list(of: reviewID, partnerKindsOnly: reach.partnerID != nil)
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> ReviewDocument {
        try await access.read(.reviewDocument(id), .readReviews, by: actor)
        return try await store.get(id)
    }

    /// Attaches a document: once the actor may, `check` refuses a malformed request and `receive`
    /// streams the file and returns the form's fields; stored in one transaction, or not at all.
    public func add(
        to reviewID: UUID, maxBytes: Int64, by actor: Actor, check: () throws -> Void = {}, receive: (EvidenceUpload) async throws -> DocumentSubmission
    ) async throws -> ReviewDocument {
        try await access.write(.review(reviewID), .editReviews, visibleThrough: .readReviews, by: actor)
        try check()
        let document = try await store.add(to: reviewID, maxBytes: maxBytes, pace: uploadPace, context: actor.write, receive: receive)
        actor.logger.info("review document added", metadata: ["review": "\(reviewID)", "document": "\(document.id)"])
        return document
    }

    /// Marks a document withdrawn (no longer to be relied on), with a reason; it stays listed and stored.
    public func withdraw(_ id: UUID, _ withdrawal: @autoclosure () async throws -> Withdrawal, by actor: Actor) async throws -> ReviewDocument {
        try await access.write(.reviewDocument(id), .editReviews, visibleThrough: .readReviews, by: actor)
        let reason = try await withdrawal().validate()
        return try await store.withdraw(id, reason: reason, context: actor.write)
    }

    /// The document, its download recorded in the audit trail before a byte is sent.
    public func download(_ id: UUID, by actor: Actor) async throws -> ReviewDocument {
        let document = try await get(id, by: actor)
        try await audit.record(
            RecordedRead(
                what: "review_documents", key: id.uuidString.lowercased(),
                detail: ["review_id": .string(document.reviewID.uuidString.lowercased()), "sha256": .string(document.file.sha256)]),
            context: actor.write)
        return document
    }

    /// The bytes of a document returned by `download`, re-hashed as they go (see `StoredFileReader`).
    public func stream(_ document: ReviewDocument, by actor: Actor, to write: (ByteBuffer) async throws -> Void) async throws {
        do {
            try await store.streamVerified(document, logger: actor.logger, to: write)
        } catch let mismatch as StoredFileMismatch {
            actor.logger.error(
                "document download stopped: the stored bytes differ from those recorded",
                metadata: ["document": "\(document.id)", "problem": "\(mismatch.problem)"])
            throw mismatch
        }
    }
}
