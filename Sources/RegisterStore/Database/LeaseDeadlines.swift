import Synchronization

/// The limit on every wait for a pooled connection, kept by one sweeper for all of them.
///
/// PostgresNIO's pool has no lease timeout. While the database is down it keeps a lease waiting as it
/// retries, and after a single failed attempt to open a connection it queues every lease, even with
/// idle connections at hand, until a connection comes back or is made. A request must not hang on
/// that: `Database` takes each lease in a task of its own and registers it here, and a lease that has
/// not got its connection by its deadline is refused and its task cancelled (PostgresNIO then takes
/// the waiting lease out of its queue), so the request is answered 503.
///
/// One sweeper for every lease rather than a timer (and a task to run it) per lease: a timer made and
/// cancelled for each of thousands of statements a second cost more than the statements' own
/// handling in the server (BENCHMARKS.md, "API reads"). The sweeper runs only while leases are
/// watched and looks at least every tenth of a second, so a refusal comes at most that late.
final class LeaseDeadlines: Sendable {
    /// One lease's wait: over once it has its connection (`begin`) or has been refused.
    final class Lease: Sendable {
        private enum State {
            /// With what cancels the lease's task: dropped once the wait is over, so that a finished
            /// task (and its result) is not kept until the sweeper next looks.
            case waiting(cancel: (@Sendable () -> Void)?)
            case leased
            case refused
        }
        private let state = Mutex(State.waiting(cancel: nil))

        /// What cancels the lease's task, should it be refused.
        func onRefusal(_ cancel: @escaping @Sendable () -> Void) {
            state.withLock { state in
                if case .waiting = state { state = .waiting(cancel: cancel) }
            }
        }

        /// The lease got its connection: true, unless it was refused first (then the connection goes
        /// back unused).
        func begin() -> Bool {
            state.withLock { state in
                guard case .waiting = state else { return false }
                state = .leased
                return true
            }
        }

        var wasRefused: Bool {
            state.withLock { state in
                if case .refused = state { return true }
                return false
            }
        }

        fileprivate var isWaiting: Bool {
            state.withLock { state in
                if case .waiting = state { return true }
                return false
            }
        }

        /// Refuses the lease if it still waits, and cancels its task.
        fileprivate func refuse() {
            let cancel: (@Sendable () -> Void)?? = state.withLock { state in
                guard case .waiting(let cancel) = state else { return nil }
                state = .refused
                return cancel
            }
            if let cancel = cancel ?? nil { cancel() }
        }
    }

    private struct Watched {
        let lease: Lease
        let deadline: ContinuousClock.Instant
    }

    private struct State {
        var watched: [Watched] = []
        /// Whether the sweeper runs: it stops when nothing is watched.
        var sweeping = false
    }

    private let state = Mutex(State())

    /// Refuses `lease` (cancelling its task, see `Lease.onRefusal`) if it is still waiting at `deadline`.
    func watch(_ lease: Lease, until deadline: ContinuousClock.Instant) {
        let start = state.withLock { state -> Bool in
            state.watched.append(Watched(lease: lease, deadline: deadline))
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
                    guard watched.lease.isWaiting else { return true }  // leased (or refused): done with
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
            for watched in expired { watched.lease.refuse() }
            guard let next else { return }
            try? await Task.sleep(until: min(next, now + .milliseconds(100)), clock: .continuous)
        }
    }
}
