import Foundation
import RegisterDomain
import RegisterStore

extension DemoData {
    /// Reminder settings (the health partner's user wants a weekly digest) and one digest of
    /// yesterday that the mail server never took, so the admin page shows what a failure looks like.
    static func reminders(_ r: Registry, _ w: WriteContext, users: [String: User]) async throws {
        let health = users["health-partner@example.org"]!
        _ = try await r.reminders.setPreferences(
            of: health.id, expectedVersion: nil, to: ReminderPreferences(frequency: .weekly), context: w.with(actor: health))
        let police = users["partner@example.org"]!
        let yesterday = Day.today().adding(days: -1)
        let digest = ReminderDigest(
            userID: police.id, email: police.email, day: yesterday, kind: .daily,
            items: [ReminderItem(topic: .overdue, reference: "NV-LCSPR-2025-02", title: "Recommendation 1, lead action", date: yesterday, dateLabel: "Due", path: "/")])
        let message = OutgoingMessage(recipient: police.email, subject: "Learning Register: demo", textBody: "demo", htmlBody: "<p>demo</p>")
        let system = WriteContext(actor: .system("reminders"), requestID: w.requestID, logger: w.logger)
        guard try await r.reminders.enqueue(digest, message, at: Date(), context: system) else { return }
        let queued = try await r.reminders.due(now: Date().addingTimeInterval(60)).filter { $0.userID == police.id && $0.day == yesterday }
        for item in queued {
            try await r.reminders.markFailed(
                item.id, error: "SMTP connect: cannot reach mail.example.org:587 (the demo has no mail server)", retryAt: nil, context: system)
        }
    }
}
