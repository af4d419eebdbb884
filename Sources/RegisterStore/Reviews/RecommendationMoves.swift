import Foundation
import PostgresNIO
import RegisterDomain

/// The one way a recommendation changes status, whether a coordinator asks for it or the
/// partners' work causes it: checked against the lifecycle, recorded with its reason.
enum RecommendationMoves {
    /// Moves a locked recommendation from `from` to `to`, recording the move.
    static func move(
        _ id: UUID, from: RecommendationStatus, to: RecommendationStatus, reason: String?, on day: Day,
        connection c: PostgresConnection, context: WriteContext
    ) async throws {
        let reason = try from.transition(to: to, reason: reason)
        let closed = to.isClosed
        try await c.run(
            """
            UPDATE register.recommendations SET
                status = \(to.rawValue),
                closure_note = \(closed ? reason : nil),
                closed_on = \(closed ? day : nil),
                version = version + 1, updated_at = now()
            WHERE id = \(id)
            """, logger: context.logger)
        try await c.run(
            """
            INSERT INTO register.recommendation_transitions (id, recommendation_id, from_status, to_status, reason, happened_on, actor)
            VALUES (\(UUID.v7()), \(id), \(from.rawValue), \(to.rawValue), \(reason), \(day), \(context.actor.auditName))
            """, logger: context.logger)
    }

    /// The recommendation's status, locked for the rest of the transaction.
    static func lock(_ id: UUID, connection c: PostgresConnection, logger: Logger) async throws -> (status: RecommendationStatus, version: Int)? {
        try await Rows.first(
            c.query("SELECT status, version FROM register.recommendations WHERE id = \(id) FOR UPDATE", logger: logger)
        ) { (try $0.get("status", as: RecommendationStatus.self), try $0.get("version", as: Int.self)) }
    }

    /// Brings a recommendation into line with its assignments after partners' work changed:
    /// work starting opens it; the assurance rule being met assures it (through implemented);
    /// the rule no longer being met (accepted work reopened) takes an assured one back to in progress.
    static func follow(assignmentsOf id: UUID, today: Day, connection c: PostgresConnection, context: WriteContext) async throws {
        guard let current = try await lock(id, connection: c, logger: context.logger) else { return }
        let facts = try await Rows.first(
            c.query(
                """
                SELECT register.assurance_met(\(id)) AS met,
                       EXISTS (SELECT 1 FROM register.assignments WHERE recommendation_id = \(id) AND status <> 'assigned') AS started
                """, logger: context.logger)
        ) { (met: try $0.get("met", as: Bool.self), started: try $0.get("started", as: Bool.self)) }
        guard let facts else { return }
        var status = current.status
        if facts.met, status != .assured, [.open, .inProgress, .implemented].contains(status) {
            for step in path(from: status, to: .assured) {
                try await move(id, from: status, to: step, reason: nil, on: today, connection: c, context: context)
                status = step
            }
        } else if !facts.met, status == .assured {
            try await move(
                id, from: status, to: .inProgress, reason: "A lead assignment's accepted evidence no longer meets the assurance rule; work reopened.",
                on: today, connection: c, context: context)
        } else if facts.started, status == .open {
            try await move(id, from: .open, to: .inProgress, reason: nil, on: today, connection: c, context: context)
        }
    }

    /// The steps from an active status to assured, each one allowed by the lifecycle.
    private static func path(from: RecommendationStatus, to target: RecommendationStatus) -> [RecommendationStatus] {
        switch from {
        case .open, .inProgress: [.implemented, .assured]
        case .implemented: [.assured]
        default: []
        }
    }
}
