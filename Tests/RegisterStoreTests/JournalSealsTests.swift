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
        #expect(await seals.turn(for: first) == .lead(through: first))
        // Two writers commit while the first round runs: it began before them, so neither is covered by it.
        let second = await seals.take()
        let third = await seals.take()
        try await withThrowingTaskGroup(of: JournalSeals.Turn.self) { group in
            group.addTask { await seals.turn(for: second) }
            group.addTask { await seals.turn(for: third) }
            try await Task.sleep(for: .milliseconds(50))
            await seals.finished(through: first)
            // One of them leads the next round, which covers both…
            #expect(try await group.next() == .lead(through: third))
            await seals.finished(through: third)
            // …and the other is sealed by it without a round of its own.
            #expect(try await group.next() == .sealed)
        }
        // A writer alone again leads again.
        let fourth = await seals.take()
        #expect(await seals.turn(for: fourth) == .lead(through: fourth))
    }
}
