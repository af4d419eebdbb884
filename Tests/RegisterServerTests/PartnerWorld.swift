import Foundation
import HTTPTypes
import Testing
import RegisterDomain
@testable import RegisterServer

/// Two partners' work side by side: for each of "own" (the test partner user's organisation) and
/// "other", a review with a question and a finding, a recommendation assigned to that partner,
/// a progress update and a piece of evidence with one file; a further-information request to that
/// partner answered with one file, and a published report attached to the review.
struct PartnerWorld {
    enum Side: CaseIterable, CustomStringConvertible {
        case own, other
        var description: String { self == .own ? "own" : "other" }
    }

    struct Records {
        var review: String
        var question: String
        var finding: String
        var recommendation: String
        var assignment: String
        var evidence: String
        var file: String
        var request: String
        var answerFile: String
        var document: String
    }

    let own: Records
    let other: Records

    subscript(side: Side) -> Records { side == .own ? own : other }

    static let pdf = Array("%PDF-1.4\n% Learning Register test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".utf8)

    static func make(_ api: APIHarness) async throws -> PartnerWorld {
        let own = try await records(api, reference: "OWN-2026-01", partner: api.ownPartner, token: api.tokens[.partner]!)
        let other = try await records(api, reference: "OTHER-2026-01", partner: api.otherPartner, token: api.otherPartnerToken)
        return PartnerWorld(own: own, other: other)
    }

    private static func records(_ api: APIHarness, reference: String, partner: UUID, token: String) async throws -> Records {
        let review = try await api.createReview(reference: reference)["id"] as! String
        let question = try await api.call(.post, "/api/v1/reviews/\(review)/questions", json: #"{"text":"What happened?"}"#)
        let finding = try await api.call(.post, "/api/v1/reviews/\(review)/findings", json: #"{"text":"Information was not shared."}"#)
        let recommendation = try await api.call(
            .post, "/api/v1/reviews/\(review)/recommendations", json: #"{"number":"1","text":"Share information.","scope":"local"}"#)
        let recommendationID = try recommendation.id()
        let assignment = try await api.call(
            .post, "/api/v1/recommendations/\(recommendationID)/assignments",
            json: #"{"partner_id":"\#(partner.uuidString.lowercased())","role":"lead","action":"Write a protocol.","due_date":"2026-03-31"}"#)
        try #require(assignment.status == .created, "\(assignment.text)")
        let assignmentID = try assignment.id()
        let update = try await api.call(
            .post, "/api/v1/assignments/\(assignmentID)/updates", as: nil, token: token, json: #"{"text":"Drafting.","rag":"green"}"#)
        try #require(update.status == .created, "\(update.text)")
        let evidence = try await api.upload(
            to: assignmentID, as: nil, token: token, fields: ["summary": "Protocol", "kind": "output", "effective_date": "2026-01-31"],
            files: [("protocol.pdf", pdf)])
        try #require(evidence.status == .created, "\(evidence.text)")
        let files = evidence.json["files"] as! [[String: Any]]
        let request = try await api.call(
            .post, "/api/v1/information-requests",
            json: #"{"partner_id":"\#(partner.uuidString.lowercased())","kind":"information","question":"How many?","due_date":"2026-03-31","assignment_id":"\#(assignmentID)"}"#)
        try #require(request.status == .created, "\(request.text)")
        let requestID = try request.id()
        let answer = try await api.multipart(
            "/api/v1/information-requests/\(requestID)/answers", as: nil, token: token, fields: ["text": "Forty."], files: [("count.pdf", pdf)])
        try #require(answer.status == .created, "\(answer.text)")
        let answerFile = ((answer.json["answers"] as! [[String: Any]])[0]["files"] as! [[String: Any]])[0]["id"] as! String
        let document = try await api.multipart(
            "/api/v1/reviews/\(review)/documents", as: .coordinator, fields: ["kind": "published_report", "title": "Report"], files: [("report.pdf", pdf)],
            fileField: "file")
        try #require(document.status == .created, "\(document.text)")
        return Records(
            review: review, question: try question.id(), finding: try finding.id(),
            recommendation: recommendationID, assignment: assignmentID, evidence: try evidence.id(),
            file: files[0]["id"] as! String, request: requestID, answerFile: answerFile, document: try document.id())
    }
}
