import Foundation
import NIOCore
import RegisterDomain
import RegisterReports
import RegisterStore

/// Further-information requests: asked of a holder by a coordinator, answered by the holder's
/// people with text and files (stored as evidence files are), withdrawn with a reason. Every
/// download of an answer's file is recorded in the audit trail.
public struct InformationRequestService: Sendable {
    let store: InformationRequestStore
    let audit: AuditStore
    let access: Access
    let clock: RegisterClock
    /// How slowly an upload may arrive before it is ended.
    let uploadPace: UploadPace

    /// Requests the actor may see: a holder's people see those made of their holder.
    public func list(_ filter: InformationRequestFilter, page: PageRequest, by actor: Actor) async throws -> Page<InformationRequest> {
        var filter = filter
        filter.reach = try actor.reach(.readAssignments)
        return try await store.list(filter, page: page, today: clock.today())
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> InformationRequest {
        try await access.read(.informationRequest(id), .readAssignments, by: actor)
        return try await store.get(id, today: clock.today())
    }

    /// Asks a holder for a briefing or for information by a date.
    public func ask(_ details: @autoclosure () async throws -> InformationRequestDetails, by actor: Actor) async throws -> InformationRequest {
        try actor.require(.askForInformation)
        let request = try await store.create(try await details(), today: clock.today(), context: actor.write)
        actor.logger.info("further information requested", metadata: ["request": "\(request.id)", "partner": "\(request.details.partnerID)"])
        return request
    }

    /// Receives an answer: once the actor may (a person of the holder asked), `check` refuses a
    /// malformed request and `receive` streams any files into the upload and returns the text;
    /// everything is stored in one transaction, or nothing.
    public func answer(
        _ id: UUID, maxBytes: Int64, by actor: Actor, check: () throws -> Void = {}, receive: (EvidenceUpload) async throws -> AnswerSubmission
    ) async throws -> InformationRequest {
        try await access.write(.informationRequest(id), .answerRequests, visibleThrough: .readAssignments, by: actor)
        try check()
        let answered = try await store.answer(id, maxBytes: maxBytes, pace: uploadPace, today: clock.today(), context: actor.write, receive: receive)
        actor.logger.info("further information answered", metadata: ["request": "\(id)", "answers": "\(answered.answers.count)"])
        return answered
    }

    /// Withdraws an open request, with the reason the holder will read.
    public func withdraw(
        _ id: UUID, expectedVersion: Int?, _ withdrawal: @autoclosure () async throws -> Withdrawal, by actor: Actor
    ) async throws -> InformationRequest {
        try await access.write(.informationRequest(id), .askForInformation, visibleThrough: .readAssignments, by: actor)
        let reason = try await withdrawal().validate()
        let withdrawn = try await store.withdraw(id, expectedVersion: expectedVersion, reason: reason, today: clock.today(), context: actor.write)
        actor.logger.info("further-information request withdrawn", metadata: ["request": "\(id)"])
        return withdrawn
    }

    /// The requests matching `filter` as CSV, for the partnership's staff and auditors: the export is
    /// recorded in the audit trail (`read:report.information_requests`) before it is returned.
    public func export(_ filter: InformationRequestFilter, via: ExportChannel, by actor: Actor) async throws -> String {
        try actor.require(.readReports)
        let today = clock.today()
        let all = try await Page.all { try await store.list(filter, page: $0, today: today) }
        var filters: [(String, String)] = []
        if let status = filter.status { filters.append(("status", status.rawValue)) }
        if let overdue = filter.overdue { filters.append(("overdue", String(overdue))) }
        if let partner = filter.partnerID { filters.append(("partner", partner.uuidString.lowercased())) }
        if let review = filter.reviewID { filters.append(("review", review.uuidString.lowercased())) }
        try await ExportRecord(.informationRequests, format: "csv", via: via, filters: filters, rows: all.count).record(in: audit, context: actor.write)
        return RequestsCSV.write(all)
    }

    /// One file of an answer, its download recorded in the audit trail before a byte is sent.
    /// Stream its bytes with `stream`.
    public func download(_ fileID: UUID, of id: UUID, by actor: Actor) async throws -> EvidenceFile {
        try await access.read(.informationRequest(id), .readAssignments, by: actor)
        let file = try await store.file(fileID, of: id)
        try await audit.record(
            RecordedRead(
                what: "information_answer_files", key: file.id.uuidString.lowercased(),
                detail: ["request_id": .string(id.uuidString.lowercased()), "sha256": .string(file.sha256)]),
            context: actor.write)
        return file
    }

    /// The bytes of a file returned by `download`, re-hashed as they go: bytes that differ from the
    /// SHA-256 recorded when the file arrived stop the stream before its last piece.
    public func stream(_ file: EvidenceFile, of id: UUID, by actor: Actor, to write: (ByteBuffer) async throws -> Void) async throws {
        do {
            try await store.streamVerified(file, logger: actor.logger, to: write)
        } catch let mismatch as StoredFileMismatch {
            actor.logger.error(
                "answer file download stopped: the stored bytes differ from those recorded",
                metadata: ["request": "\(id)", "file": "\(file.id)", "problem": "\(mismatch.problem)"])
            throw mismatch
        }
    }
}
