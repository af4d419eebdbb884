import Hummingbird
import RegisterDomain
import RegisterServices

/// A review's statutory clocks (deadlines in working days), and the pauses that stop them.
struct ClockController {
    let reviews: ReviewService

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reviews/:review/clocks") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            let asAt = try QueryParameters(request).asAt()
            return try JSON.response(["items": try await reviews.clocks(of: id, asAt: asAt, by: context.actor)])
        }
        group.post("reviews/:review/clock-pauses") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            let paused = try await reviews.pauseClock(
                of: id, try await JSON.decode(ClockPauseRequest.self, from: request, context: context, fields: ClockPauseRequest.fieldNames),
                by: context.actor)
            return try JSON.response(paused, status: .created)
        }
        group.post("reviews/:review/clock-pauses/:pause/end") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            let pauseID = try context.parameters.id("pause", entity: "clock pause")
            let ended = try await reviews.endPause(
                pauseID, of: id, try await JSON.decode(ClockPauseEnd.self, from: request, context: context, fields: ClockPauseEnd.fieldNames),
                by: context.actor)
            return try JSON.response(ended)
        }
    }
}
