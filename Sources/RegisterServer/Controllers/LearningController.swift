import Hummingbird
import RegisterDomain
import RegisterServices

/// The learning view across reviews: themes by year, search, and recurring recommendations.
struct LearningController {
    let learning: LearningService
    let recommendations: RecommendationService

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("learning/themes") { request, context in
            try JSON.response(["items": try await learning.themes(boardID: try QueryParameters(request).uuid("board"), by: context.actor)])
        }
        group.get("learning/search") { request, context in
            let q = QueryParameters(request)
            let text = { () throws -> String in
                guard let text = try q.text("q", max: 200) else {
                    throw RequestProblem.badQuery(field: "q", message: "q is required: the words to look for, such as information sharing")
                }
                return text
            }
            return try JSON.response(["items": try await learning.search(try text(), limit: try q.limit(), by: context.actor)])
        }
        group.get("learning/recurring") { request, context in
            let q = QueryParameters(request)
            return try JSON.response(
                try await learning.recurring(boardID: try q.uuid("board"), theme: try q.text("theme", max: 60), page: try q.page(), by: context.actor))
        }
        group.get("recommendations/:recommendation/similar") { request, context in
            let id = try context.parameters.id("recommendation", entity: "recommendation")
            let limit = try QueryParameters(request).limit()
            return try JSON.response(["items": try await recommendations.similar(to: id, limit: min(limit, 50), by: context.actor)])
        }
    }
}
