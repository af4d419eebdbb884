import Foundation

/// What a piece of evidence shows. Output alone (a policy written, a training run) is not assurance.
public enum EvidenceKind: String, DomainEnum {
    case output, outcome, impact
    public static let vocabularyName = "evidence kind"
}

/// The coordinator's decision on a piece of evidence.
public enum Verdict: String, DomainEnum {
    case pending, accepted, returned
    public static let vocabularyName = "verdict"
}

/// What a partner says about the evidence they submit (the files come alongside).
public struct EvidenceSubmission: Sendable, Equatable {
    public var summary: String
    public var kind: EvidenceKind
    /// The day (or end of the period) the evidence speaks for, given by the partner.
    public var effectiveDate: Day

    public init(summary: String, kind: EvidenceKind, effectiveDate: Day) {
        self.summary = summary
        self.kind = kind
        self.effectiveDate = effectiveDate
    }

    /// The form fields of an evidence upload.
    public static let fieldNames: Set<String> = ["summary", "kind", "effective_date"]

    /// Reads the text fields of an upload, listing every problem at once.
    public static func parse(_ fields: [String: String], today: Day) throws -> EvidenceSubmission {
        var v = Validator()
        for name in fields.keys.sorted() where !fieldNames.contains(name) {
            v.fail(name, "\(name) is not a field of an evidence upload; send summary, kind, effective_date and one or more files")
        }
        let summary = fields["summary"] ?? ""
        v.text(summary, field: "summary", max: 10_000)
        var kind: EvidenceKind?
        if let raw = fields["kind"] {
            kind = EvidenceKind(rawValue: raw)
            if kind == nil { v.fail("kind", EvidenceKind.unknownValueMessage(raw)) }
        } else {
            v.fail("kind", "kind is required: one of \(EvidenceKind.allowedValues)")
        }
        var effective: Day?
        if let raw = fields["effective_date"] {
            effective = Day(iso: raw)
            if effective == nil { v.fail("effective_date", "effective_date must be a date such as 2026-03-31") }
            if let effective, effective > today { v.fail("effective_date", "effective_date (\(effective)) is in the future") }
        } else {
            v.fail("effective_date", "effective_date is required: the day or end of the period the evidence covers")
        }
        try v.check()
        return EvidenceSubmission(summary: summary, kind: kind!, effectiveDate: effective!)
    }
}

/// One stored file of a piece of evidence.
public struct EvidenceFile: Encodable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var mediaType: String
    public var sizeBytes: Int64
    /// Lower-case hex of the SHA-256 the server computed while the file arrived.
    public var sha256: String

    public init(id: UUID, name: String, mediaType: String, sizeBytes: Int64, sha256: String) {
        self.id = id
        self.name = name
        self.mediaType = mediaType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case mediaType = "media_type"
        case sizeBytes = "size_bytes"
        case sha256
    }
}

/// Evidence of implementation: immutable once submitted; a correction is a new submission.
public struct Evidence: Encodable, Sendable, Equatable {
    public var id: UUID
    public var assignmentID: UUID
    public var recommendationID: UUID
    public var partnerID: UUID
    public var summary: String
    public var kind: EvidenceKind
    public var effectiveDate: Day
    /// Set by the server when the submission arrived.
    public var receivedAt: Date
    public var submittedBy: UUID
    /// The organisation that sent it.
    public var from: Provenance
    public var files: [EvidenceFile]
    public var verdict: Verdict
    public var decidedBy: UUID?
    public var decidedAt: Date?
    /// Why it was returned (required then), or a note on acceptance.
    public var reason: String?

    public init(
        id: UUID, assignmentID: UUID, recommendationID: UUID, partnerID: UUID, summary: String, kind: EvidenceKind, effectiveDate: Day,
        receivedAt: Date, submittedBy: UUID, from: Provenance, files: [EvidenceFile], verdict: Verdict, decidedBy: UUID?, decidedAt: Date?,
        reason: String?
    ) {
        self.id = id
        self.assignmentID = assignmentID
        self.recommendationID = recommendationID
        self.partnerID = partnerID
        self.summary = summary
        self.kind = kind
        self.effectiveDate = effectiveDate
        self.receivedAt = receivedAt
        self.submittedBy = submittedBy
        self.from = from
        self.files = files
        self.verdict = verdict
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case id
        case assignmentID = "assignment_id"
        case recommendationID = "recommendation_id"
        case partnerID = "partner_id"
        case summary, kind
        case effectiveDate = "effective_date"
        case receivedAt = "received_at"
        case submittedBy = "submitted_by"
        case files, verdict
        case decidedBy = "decided_by"
        case decidedAt = "decided_at"
        case reason
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(assignmentID, forKey: .assignmentID)
        try c.encode(recommendationID, forKey: .recommendationID)
        try c.encode(partnerID, forKey: .partnerID)
        try c.encode(summary, forKey: .summary)
        try c.encode(kind, forKey: .kind)
        try c.encode(effectiveDate, forKey: .effectiveDate)
        try c.encode(receivedAt, forKey: .receivedAt)
        try c.encode(submittedBy, forKey: .submittedBy)
        try from.encode(into: encoder)
        try c.encode(files, forKey: .files)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(decidedBy, forKey: .decidedBy)
        try c.encode(decidedAt, forKey: .decidedAt)
        try c.encode(reason, forKey: .reason)
    }
}

/// A coordinator's verdict: accepted, or returned with the reason the partner will read.
public struct Decision: Codable, Sendable, Equatable {
    public var verdict: Verdict
    public var reason: String?

    public init(verdict: Verdict, reason: String? = nil) {
        self.verdict = verdict
        self.reason = reason
    }

    public static let fieldNames: Set<String> = ["verdict", "reason"]

    /// Checks the decision, returning the trimmed reason.
    public func validate() throws -> String? {
        var v = Validator()
        let trimmed = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        let given = (trimmed?.isEmpty ?? true) ? nil : trimmed
        switch verdict {
        case .pending: v.fail("verdict", "verdict must be accepted or returned")
        case .returned where given == nil: v.fail("reason", "returning evidence needs a reason the partner can act on")
        default: break
        }
        v.optionalText(given, field: "reason", max: 5000)
        try v.check()
        return given
    }
}
