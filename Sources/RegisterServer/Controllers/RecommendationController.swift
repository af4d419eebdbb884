import Foundation
import Hummingbird
import RegisterDomain
import RegisterStore

/// Recommendations: add to a review, list and filter across reviews, edit, and move through their lifecycle.
struct RecommendationController {
    let recommendations: RecommendationStore
    let audit: AuditStore
    let access: Access

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reviews/:review/recommendations") { _, context in
            let reviewID = try context.parameters.id("review", entity: "review")
            let reach = try await access.read(.review(reviewID), .readReviews, context: context)
            return try JSON.response(["items": try await recommendations.all(of: reviewID, today: context.today, reach: reach)])
        }
        group.post("reviews/:review/recommendations") { request, context in
            let reviewID = try context.parameters.id("review", entity: "review")
            try await access.write(.review(reviewID), .editReviews, visibleThrough: .readReviews, context: context)
            let details = try await JSON.decodeDraft(RecommendationDetails.self, from: request, context: context)
            let recommendation = try await recommendations.create(in: reviewID, details, today: context.today, context: context.write)
            return try JSON.response(recommendation, status: .created, etag: recommendation.version)
        }
        group.get("recommendations") { request, context in
            let q = QueryParameters(request)
            let filter = RecommendationFilter(
                reviewID: try q.uuid("review"), boardID: try q.uuid("board"), kind: try q.vocabulary("kind", ReviewKind.self),
                status: try q.vocabulary("status", RecommendationStatus.self), scope: try q.vocabulary("scope", Scope.self),
                theme: try q.text("theme", max: 60), overdue: try q.bool("overdue"),
                dueAfter: try q.day("due_after"), dueBefore: try q.day("due_before"), text: try q.text("q"),
                partnerID: try q.uuid("partner"), reach: try context.reach(.readReviews))
            let page = try q.page()
            let asAt = try q.asAt()
            return try JSON.response(try await recommendations.list(filter, page: page, today: context.today, asAt: asAt))
        }
        group.get("recommendations/:recommendation") { request, context in
            try await access.read(.recommendation(try id(context)), .readReviews, context: context)
            if let asAt = try QueryParameters(request).asAt() {
                return try JSON.response(try await recommendations.get(try id(context), today: context.today, asAt: asAt))
            }
            let recommendation = try await recommendations.get(try id(context), today: context.today)
            return try JSON.response(recommendation, etag: recommendation.version)
        }
        group.get("recommendations/:recommendation/history") { _, context in
            try context.require(.readHistory, hiding: "recommendation")
            let id = try id(context)
            _ = try await recommendations.get(id, today: context.today)
            return try JSON.response(["items": try await AuditController.history(audit, table: "recommendations", id: id)])
        }
        group.patch("recommendations/:recommendation") { request, context in
            try await access.write(.recommendation(try id(context)), .editReviews, visibleThrough: .readReviews, context: context)
            let id = try id(context)
            let expected = try ETag.expectedVersion(request)
            let current = try await recommendations.get(id, today: context.today)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let recommendation = try await recommendations.update(id, expectedVersion: expected, to: details, today: context.today, context: context.write)
            return try JSON.response(recommendation, etag: recommendation.version)
        }
        group.post("recommendations/:recommendation/transitions") { request, context in
            try await access.write(.recommendation(try id(context)), .editReviews, visibleThrough: .readReviews, context: context)
            let move = try await JSON.decode(
                TransitionRequest<RecommendationStatus>.self, from: request, context: context, fields: ["to", "reason", "on"])
            let recommendation = try await recommendations.transition(
                try id(context), expectedVersion: try ETag.optionalExpectedVersion(request), move, today: context.today, context: context.write)
            return try JSON.response(recommendation, etag: recommendation.version)
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID {
        try context.parameters.id("recommendation", entity: "recommendation")
    }
}
