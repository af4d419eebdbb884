import Testing

@testable import RegisterStore

/// Who seals after a commit (no database needed: the rule that decides which writers a round
/// covers). A round covers exactly the writers that took their ticket before it began.
@Suite("Seals after commits, shared between writers")
struct JournalSealsTests {
    @Test("one writer alone leads its own round; writers who commit during a round wait, and one of them leads the next, which covers them all")
    func roundsCoverWhoCommittedBefore() async throws {
        let seals = JournalSeals()
        let first = await seals.take()
        #expect(await seals.turn(for: first) == .lead(round: 1, through: first))
        // Two writers commit while the first round runs: it began before them, so neither is covered by it.
        let second = await seals.take()
        let third = await seals.take()
        try await withThrowingTaskGroup(of: JournalSeals.Turn.self) { group in
            group.addTask { await seals.turn(for: second) }
            group.addTask { await seals.turn(for: third) }
            try await Task.sleep(for: .milliseconds(50))
            await seals.finished(round: 1, through: first)
            // One of them leads the next round, which covers both…
            #expect(try await group.next() == .lead(round: 2, through: third))
            await seals.finished(round: 2, through: third)
            // …and the other is sealed by it without a round of its own.
            #expect(try await group.next() == .sealed)
        }
        // A writer alone again leads again.
        let fourth = await seals.take()
        #expect(await seals.turn(for: fourth) == .lead(round: 3, through: fourth))
    }

    @Test("a round that never ends (its database gone mid-statement) is given up, and the writers after it start their own")
    func abandonedRound() async throws {
        let seals = JournalSeals(patience: .milliseconds(100))
        let stuck = await seals.take()
        #expect(await seals.turn(for: stuck) == .lead(round: 1, through: stuck))
        let next = await seals.take()
        // Without the leader ever finishing, the next writer waits only until the round is given up.
        await seals.abandon(round: 1)
        #expect(await seals.turn(for: next) == .lead(round: 2, through: next))
        // The first round ending late neither ends the second nor uncovers anyone.
        await seals.finished(round: 1, through: stuck)
        let third = await seals.take()
        async let thirdTurn = seals.turn(for: third)
        try await Task.sleep(for: .milliseconds(20))
        await seals.finished(round: 2, through: next)
        #expect(await thirdTurn == .lead(round: 3, through: third))
    }
}
