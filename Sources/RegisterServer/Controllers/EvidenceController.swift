import Foundation
import HTTPTypes
import Hummingbird
import RegisterDomain
import RegisterStore

/// Evidence: submitted by partners with files, decided by coordinators, downloaded with its
/// SHA-256 (every download is recorded in the audit trail).
struct EvidenceController {
    let evidence: EvidenceStore
    let audit: AuditStore
    let access: Access
    let maxUploadBytes: Int

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("assignments/:assignment/evidence") { request, context in
            let assignmentID = try context.parameters.id("assignment", entity: "assignment")
            let reach = try await access.read(.assignment(assignmentID), .readAssignments, context: context)
            let page = try QueryParameters(request).page()
            return try JSON.response(try await evidence.list(EvidenceFilter(assignmentID: assignmentID, reach: reach), page: page))
        }
        group.post("assignments/:assignment/evidence") { request, context in
            let assignmentID = try context.parameters.id("assignment", entity: "assignment")
            try await access.write(.assignment(assignmentID), .submitEvidence, visibleThrough: .readAssignments, context: context)
            let boundary = try MultipartEvidence.boundary(of: request)
            // Form fields and part headers need a little room beyond the files themselves.
            let maxBody = maxUploadBytes + 1024 * 1024
            if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBody {
                throw DomainError.tooLarge(limitBytes: Int64(maxUploadBytes))
            }
            let key = request.headers[HTTPField.Name("Idempotency-Key")!]
            let today = context.today
            let result = try await evidence.submit(
                to: assignmentID, idempotencyKey: key, maxBytes: Int64(maxUploadBytes), today: today, context: context.write
            ) { upload in
                try await MultipartEvidence.read(request, boundary: boundary, into: upload, maxBodyBytes: maxBody, today: today)
            }
            if !result.replayed {
                context.logger.info("evidence received", metadata: ["evidence": "\(result.evidence.id)", "files": "\(result.evidence.files.count)"])
            }
            var headers = HTTPFields()
            if result.replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
            return try JSON.response(result.evidence, status: .created, headers: headers)
        }
        group.get("evidence") { request, context in
            let reach = try context.reach(.readAssignments)
            let q = QueryParameters(request)
            let filter = EvidenceFilter(
                assignmentID: try q.uuid("assignment"), partnerID: try q.uuid("partner"), verdict: try q.vocabulary("verdict", Verdict.self),
                reach: reach)
            return try JSON.response(try await evidence.list(filter, page: try q.page()))
        }
        group.get("evidence/:evidence") { _, context in
            let id = try id(context)
            try await access.read(.evidence(id), .readAssignments, context: context)
            return try JSON.response(try await evidence.get(id))
        }
        group.get("evidence/:evidence/files/:file") { _, context in
            let id = try id(context)
            try await access.read(.evidence(id), .readAssignments, context: context)
            let file = try await evidence.file(try context.parameters.id("file", entity: "file"), of: id)
            // Who looked at what: recorded before a byte is sent.
            try await audit.recordRead(
                "evidence_files", key: file.id.uuidString.lowercased(),
                detail: #"{"evidence_id":"\#(id.uuidString.lowercased())","sha256":"\#(file.sha256)"}"#, context: context.write)
            var headers = HTTPFields()
            headers[.contentType] = file.mediaType
            headers[.contentLength] = String(file.sizeBytes)
            headers[.contentDisposition] = Self.attachment(file.name)
            headers[HTTPField.Name("X-Content-SHA256")!] = file.sha256
            headers[HTTPField.Name("Repr-Digest")!] = "sha-256=:\(Self.base64(hex: file.sha256)):"
            headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
            headers[.contentSecurityPolicy] = "sandbox; default-src 'none'"
            headers[.cacheControl] = "private, no-store"
            let store = evidence
            let logger = context.logger
            let body = ResponseBody(contentLength: Int(file.sizeBytes)) { writer in
                try await store.streamFile(file.id, logger: logger) { chunk in try await writer.write(chunk) }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
        group.post("evidence/:evidence/decision") { request, context in
            let id = try id(context)
            try await access.write(.evidence(id), .decideEvidence, visibleThrough: .readAssignments, context: context)
            let decision = try await JSON.decode(Decision.self, from: request, context: context, fields: Decision.fieldNames)
            let decided = try await evidence.decide(id, decision, today: context.today, context: context.write)
            context.logger.info("evidence decided", metadata: ["evidence": "\(id)", "verdict": "\(decision.verdict.rawValue)"])
            return try JSON.response(decided)
        }
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
