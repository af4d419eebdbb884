import Foundation
import PostgresNIO
import RegisterDomain

/// A record whose visibility depends on the partner organisations it is assigned to.
public enum ScopedRecord: Sendable {
    case review(UUID)
    case recommendation(UUID)
    case assignment(UUID)
    case evidence(UUID)
    case informationRequest(UUID)
    case reviewDocument(UUID)

    public var entityName: String {
        switch self {
        case .review: "review"
        case .recommendation: "recommendation"
        case .assignment: "assignment"
        case .evidence: "evidence"
        case .informationRequest: "information request"
        case .reviewDocument: "document"
        }
    }
}

/// Answers "may this partner see this record?" in one place: a partner sees the assignments of
/// their organisation, the evidence their organisation sent on them or that was shared with it
/// (`register.partner_sees_submission`), and the recommendations and reviews they hang from.
public struct AccessStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Throws not-found when the record is outside `reach` (so its existence does not leak).
    /// Within reach of everything, existence is left to the read that follows.
    public func check(_ record: ScopedRecord, within reach: Reach) async throws {
        guard let partner = reach.partnerID else { return }
        let visible = try await database.read { c in
            try await Rows.first(c.query(Self.visibility(record, partner: partner), logger: database.logger)) {
                try $0.get("visible", as: Bool.self)
            }
        }
        guard visible == true else { throw DomainError.notFound(record.entityName) }
    }

    static func visibility(_ record: ScopedRecord, partner: UUID) -> PostgresQuery {
        switch record {
        case .review(let id):
            """
            SELECT EXISTS (SELECT 1 FROM register.assignments a JOIN register.recommendations x ON x.id = a.recommendation_id
                           WHERE x.review_id = \(id) AND a.partner_id = \(partner)) AS visible
            """
        case .recommendation(let id):
            "SELECT EXISTS (SELECT 1 FROM register.assignments a WHERE a.recommendation_id = \(id) AND a.partner_id = \(partner)) AS visible"
        case .assignment(let id):
            "SELECT EXISTS (SELECT 1 FROM register.assignments a WHERE a.id = \(id) AND a.partner_id = \(partner)) AS visible"
        case .evidence(let id):
            // Evidence another organisation sent before a reassignment only once a coordinator shares it.
            """
            SELECT EXISTS (SELECT 1 FROM register.evidence e JOIN register.assignments a ON a.id = e.assignment_id
                           WHERE e.id = \(id) AND a.partner_id = \(partner)
                             AND register.partner_sees_submission(\(partner), e.assignment_id, e.from_partner_id, e.id)) AS visible
            """
        case .informationRequest(let id):
            // Requests made of the partner's own organisation, whatever they are about.
            "SELECT EXISTS (SELECT 1 FROM register.information_requests q WHERE q.id = \(id) AND q.partner_id = \(partner)) AS visible"
        case .reviewDocument(let id):
            // The kinds open to partners, on a review within reach (as `.review`).
            """
            SELECT EXISTS (SELECT 1 FROM register.review_documents d
                           WHERE d.id = \(id) AND register.document_kind_open_to_partners(d.kind)
                             AND EXISTS (SELECT 1 FROM register.assignments a JOIN register.recommendations x ON x.id = a.recommendation_id
                                         WHERE x.review_id = d.review_id AND a.partner_id = \(partner))) AS visible
            """
        }
    }
}
