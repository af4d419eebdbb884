import ArgumentParser

/// `learning-register`: the register's one program, for the service and for operators.
@main
struct LearningRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learning-register",
        abstract: "A register of safeguarding case reviews, their recommendations and the evidence of their implementation.",
        discussion: """
            Configuration comes from the environment (DATABASE_URL or PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE, \
            HTTP_HOST, HTTP_PORT, LOG_LEVEL, MAX_UPLOAD_BYTES, COOKIE_SECURE, TRUSTED_PROXIES, PASSWORD_HASHING_CONCURRENCY, SESSION_HOURS, AUDIT_SIGNING_KEY_FILE, SCHEMA_DIR, PUBLIC_URL, SMTP_URL, MAIL_FROM, SMTP_CA_FILE, REMINDERS_AT); \
            flags of the same name override it.
            """,
        subcommands: [Serve.self, Migrate.self, Demo.self, UserCommand.self, PartnerCommand.self, AuditCommand.self, ExportCommand.self, ImportCommand.self, RemindersCommand.self,
            DatabaseCommand.self])
}
