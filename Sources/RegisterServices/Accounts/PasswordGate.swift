import Foundation
import RegisterStore

/// A cap on how many passwords are hashed or checked at once.
///
/// bcrypt is slow on purpose (a quarter of a second at cost 12), so a flood of junk sign-ins could
/// otherwise keep every core busy and starve the register's other work. At most `slots` run at once
/// (one per core unless set otherwise); a few more may wait their turn, each for at most `patience`;
/// beyond that the work is refused at once with `PasswordWorkBusy` (503 with `Retry-After`), which
/// costs nothing.
public struct PasswordGate: Sendable {
    private let gate: Gate

    /// `slots` at once; twice as many may wait, each for at most `patience`.
    public init(slots: Int, patience: Duration = .seconds(2)) {
        gate = Gate(size: max(1, slots), patience: patience, maxWaiting: 2 * max(1, slots)) { _ in PasswordWorkBusy() }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await gate.run { try await Passwords.verify(password, hash: hash) }
    }

    public func hash(_ password: String) async throws -> String {
        try await gate.run { try await Passwords.hash(password) }
    }
}

/// Password hashing is at its cap and its queue is full: try again in a moment (503).
public struct PasswordWorkBusy: Error, Equatable, Sendable {
    public let retryAfterSeconds = 2
    public init() {}
}
