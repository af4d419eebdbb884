import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Documents of a review: attached as one file each (multipart, as evidence), listed, downloaded
/// with their SHA-256 (every download recorded in the audit trail), withdrawn with a reason.
struct ReviewDocumentController {
    let documents: ReviewDocumentService
    let maxUploadBytes: Int

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reviews/:review/documents") { _, context in
            let reviewID = try context.parameters.id("review", entity: "review")
            return try JSON.response(["items": try await documents.list(of: reviewID, by: context.actor)])
        }
        group.post("reviews/:review/documents") { request, context in
            let reviewID = try context.parameters.id("review", entity: "review")
            let document = try await documents.add(
                to: reviewID, maxBytes: Int64(maxUploadBytes), by: context.actor,
                check: { try MultipartEvidence.precheck(request, maxUploadBytes: maxUploadBytes) }
            ) { upload in
                let fields = try await MultipartEvidence.read(
                    request, boundary: try MultipartEvidence.boundary(of: request), into: upload,
                    maxBodyBytes: MultipartEvidence.maxBodyBytes(maxUploadBytes))
                return try DocumentSubmission.parse(fields)
            }
            return try JSON.response(document, status: .created)
        }
        group.get("review-documents/:document") { _, context in
            try JSON.response(try await documents.get(try id(context), by: context.actor))
        }
        group.get("review-documents/:document/file") { _, context in
            try await Self.download(documents, try id(context), context: context)
        }
        group.post("review-documents/:document/withdrawal") { request, context in
            let withdrawn = try await documents.withdraw(
                try id(context), try await JSON.decode(Withdrawal.self, from: request, context: context, fields: Withdrawal.fieldNames),
                by: context.actor)
            return try JSON.response(withdrawn)
        }
    }

    /// A document's file, streamed with its stored SHA-256; shared by the API and the pages.
    static func download(_ documents: ReviewDocumentService, _ id: UUID, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let document = try await documents.download(id, by: actor)
        return EvidenceController.storedFile(document.file) { write in try await documents.stream(document, by: actor, to: write) }
    }

    private func id(_ context: SignedInContext) throws -> UUID {
        try context.parameters.id("document", entity: "document")
    }
}
