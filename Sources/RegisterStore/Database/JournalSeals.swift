import Logging
import PostgresNIO

/// The seals that follow this process's commits, made one at a time (migration 25).
///
/// Every write waits, before it answers, until its events are in the chain. Writers that finish
/// together need only one seal between them: the first becomes the round's leader and seals on its
/// own connection; those that commit while a round runs wait for it to end, then one of them leads
/// the next round, which sees them all. So under load one seal serves many writers, and sealers
/// never queue for the chain's lock one behind another. A round covers exactly the writers that
/// took their ticket before it began: each took it after its commit, and the round's statement
/// starts after that, so it sees their events.
actor JournalSeals {
    /// Which writer should do what once its transaction has committed.
    enum Turn: Equatable {
        case sealed
        case lead(through: UInt64)
    }

    private var issued: UInt64 = 0
    private var covered: UInt64 = 0
    private var sealing = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Seals the events of a transaction that has just committed on `connection`, with those of any
    /// other writer waiting; returns once a seal that began after the commit has ended.
    func afterCommit(on connection: PostgresConnection, logger: Logger) async {
        let ticket = take()
        guard case .lead(let through) = await turn(for: ticket) else { return }
        await Self.seal(on: connection, logger: logger)
        finished(through: through)
    }

    func take() -> UInt64 {
        issued += 1
        return issued
    }

    func turn(for ticket: UInt64) async -> Turn {
        while true {
            if covered >= ticket { return .sealed }
            if !sealing {
                sealing = true
                return .lead(through: issued)
            }
            await withCheckedContinuation { waiting.append($0) }
        }
    }

    func finished(through: UInt64) {
        covered = max(covered, through)
        sealing = false
        let woken = waiting
        waiting = []
        for writer in woken { writer.resume() }
    }

    /// One seal, in a short transaction of its own whose commit does not wait for the disk: a seal
    /// lost in a crash is undone whole and its events are journalled again, and the next write's
    /// commit, which does wait, flushes it first. The write is committed whatever happens here, so a
    /// failure is logged, never thrown: the events stay in the journal, durable, for the next seal.
    static func seal(on connection: PostgresConnection, logger: Logger) async {
        do {
            try await connection.run("SELECT set_config('synchronous_commit', 'off', true), audit.seal_journal()", logger: logger)
        } catch {
            logger.warning("the audit journal was not sealed after a write; the next write seals it", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
