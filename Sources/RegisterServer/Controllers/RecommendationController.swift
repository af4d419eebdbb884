import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Recommendations: add to a review, list and filter across reviews, edit, and move through their lifecycle.
struct RecommendationController {
    let recommendations: RecommendationService

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reviews/:review/recommendations") { _, context in
            let reviewID = try context.parameters.id("review", entity: "review")
            return try JSON.response(["items": try await recommendations.all(of: reviewID, by: context.actor)])
        }
        group.post("reviews/:review/recommendations") { request, context in
            let reviewID = try context.parameters.id("review", entity: "review")
            let recommendation = try await recommendations.add(
                to: reviewID, try await JSON.decodeDraft(RecommendationDetails.self, from: request, context: context), by: context.actor)
            return try JSON.response(recommendation, status: .created, etag: recommendation.version)
        }
        group.get("recommendations") { request, context in
            let q = QueryParameters(request)
            let filter = RecommendationFilter(
                reviewID: try q.uuid("review"), boardID: try q.uuid("board"), kind: try q.vocabulary("kind", ReviewKind.self),
                status: try q.vocabulary("status", RecommendationStatus.self), scope: try q.vocabulary("scope", Scope.self),
                theme: try q.text("theme", max: 60), overdue: try q.bool("overdue"),
                dueAfter: try q.day("due_after"), dueBefore: try q.day("due_before"), text: try q.text("q"),
                partnerID: try q.uuid("partner"))
            let page = try q.page()
            return try JSON.response(try await recommendations.list(filter, page: page, asAt: try q.asAt(), by: context.actor))
        }
        group.get("recommendations/:recommendation") { request, context in
            if let asAt = try QueryParameters(request).asAt() {
                return try JSON.response(try await recommendations.get(try id(context), asAt: asAt, by: context.actor))
            }
            let recommendation = try await recommendations.get(try id(context), by: context.actor)
            return try JSON.response(recommendation, etag: recommendation.version)
        }
        group.get("recommendations/:recommendation/history") { _, context in
            try JSON.response(["items": try await recommendations.history(try id(context), by: context.actor)])
        }
        group.patch("recommendations/:recommendation") { request, context in
            let id = try id(context)
            let current = try await recommendations.get(id, by: context.actor)
            let expected = try ETag.expectedVersion(request, current: current.version)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let recommendation = try await recommendations.update(id, expectedVersion: expected, to: details, by: context.actor)
            return try JSON.response(recommendation, etag: recommendation.version)
        }
        group.post("recommendations/:recommendation/transitions") { request, context in
            let recommendation = try await recommendations.move(
                try id(context), expectedVersion: try await ETag.optionalExpectedVersion(request) { try await recommendations.get(try id(context), by: context.actor).version },
                try await JSON.decode(TransitionRequest<RecommendationStatus>.self, from: request, context: context, fields: ["to", "reason", "on"]),
                by: context.actor)
            return try JSON.response(recommendation, etag: recommendation.version)
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID {
        try context.parameters.id("recommendation", entity: "recommendation")
    }
}
