import Hummingbird
import RegisterDomain
import RegisterStore

/// A review's statutory clocks (DOMAIN.md deadlines in working days), and the pauses that stop them.
struct ClockController {
    let clocks: ClockStore
    let access: Access

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reviews/:review/clocks") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            try await access.read(.review(id), .readReviews, context: context)
            let asAt = try QueryParameters(request).asAt()
            return try JSON.response(["items": try await clocks.clocks(of: id, today: asAt?.day ?? context.today, asAt: asAt)])
        }
        group.post("reviews/:review/clock-pauses") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            try await access.write(.review(id), .editReviews, visibleThrough: .readReviews, context: context)
            let pause = try await JSON.decode(ClockPauseRequest.self, from: request, context: context, fields: ClockPauseRequest.fieldNames)
            let paused = try await clocks.pause(id, pause, context: context.write)
            context.logger.info("statutory clock paused", metadata: ["review": "\(id)", "clock": "\(paused.clock)", "pause": "\(paused.id)"])
            return try JSON.response(paused, status: .created)
        }
        group.post("reviews/:review/clock-pauses/:pause/end") { request, context in
            let id = try context.parameters.id("review", entity: "review")
            try await access.write(.review(id), .editReviews, visibleThrough: .readReviews, context: context)
            let pauseID = try context.parameters.id("pause", entity: "clock pause")
            let end = try await JSON.decode(ClockPauseEnd.self, from: request, context: context, fields: ClockPauseEnd.fieldNames)
            let ended = try await clocks.endPause(pauseID, of: id, end, context: context.write)
            context.logger.info("statutory clock pause ended", metadata: ["review": "\(id)", "pause": "\(pauseID)"])
            return try JSON.response(ended)
        }
    }
}
