import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import RegisterDomain
@testable import RegisterServer
import RegisterServices
import RegisterStore
import RegisterTestSupport

/// The application on a fresh database with settings of the test's choosing (cookie mode, trusted
/// proxies, throttle, bcrypt cap), over the router or a real socket, with an admin and a coordinator
/// whose password is `SignInApp.password`.
struct SignInApp {
    static let password = "correct horse battery staple"

    let client: any TestClientProtocol
    let db: TestDatabase

    func call(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, form: String? = nil, headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if json != nil { headers[.contentType] = "application/json" }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let body = (json ?? form).map { ByteBuffer(string: $0) }
        return try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            Reply(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
    }

    /// A request over a real socket with a patient client: every suite runs at once on a small
    /// machine, and a password check can then outlast the test client's fixed 20-second read timeout.
    private static func overSocket(port: Int, _ method: HTTPRequest.Method, _ path: String, headers: HTTPFields, body: String?) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: 300)
        request.httpMethod = method.rawValue
        for field in headers { request.addValue(field.value, forHTTPHeaderField: field.name.rawName) }
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var fields = HTTPFields()
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String, let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        return Reply(status: HTTPResponse.Status(code: http.statusCode), headers: fields, body: data)
    }

    /// `POST /api/v1/session`.
    func signIn(_ email: String, _ password: String = password, headers: HTTPFields = [:]) async throws -> Reply {
        let json = #"{"email":"\#(email)","password":"\#(password)"}"#
        if let port = client.port {
            var headers = headers
            headers[.contentType] = "application/json"
            return try await Self.overSocket(port: port, .post, "/api/v1/session", headers: headers, body: json)
        }
        return try await call(.post, "/api/v1/session", json: json, headers: headers)
    }

    /// Every event of the audit trail, parsed.
    func trail() async throws -> [[String: Any]] {
        try await trailTexts().map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
    }

    /// Every event of the audit trail, as its sealed text.
    func trailTexts() async throws -> [String] {
        try await TestDatabase.withClient(db.owner) { client in
            var texts: [String] = []
            for try await text in try await client.query("SELECT payload FROM audit.events ORDER BY seq", logger: TestDatabase.logger).decode(String.self) {
                texts.append(text)
            }
            return texts
        }
    }

    /// The `new` rows of the trail's events for `register.access_events`, oldest first.
    func accessEvents() async throws -> [[String: Any]] {
        try await trail().filter { $0["table"] as? String == "access_events" }.compactMap { $0["new"] as? [String: Any] }
    }
}

func withSignInApp(
    _ adjust: @Sendable (inout AppConfiguration) -> Void = { _ in }, live: Bool = false, logger: Logger = TestDatabase.logger,
    _ body: @Sendable @escaping (SignInApp) async throws -> Void
) async throws {
    try await TestDatabase.with { db in
        var configuration = AppConfiguration(database: db.app, httpPort: 0, logLevel: "warning")
        adjust(&configuration)
        let app = buildApplication(configuration, logger: logger)
        try await db.withDatabase { database in
            let accounts = AccountStore(database: database)
            let write = WriteContext(actor: .system("tests"), requestID: "setup", logger: TestDatabase.logger)
            for role in [Role.admin, .coordinator] {
                _ = try await accounts.createUser(
                    NewUser(email: "\(role.rawValue)@example.org", name: role.rawValue, role: role), bcrypt: APIHarness.passwordHash, context: write)
            }
        }
        try await app.test(live ? .live : .router) { client in try await body(SignInApp(client: client, db: db)) }
    }
}

/// Keeps what the application logs, to check what a sign-in writes to the log.
final class LogRecorder: @unchecked Sendable {
    struct Entry {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]

        /// The message and its metadata as one line, to search.
        var line: String { ([message] + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ") }
    }

    private let lock = NSLock()
    private var kept: [Entry] = []

    var entries: [Entry] { lock.withLock { kept } }

    var logger: Logger {
        var logger = Logger(label: "tests") { _ in Handler(recorder: self) }
        logger.logLevel = .info
        return logger
    }

    fileprivate func keep(_ entry: Entry) { lock.withLock { kept.append(entry) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.keep(Entry(level: event.level, message: "\(event.message)", metadata: all.mapValues { "\($0)" }))
        }
    }
}
