import Foundation

/// A cap on how many passwords are hashed or checked at once.
///
/// bcrypt is slow on purpose (a quarter of a second at cost 12), so a flood of junk sign-ins could
/// otherwise keep every core busy and starve the register's other work. At most `slots` run at once
/// (one per core unless set otherwise); a few more may wait their turn, each for at most `patience`;
/// beyond that the work is refused at once with `PasswordWorkBusy` (503 with `Retry-After`), which
/// costs nothing.
public struct PasswordGate: Sendable {
    private let slots: Slots

    /// `slots` at once; twice as many may wait, each for at most `patience`.
    public init(slots: Int, patience: Duration = .seconds(2)) {
        self.slots = Slots(capacity: max(1, slots), queueLength: 2 * max(1, slots), patience: patience)
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await run { try await Passwords.verify(password, hash: hash) }
    }

    public func hash(_ password: String) async throws -> String {
        try await run { try await Passwords.hash(password) }
    }

    private func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        try await slots.acquire()
        do {
            let result = try await work()
            await slots.release()
            return result
        } catch {
            await slots.release()
            throw error
        }
    }

    /// The slots and the queue of those waiting for one, first come first served.
    private actor Slots {
        let capacity: Int
        let queueLength: Int
        let patience: Duration
        private var inUse = 0
        private var waiting: [(id: UInt64, turn: CheckedContinuation<Bool, Never>)] = []
        private var nextID: UInt64 = 0

        init(capacity: Int, queueLength: Int, patience: Duration) {
            self.capacity = capacity
            self.queueLength = queueLength
            self.patience = patience
        }

        func acquire() async throws {
            if inUse < capacity {
                inUse += 1
                return
            }
            guard waiting.count < queueLength else { throw PasswordWorkBusy() }
            let id = nextID
            nextID += 1
            let patience = self.patience
            let granted = await withCheckedContinuation { (turn: CheckedContinuation<Bool, Never>) in
                waiting.append((id, turn))
                Task { [weak self] in
                    try? await Task.sleep(for: patience)
                    await self?.giveUp(id)
                }
            }
            if !granted { throw PasswordWorkBusy() }
        }

        /// A slot freed: handed straight to the first in the queue, if anyone waits.
        func release() {
            if waiting.isEmpty {
                inUse -= 1
            } else {
                waiting.removeFirst().turn.resume(returning: true)
            }
        }

        private func giveUp(_ id: UInt64) {
            guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
            waiting.remove(at: index).turn.resume(returning: false)
        }
    }
}

/// Password hashing is at its cap and its queue is full: try again in a moment (503).
public struct PasswordWorkBusy: Error, Equatable, Sendable {
    public let retryAfterSeconds = 2
    public init() {}
}
