import Synchronization

/// The limit on every wait for a pooled connection.
///
/// PostgresNIO's pool has no lease timeout. While the database is down it keeps a lease waiting as it
/// retries, and after a single failed attempt to open a connection it queues every lease, even with
/// idle connections at hand, until a connection comes back or is made. A request must not hang on
/// that: `Database` takes each lease in a task of its own and registers it here, and a lease that has
/// not got its connection by its deadline is refused and its task cancelled (PostgresNIO then takes
/// the waiting lease out of its queue), so the request is answered 503. (PostgresNIO checks for
/// cancellation just before it queues a lease: a cancellation landing between the two is lost, and
/// that lease waits until a connection comes. The design before this one, a task group per lease, had
/// the same limit.)
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
            let cancel: (@Sendable () -> Void)? = state.withLock { state in
                guard case .waiting(let cancel) = state else { return nil }
                state = .refused
                return cancel
            }
            cancel?()
        }
    }

    private let sweeper = DeadlineSweeper()

    /// Refuses `lease` (cancelling its task, see `Lease.onRefusal`) if it is still waiting at `deadline`.
    func watch(_ lease: Lease, until deadline: ContinuousClock.Instant) {
        sweeper.watch(until: deadline, isOver: { !lease.isWaiting }, expire: { lease.refuse() })
    }
}
