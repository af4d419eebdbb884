import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Reviews: record, list and filter, edit, and move through their lifecycle.
struct ReviewController {
    let reviews: ReviewService

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reviews") { request, context in
            let q = QueryParameters(request)
            let filter = ReviewFilter(
                kind: try q.vocabulary("kind", ReviewKind.self), status: try q.vocabulary("status", ReviewStatus.self),
                boardID: try q.uuid("board"), theme: try q.text("theme", max: 60), overdue: try q.bool("overdue"),
                text: try q.text("q"), isReview: try q.bool("case_review"))
            let page = try q.page()
            return try JSON.response(try await reviews.list(filter, page: page, asAt: try q.asAt(), by: context.actor))
        }
        group.post("reviews") { request, context in
            let review = try await reviews.record(try await JSON.decodeDraft(ReviewDetails.self, from: request, context: context), by: context.actor)
            return try JSON.response(review, status: .created, etag: review.version)
        }
        group.get("reviews/:review") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            if let asAt = try QueryParameters(request).asAt() {
                // A past state is not something to update from: no ETag.
                return try JSON.response(try await reviews.get(id, asAt: asAt, by: context.actor))
            }
            let review = try await reviews.get(id, by: context.actor)
            return try JSON.response(review, etag: review.version)
        }
        group.get("reviews/:review/history") { _, context in
            let id = try context.parameters.id("review", entity: "review")
            return try JSON.response(["items": try await reviews.history(id, by: context.actor)])
        }
        group.patch("reviews/:review") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            let current = try await reviews.get(id, by: context.actor)
            let expected = try ETag.expectedVersion(request, current: current.version)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let review = try await reviews.update(id, expectedVersion: expected, to: details, by: context.actor)
            return try JSON.response(review, etag: review.version)
        }
        group.post("reviews/:review/transitions") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            let review = try await reviews.move(
                id, expectedVersion: try await ETag.optionalExpectedVersion(request) { try await reviews.get(id, by: context.actor).version },
                try await JSON.decode(TransitionRequest<ReviewStatus>.self, from: request, context: context, fields: ["to", "reason", "on"]),
                by: context.actor)
            return try JSON.response(review, etag: review.version)
        }
    }
}
