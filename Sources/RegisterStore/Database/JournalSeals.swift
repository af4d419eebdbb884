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
        case lead(round: UInt64, through: UInt64)
    }

    /// How long writers wait for a round before one of them starts another. A seal takes
    /// milliseconds (seconds for an import's thousands of events); a round that outlives this has
    /// lost its database (a network cut that does not close the connection leaves a statement
    /// unanswered until TCP gives up), and no writer after it may wait on it. A second round
    /// meanwhile is harmless: seals queue for the chain's lock in the database, and each seals what
    /// it finds.
    let patience: Duration

    private var issued: UInt64 = 0
    private var covered: UInt64 = 0
    private var rounds: UInt64 = 0
    /// The round under way, if any.
    private var current: UInt64?
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(patience: Duration = .seconds(5)) {
        self.patience = patience
    }

    /// Seals the events of a transaction that has just committed on `connection`, with those of any
    /// other writer waiting; returns once a seal that began after the commit has ended (or was given
    /// up, see `patience`).
    func afterCommit(on connection: DatabaseConnection, logger: Logger) async {
        let ticket = take()
        guard case .lead(let round, let through) = await turn(for: ticket) else { return }
        let watchdog = Task { [patience] in
            try await Task.sleep(for: patience)
            self.abandon(round: round)
        }
        await Self.seal(on: connection, logger: logger)
        watchdog.cancel()
        finished(round: round, through: through)
    }

    func take() -> UInt64 {
        issued += 1
        return issued
    }

    func turn(for ticket: UInt64) async -> Turn {
        while true {
            if covered >= ticket { return .sealed }
            if current == nil {
                rounds += 1
                current = rounds
                return .lead(round: rounds, through: issued)
            }
            await withCheckedContinuation { waiting.append($0) }
        }
    }

    /// A round has ended: everyone it covered is sealed; the others may start the next.
    func finished(round: UInt64, through: UInt64) {
        covered = max(covered, through)
        if current == round { current = nil }
        wakeAll()
    }

    /// A round that outlived `patience`: the writers waiting for it stop waiting, and one of them
    /// starts another. If it ends after all, `finished` still counts what it sealed.
    func abandon(round: UInt64) {
        guard current == round else { return }
        current = nil
        wakeAll()
    }

    private func wakeAll() {
        let woken = waiting
        waiting = []
        for writer in woken { writer.resume() }
    }

    /// One seal, in a short transaction of its own whose commit does not wait for the disk: a seal
    /// lost in a crash is undone whole and its events are journalled again, and the next write's
    /// commit, which does wait, flushes it first. The write is committed whatever happens here, so a
    /// failure is logged, never thrown: the events stay in the journal, durable, for the next seal.
    static func seal(on connection: DatabaseConnection, logger: Logger) async {
        do {
            try await connection.run("SELECT set_config('synchronous_commit', 'off', true), audit.seal_journal()", logger: logger)
        } catch {
            logger.warning("the audit journal was not sealed after a write; the next write seals it", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
