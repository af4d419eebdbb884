import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NIOCore
import RegisterDomain
@testable import RegisterServer
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

/// A response as the tests read it.
struct Reply {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: Data

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    var text: String { String(decoding: body, as: UTF8.self) }
    var isProblem: Bool { headers[.contentType] == "application/problem+json" }

    /// The `id` of the record the answer returns: a failed request fails the test that made it,
    /// with the answer's text, rather than trapping the whole test run.
    func id() throws -> String {
        try #require(json["id"] as? String, "no id in the answer (\(status.code)): \(text)")
    }
}

/// The application on a fresh database, with one signed-in API token per role.
struct APIHarness {
    let client: any TestClientProtocol
    let tokens: [Role: String]
    let registry: Registry
    /// The partner user's organisation ("own") and another partner organisation with its own user.
    let ownPartner: UUID
    let otherPartner: UUID
    let otherPartnerToken: String
    /// The test's database, for looking behind the API.
    let db: TestDatabase

    func call(
        _ method: HTTPRequest.Method, _ path: String, as role: Role? = .coordinator, token: String? = nil, json: String? = nil,
        body: ByteBuffer? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token = token ?? role.map({ tokens[$0]! }) { headers[.authorization] = "Bearer \(token)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) } ?? body) { response in
            Reply(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
    }

    /// Sends an evidence upload as multipart/form-data.
    func upload(
        to assignmentID: String, as role: Role? = .partner, token: String? = nil, fields: [String: String], files: [(name: String, bytes: [UInt8])],
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        let boundary = "lr-test-\(UUID().uuidString)"
        var body = ByteBuffer()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for file in files {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            body.writeBytes(file.bytes)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        var headers = extra
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await call(.post, "/api/v1/assignments/\(assignmentID)/evidence", as: role, token: token, body: body, headers: headers)
    }

    /// Records a board and a review through the API, returning the review's JSON.
    func createReview(reference: String = "CSPR-2024-03", extra: String = "") async throws -> [String: Any] {
        let board = try await call(.post, "/api/v1/boards", as: .admin, json: #"{"code":"b-\#(UUID().uuidString.prefix(8).lowercased())","name":"Board","kind":"children_partnership"}"#)
        let boardID = try board.id()
        let review = try await call(
            .post, "/api/v1/reviews",
            json: #"{"reference":"\#(reference)","title":"Child G","kind":"lcspr","board_id":"\#(boardID)","regime":"wt2023"\#(extra)}"#)
        try #require(review.status == .created, "\(review.text)")
        return review.json
    }

    /// bcrypt at cost 12 takes a quarter of a second: hash once per test run.
    static let passwordHash = Bcrypt.hash("correct horse battery staple", cost: 12)
}

/// Runs `body` against the real application on its own database.
/// `live` serves it on a real socket (a free port on loopback) instead of over the router.
func withAPI(
    maxUploadBytes: Int = 25 * 1024 * 1024, clock: RegisterClock = .system, live: Bool = false,
    _ body: @Sendable @escaping (APIHarness) async throws -> Void
) async throws {
    try await TestDatabase.with { db in
        let configuration = AppConfiguration(database: db.app, httpPort: live ? 0 : 8080, logLevel: "warning", maxUploadBytes: maxUploadBytes)
        let app = buildApplication(configuration, logger: TestDatabase.logger, clock: clock)
        let setup = try await db.withDatabase { database in
            let accounts = AccountStore(database: database)
            let partners = PartnerStore(database: database)
            let write = WriteContext(actor: .system("tests"), requestID: "setup", logger: TestDatabase.logger)
            let own = try await partners.create(PartnerDetails(name: "Own Police", sector: .police), context: write).id
            let other = try await partners.create(PartnerDetails(name: "Other Health", sector: .health), context: write).id
            var tokens: [Role: String] = [:]
            for role in Role.allCases {
                let user = try await accounts.createUser(
                    NewUser(email: "\(role.rawValue)@example.org", name: role.rawValue, role: role, partnerID: role == .partner ? own : nil),
                    bcrypt: APIHarness.passwordHash, context: write)
                tokens[role] = try await accounts.createToken(for: user, name: "tests", context: write).1.text
            }
            let otherUser = try await accounts.createUser(
                NewUser(email: "other-partner@example.org", name: "Other partner", role: .partner, partnerID: other),
                bcrypt: APIHarness.passwordHash, context: write)
            let otherToken = try await accounts.createToken(for: otherUser, name: "tests", context: write).1.text
            return (tokens, own, other, otherToken)
        }
        try await db.withDatabase { database in
            try await app.test(live ? .live : .router) { client in
                try await body(
                    APIHarness(
                        client: client, tokens: setup.0, registry: Registry(database: database), ownPartner: setup.1, otherPartner: setup.2,
                        otherPartnerToken: setup.3, db: db))
            }
        }
    }
}

extension APIHarness {
    /// A browser's sign-in for the pages: the session cookie of the person with this e-mail address,
    /// and the CSRF token their page forms carry.
    func pageSession(email: String) async throws -> (cookie: String, csrf: String) {
        let token = try await db.withDatabase { database in
            let accounts = AccountStore(database: database)
            let user = try #require(try await accounts.credentials(email: email)).user
            return try await accounts.startSession(
                for: user, lasting: 3600, context: WriteContext(actor: .system("tests"), requestID: "t", logger: TestDatabase.logger))
        }
        return ("lr_session=\(token.text)", CSRF.token(forSession: token.text))
    }
}
