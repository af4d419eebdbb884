import RegisterDomain
import RegisterStore

/// Applies the access policy to one record: the role must allow the action, and a partner's
/// reach must cover the record. What a person may not see answers not-found; what they may see
/// but not change answers forbidden.
struct Access: Sendable {
    let store: AccessStore

    /// For reads: the reach of `action`, once the record is known to be within it.
    @discardableResult
    func read(_ record: ScopedRecord, _ action: Action, by actor: Actor) async throws -> Reach {
        let reach = try actor.reach(action, hiding: record.entityName)
        try await store.check(record, within: reach)
        return reach
    }

    /// For writes: the record must be visible through `visibleThrough` (else not-found) and the role
    /// must allow `action` on it (else forbidden). When the action reaches as far as the read (a
    /// partner writing to their own organisation's work), the record is not looked up a second time.
    @discardableResult
    func write(_ record: ScopedRecord, _ action: Action, visibleThrough read: Action, by actor: Actor) async throws -> Reach {
        let visible = try await self.read(record, read, by: actor)
        let reach = try actor.reach(action)
        if reach != visible { try await store.check(record, within: reach) }
        return reach
    }
}
