import Foundation
import Hummingbird
import RegisterDomain
import RegisterStore

/// Assignments of recommendations to partners: made and edited by coordinators, worked on by
/// partners (progress updates), listed as work lists.
struct AssignmentController {
    let assignments: AssignmentStore
    let access: Access

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("recommendations/:recommendation/assignments") { request, context in
            let recommendationID = try context.parameters.id("recommendation", entity: "recommendation")
            let reach = try await access.read(.recommendation(recommendationID), .readAssignments, context: context)
            let page = try QueryParameters(request).page()
            return try JSON.response(
                try await assignments.list(AssignmentFilter(recommendationID: recommendationID, reach: reach), page: page, today: context.today))
        }
        group.post("recommendations/:recommendation/assignments") { request, context in
            let recommendationID = try context.parameters.id("recommendation", entity: "recommendation")
            try await access.write(.recommendation(recommendationID), .assignPartners, visibleThrough: .readReviews, context: context)
            let details = try await JSON.decodeDraft(AssignmentDetails.self, from: request, context: context)
            if details.dueDateReason != nil {
                throw ValidationError(field: "due_date_reason", message: "due_date_reason explains a change of due date; leave it out when assigning")
            }
            let assignment = try await assignments.create(for: recommendationID, details, today: context.today, context: context.write)
            return try JSON.response(assignment, status: .created, etag: assignment.version)
        }
        group.get("assignments") { request, context in
            let reach = try context.reach(.readAssignments)
            let q = QueryParameters(request)
            let mine = try q.bool("mine") ?? false
            let filter = AssignmentFilter(
                partnerID: try q.uuid("partner"), recommendationID: try q.uuid("recommendation"), reviewID: try q.uuid("review"),
                status: try q.vocabulary("status", AssignmentStatus.self), role: try q.vocabulary("role", AssignmentRole.self),
                overdue: try q.bool("overdue"), dueWithinDays: try Self.days(q.text("due_within", max: 10)),
                // A partner's own work is their organisation's; a coordinator's is what they assigned.
                assignedBy: mine && context.user.partnerID == nil ? context.principal.auditName : nil,
                reach: reach)
            return try JSON.response(try await assignments.list(filter, page: try q.page(), today: context.today))
        }
        group.post("assignments/reassign") { request, context in
            try context.require(.assignPartners)
            let move = try await JSON.decode(ReassignmentRequest.self, from: request, context: context, fields: ReassignmentRequest.fieldNames)
            let moved = try await assignments.reassign(move, context: context.write)
            context.logger.info("assignments reassigned", metadata: ["count": "\(moved.assignmentIDs.count)"])
            return try JSON.response(moved, status: .created)
        }
        group.get("assignments/:assignment") { _, context in
            let id = try id(context)
            try await access.read(.assignment(id), .readAssignments, context: context)
            let assignment = try await assignments.get(id, today: context.today)
            return try JSON.response(assignment, etag: assignment.version)
        }
        group.patch("assignments/:assignment") { request, context in
            let id = try id(context)
            try await access.write(.assignment(id), .assignPartners, visibleThrough: .readAssignments, context: context)
            let expected = try ETag.expectedVersion(request)
            let current = try await assignments.get(id, today: context.today)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let assignment = try await assignments.update(id, expectedVersion: expected, to: details, today: context.today, context: context.write)
            return try JSON.response(assignment, etag: assignment.version)
        }
        group.post("assignments/:assignment/transitions") { request, context in
            let id = try id(context)
            try await access.write(.assignment(id), .reportProgress, visibleThrough: .readAssignments, context: context)
            let move = try await JSON.decode(
                TransitionRequest<AssignmentStatus>.self, from: request, context: context, fields: ["to", "reason", "on"])
            let assignment = try await assignments.transition(
                id, expectedVersion: try ETag.optionalExpectedVersion(request), move, today: context.today, context: context.write)
            return try JSON.response(assignment, etag: assignment.version)
        }
        group.get("assignments/:assignment/due-date-revisions") { _, context in
            let id = try id(context)
            try await access.read(.assignment(id), .readAssignments, context: context)
            return try JSON.response(["items": try await assignments.dueDateRevisions(of: id)])
        }
        group.get("assignments/:assignment/updates") { _, context in
            let id = try id(context)
            try await access.read(.assignment(id), .readAssignments, context: context)
            return try JSON.response(["items": try await assignments.updates(of: id)])
        }
        group.post("assignments/:assignment/updates") { request, context in
            let id = try id(context)
            try await access.write(.assignment(id), .reportProgress, visibleThrough: .readAssignments, context: context)
            let update = try await JSON.decode(NewProgressUpdate.self, from: request, context: context, fields: NewProgressUpdate.fieldNames)
            return try JSON.response(try await assignments.addUpdate(to: id, update, today: context.today, context: context.write), status: .created)
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
