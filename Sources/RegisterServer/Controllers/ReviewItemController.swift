import Foundation
import Hummingbird
import RegisterDomain
import RegisterStore

/// A review's core questions and findings: add, edit, list and reorder.
struct ReviewItemController {
    let items: ReviewItemStore
    let access: Access

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        // Core questions
        group.get("reviews/:review/questions") { _, context in
            try await access.read(.review(try reviewID(context)), .readReviews, context: context)
            return try JSON.response(["items": try await items.questions(of: try reviewID(context))])
        }
        group.post("reviews/:review/questions") { request, context in
            try await editable(context)
            let details = try await JSON.decodeDraft(CoreQuestionDetails.self, from: request, context: context)
            let question = try await items.addQuestion(to: try reviewID(context), details, context: context.write)
            return try JSON.response(question, status: .created, etag: question.version)
        }
        group.put("reviews/:review/questions/order") { request, context in
            try await editable(context)
            let ordering = try await JSON.decode(Ordering.self, from: request, context: context, fields: ["ids"])
            return try JSON.response(["items": try await items.reorderQuestions(of: try reviewID(context), ordering, context: context.write)])
        }
        group.get("reviews/:review/questions/:question") { _, context in
            try await access.read(.review(try reviewID(context)), .readReviews, context: context)
            let question = try await items.question(try context.parameters.id("question", entity: "core question"), of: try reviewID(context))
            return try JSON.response(question, etag: question.version)
        }
        group.patch("reviews/:review/questions/:question") { request, context in
            try await editable(context)
            let id = try context.parameters.id("question", entity: "core question")
            let expected = try ETag.expectedVersion(request)
            let current = try await items.question(id, of: try reviewID(context))
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let question = try await items.updateQuestion(id, of: try reviewID(context), expectedVersion: expected, to: details, context: context.write)
            return try JSON.response(question, etag: question.version)
        }

        // Findings
        group.get("reviews/:review/findings") { _, context in
            try await access.read(.review(try reviewID(context)), .readReviews, context: context)
            return try JSON.response(["items": try await items.findings(of: try reviewID(context))])
        }
        group.post("reviews/:review/findings") { request, context in
            try await editable(context)
            let details = try await JSON.decodeDraft(FindingDetails.self, from: request, context: context)
            let finding = try await items.addFinding(to: try reviewID(context), details, context: context.write)
            return try JSON.response(finding, status: .created, etag: finding.version)
        }
        group.put("reviews/:review/findings/order") { request, context in
            try await editable(context)
            let ordering = try await JSON.decode(Ordering.self, from: request, context: context, fields: ["ids"])
            return try JSON.response(["items": try await items.reorderFindings(of: try reviewID(context), ordering, context: context.write)])
        }
        group.get("reviews/:review/findings/:finding") { _, context in
            try await access.read(.review(try reviewID(context)), .readReviews, context: context)
            let finding = try await items.finding(try context.parameters.id("finding", entity: "finding"), of: try reviewID(context))
            return try JSON.response(finding, etag: finding.version)
        }
        group.patch("reviews/:review/findings/:finding") { request, context in
            try await editable(context)
            let id = try context.parameters.id("finding", entity: "finding")
            let expected = try ETag.expectedVersion(request)
            let current = try await items.finding(id, of: try reviewID(context))
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let finding = try await items.updateFinding(id, of: try reviewID(context), expectedVersion: expected, to: details, context: context.write)
            return try JSON.response(finding, etag: finding.version)
        }
    }

    private func reviewID(_ context: SignedInContext) throws -> UUID {
        try context.parameters.id("review", entity: "review")
    }

    /// Someone who may not read reviews learns nothing; someone who may read but not edit is told so.
    private func editable(_ context: SignedInContext) async throws {
        try await access.write(.review(try reviewID(context)), .editReviews, visibleThrough: .readReviews, context: context)
    }
}
