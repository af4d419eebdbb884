import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import RegisterStore

/// Why a message was not handed to the mail server, and whether trying again could help.
public struct SMTPError: Error, CustomStringConvertible, Sendable {
    /// The step that failed: connect, greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA.
    public var step: String
    /// The server's reply code, if it answered.
    public var code: Int?
    public var message: String

    /// A refusal of this recipient or message (5xx at RCPT or DATA): trying again will not help.
    /// Anything else (a connection, TLS or sign-in problem, a 4xx) may pass, so it is retried.
    public var permanent: Bool { (code ?? 0) >= 500 && ["RCPT", "DATA"].contains(step) }

    public var description: String { "SMTP \(step): " + (code.map { "\($0) " } ?? "") + message }
}

/// A small SMTP client on SwiftNIO: one connection per message, STARTTLS (or TLS from the start),
/// AUTH PLAIN, and a timeout on every step. Hand-written because no maintained Swift SMTP package
/// is available to this project (see the README), and the protocol subset a digest needs is small.
public struct SMTPClient: Sendable {
    let settings: MailSettings
    let tls: NIOSSLContext?
    let group: any EventLoopGroup

    public init(settings: MailSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.settings = settings
        self.group = group
        if settings.security == .none {
            self.tls = nil
        } else {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let caFile = settings.caFile { configuration.additionalTrustRoots = [.file(caFile)] }
            self.tls = try NIOSSLContext(configuration: configuration)
        }
    }

    /// Hands `message` to the server; returns when the server has accepted it (250 after DATA).
    public func send(_ message: OutgoingMessage, messageID: String, date: Date = Date()) async throws {
        let channel = try await connect()
        let session = SMTPSession(channel: channel, timeout: TimeAmount.of(settings.timeout))
        do {
            try await session.expect(nil, step: "greeting", 220)
            var capabilities = try await session.expect(Self.line("EHLO \(Self.helloName)"), step: "EHLO", 250).lines
            if settings.security == .startTLS {
                guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                    throw SMTPError(step: "STARTTLS", message: "the server does not offer STARTTLS; set ?starttls=off only for a relay on this machine")
                }
                try await session.expect(Self.line("STARTTLS"), step: "STARTTLS", 220)
                try await addTLS(to: channel)
                capabilities = try await session.expect(Self.line("EHLO \(Self.helloName)"), step: "EHLO", 250).lines
            }
            if let user = settings.username {
                guard capabilities.contains(where: { $0.uppercased().hasPrefix("AUTH") && $0.uppercased().contains("PLAIN") }) else {
                    throw SMTPError(step: "AUTH", message: "the server offers no AUTH PLAIN")
                }
                let token = Data(("\0" + user + "\0" + (settings.password ?? "")).utf8).base64EncodedString()
                try await session.expect(Self.line("AUTH PLAIN \(token)"), step: "AUTH", 235)
            }
            try await session.expect(Self.line("MAIL FROM:<\(settings.from)>"), step: "MAIL", 250)
            guard MailSettings.isAddress(message.recipient) else { throw SMTPError(step: "RCPT", code: 550, message: "not a plain e-mail address") }
            try await session.expect(Self.line("RCPT TO:<\(message.recipient)>"), step: "RCPT", 250, 251)
            try await session.expect(Self.line("DATA"), step: "DATA", 354)
            let body = MIMEMessage.render(message, from: settings.from, messageID: messageID, date: date)
            try await session.expect(ByteBuffer(string: MIMEMessage.dotStuffed(body) + "\r\n.\r\n"), step: "DATA", 250)
            _ = try? await session.expect(Self.line("QUIT"), step: "QUIT", 221)
            try? await channel.close()
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private func connect() async throws -> any Channel {
        let tls = settings.security == .implicitTLS ? self.tls : nil
        let host = settings.host
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount.of(settings.timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: Self.sni(host))) }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler())
                }
            }
        do {
            return try await bootstrap.connect(host: settings.host, port: settings.port).get()
        } catch {
            throw SMTPError(step: "connect", message: "cannot reach \(settings.host):\(settings.port) (\(error))")
        }
    }

    private func addTLS(to channel: any Channel) async throws {
        guard let tls else { throw SMTPError(step: "STARTTLS", message: "no TLS configuration") }
        let host = settings.host
        try await channel.eventLoop.submit {
            // Anything the server sent after its 220 and before the handshake came unencrypted, and
            // could be someone else's words taken for the encrypted session's replies (the class of
            // flaw of CVE-2011-0411): the session ends instead.
            let replies = try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self)
            guard !replies.holdsInput else {
                throw SMTPError(step: "STARTTLS", message: "the server sent more after its 220 than the handshake allows; nothing was sent")
            }
            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: Self.sni(host)), position: .first)
        }.get()
    }

    /// Server names are sent for names, never for addresses (TLS forbids it).
    static func sni(_ host: String) -> String? {
        host.range(of: "^[0-9.]+\\z|:", options: .regularExpression) == nil ? host : nil
    }

    static func line(_ text: String) -> ByteBuffer { ByteBuffer(string: text + "\r\n") }

    /// The name this client gives in EHLO.
    static let helloName: String = {
        let name = ProcessInfo.processInfo.hostName
        return name.range(of: "^[A-Za-z0-9.-]{1,200}\\z", options: .regularExpression) != nil ? name : "localhost"
    }()
}

