import Foundation
import RegisterDomain
import RegisterStore

/// The one-time keys of the web pages' forms, so that a form sent twice (a double click, a reloaded
/// page) acts once: the first claims the key, the second is sent where the first led.
public struct FormService: Sendable {
    let store: FormSubmissionStore

    /// Claims a form's key for the person sending it.
    public func claim(_ key: UUID, by actor: Actor) async throws -> FormSubmissionStore.Claim {
        guard let user = actor.user else { return .first }
        return try await store.claim(key, user: user.id)
    }

    /// Records where the form led, for a second sending of it.
    public func settle(_ key: UUID, leadingTo path: String, by actor: Actor) async throws {
        guard let user = actor.user else { return }
        try await store.settle(key, user: user.id, outcome: path)
    }

    /// Forgets a form that was refused, so the corrected form can be sent with the same key.
    public func release(_ key: UUID, by actor: Actor) async throws {
        guard let user = actor.user else { return }
        try await store.release(key, user: user.id)
    }
}
