import Hummingbird
import RegisterDomain
import RegisterStore

/// Reviews: record, list and filter, edit, and move through their lifecycle.
struct ReviewController {
    let reviews: ReviewStore
    let audit: AuditStore
    let access: Access

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reviews") { request, context in
            let q = QueryParameters(request)
            let filter = ReviewFilter(
                kind: try q.vocabulary("kind", ReviewKind.self), status: try q.vocabulary("status", ReviewStatus.self),
                boardID: try q.uuid("board"), theme: try q.text("theme", max: 60), overdue: try q.bool("overdue"),
                text: try q.text("q"), reach: try context.reach(.readReviews))
            let page = try q.page()
            let asAt = try q.asAt()
            return try JSON.response(try await reviews.list(filter, page: page, today: context.today, asAt: asAt))
        }
        group.post("reviews") { request, context in
            try context.require(.editReviews)
            let details = try await JSON.decodeDraft(ReviewDetails.self, from: request, context: context)
            let review = try await reviews.create(details, context: context.write)
            context.logger.info("review recorded", metadata: ["review": "\(review.id)"])
            return try JSON.response(review, status: .created, etag: review.version)
        }
        group.get("reviews/:review") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            try await access.read(.review(id), .readReviews, context: context)
            if let asAt = try QueryParameters(request).asAt() {
                // A past state is not something to update from: no ETag.
                return try JSON.response(try await reviews.get(id, asAt: asAt))
            }
            let review = try await reviews.get(id)
            return try JSON.response(review, etag: review.version)
        }
        group.get("reviews/:review/history") { _, context in
            try context.require(.readHistory, hiding: "review")
            let id = try context.parameters.id("review", entity: "review")
            _ = try await reviews.get(id)
            return try JSON.response(["items": try await AuditController.history(audit, table: "reviews", id: id)])
        }
        group.patch("reviews/:review") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            try await access.write(.review(id), .editReviews, visibleThrough: .readReviews, context: context)
            let expected = try ETag.expectedVersion(request)
            let current = try await reviews.get(id)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let review = try await reviews.update(id, expectedVersion: expected, to: details, context: context.write)
            return try JSON.response(review, etag: review.version)
        }
        group.post("reviews/:review/transitions") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            try await access.write(.review(id), .editReviews, visibleThrough: .readReviews, context: context)
            let move = try await JSON.decode(
                TransitionRequest<ReviewStatus>.self, from: request, context: context, fields: ["to", "reason", "on"])
            let review = try await reviews.transition(
                id, expectedVersion: try ETag.optionalExpectedVersion(request), move, today: context.today, context: context.write)
            context.logger.info("review moved", metadata: ["review": "\(id)", "to": "\(move.to.rawValue)"])
            return try JSON.response(review, etag: review.version)
        }
    }
}
