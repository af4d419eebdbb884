import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RegisterReports
import RegisterDomain
import RegisterServices
import RegisterStore

/// Further-information requests: asked by coordinators, answered by the holder's people with text
/// and files (multipart, as evidence), withdrawn with a reason; answer files downloaded with their
/// SHA-256 (every download recorded in the audit trail).
struct InformationRequestController {
    let requests: InformationRequestService
    let maxUploadBytes: Int

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("information-requests") { request, context in
            let q = QueryParameters(request)
            let filter = InformationRequestFilter(
                partnerID: try q.uuid("partner"), reviewID: try q.uuid("review"), recommendationID: try q.uuid("recommendation"),
                assignmentID: try q.uuid("assignment"), status: try q.vocabulary("status", RequestStatus.self), overdue: try q.bool("overdue"))
            return try JSON.response(try await requests.list(filter, page: try q.page(), by: context.actor))
        }
        group.post("information-requests") { request, context in
            let asked = try await requests.ask(
                try await JSON.decodeDraft(InformationRequestDetails.self, from: request, context: context), by: context.actor)
            return try JSON.response(asked, status: .created, etag: asked.version)
        }
        group.get("information-requests/:request") { _, context in
            let found = try await requests.get(try id(context), by: context.actor)
            return try JSON.response(found, etag: found.version)
        }
        group.post("information-requests/:request/answers") { request, context in
            let answered = try await requests.answer(
                try id(context), maxBytes: Int64(maxUploadBytes), by: context.actor,
                check: { try MultipartEvidence.precheck(request, maxUploadBytes: maxUploadBytes) }
            ) { upload in
                let fields = try await MultipartEvidence.read(
                    request, boundary: try MultipartEvidence.boundary(of: request), into: upload,
                    maxBodyBytes: MultipartEvidence.maxBodyBytes(maxUploadBytes))
                return try AnswerSubmission.parse(fields)
            }
            return try JSON.response(answered, status: .created, etag: answered.version)
        }
        group.post("information-requests/:request/withdrawal") { request, context in
            let id = try id(context)
            let withdrawn = try await requests.withdraw(
                id, expectedVersion: try await ETag.optionalExpectedVersion(request) { try await requests.get(id, by: context.actor).version },
                try await JSON.decode(Withdrawal.self, from: request, context: context, fields: Withdrawal.fieldNames), by: context.actor)
            return try JSON.response(withdrawn, etag: withdrawn.version)
        }
        group.get("reports/information-requests") { request, context in
            try await Self.export(requests, QueryParameters(request), via: .api, context: context)
        }
        group.get("information-requests/:request/files/:file") { _, context in
            try await Self.download(requests, try id(context), file: try context.parameters.id("file", entity: "file"), context: context)
        }
    }

    /// The requests as CSV (`status`, `overdue`, `partner`, `review` filters), recorded before it is sent;
    /// shared by the API and the pages.
    static func export(_ requests: InformationRequestService, _ q: QueryParameters, via: ExportChannel, context: SignedInContext) async throws -> Response {
        let filter = InformationRequestFilter(
            partnerID: try q.uuid("partner"), reviewID: try q.uuid("review"), status: try q.vocabulary("status", RequestStatus.self),
            overdue: try q.bool("overdue"))
        let csv = try await requests.export(filter, via: via, by: context.actor)
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"information-requests.csv\""
        headers[.cacheControl] = "private, no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    /// A file of an answer, streamed with its stored SHA-256; shared by the API and the pages.
    static func download(_ requests: InformationRequestService, _ id: UUID, file fileID: UUID, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let file = try await requests.download(fileID, of: id, by: actor)
        return EvidenceController.storedFile(file) { write in try await requests.stream(file, of: id, by: actor, to: write) }
    }

    private func id(_ context: SignedInContext) throws -> UUID {
        try context.parameters.id("request", entity: "information request")
    }
}