extension TimeAmount {
    /// The same span as a `Duration`.
    static func of(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// A server's reply: its code and the text of each line.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
}

/// A command (or none, for the greeting) and where its reply goes.
struct SMTPRequest: Sendable {
    var bytes: ByteBuffer?
    var promise: EventLoopPromise<SMTPReply>
}

/// One conversation: sends a command and waits, at most `timeout`, for the reply it expects.
struct SMTPSession: Sendable {
    let channel: any Channel
    let timeout: TimeAmount

    @discardableResult
    func expect(_ bytes: ByteBuffer?, step: String, _ codes: Int...) async throws -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(SMTPError(step: step, message: "no answer within \(timeout.nanoseconds / 1_000_000_000) seconds"))
        }
        defer { timer.cancel() }
        channel.writeAndFlush(SMTPRequest(bytes: bytes, promise: promise), promise: nil)
        let reply: SMTPReply
        do {
            reply = try await promise.futureResult.get()
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(step: step, message: "\(error)")
        }
        guard codes.contains(reply.code) else {
            throw SMTPError(step: step, code: reply.code, message: String(reply.lines.joined(separator: " ").prefix(300)))
        }
        return reply
    }
}

/// Splits the server's bytes into lines and lines into replies (`250-…` continues, `250 …` ends),
/// answering each command's promise in order.
final class SMTPReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<SMTPReply>>()
    /// Replies that came before anyone waited for them (the greeting may beat the first wait).
    private var unclaimed = CircularBuffer<SMTPReply>()
    private var pending = ByteBuffer()
    private var lines: [String] = []

    /// Whether bytes or replies have arrived that no command has taken yet.
    var holdsInput: Bool { !unclaimed.isEmpty || pending.readableBytes > 0 || !lines.isEmpty }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let early = unclaimed.popFirst() {
            request.promise.succeed(early)
        } else {
            waiting.append(request.promise)
        }
        if let bytes = request.bytes {
            context.write(wrapOutboundOut(bytes), promise: promise)
        } else {
            promise?.succeed(())
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex + 1
            var line = pending.readString(length: length) ?? ""
            // By scalars: "\r\n" is one Character in Swift, so `line.last` would never be "\n".
            while let last = line.unicodeScalars.last, last == "\n" || last == "\r" { line.unicodeScalars.removeLast() }
            receive(line, context: context)
        }
        if pending.readableBytes > 4096 {
            fail(SMTPError(step: "reply", message: "a reply line longer than 4096 bytes"), context: context)
        }
        pending.discardReadBytes()
    }

    private func receive(_ line: String, context: ChannelHandlerContext) {
        let code = Int(line.prefix(3))
        guard let code, line.count == 3 || line.dropFirst(3).first == " " || line.dropFirst(3).first == "-" else {
            fail(SMTPError(step: "reply", message: "not an SMTP reply: \(line.prefix(80))"), context: context)
            return
        }
        lines.append(String(line.dropFirst(4)))
        guard line.dropFirst(3).first != "-" else { return }
        let reply = SMTPReply(code: code, lines: lines)
        lines = []
        if let promise = waiting.popFirst() { promise.succeed(reply) } else { unclaimed.append(reply) }
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        while let promise = waiting.popFirst() { promise.fail(error) }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(SMTPError(step: "connection", message: "\(error)"), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let promise = waiting.popFirst() { promise.fail(SMTPError(step: "connection", message: "the server closed the connection")) }
        context.fireChannelInactive()
    }
}
