import RegisterDomain
import RegisterStore

/// Applies the access policy to one record: the role must allow the action, and a partner's
/// reach must cover the record. What a person may not see answers 404; what they may see but
/// not change answers 403.
struct Access: Sendable {
    let store: AccessStore

    /// For reads: the reach of `action`, once the record is known to be within it.
    @discardableResult
    func read(_ record: ScopedRecord, _ action: Action, context: SignedInContext) async throws -> Reach {
        let reach = try context.reach(action, hiding: record.entityName)
        try await store.check(record, within: reach)
        return reach
    }

    /// For writes: the record must be visible through `visibleThrough` (else 404) and the role must
    /// allow `action` on it (else 403).
    @discardableResult
    func write(_ record: ScopedRecord, _ action: Action, visibleThrough read: Action, context: SignedInContext) async throws -> Reach {
        try await self.read(record, read, context: context)
        let reach = try context.reach(action)
        try await store.check(record, within: reach)
        return reach
    }
}
