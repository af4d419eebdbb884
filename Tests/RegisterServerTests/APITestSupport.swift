import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NIOCore
import RegisterDomain
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport

/// A response as the tests read it.
struct Reply {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: Data

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    var text: String { String(decoding: body, as: UTF8.self) }
    var isProblem: Bool { headers[.contentType] == "application/problem+json" }
}

/// The application on a fresh database, with one signed-in API token per role.
struct APIHarness {
    let client: any TestClientProtocol
    let tokens: [Role: String]
    let registry: Registry

    func call(_ method: HTTPRequest.Method, _ path: String, as role: Role? = .coordinator, json: String? = nil, headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let role { headers[.authorization] = "Bearer \(tokens[role]!)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            Reply(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
    }

    /// Records a board and a review through the API, returning the review's JSON.
    func createReview(reference: String = "CSPR-2024-03", extra: String = "") async throws -> [String: Any] {
        let board = try await call(.post, "/api/v1/boards", as: .admin, json: #"{"code":"b-\#(UUID().uuidString.prefix(8).lowercased())","name":"Board","kind":"children_partnership"}"#)
        let boardID = board.json["id"] as! String
        let review = try await call(
            .post, "/api/v1/reviews",
            json: #"{"reference":"\#(reference)","title":"Child G","kind":"lcspr","board_id":"\#(boardID)","regime":"wt2023"\#(extra)}"#)
        precondition(review.status == .created, review.text)
        return review.json
    }

    /// bcrypt at cost 12 takes a quarter of a second: hash once per test run.
    static let passwordHash = Bcrypt.hash("correct horse battery staple", cost: 12)
}

/// Runs `body` against the real application on its own database.
func withAPI(_ body: @Sendable @escaping (APIHarness) async throws -> Void) async throws {
    try await TestDatabase.with { db in
        let configuration = AppConfiguration(database: db.app, logLevel: "warning")
        let app = buildApplication(configuration, logger: TestDatabase.logger)
        let tokens = try await db.withDatabase { database in
            let accounts = AccountStore(database: database)
            var tokens: [Role: String] = [:]
            for role in Role.allCases {
                let write = WriteContext(actor: .system("tests"), requestID: "setup", logger: TestDatabase.logger)
                let user = try await accounts.createUser(
                    NewUser(email: "\(role.rawValue)@example.org", name: role.rawValue, role: role), bcrypt: APIHarness.passwordHash, context: write)
                tokens[role] = try await accounts.createToken(for: user, name: "tests", context: write).1.text
            }
            return tokens
        }
        try await db.withDatabase { database in
            try await app.test(.router) { client in
                try await body(APIHarness(client: client, tokens: tokens, registry: Registry(database: database)))
            }
        }
    }
}
