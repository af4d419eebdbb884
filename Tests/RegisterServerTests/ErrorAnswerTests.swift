import Foundation
import HTTPTypes
import Logging
import PostgresNIO
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport
import Testing

/// What a refusal or a failure sends and logs: the same protective headers as any answer, a line in
/// the log at the default level, and never a row of case data from the database's own message.
@Suite("Errors: headers, logging")
struct ErrorAnswerTests {
    @Test("error pages and problems carry the security headers and are never cached; JSON answers too")
    func headers() async throws {
        try await withSignInApp { app in
            let signIn = try await app.signIn("admin@example.org")
            let cookie = try #require(signIn.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let answers = [
                try await app.call(.get, "/reviews/\(UUID())", headers: [.cookie: cookie]),  // the 404 page
                try await app.call(.get, "/api/v1/reviews/\(UUID())", headers: [.cookie: cookie]),  // a 404 problem
                try await app.call(.get, "/api/v1/me"),  // a 401 problem
                try await app.call(.get, "/api/v1/me", headers: [.cookie: cookie]),  // a JSON answer
            ]
            #expect(answers.map(\.status) == [.notFound, .notFound, .unauthorized, .ok])
            for answer in answers {
                #expect(answer.headers[.xContentTypeOptions] == "nosniff")
                #expect(answer.headers[.xFrameOptions] == "DENY")
                #expect(answer.headers[.referrerPolicy] == "same-origin")
                #expect(answer.headers[.cacheControl] == "no-store")
            }
            #expect(answers[0].headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
        }
    }

    @Test("a request refused for want of a sign-in or a right is logged at the default level, with its problem")
    func refusalsLogged() async throws {
        let log = LogRecorder()
        try await withSignInApp({ $0.logLevel = "info" }, logger: log.logger) { app in
            _ = try await app.call(.get, "/api/v1/users", headers: [.authorization: "Bearer not-a-token"])
            let refused = log.entries.filter { $0.message == "request refused" }
            #expect(refused.contains { $0.level == .notice && $0.metadata["status"] == "401" && $0.metadata["path"] == "/api/v1/users" })
        }
    }

    @Test("an unexpected database error is logged with its code and message, never the row its detail quotes")
    func databaseDetailLeftOut() async throws {
        let error = try await TestDatabase.with { db in
            try await TestDatabase.withClient(db.owner) { client in
                _ = try await client.query("CREATE TEMPORARY TABLE people (name text CHECK (name <> 'Child G'))", logger: TestDatabase.logger)
                do {
                    _ = try await client.query("INSERT INTO people (name) VALUES (\("Child G"))", logger: TestDatabase.logger)
                    return nil as PSQLError?
                } catch let error as PSQLError { return error }
            }
        }
        let refused = try #require(error)
        #expect(String(reflecting: refused).contains("Child G"), "the driver's full description quotes the row")
        let line = StoreErrors.loggable(refused)
        #expect(line.contains("23514") && line.contains("people_name_check") && line.contains("violates check constraint"))
        #expect(!line.contains("Child G"))
    }
}
