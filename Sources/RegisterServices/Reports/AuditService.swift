import Foundation
import RegisterDomain
import RegisterReports
import RegisterStore

/// The audit trail for auditors and admins: events, a streamed export, verification and checkpoints.
public struct AuditService: Sendable {
    let trail: AuditTrail

    public func events(_ filter: AuditFilter, after: Int64?, limit: Int, by actor: Actor) async throws -> [AuditEvent] {
        try actor.require(.readAudit)
        return try await trail.store.events(filter, after: after, limit: limit)
    }

    public func verify(by actor: Actor) async throws -> ChainReport {
        try actor.require(.readAudit)
        return try await trail.verify().0
    }

    public func checkpoints(after: Int64?, limit: Int, by actor: Actor) async throws -> [Checkpoint] {
        try actor.require(.readAudit)
        return try await trail.checkpoints(after: after, limit: limit)
    }

    /// The latest checkpoint recorded, if any (checkpoints are listed oldest first, a page at a time).
    public func lastCheckpoint(by actor: Actor) async throws -> Checkpoint? {
        try actor.require(.readAudit)
        var last: Checkpoint?
        var after: Int64?
        while true {
            let page = try await trail.checkpoints(after: after, limit: 1000)
            last = page.last ?? last
            guard page.count == 1000 else { return last }
            after = page.last?.seq
        }
    }

    public func checkpoint(by actor: Actor) async throws -> Checkpoint {
        try actor.require(.readAudit)
        return try await trail.checkpoint(context: actor.write)
    }

    /// Starts an export: records it and takes the checkpoint that bounds what `exportEvents` sends.
    public func beginExport(via channel: ExportChannel, by actor: Actor) async throws -> Checkpoint {
        try actor.require(.readAudit)
        return try await trail.beginExport(via: channel, context: actor.write)
    }

    /// The events up to a checkpoint taken by `beginExport`, as export lines.
    public func exportEvents(upTo last: Int64, write: (Data) async throws -> Void) async throws {
        try await trail.exportEvents(upTo: last, write: write)
    }

    /// The trail itself, for offline verification by the command line.
    public var auditTrail: AuditTrail { trail }
}

/// The learning view across reviews: themes by year, search, and recurring recommendations.
public struct LearningService: Sendable {
    let store: LearningStore

    public func themes(boardID: UUID?, by actor: Actor) async throws -> [ThemeCount] {
        try actor.require(.readReports)
        return try await store.themes(boardID: boardID)
    }

    /// `text` is read once the actor may search (so a refusal comes before a complaint about the words).
    public func search(_ text: @autoclosure () throws -> String, limit: Int, by actor: Actor) async throws -> [SearchHit] {
        try actor.require(.readReports)
        return try await store.search(try text(), limit: limit)
    }

    /// Groups of much the same recommendation made by different reviews, the most recurring first.
    public func recurring(boardID: UUID?, theme: String?, page: PageRequest, by actor: Actor) async throws -> Page<RecurringLesson> {
        try actor.require(.readReports)
        return try await store.recurring(boardID: boardID, theme: theme, page: page)
    }
}
