import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Assignments of recommendations to partners: made and edited by coordinators, worked on by
/// partners (progress updates), listed as work lists.
struct AssignmentController {
    let assignments: AssignmentService

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("recommendations/:recommendation/assignments") { request, context in
            let recommendationID = try context.parameters.id("recommendation", entity: "recommendation")
            let page = try QueryParameters(request).page()
            return try JSON.response(try await assignments.list(of: recommendationID, page: page, by: context.actor))
        }
        group.post("recommendations/:recommendation/assignments") { request, context in
            let recommendationID = try context.parameters.id("recommendation", entity: "recommendation")
            let assignment = try await assignments.assign(
                recommendationID, try await JSON.decodeDraft(AssignmentDetails.self, from: request, context: context), by: context.actor)
            return try JSON.response(assignment, status: .created, etag: assignment.version)
        }
        group.get("assignments") { request, context in
            let q = QueryParameters(request)
            let filter = AssignmentFilter(
                partnerID: try q.uuid("partner"), recommendationID: try q.uuid("recommendation"), reviewID: try q.uuid("review"),
                status: try q.vocabulary("status", AssignmentStatus.self), role: try q.vocabulary("role", AssignmentRole.self),
                overdue: try q.bool("overdue"), dueWithinDays: try Self.days(q.text("due_within", max: 10)))
            return try JSON.response(
                try await assignments.list(filter, mine: try q.bool("mine") ?? false, page: try q.page(), by: context.actor))
        }
        group.post("assignments/reassign") { request, context in
            let moved = try await assignments.reassign(
                try await JSON.decode(ReassignmentRequest.self, from: request, context: context, fields: ReassignmentRequest.fieldNames), by: context.actor)
            return try JSON.response(moved, status: .created)
        }
        group.get("assignments/:assignment") { _, context in
            let assignment = try await assignments.get(try id(context), by: context.actor)
            return try JSON.response(assignment, etag: assignment.version)
        }
        group.patch("assignments/:assignment") { request, context in
            let id = try id(context)
            let current = try await assignments.get(id, by: context.actor)
            let expected = try ETag.expectedVersion(request, current: current.version)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let assignment = try await assignments.update(id, expectedVersion: expected, to: details, by: context.actor)
            return try JSON.response(assignment, etag: assignment.version)
        }
        group.post("assignments/:assignment/transitions") { request, context in
            let assignment = try await assignments.move(
                try id(context), expectedVersion: try await ETag.optionalExpectedVersion(request) { try await assignments.get(try id(context), by: context.actor).version },
                try await JSON.decode(TransitionRequest<AssignmentStatus>.self, from: request, context: context, fields: ["to", "reason", "on"]),
                by: context.actor)
            return try JSON.response(assignment, etag: assignment.version)
        }
        // Marking an assignment delayed, and clearing the delay: If-Match, as for every edit of an assignment.
        group.put("assignments/:assignment/delay") { request, context in
            let id = try id(context)
            let current = try await assignments.get(id, by: context.actor)
            let expected = try ETag.expectedVersion(request, current: current.version)
            let assignment = try await assignments.markDelayed(
                id, expectedVersion: expected, try await JSON.decode(DelayRequest.self, from: request, context: context, fields: DelayRequest.fieldNames),
                by: context.actor)
            return try JSON.response(assignment, etag: assignment.version)
        }
        group.delete("assignments/:assignment/delay") { request, context in
            let id = try id(context)
            let current = try await assignments.get(id, by: context.actor)
            let expected = try ETag.expectedVersion(request, current: current.version)
            let assignment = try await assignments.clearDelay(id, expectedVersion: expected, by: context.actor)
            return try JSON.response(assignment, etag: assignment.version)
        }
        group.get("assignments/:assignment/due-date-revisions") { _, context in
            try JSON.response(["items": try await assignments.dueDateRevisions(of: try id(context), by: context.actor)])
        }
        group.get("assignments/:assignment/updates") { _, context in
            try JSON.response(["items": try await assignments.updates(of: try id(context), by: context.actor)])
        }
        group.post("assignments/:assignment/updates") { request, context in
            let update = try await assignments.addUpdate(
                to: try id(context), try await JSON.decode(NewProgressUpdate.self, from: request, context: context, fields: NewProgressUpdate.fieldNames),
                by: context.actor)
            return try JSON.response(update, status: .created)
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID {
        try context.parameters.id("assignment", entity: "assignment")
    }

    /// `due_within=30d` (or `30`): a number of days from 0 to 3660.
    static func days(_ raw: String?) throws -> Int? {
        guard let raw else { return nil }
        let digits = raw.lowercased().hasSuffix("d") ? String(raw.dropLast()) : raw
        guard let n = Int(digits), (0...3660).contains(n) else {
            throw RequestProblem.badQuery(field: "due_within", message: "due_within is a number of days such as 30d (0 to 3660)")
        }
        return n
    }
}
