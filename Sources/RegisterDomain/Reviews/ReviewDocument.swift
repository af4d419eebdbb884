import Foundation

/// What a document of a review is.
public enum DocumentKind: String, DomainEnum {
    case publishedReport = "published_report"
    case briefingNote = "briefing_note"
    case partnershipResponse = "partnership_response"
    case other
    public static let vocabularyName = "document kind"

    /// Kinds a partner may read on a review within their reach: the published report is public
    /// anyway, and briefing notes are written for partners. A response in draft or an internal paper
    /// stays with the partnership. (`register.document_kind_open_to_partners` holds the same list.)
    public var openToPartners: Bool { self == .publishedReport || self == .briefingNote }
}

extension DocumentKind: Labelled {
    public var label: String {
        switch self {
        case .publishedReport: "Published report"
        case .briefingNote: "Briefing note"
        case .partnershipResponse: "Partnership's response"
        case .other: "Other"
        }
    }
}

/// What a coordinator says about a document they attach (the file comes alongside).
public struct DocumentSubmission: Sendable, Equatable {
    public var kind: DocumentKind
    public var title: String

    public init(kind: DocumentKind, title: String) {
        self.kind = kind
        self.title = title
    }

    /// The form fields of a document upload.
    public static let fieldNames: Set<String> = ["kind", "title"]

    /// Reads the text fields of a document upload, listing every problem at once.
    public static func parse(_ fields: [String: String]) throws -> DocumentSubmission {
        var v = Validator()
        for name in fields.keys.sorted() where !fieldNames.contains(name) {
            v.fail(name, "\(name) is not a field of a document upload; send kind, title and one file")
        }
        var kind: DocumentKind?
        if let raw = fields["kind"] {
            kind = DocumentKind(rawValue: raw)
            if kind == nil { v.fail("kind", DocumentKind.unknownValueMessage(raw)) }
        } else {
            v.fail("kind", "kind is required: one of \(DocumentKind.allowedValues)")
        }
        let title = fields["title"] ?? ""
        v.text(title, field: "title", max: 300)
        try v.check()
        return DocumentSubmission(kind: kind!, title: title.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// A document of a review: one stored file, never changed (a new version is a new document); it
/// may be withdrawn with a reason, never deleted.
public struct ReviewDocument: Encodable, Sendable, Equatable {
    public var id: UUID
    public var reviewID: UUID
    public var kind: DocumentKind
    public var title: String
    public var file: EvidenceFile
    public var addedBy: String
    public var addedAt: Date
    public var withdrawnReason: String?
    public var withdrawnBy: String?
    public var withdrawnAt: Date?

    public init(
        id: UUID, reviewID: UUID, kind: DocumentKind, title: String, file: EvidenceFile, addedBy: String, addedAt: Date, withdrawnReason: String?,
        withdrawnBy: String?, withdrawnAt: Date?
    ) {
        self.id = id
        self.reviewID = reviewID
        self.kind = kind
        self.title = title
        self.file = file
        self.addedBy = addedBy
        self.addedAt = addedAt
        self.withdrawnReason = withdrawnReason
        self.withdrawnBy = withdrawnBy
        self.withdrawnAt = withdrawnAt
    }

    public var withdrawn: Bool { withdrawnAt != nil }

    enum CodingKeys: String, CodingKey {
        case id
        case reviewID = "review_id"
        case kind, title, file
        case addedBy = "added_by"
        case addedAt = "added_at"
        case withdrawn
        case withdrawnReason = "withdrawn_reason"
        case withdrawnBy = "withdrawn_by"
        case withdrawnAt = "withdrawn_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(reviewID, forKey: .reviewID)
        try c.encode(kind, forKey: .kind)
        try c.encode(title, forKey: .title)
        try c.encode(file, forKey: .file)
        try c.encode(addedBy, forKey: .addedBy)
        try c.encode(addedAt, forKey: .addedAt)
        try c.encode(withdrawn, forKey: .withdrawn)
        try c.encode(withdrawnReason, forKey: .withdrawnReason)
        try c.encode(withdrawnBy, forKey: .withdrawnBy)
        try c.encode(withdrawnAt, forKey: .withdrawnAt)
    }
}
