import PostgresNIO
import Synchronization

/// Whether the pool's connections can be leased the quick way: straight from PostgresNIO's pool,
/// without a limit on the wait.
///
/// PostgresNIO's pool has no lease timeout: while the database is down a lease waits as the pool
/// retries, and a request would hang (see `Database.withConnection(waitingAtMost:)`, the careful
/// way). Bounding every lease costs a task group, two tasks and a timer per statement run, about a
/// fifth of the server's processor time on a one-review read (BENCHMARKS.md, "API reads"). Yet a
/// lease can only wait when the pool has no live connection to give: the gate in front of it admits
/// no more requests than it has connections. So a lease is taken the quick way only while the pool
/// is trusted:
///
/// - trusted once a careful lease got a connection;
/// - no longer trusted the moment any connection it has handed out closes (the database stopped or
///   restarted, the network broke, or the pool retired an idle one) or a statement fails because
///   the database could not be reached (`Database.translated`).
///
/// So while the database is down, or before a connection has worked, every lease is the careful
/// one, answered 503 within the patience; and the first that works makes the next quick again.
final class PoolTrust: Sendable {
    private let trusted = Atomic<Bool>(false)
    /// The connections whose closing is watched (by `PostgresConnection.id`), each watched once.
    private let watched = Mutex<Set<Int>>([])

    var isTrusted: Bool { trusted.load(ordering: .relaxed) }

    /// A careful lease got `connection`: the pool works.
    func trust(_ connection: PostgresConnection) {
        watch(connection)
        trusted.store(true, ordering: .relaxed)
    }

    /// The database could not be reached: careful leases until one works again.
    func distrust() { trusted.store(false, ordering: .relaxed) }

    /// Stops trusting the pool when `connection` closes (once per connection, however often leased).
    func watch(_ connection: PostgresConnection) {
        let id = connection.id
        guard watched.withLock({ $0.insert(id).inserted }) else { return }
        connection.closeFuture.whenComplete { [self] _ in
            watched.withLock { _ = $0.remove(id) }
            distrust()
        }
    }
}
