import Foundation
import RegisterStore

/// What an operator's monitoring reads of a running server (`/metrics`): its database connections,
/// the uploads it is receiving and the audit chain's head.
public struct OperationsSnapshot: Sendable {
    public var pool: Database.PoolUsage
    public var uploadsInProgress: Int
    /// Nil when the database did not answer in time: the other figures are still worth having.
    public var auditHead: AuditHead?
}

/// Figures for monitoring; no person acts here, so no policy applies: the face that shows them
/// decides who may read them (`/metrics` answers loopback or `METRICS_TOKEN` only).
public struct OperationsService: Sendable {
    let database: Database
    let evidence: EvidenceStore
    let audit: AuditStore

    /// How long a scrape waits for the audit head, connection included: a monitor polls often,
    /// and must get its answer (without the head) even while the database is down or busy.
    static let headPatience = Duration.milliseconds(1500)

    public init(registry: Registry) {
        self.database = registry.database
        self.evidence = registry.evidence
        self.audit = registry.audit
    }

    /// The figures now. The pool and uploads are read before the head, whose read takes a connection.
    public func snapshot() async -> OperationsSnapshot {
        let pool = database.poolUsage
        let uploads = evidence.uploadsInProgress
        let head = await withTaskGroup(of: AuditHead?.self) { group in
            group.addTask { try? await audit.head(patience: Self.headPatience / 2) }
            group.addTask {
                try? await Task.sleep(for: Self.headPatience)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return OperationsSnapshot(pool: pool, uploadsInProgress: uploads, auditHead: head)
    }
}
