import Hummingbird
import RegisterDomain
import RegisterStore

/// The learning view across reviews: themes by year, search, and recurring recommendations.
struct LearningController {
    let learning: LearningStore

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("learning/themes") { request, context in
            try context.require(.readReports)
            return try JSON.response(["items": try await learning.themes(boardID: try QueryParameters(request).uuid("board"))])
        }
        group.get("learning/search") { request, context in
            try context.require(.readReports)
            let q = QueryParameters(request)
            guard let text = try q.text("q", max: 200) else {
                throw RequestProblem.badQuery(field: "q", message: "q is required: the words to look for, such as information sharing")
            }
            return try JSON.response(["items": try await learning.search(text, limit: try q.limit())])
        }
        group.get("recommendations/:recommendation/similar") { request, context in
            try context.require(.readReports, hiding: "recommendation")
            let id = try context.parameters.id("recommendation", entity: "recommendation")
            let limit = try QueryParameters(request).limit()
            return try JSON.response(["items": try await learning.similar(to: id, limit: min(limit, 50))])
        }
    }
}
