import Foundation
import Logging
import RegisterDomain
import RegisterServices
import ServiceLifecycle

/// Sends the day's reminder digests at `REMINDERS_AT` (UK time), and retries failed ones in
/// between. Every server may run it: the sender's advisory lock lets one of them do each round.
struct ReminderScheduler: Service {
    let services: RegisterServices
    let at: ReminderTime
    let sender: any MailSender
    let logger: Logger
    /// How often failed sends are looked at between the daily rounds.
    var retryEvery: TimeInterval = 300

    func run() async throws {
        // A graceful stop ends the wait (or a round half-way: the outbox keeps what was not sent).
        try await cancelWhenGracefulShutdown { await self.rounds() }
    }

    /// The rounds, until the task is cancelled or the server stops.
    func rounds() async {
        var nextDaily = at.next(after: services.clock.now())
        logger.info("reminder digests will be sent at \(at.hour):\(String(format: "%02d", at.minute)) UK time", metadata: ["next": "\(nextDaily)"])
        while !Task.isCancelledOrShuttingDown {
            let now = services.clock.now()
            let wake = min(nextDaily, now.addingTimeInterval(retryEvery))
            do {
                try await Task.sleep(for: .seconds(max(1, wake.timeIntervalSince(now))))
            } catch {
                return
            }
            let actor = Actor.system("reminders", logger: logger)
            let daily = services.clock.now() >= nextDaily
            do {
                if daily {
                    let summary = try await services.reminders.run(day: services.clock.today(), dryRun: false, sender: sender, by: actor)
                    if summary.skipped {
                        // Another process held the sender's lock (another server's round, or a
                        // retry): the day's round is tried again in a minute, never dropped. The
                        // outbox's one digest per person per day makes a second round add nothing.
                        nextDaily = services.clock.now().addingTimeInterval(60)
                    } else {
                        nextDaily = at.next(after: services.clock.now().addingTimeInterval(60))
                        logger.notice(
                            "reminder digests made", metadata: ["queued": "\(summary.digests.count)", "sent": "\(summary.sent)", "retrying": "\(summary.retrying)"])
                    }
                } else {
                    _ = try await services.reminders.retry(sender: sender, by: actor)
                }
            } catch {
                logger.error("reminder round failed", metadata: ["error": "\(String(reflecting: error))"])
                // A daily round that failed (the database or the mail server away) is tried again in
                // a minute, rather than at once in a tight loop or not until tomorrow.
                if daily { nextDaily = services.clock.now().addingTimeInterval(60) }
            }
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
