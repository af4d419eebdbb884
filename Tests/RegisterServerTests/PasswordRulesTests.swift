import Foundation
import HTTPTypes
@testable import RegisterServer
import RegisterTestSupport
import Testing

/// The password and session rules an auditor checks against OWASP ASVS (V2.1, V3.3): long and
/// unusual passwords work, nothing is cut short, and a session past its end is refused.
@Suite("Passwords and sessions")
struct PasswordRulesTests {
    private static func cookie(_ reply: Reply) throws -> String {
        try #require(reply.headers[.setCookie]?.split(separator: ";").first.map(String.init))
    }

    @Test("64 characters, spaces and emoji are accepted; over 72 bytes is refused when set and never cut short at sign-in")
    func lengths() async throws {
        try await withSignInApp { app in
            let admin = try Self.cookie(try await app.signIn("admin@example.org"))
            let headers: HTTPFields = [.cookie: admin, .secFetchSite: "same-origin"]
            func create(_ email: String, _ password: String) async throws -> Reply {
                let body = try JSONSerialization.data(withJSONObject: [
                    "email": email, "name": "Pat Example", "role": "coordinator", "password": password,
                ])
                return try await app.call(.post, "/api/v1/users", json: String(decoding: body, as: UTF8.self), headers: headers)
            }
            func signIn(_ email: String, _ password: String) async throws -> HTTPResponse.Status {
                let body = try JSONSerialization.data(withJSONObject: ["email": email, "password": password])
                return try await app.call(.post, "/api/v1/session", json: String(decoding: body, as: UTF8.self)).status
            }

            let sixtyFour = String(repeating: "abcdefgh", count: 8)
            #expect(try await create("long@example.org", sixtyFour).status == .created)
            #expect(try await signIn("long@example.org", sixtyFour) == .created)

            let unusual = "  correct 🐴 battery 📎 staple  "
            #expect(try await create("unusual@example.org", unusual).status == .created)
            #expect(try await signIn("unusual@example.org", unusual) == .created)

            // bcrypt reads 72 bytes: a longer password is refused when set, and at sign-in the
            // 73rd byte is not dropped to make a near miss match.
            let limit = String(repeating: "x", count: 72)
            #expect(try await create("limit@example.org", limit).status == .created)
            #expect(try await signIn("limit@example.org", limit + "y") == .unauthorized)
            let over = try await create("over@example.org", limit + "y")
            #expect(over.status == .unprocessableContent)
            #expect(over.text.contains("password"))
        }
    }

    @Test("a session past its end is refused, by the API and the pages")
    func expiredSession() async throws {
        try await withSignInApp { app in
            let cookie = try Self.cookie(try await app.signIn("coordinator@example.org"))
            #expect(try await app.call(.get, "/api/v1/me", headers: [.cookie: cookie]).status == .ok)
            try await TestDatabase.withClient(app.db.owner) { client in
                _ = try await client.query("UPDATE auth.sessions SET expires_at = now() - interval '1 second'", logger: TestDatabase.logger)
            }
            #expect(try await app.call(.get, "/api/v1/me", headers: [.cookie: cookie]).status == .unauthorized)
            let page = try await app.call(.get, "/", headers: [.cookie: cookie])
            #expect(page.status == .seeOther)
            #expect(page.headers[.location]?.hasPrefix("/sign-in") == true)
        }
    }
}
