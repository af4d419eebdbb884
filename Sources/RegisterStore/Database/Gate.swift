import Synchronization

/// A line for a limited resource, first come first served, with a limit on how long anyone
/// stands in it (and, optionally, on how many may stand in it at all).
///
/// It admits at most `size` at once and refuses one that has waited `patience` for a place (or
/// finds the line already `maxWaiting` long) with the error `refusal` makes, so that while slow
/// work holds every place a newcomer is answered at once rather than left hanging. Two things
/// stand behind one: the database pool (PostgresNIO's pool has no lease timeout; a gate of the
/// pool's size in front of it, so an admitted request always finds a connection free or being
/// opened) and the cap on concurrent password hashing.
public final class Gate: Sendable {
    private struct Waiting {
        var ticket: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// What became of a wait as it reached the line.
    private enum Arrival { case admitted, cancelled, inLine }

    private struct State {
        var free: Int
        var line: [Waiting] = []
        var lastTicket: UInt64 = 0
    }

    let size: Int
    let patience: Duration
    /// How many may wait at once; nil for no limit.
    let maxWaiting: Int?
    /// The error a refused newcomer gets, given how long it waited.
    private let refusal: @Sendable (Duration) -> any Error
    private let state: Mutex<State>
    /// Refuses the waits whose patience has run out.
    private let sweeper = DeadlineSweeper()

    public init(size: Int, patience: Duration, maxWaiting: Int? = nil, refusal: @escaping @Sendable (Duration) -> any Error) {
        precondition(size > 0, "a gate needs at least one place")
        self.size = size
        self.patience = patience
        self.maxWaiting = maxWaiting
        self.refusal = refusal
        self.state = Mutex(State(free: size))
    }

    /// Takes a place, first come first served, waiting at most `patience` (the gate's own unless
    /// given). Throws the gate's refusal when none came free in time or the line is full,
    /// `CancellationError` when the task is cancelled while it waits. Every place taken must be
    /// given back with `leave()`.
    public func enter(patience: Duration? = nil) async throws {
        let patience = patience ?? self.patience
        let ticket = try state.withLock { state throws -> UInt64? in
            if state.free > 0 && state.line.isEmpty {
                state.free -= 1
                return nil
            }
            if let maxWaiting, state.line.count >= maxWaiting { throw refusal(.zero) }
            state.lastTicket += 1
            return state.lastTicket
        }
        guard let ticket else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Arrival = state.withLock { state in
                    // A place may have come free since the ticket was drawn.
                    if state.free > 0 && state.line.isEmpty {
                        state.free -= 1
                        return .admitted
                    }
                    // Checked under the lock the cancellation handler takes too: either the
                    // handler finds this wait in the line, or the task is seen cancelled here.
                    if Task.isCancelled { return .cancelled }
                    state.line.append(Waiting(ticket: ticket, continuation: continuation))
                    return .inLine
                }
                switch outcome {
                case .admitted: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .inLine:
                    // The sweeper refuses the wait at its patience's end if it is still in line
                    // (registered outside the gate's lock, which the sweeper's check takes).
                    sweeper.watch(
                        until: .now + patience, isOver: { [self] in !inLine(ticket) },
                        expire: { [self] in refuse(ticket, with: refusal(patience)) })
                }
            }
        } onCancel: {
            refuse(ticket, with: CancellationError())
        }
    }

    /// Gives a place back: to the first in line, or to the next to come.
    public func leave() {
        let next: Waiting? = state.withLock { state in
            if state.line.isEmpty {
                state.free = min(state.free + 1, size)
                return nil
            }
            return state.line.removeFirst()
        }
        guard let next else { return }
        next.continuation.resume()
    }

    /// Ends a wait that is still in line (not if it has since been admitted).
    private func refuse(_ ticket: UInt64, with error: any Error) {
        let waiting: Waiting? = state.withLock { state in
            guard let index = state.line.firstIndex(where: { $0.ticket == ticket }) else { return nil }
            return state.line.remove(at: index)
        }
        guard let waiting else { return }
        waiting.continuation.resume(throwing: error)
    }

    /// Whether the wait with `ticket` still stands in line.
    private func inLine(_ ticket: UInt64) -> Bool {
        state.withLock { state in state.line.contains { $0.ticket == ticket } }
    }

    /// How many places are taken now, and how many stand in line for one (for `/metrics`).
    public var usage: (taken: Int, waiting: Int) {
        state.withLock { state in (size - state.free, state.line.count) }
    }

    /// Runs `work` in a place of the gate, and gives the place back however it ends.
    public func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try await work()
    }
}
