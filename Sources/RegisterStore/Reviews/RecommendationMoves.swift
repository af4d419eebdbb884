import Foundation
import PostgresNIO
import RegisterDomain

/// The one way a recommendation changes status, whether a coordinator asks for it or the
/// partners' work causes it: checked against the lifecycle, recorded with its reason. Each step
/// works on many recommendations at once (an import moves thousands); one is a list of one.
enum RecommendationMoves {
    /// One recommendation's move from `from` to `to`.
    struct Move {
        var id: UUID
        var from: RecommendationStatus
        var to: RecommendationStatus
        var reason: String?
        var day: Day
    }

    /// Moves a locked recommendation from `from` to `to`, recording the move.
    static func move(
        _ id: UUID, from: RecommendationStatus, to: RecommendationStatus, reason: String?, on day: Day,
        connection c: DatabaseConnection, context: WriteContext
    ) async throws {
        try await moveAll([Move(id: id, from: from, to: to, reason: reason, day: day)], connection: c, context: context)
    }

    /// Moves locked recommendations (each at most once), recording each move, in two statements.
    static func moveAll(_ moves: [Move], connection c: DatabaseConnection, context: WriteContext) async throws {
        struct Change: Encodable { let id: UUID, status: String, closure_note: String?, closed_on: Day? }
        struct Transition: Encodable { let id: UUID, recommendation_id: UUID, from_status: String, to_status: String, reason: String?, happened_on: Day }
        guard !moves.isEmpty else { return }
        precondition(Set(moves.map(\.id)).count == moves.count, "a recommendation moves once per step")
        var changes: [Change] = []
        var transitions: [Transition] = []
        for move in moves {
            let reason = try move.from.transition(to: move.to, reason: move.reason)
            let closed = move.to.isClosed
            changes.append(Change(id: move.id, status: move.to.rawValue, closure_note: closed ? reason : nil, closed_on: closed ? move.day : nil))
            transitions.append(Transition(
                id: UUID.v7(), recommendation_id: move.id, from_status: move.from.rawValue, to_status: move.to.rawValue, reason: reason,
                happened_on: move.day))
        }
        let changed = try Rows.batch(changes)
        let recorded = try Rows.batch(transitions)
        try await c.run(
            """
            UPDATE register.recommendations r SET
                status = x.status, closure_note = x.closure_note, closed_on = x.closed_on,
                version = r.version + 1, updated_at = now()
            FROM jsonb_to_recordset(\(changed)::jsonb) AS x(id uuid, status text, closure_note text, closed_on date)
            WHERE r.id = x.id
            """, logger: context.logger)
        try await c.run(
            """
            INSERT INTO register.recommendation_transitions (id, recommendation_id, from_status, to_status, reason, happened_on, actor)
            SELECT x.id, x.recommendation_id, x.from_status, x.to_status, x.reason, x.happened_on, \(context.actor.auditName)
            FROM jsonb_to_recordset(\(recorded)::jsonb)
                AS x(id uuid, recommendation_id uuid, from_status text, to_status text, reason text, happened_on date)
            """, logger: context.logger)
    }

    /// The recommendation's status, locked for the rest of the transaction.
    static func lock(_ id: UUID, connection c: DatabaseConnection, logger: Logger) async throws -> (status: RecommendationStatus, version: Int)? {
        try await Rows.first(
            c.query("SELECT status, version FROM register.recommendations WHERE id = \(id) FOR UPDATE", logger: logger)
        ) { (try $0.get("status", as: RecommendationStatus.self), try $0.get("version", as: Int.self)) }
    }

    /// The statuses of recommendations, locked for the rest of the transaction (in id order, so two
    /// transactions locking overlapping sets cannot deadlock).
    static func lockAll(_ ids: [UUID], connection c: DatabaseConnection, logger: Logger) async throws -> [UUID: RecommendationStatus] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await Rows.all(
            c.query("SELECT id, status FROM register.recommendations WHERE id = ANY(\(ids)) ORDER BY id FOR UPDATE", logger: logger)
        ) { (try $0.get("id", as: UUID.self), try $0.get("status", as: RecommendationStatus.self)) }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    /// Brings a recommendation into line with its assignments after partners' work changed:
    /// work starting opens it; the assurance rule being met assures it (through implemented);
    /// the rule no longer being met (accepted work reopened) takes an assured one back to in progress.
    static func follow(assignmentsOf id: UUID, today: Day, connection c: DatabaseConnection, context: WriteContext) async throws {
        try await follow(assignmentsOf: [id], today: today, connection: c, context: context)
    }

    /// `follow` for many recommendations at once: one lock, one read of the facts, and one
    /// statement per step of the moves.
    static func follow(assignmentsOf ids: [UUID], today: Day, connection c: DatabaseConnection, context: WriteContext) async throws {
        let current = try await lockAll(ids, connection: c, logger: context.logger)
        guard !current.isEmpty else { return }
        let facts = try await Rows.all(
            c.query(
                """
                SELECT x.id, register.assurance_met(x.id) AS met,
                       EXISTS (SELECT 1 FROM register.assignments WHERE recommendation_id = x.id AND status <> 'assigned') AS started
                FROM unnest(\(Array(current.keys))::uuid[]) AS x(id)
                """, logger: context.logger)
        ) { (id: try $0.get("id", as: UUID.self), met: try $0.get("met", as: Bool.self), started: try $0.get("started", as: Bool.self)) }
        // Each recommendation's steps; the n-th steps of all of them are made together.
        var steps: [[Move]] = []
        for fact in facts.sorted(by: { $0.id.uuidString < $1.id.uuidString }) {
            guard let status = current[fact.id] else { continue }
            var path: [(RecommendationStatus, String?)] = []
            if fact.met, status != .assured, [.open, .inProgress, .implemented].contains(status) {
                path = Self.path(from: status, to: .assured).map { ($0, nil) }
            } else if !fact.met, status == .assured {
                path = [(.inProgress, "A lead assignment's accepted evidence no longer meets the assurance rule; work reopened.")]
            } else if fact.started, status == .open {
                path = [(.inProgress, nil)]
            }
            var from = status
            for (index, (to, reason)) in path.enumerated() {
                if steps.count == index { steps.append([]) }
                steps[index].append(Move(id: fact.id, from: from, to: to, reason: reason, day: today))
                from = to
            }
        }
        for step in steps {
            try await moveAll(step, connection: c, context: context)
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
