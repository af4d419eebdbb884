import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RegisterDomain
import RegisterServices
import RegisterStore

/// Evidence: submitted by partners with files, decided by coordinators, downloaded with its
/// SHA-256 (every download is recorded in the audit trail).
struct EvidenceController {
    let evidence: EvidenceService
    let maxUploadBytes: Int

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("assignments/:assignment/evidence") { request, context in
            let assignmentID = try context.parameters.id("assignment", entity: "assignment")
            let page = try QueryParameters(request).page()
            return try JSON.response(try await evidence.list(EvidenceFilter(assignmentID: assignmentID), page: page, by: context.actor))
        }
        group.post("assignments/:assignment/evidence") { request, context in
            let assignmentID = try context.parameters.id("assignment", entity: "assignment")
            let result = try await evidence.submit(
                to: assignmentID, idempotencyKey: request.headers[.idempotencyKey], maxBytes: Int64(maxUploadBytes), by: context.actor,
                check: { try MultipartEvidence.precheck(request, maxUploadBytes: maxUploadBytes) }
            ) { upload, today in
                let fields = try await MultipartEvidence.read(
                    request, boundary: try MultipartEvidence.boundary(of: request), into: upload, maxBodyBytes: MultipartEvidence.maxBodyBytes(maxUploadBytes))
                return try EvidenceSubmission.parse(fields, today: today)
            }
            var headers = HTTPFields()
            if result.replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
            return try JSON.response(result.evidence, status: .created, headers: headers)
        }
        group.post("assignments/:assignment/shares") { request, context in
            let assignmentID = try context.parameters.id("assignment", entity: "assignment")
            let share = try await evidence.share(
                on: assignmentID, try await JSON.decode(ShareRequest.self, from: request, context: context, fields: ShareRequest.fieldNames),
                by: context.actor)
            return try JSON.response(share, status: .created)
        }
        group.get("evidence") { request, context in
            let q = QueryParameters(request)
            let filter = EvidenceFilter(
                assignmentID: try q.uuid("assignment"), partnerID: try q.uuid("partner"), verdict: try q.vocabulary("verdict", Verdict.self))
            return try JSON.response(try await evidence.list(filter, page: try q.page(), by: context.actor))
        }
        group.get("evidence/:evidence") { _, context in
            try JSON.response(try await evidence.get(try id(context), by: context.actor))
        }
        group.get("evidence/:evidence/files/:file") { _, context in
            try await Self.download(evidence, try id(context), file: try context.parameters.id("file", entity: "file"), context: context)
        }
        group.post("evidence/:evidence/decision") { request, context in
            let decided = try await evidence.decide(
                try id(context), try await JSON.decode(Decision.self, from: request, context: context, fields: Decision.fieldNames), by: context.actor)
            return try JSON.response(decided)
        }
    }

    /// A file of a submission, streamed with its stored SHA-256; shared by the API and the pages.
    static func download(_ evidence: EvidenceService, _ id: UUID, file fileID: UUID, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let file = try await evidence.download(fileID, of: id, by: actor)
        return storedFile(file) { write in try await evidence.stream(file, of: id, by: actor, to: write) }
    }

    /// A stored file (evidence, an answer's, a review's document) as a download: its recorded type,
    /// size and SHA-256 in the headers, never rendered by the browser; `stream` sends the bytes.
    static func storedFile(
        _ file: EvidenceFile, stream: @escaping @Sendable ((ByteBuffer) async throws -> Void) async throws -> Void
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = file.mediaType
        headers[.contentLength] = String(file.sizeBytes)
        headers[.contentDisposition] = Self.attachment(file.name)
        headers[HTTPField.Name("X-Content-SHA256")!] = file.sha256
        headers[HTTPField.Name("Repr-Digest")!] = "sha-256=:\(Self.base64(hex: file.sha256)):"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[.contentSecurityPolicy] = "sandbox; default-src 'none'"
        headers[.cacheControl] = "private, no-store"
        let body = ResponseBody(contentLength: Int(file.sizeBytes)) { writer in
            try await stream { chunk in try await writer.write(chunk) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private func id(_ context: SignedInContext) throws -> UUID {
        try context.parameters.id("evidence", entity: "evidence")
    }

    /// `attachment; filename="report.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf` (RFC 6266).
    static func attachment(_ name: String) -> String {
        let fallback = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "!#$&+-.^_`|~")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? fallback
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }

    static func base64(hex: String) -> String {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return Data(bytes).base64EncodedString()
    }
}
