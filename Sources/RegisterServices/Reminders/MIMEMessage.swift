import Foundation
import RegisterDomain
import RegisterReports
import RegisterStore

/// A digest as an e-mail: a subject and plain-text and HTML bodies that say as little as they can
/// (reference, a title made of structured fields, dates, links), and the MIME around them.
enum MIMEMessage {
    /// The message for `digest`, with links under `publicURL` (no trailing slash).
    static func compose(_ digest: ReminderDigest, publicURL: String) -> OutgoingMessage {
        let what = switch digest.kind {
        case .daily: "Your daily reminders"
        case .weekly: "Your weekly reminders"
        case .clocks: "Statutory deadlines"
        }
        let subject = "Learning Register: \(what) for \(digest.day.spoken)"
        let groups = ReminderTopic.allCases.compactMap { topic -> (ReminderTopic, [ReminderItem])? in
            let items = digest.items.filter { $0.topic == topic }
            return items.isEmpty ? nil : (topic, items)
        }
        let preferences = publicURL + "/account/reminders"

        var text = "\(what) for \(digest.day.spoken).\n"
        for (topic, items) in groups {
            text += "\n\(topic.heading)\n" + String(repeating: "-", count: topic.heading.count) + "\n"
            for item in items {
                let partner = item.partnerName.map { " (\($0))" } ?? ""
                text += "* \(item.reference): \(item.title)\(partner). \(item.dateLabel) \(item.date.spoken).\n  \(publicURL)\(item.path)\n"
            }
        }
        text += "\nThis message lists records only: sign in to the register to read them.\n"
        text += "To choose daily, weekly or no reminders: \(preferences)\n"

        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(subject))</title></head>
            <body style="font-family: Arial, sans-serif; color: #0b0c0c;">
            <p>\(escape(what)) for \(escape(digest.day.spoken)).</p>

            """
        for (topic, items) in groups {
            html += "<h2>\(escape(topic.heading))</h2>\n<ul>\n"
            for item in items {
                let partner = item.partnerName.map { " (\(escape($0)))" } ?? ""
                html += "<li><a href=\"\(escape(publicURL + item.path))\">\(escape(item.reference)): \(escape(item.title))</a>\(partner). "
                    + "\(escape(item.dateLabel)) \(escape(item.date.spoken)).</li>\n"
            }
            html += "</ul>\n"
        }
        html += """
            <p>This message lists records only: sign in to the register to read them.</p>
            <p><a href="\(escape(preferences))">Choose daily, weekly or no reminders</a></p>
            </body></html>

            """
        return OutgoingMessage(recipient: digest.email, subject: subject, textBody: text, htmlBody: html)
    }

    /// Text made safe inside HTML elements and quoted attributes (the register's one escaper).
    static func escape(_ text: String) -> String { HTMLComplianceWriter.escape(text) }

    /// The whole message, headers and multipart/alternative body, with CRLF line ends.
    static func render(_ m: OutgoingMessage, from: String, messageID: String, date: Date) -> String {
        let boundary = "=_lr_" + messageID.filter { $0.isLetter || $0.isNumber }
        let headers = [
            "From: Learning Register <\(from)>",
            "To: <\(m.recipient)>",
            "Subject: \(encodedHeader(m.subject))",
            "Date: \(rfc5322(date))",
            "Message-ID: <\(messageID)>",
            "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        func part(_ type: String, _ body: String) -> String {
            "--\(boundary)\r\nContent-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64Lines(body) + "\r\n"
        }
        return headers.joined(separator: "\r\n") + "\r\n\r\n"
            + part("text/plain", m.textBody) + part("text/html", m.htmlBody) + "--\(boundary)--"
    }

    /// A header value as it is when plain ASCII, else as an RFC 2047 encoded word.
    static func encodedHeader(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 32 }) { return clean }
        return "=?UTF-8?B?" + Data(clean.utf8).base64EncodedString() + "?="
    }

    static func base64Lines(_ text: String) -> String {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(encoded)
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return lines.joined(separator: "\r\n")
    }

    /// A line starting with "." gets another, so the server does not read it as the end of DATA.
    static func dotStuffed(_ message: String) -> String {
        message.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
    }

    static func rfc5322(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f.string(from: date)
    }
}

extension Day {
    /// "31 March 2026", as the register's pages show dates.
    var spoken: String { long }
}
