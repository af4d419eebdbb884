import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices

/// A review's core questions and findings: add, edit, list and reorder.
struct ReviewItemController {
    let items: ReviewItemService

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        // Core questions
        group.get("reviews/:review/questions") { _, context in
            try JSON.response(["items": try await items.questions(of: try reviewID(context), by: context.actor)])
        }
        group.post("reviews/:review/questions") { request, context in
            let question = try await items.addQuestion(
                to: try reviewID(context), try await JSON.decodeDraft(CoreQuestionDetails.self, from: request, context: context), by: context.actor)
            return try JSON.response(question, status: .created, etag: question.version)
        }
        group.put("reviews/:review/questions/order") { request, context in
            let ordered = try await items.reorderQuestions(
                of: try reviewID(context), try await JSON.decode(Ordering.self, from: request, context: context, fields: ["ids"]), by: context.actor)
            return try JSON.response(["items": ordered])
        }
        group.get("reviews/:review/questions/:question") { _, context in
            let question = try await items.question(try questionID(context), of: try reviewID(context), by: context.actor)
            return try JSON.response(question, etag: question.version)
        }
        group.patch("reviews/:review/questions/:question") { request, context in
            let (id, reviewID) = (try questionID(context), try reviewID(context))
            let current = try await items.question(id, of: reviewID, by: context.actor)
            let expected = try ETag.expectedVersion(request, current: current.version)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let question = try await items.updateQuestion(id, of: reviewID, expectedVersion: expected, to: details, by: context.actor)
            return try JSON.response(question, etag: question.version)
        }

        // Findings
        group.get("reviews/:review/findings") { _, context in
            try JSON.response(["items": try await items.findings(of: try reviewID(context), by: context.actor)])
        }
        group.post("reviews/:review/findings") { request, context in
            let finding = try await items.addFinding(
                to: try reviewID(context), try await JSON.decodeDraft(FindingDetails.self, from: request, context: context), by: context.actor)
            return try JSON.response(finding, status: .created, etag: finding.version)
        }
        group.put("reviews/:review/findings/order") { request, context in
            let ordered = try await items.reorderFindings(
                of: try reviewID(context), try await JSON.decode(Ordering.self, from: request, context: context, fields: ["ids"]), by: context.actor)
            return try JSON.response(["items": ordered])
        }
        group.get("reviews/:review/findings/:finding") { _, context in
            let finding = try await items.finding(try findingID(context), of: try reviewID(context), by: context.actor)
            return try JSON.response(finding, etag: finding.version)
        }
        group.patch("reviews/:review/findings/:finding") { request, context in
            let (id, reviewID) = (try findingID(context), try reviewID(context))
            let current = try await items.finding(id, of: reviewID, by: context.actor)
            let expected = try ETag.expectedVersion(request, current: current.version)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let finding = try await items.updateFinding(id, of: reviewID, expectedVersion: expected, to: details, by: context.actor)
            return try JSON.response(finding, etag: finding.version)
        }
    }

    private func reviewID(_ context: SignedInContext) throws -> UUID { try context.parameters.id("review", entity: "review") }
    private func questionID(_ context: SignedInContext) throws -> UUID { try context.parameters.id("question", entity: "core question") }
    private func findingID(_ context: SignedInContext) throws -> UUID { try context.parameters.id("finding", entity: "finding") }
}
