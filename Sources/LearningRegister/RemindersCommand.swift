import ArgumentParser
import Foundation
import RegisterDomain
import RegisterServices

/// `learning-register reminders …`: the day's reminder digests, for cron or a systemd timer.
struct RemindersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reminders", abstract: "Send reminder digests by e-mail (SMTP_URL, MAIL_FROM, PUBLIC_URL).",
        subcommands: [Send.self])

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the day's digests, put them in the outbox and send them; then send any earlier ones due a retry.",
            discussion: """
                Each person gets at most one digest a day, however often this runs: run it daily (say at 07:00) and, to \
                retry failed sends with back-off, every 15 minutes with --retry-only. Only one process sends at a time.
                """)

        @OptionGroup var database: DatabaseOptions
        @Flag(name: .customLong("dry-run"), help: "Print who would get what, without sending or writing anything.") var dryRun = false
        @Flag(name: .customLong("retry-only"), help: "Only send digests already in the outbox whose retry time has come.") var retryOnly = false
        @Option(help: "The day the digests are for, YYYY-MM-DD (default: today in the UK).") var date: String?

        func run() async throws {
            let day: Day? = try date.map { text in
                guard let parsed = Day(iso: text) else { throw ValidationError("--date must be a day such as 2026-03-31") }
                return parsed
            }
            let configuration = try database.configuration()
            if !dryRun, configuration.mail == nil { throw ValidationError("SMTP_URL and MAIL_FROM must be set to send reminders (or use --dry-run)") }
            let logger = commandLogger()
            let retryOnly = retryOnly, dryRun = dryRun
            do {
                let summary = try await withServices(configuration, logger: logger) { services, _ in
                    let actor = Actor.system("reminders", logger: logger)
                    let sender = try configuration.mail.map { try SMTPClient(settings: $0) }
                    if retryOnly, let sender { return try await services.reminders.retry(sender: sender, by: actor) }
                    return try await services.reminders.run(day: day ?? services.clock.today(), dryRun: dryRun, sender: sender, by: actor)
                }
                if summary.skipped {
                    // Not a success: a daily run that met a retry round must be run again, or the
                    // day's digests are never made (re-running adds nothing already made).
                    print("another process is sending reminders just now; nothing done: run this again in a minute")
                    throw ExitCode(4)
                }
                for digest in summary.digests {
                    let topics = Dictionary(grouping: digest.items, by: \.topic).map { "\($0.value.count) \($0.key.rawValue.replacingOccurrences(of: "_", with: " "))" }.sorted()
                    print("\(dryRun ? "would send" : "queued") \(digest.kind.rawValue) digest for \(digest.day) to \(digest.email): \(topics.joined(separator: ", "))")
                    if dryRun {
                        for item in digest.items { print("  \(item.reference): \(item.title)\(item.partnerName.map { " (\($0))" } ?? ""), \(item.dateLabel.lowercased()) \(item.date) \(item.path)") }
                    }
                }
                if dryRun {
                    print("\(summary.digests.count) digest(s); dry run: nothing sent or written")
                } else {
                    print("\(summary.digests.count) queued, \(summary.sent) sent, \(summary.retrying) to retry, \(summary.givenUp) given up")
                    if summary.givenUp > 0 || summary.retrying > 0 { throw ExitCode(3) }
                }
            } catch DomainError.conflict(let message) {
                throw CommandFailure(message: message)
            }
        }
    }
}
