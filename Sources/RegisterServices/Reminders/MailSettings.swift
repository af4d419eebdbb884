import Foundation

/// Where reminder e-mails go and how: read from `SMTP_URL`, `MAIL_FROM`, `SMTP_CA_FILE`,
/// `SMTP_TIMEOUT_SECONDS`, `PUBLIC_URL` and `REMINDERS_AT`.
public struct MailSettings: Sendable, Equatable {
    /// How the connection is protected.
    public enum Security: String, Sendable, Equatable {
        /// Plain connection upgraded with STARTTLS, refusing to go on without it (the default).
        case startTLS = "starttls"
        /// TLS from the first byte (`smtps://`, port 465).
        case implicitTLS = "tls"
        /// No encryption: only when `SMTP_URL` says `?starttls=off`, for a relay on the same machine.
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The envelope and header sender, such as `register@partnership.example`.
    public var from: String
    /// A PEM file of certificates to trust besides the system's (a test or an internal CA).
    public var caFile: String?
    /// The most any one step (connect, a reply) may take.
    public var timeout: Duration

    public init(
        host: String, port: Int, security: Security = .startTLS, username: String? = nil, password: String? = nil, from: String,
        caFile: String? = nil, timeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.caFile = caFile
        self.timeout = timeout
    }

    /// The settings in `env`, nil when `SMTP_URL` is unset; problems are appended to `problems`.
    static func fromEnvironment(_ env: [String: String], problems: inout [String]) -> MailSettings? {
        guard let text = env["SMTP_URL"], !text.isEmpty else { return nil }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["smtp", "smtps"].contains(scheme),
            let host = url.host, !host.isEmpty
        else {
            problems.append("SMTP_URL must look like smtp://user:password@mail.example.org:587 (or smtps://… for TLS from the start)")
            return nil
        }
        var security: Security = scheme == "smtps" ? .implicitTLS : .startTLS
        for item in url.queryItems ?? [] {
            switch (item.name.lowercased(), item.value?.lowercased()) {
            case ("starttls", "off"?) where scheme == "smtp": security = .none
            case ("starttls", "on"?), ("starttls", "required"?): break
            default: problems.append("SMTP_URL: unknown setting '\(item.name)' (only starttls=off, for a relay on this machine)")
            }
        }
        let from = env["MAIL_FROM"] ?? ""
        if from.isEmpty || !MailSettings.isAddress(from) {
            problems.append("MAIL_FROM must be the sender's e-mail address (such as register@partnership.example) when SMTP_URL is set")
        }
        var timeout = 30
        if let t = env["SMTP_TIMEOUT_SECONDS"], !t.isEmpty {
            if let n = Int(t), (1...600).contains(n) { timeout = n } else { problems.append("SMTP_TIMEOUT_SECONDS must be a whole number from 1 to 600") }
        }
        let caFile = env["SMTP_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) { problems.append("SMTP_CA_FILE: cannot read \(caFile)") }
        return MailSettings(
            host: host, port: url.port ?? (scheme == "smtps" ? 465 : 587), security: security,
            username: url.percentEncodedUser.flatMap { $0.removingPercentEncoding }, password: url.percentEncodedPassword.flatMap { $0.removingPercentEncoding },
            from: from, caFile: caFile, timeout: .seconds(timeout))
    }

    /// A plain `local@domain` address with nothing that could break a header or an SMTP command.
    static func isAddress(_ text: String) -> Bool {
        text.range(of: "^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\\z", options: .regularExpression) != nil
    }
}

/// When `serve` sends the day's digests: `REMINDERS_AT` (such as 07:00), UK time.
public struct ReminderTime: Sendable, Equatable {
    public var hour: Int
    public var minute: Int

    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m), parts[1].count == 2 else {
            return nil
        }
        self.hour = h
        self.minute = m
    }

    /// The next moment at or after `now` that is this time of day in the UK.
    public func next(after now: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let today = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: now) ?? now
        if today > now { return today }
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: now) ?? now
        return calendar.date(bySettingHour: hour, minute: minute, second: 0, of: tomorrow) ?? tomorrow
    }
}
