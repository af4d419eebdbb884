import Synchronization

/// The line for the pool's connections, with a limit on how long anyone stands in it.
///
/// PostgresNIO's pool keeps a request for a connection waiting for as long as it takes: it has no
/// lease timeout. In front of it, this admits at most `size` requests at once (the pool's size, so
/// an admitted request always finds a connection free or being opened) and refuses one that has
/// waited `patience` for a place. While slow work holds every connection, a request is answered
/// 503 at once rather than left hanging, and the people behind it are not stuck behind it either.
final class PoolGate: Sendable {
    private struct Waiting {
        var ticket: UInt64
        var continuation: CheckedContinuation<Void, any Error>
        /// Refuses the wait when its patience runs out; cancelled once it is over another way.
        var timer: Task<Void, Never>
    }

    private struct State {
        var free: Int
        var line: [Waiting] = []
        var lastTicket: UInt64 = 0
    }

    let size: Int
    let patience: Duration
    private let state: Mutex<State>

    init(size: Int, patience: Duration) {
        precondition(size > 0, "a pool needs at least one connection")
        self.size = size
        self.patience = patience
        self.state = Mutex(State(free: size))
    }

    /// Takes a place, first come first served, waiting at most `patience` (the gate's own unless
    /// given). Throws `DatabaseBusy` when none came free in time, `CancellationError` when the task
    /// is cancelled while it waits. Every place taken must be given back with `leave()`.
    func enter(patience: Duration? = nil) async throws {
        let patience = patience ?? self.patience
        let ticket: UInt64? = state.withLock { state in
            if state.free > 0 && state.line.isEmpty {
                state.free -= 1
                return nil
            }
            state.lastTicket += 1
            return state.lastTicket
        }
        guard let ticket else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let refused: (any Error)? = state.withLock { state in
                    // A place may have come free since the ticket was drawn.
                    if state.free > 0 && state.line.isEmpty {
                        state.free -= 1
                        continuation.resume()
                        return nil
                    }
                    // Checked under the lock the cancellation handler takes too: either the
                    // handler finds this wait in the line, or the task is seen cancelled here.
                    if Task.isCancelled { return CancellationError() }
                    let timer = Task { [self] in
                        do { try await Task.sleep(for: patience) } catch { return }
                        self.refuse(ticket, with: DatabaseBusy(waited: patience))
                    }
                    state.line.append(Waiting(ticket: ticket, continuation: continuation, timer: timer))
                    return nil
                }
                if let refused { continuation.resume(throwing: refused) }
            }
        } onCancel: {
            refuse(ticket, with: CancellationError())
        }
    }

    /// Gives a place back: to the first in line, or to the next to come.
    func leave() {
        let next: Waiting? = state.withLock { state in
            if state.line.isEmpty {
                state.free = min(state.free + 1, size)
                return nil
            }
            return state.line.removeFirst()
        }
        guard let next else { return }
        next.timer.cancel()
        next.continuation.resume()
    }

    /// Ends a wait that is still in line (not if it has since been admitted).
    private func refuse(_ ticket: UInt64, with error: any Error) {
        let waiting: Waiting? = state.withLock { state in
            guard let index = state.line.firstIndex(where: { $0.ticket == ticket }) else { return nil }
            return state.line.remove(at: index)
        }
        guard let waiting else { return }
        waiting.timer.cancel()
        waiting.continuation.resume(throwing: error)
    }
}
