import Foundation
import NIOCore
import RegisterDomain
import RegisterStore

/// Evidence: submitted by partners with files, decided by coordinators, downloaded with its
/// SHA-256 (every download is recorded in the audit trail).
public struct EvidenceService: Sendable {
    let store: EvidenceStore
    let audit: AuditStore
    let access: Access
    let clock: RegisterClock
    /// How slowly an upload may arrive before it is ended.
    let uploadPace: UploadPace

    public func list(_ filter: EvidenceFilter, page: PageRequest, by actor: Actor) async throws -> Page<Evidence> {
        var filter = filter
        filter.reach = try actor.reach(.readAssignments)
        if let assignmentID = filter.assignmentID {
            try await access.read(.assignment(assignmentID), .readAssignments, by: actor)
        }
        return try await store.list(filter, page: page)
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> Evidence {
        try await access.read(.evidence(id), .readAssignments, by: actor)
        return try await store.get(id)
    }

    /// Receives a submission to an assignment: once the actor may, `check` refuses a malformed
    /// request and `receive` streams the files into the upload and returns the form's fields;
    /// everything is stored in one transaction, or nothing.
    public func submit(
        to assignmentID: UUID, idempotencyKey: String?, maxBytes: Int64, by actor: Actor,
        check: () throws -> Void = {}, receive: (EvidenceUpload, Day) async throws -> EvidenceSubmission
    ) async throws -> (evidence: Evidence, replayed: Bool) {
        try await access.write(.assignment(assignmentID), .submitEvidence, visibleThrough: .readAssignments, by: actor)
        // What can be refused before a byte is received (the upload's form, its declared size).
        try check()
        let today = clock.today()
        let result = try await store.submit(
            to: assignmentID, idempotencyKey: idempotencyKey, maxBytes: maxBytes, pace: uploadPace, today: today, context: actor.write
        ) { upload in try await receive(upload, today) }
        if !result.replayed {
            actor.logger.info("evidence received", metadata: ["evidence": "\(result.evidence.id)", "files": "\(result.evidence.files.count)"])
        }
        return result
    }

    /// Accepts or returns evidence (a return needs a reason the partner will see).
    public func decide(_ id: UUID, _ decision: @autoclosure () async throws -> Decision, by actor: Actor) async throws -> Evidence {
        try await access.write(.evidence(id), .decideEvidence, visibleThrough: .readAssignments, by: actor)
        let decision = try await decision()
        let decided = try await store.decide(id, decision, today: clock.today(), context: actor.write)
        actor.logger.info("evidence decided", metadata: ["evidence": "\(id)", "verdict": "\(decision.verdict.rawValue)"])
        return decided
    }

    /// One file of a submission, its download recorded in the audit trail before a byte is sent.
    /// Stream its bytes with `stream`.
    public func download(_ fileID: UUID, of id: UUID, by actor: Actor) async throws -> EvidenceFile {
        try await access.read(.evidence(id), .readAssignments, by: actor)
        let file = try await store.file(fileID, of: id)
        try await audit.recordRead(
            "evidence_files", key: file.id.uuidString.lowercased(),
            detail: #"{"evidence_id":"\#(id.uuidString.lowercased())","sha256":"\#(file.sha256)"}"#, context: actor.write)
        return file
    }

    /// The bytes of a file returned by `download`, in pieces, re-hashed as they go: bytes that differ
    /// from the SHA-256 recorded when the file arrived stop the stream with an error (logged with the
    /// evidence) before its last piece, so a download never completes with the wrong bytes.
    public func stream(_ file: EvidenceFile, of id: UUID, by actor: Actor, to write: (ByteBuffer) async throws -> Void) async throws {
        do {
            try await store.streamVerified(file, logger: actor.logger, to: write)
        } catch let mismatch as StoredFileMismatch {
            actor.logger.error(
                "evidence file download stopped: the stored bytes differ from those recorded",
                metadata: ["evidence": "\(id)", "file": "\(file.id)", "problem": "\(mismatch.problem)"])
            throw mismatch
        }
    }

    /// Lets the partner who has an assignment now see what another organisation sent on it before a
    /// reassignment: one piece of evidence, or (no `evidence_id`) every submission and progress update.
    /// A coordinator's decision, recorded in the audit trail.
    public func share(on assignmentID: UUID, _ request: @autoclosure () async throws -> ShareRequest, by actor: Actor) async throws -> EvidenceShare {
        try await access.write(.assignment(assignmentID), .assignPartners, visibleThrough: .readAssignments, by: actor)
        let request = try await request()
        let share = try await store.share(on: assignmentID, request, today: clock.today(), context: actor.write)
        actor.logger.info(
            "evidence shared with the assignment's partner",
            metadata: ["assignment": "\(assignmentID)", "evidence": "\(request.evidenceID.map { "\($0)" } ?? "all")", "partner": "\(share.partnerID)"])
        return share
    }
}
