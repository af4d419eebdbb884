import Logging
import RegisterStore
import ServiceLifecycle

/// Seals what the audit journal holds when the server starts, then once a minute (migration 25).
/// Every write seals its own events as it commits; this catches the ones a process killed between a
/// commit and its seal left behind, so they reach the chain without waiting for the next write.
/// Every server may run it: the seal's own lock lets one of them at a time do the work.
struct JournalSealer: Service {
    let database: Database
    let logger: Logger
    var every: Duration = .seconds(60)

    func run() async throws {
        try await cancelWhenGracefulShutdown { await self.rounds() }
    }

    func rounds() async {
        while !Task.isCancelledOrShuttingDown {
            do {
                try await database.sealJournal(logger: logger)
            } catch {
                // The database away: the next round tries again.
                logger.warning("the audit journal could not be sealed", metadata: ["error": "\(String(reflecting: error))"])
            }
            do {
                try await Task.sleep(for: every)
            } catch {
                return
            }
        }
    }
}
