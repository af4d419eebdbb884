import Foundation
import RegisterDomain
import RegisterStore

/// Assignments of recommendations to partners: made and edited by coordinators, worked on by
/// partners (progress updates), listed as work lists.
public struct AssignmentService: Sendable {
    let store: AssignmentStore
    let access: Access
    let clock: RegisterClock

    /// A work list. `mine` is the actor's own work: a partner's is their organisation's, a
    /// coordinator's is what they assigned.
    public func list(_ filter: AssignmentFilter, mine: Bool = false, page: PageRequest, by actor: Actor) async throws -> Page<Assignment> {
        var filter = filter
        filter.reach = try actor.reach(.readAssignments)
        if mine, actor.principal.partnerID == nil { filter.assignedBy = actor.principal.auditName }
        return try await store.list(filter, page: page, today: clock.today())
    }

    /// A recommendation's assignments the actor may see.
    public func list(of recommendationID: UUID, page: PageRequest, by actor: Actor) async throws -> Page<Assignment> {
        let reach = try await access.read(.recommendation(recommendationID), .readAssignments, by: actor)
        return try await store.list(AssignmentFilter(recommendationID: recommendationID, reach: reach), page: page, today: clock.today())
    }

    public func get(_ id: UUID, by actor: Actor) async throws -> Assignment {
        try await access.read(.assignment(id), .readAssignments, by: actor)
        return try await store.get(id, today: clock.today())
    }

    /// Gives a recommendation to a partner.
    public func assign(_ recommendationID: UUID, _ details: @autoclosure () async throws -> AssignmentDetails, by actor: Actor) async throws -> Assignment {
        try await access.write(.recommendation(recommendationID), .assignPartners, visibleThrough: .readReviews, by: actor)
        let details = try await details()
        if details.dueDateReason != nil {
            throw ValidationError(field: "due_date_reason", message: "due_date_reason explains a change of due date; leave it out when assigning")
        }
        let assignment = try await store.create(for: recommendationID, details, today: clock.today(), context: actor.write)
        actor.logger.info("partner assigned", metadata: ["assignment": "\(assignment.id)", "partner": "\(details.partnerID)"])
        return assignment
    }

    /// Changes an assignment (a new due date needs its reason), refused when it changed since read.
    public func update(_ id: UUID, expectedVersion: Int, to details: @autoclosure () async throws -> AssignmentDetails, by actor: Actor) async throws -> Assignment {
        try await access.write(.assignment(id), .assignPartners, visibleThrough: .readAssignments, by: actor)
        return try await store.update(id, expectedVersion: expectedVersion, to: try await details(), today: clock.today(), context: actor.write)
    }

    public func move(
        _ id: UUID, expectedVersion: Int?, _ move: @autoclosure () async throws -> TransitionRequest<AssignmentStatus>, by actor: Actor
    ) async throws -> Assignment {
        try await access.write(.assignment(id), .reportProgress, visibleThrough: .readAssignments, by: actor)
        return try await store.transition(id, expectedVersion: expectedVersion, try await move(), today: clock.today(), context: actor.write)
    }

    /// Moves all unfinished work of one partner (or officer) to another in one recorded step.
    public func reassign(_ request: @autoclosure () async throws -> ReassignmentRequest, by actor: Actor) async throws -> Reassignment {
        try actor.require(.assignPartners)
        let moved = try await store.reassign(try await request(), context: actor.write)
        actor.logger.info("assignments reassigned", metadata: ["count": "\(moved.assignmentIDs.count)"])
        return moved
    }

    /// Marks an assignment delayed, with a reason and the date the work is now expected (again, to
    /// change them), refused when it changed since read.
    ///
    /// Who may: whoever may report progress on it (`reportProgress`): the holder, who knows first
    /// that work is slipping, and the partnership's coordinator, who hears it at the board and
    /// records it there; admins as for every action. Auditors read only. A delay is a statement
    /// about progress, not a change to what was assigned (that is `assignPartners`: due dates).
    public func markDelayed(_ id: UUID, expectedVersion: Int, _ request: @autoclosure () async throws -> DelayRequest, by actor: Actor) async throws -> Assignment {
        try await access.write(.assignment(id), .reportProgress, visibleThrough: .readAssignments, by: actor)
        let assignment = try await store.markDelayed(id, expectedVersion: expectedVersion, try await request(), today: clock.today(), context: actor.write)
        actor.logger.info("assignment marked delayed", metadata: ["assignment": "\(id)"])
        return assignment
    }

    /// Clears an assignment's delay (the same people as `markDelayed`), refused when it changed since read.
    public func clearDelay(_ id: UUID, expectedVersion: Int, by actor: Actor) async throws -> Assignment {
        try await access.write(.assignment(id), .reportProgress, visibleThrough: .readAssignments, by: actor)
        let assignment = try await store.clearDelay(id, expectedVersion: expectedVersion, today: clock.today(), context: actor.write)
        actor.logger.info("assignment delay cleared", metadata: ["assignment": "\(id)"])
        return assignment
    }

    public func dueDateRevisions(of id: UUID, by actor: Actor) async throws -> [DueDateRevision] {
        try await access.read(.assignment(id), .readAssignments, by: actor)
        return try await store.dueDateRevisions(of: id)
    }

    /// An assignment's progress updates: a partner sees those their organisation sent, and those a
    /// coordinator shared with it after a reassignment.
    public func updates(of id: UUID, by actor: Actor) async throws -> [ProgressUpdate] {
        let reach = try await access.read(.assignment(id), .readAssignments, by: actor)
        return try await store.updates(of: id, reach: reach)
    }

    public func addUpdate(to id: UUID, _ update: @autoclosure () async throws -> NewProgressUpdate, by actor: Actor) async throws -> ProgressUpdate {
        try await access.write(.assignment(id), .reportProgress, visibleThrough: .readAssignments, by: actor)
        return try await store.addUpdate(to: id, try await update(), today: clock.today(), context: actor.write)
    }
}
