import Synchronization

/// Ends waits that have run out of patience: one task for all the waits registered with it, rather
/// than a timer (and a task to run it) per wait. A timer made and cancelled for each of thousands of
/// statements a second cost more than the statements' own handling in the server (BENCHMARKS.md,
/// "API reads"). Used for the gate's line (`Gate`) and for the wait for a pooled connection
/// (`LeaseDeadlines`).
///
/// The sweeper runs only while something is registered and looks at least every tenth of a second,
/// so a wait ends at most that much after its deadline. A wait that ends another way is dropped at
/// the next look.
final class DeadlineSweeper: Sendable {
    private struct Watched {
        let deadline: ContinuousClock.Instant
        let isOver: @Sendable () -> Bool
        let expire: @Sendable () -> Void
    }

    private struct State {
        var watched: [Watched] = []
        /// Whether the sweeper runs: it stops when nothing is registered.
        var sweeping = false
    }

    private let state = Mutex(State())

    /// Calls `expire` at `deadline` unless `isOver()` says the wait has ended by then. `isOver` runs
    /// under the sweeper's lock: so `watch` must not be called with a lock held that `isOver` takes.
    func watch(until deadline: ContinuousClock.Instant, isOver: @escaping @Sendable () -> Bool, expire: @escaping @Sendable () -> Void) {
        let start = state.withLock { state -> Bool in
            state.watched.append(Watched(deadline: deadline, isOver: isOver, expire: expire))
            guard !state.sweeping else { return false }
            state.sweeping = true
            return true
        }
        if start { Task.detached { [self] in await self.sweep() } }
    }

    private func sweep() async {
        while true {
            let now = ContinuousClock.now
            let (expired, next): ([Watched], ContinuousClock.Instant?) = state.withLock { state in
                var expired: [Watched] = []
                state.watched.removeAll { watched in
                    if watched.isOver() { return true }
                    guard watched.deadline <= now else { return false }
                    expired.append(watched)
                    return true
                }
                guard let next = state.watched.lazy.map(\.deadline).min() else {
                    state.sweeping = false
                    return (expired, nil)
                }
                return (expired, next)
            }
            for watched in expired { watched.expire() }
            guard let next else { return }
            try? await Task.sleep(until: min(next, now + .milliseconds(100)), clock: .continuous)
        }
    }
}
