import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import RegisterDomain
@testable import RegisterServer
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

/// The account lifecycle through the JSON API and the service functions the command line calls:
/// deactivation and reactivation, role changes, password resets and changes, partner organisations
/// shut out, API token expiry, and what the audit trail keeps of it (never a secret).
@Suite("Account lifecycle")
struct AccountLifecycleTests {
    static let password = "correct horse battery staple"

    /// Signs in through the API: the `lr_session=…` cookie, or nil when refused.
    static func signIn(_ api: APIHarness, _ email: String, _ password: String = password) async throws -> String? {
        let reply = try await api.call(.post, "/api/v1/session", as: nil, json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        guard reply.status == .created else {
            #expect(reply.status == .unauthorized, "sign-in answered \(reply.status): \(reply.text)")
            return nil
        }
        let cookie = try #require(reply.headers[values: .setCookie].first { $0.hasPrefix("lr_session=") })
        return String(cookie.split(separator: ";")[0])
    }

    static func me(_ api: APIHarness, cookie: String) async throws -> HTTPResponse.Status {
        try await api.call(.get, "/api/v1/me", as: nil, headers: [.cookie: cookie]).status
    }

    static func id(_ api: APIHarness, _ role: Role) async throws -> String {
        try #require(try await api.call(.get, "/api/v1/me", as: role).json["id"] as? String).lowercased()
    }

    @Test("a deactivated person cannot sign in, and their session and token stop at once; reactivated, they sign in again")
    func deactivation() async throws {
        try await withAPI { api in
            let coordinator = try await Self.id(api, .coordinator)
            let cookie = try #require(try await Self.signIn(api, "coordinator@example.org"))
            #expect(try await Self.me(api, cookie: cookie) == .ok)
            let token = try await api.call(.post, "/api/v1/tokens", as: .coordinator, json: #"{"name":"script"}"#)
            let secret = try #require(token.json["token"] as? String)

            let deactivated = try await api.call(.post, "/api/v1/users/\(coordinator)/deactivate", as: .admin)
            #expect(deactivated.status == .ok, "\(deactivated.text)")
            #expect(deactivated.json["active"] as? Bool == false)

            #expect(try await Self.signIn(api, "coordinator@example.org") == nil)
            #expect(try await Self.me(api, cookie: cookie) == .unauthorized)
            let page = try await api.call(.get, "/reviews", as: nil, headers: [.cookie: cookie])
            #expect(page.status == .seeOther)
            #expect(page.headers[.location]?.hasPrefix("/sign-in") == true)
            #expect(try await api.call(.get, "/api/v1/me", as: .coordinator).status == .unauthorized)
            #expect(try await api.call(.get, "/api/v1/me", as: nil, token: secret).status == .unauthorized)
            // Doing it twice changes nothing more.
            #expect(try await api.call(.post, "/api/v1/users/\(coordinator)/deactivate", as: .admin).status == .ok)

            let reactivated = try await api.call(.post, "/api/v1/users/\(coordinator)/reactivate", as: .admin)
            #expect(reactivated.status == .ok)
            #expect(reactivated.json["active"] as? Bool == true)
            let again = try #require(try await Self.signIn(api, "coordinator@example.org"))
            #expect(try await Self.me(api, cookie: again) == .ok)
            // Ended sessions and revoked tokens stay ended.
            #expect(try await Self.me(api, cookie: cookie) == .unauthorized)
            #expect(try await api.call(.get, "/api/v1/me", as: .coordinator).status == .unauthorized)
            let tokens = try await api.call(.get, "/api/v1/tokens", as: nil, headers: [.cookie: again]).items
            #expect(tokens.count == 2 && tokens.allSatisfy { $0["revoked_at"] != nil })

            // The trail: the account's `active` both ways, and the events with what they ended; no secret anywhere.
            let events = try await Self.accountEvents(api, user: coordinator)
            #expect(events.map(\.event) == ["deactivated", "reactivated"])
            #expect(events[0].sessions == 1 && events[0].tokens == 2)
            let trail = try await Self.trail(api).map(Self.parsed)
            #expect(trail.contains { $0["table"] as? String == "users" && ($0["new"] as? [String: Any])?["active"] as? Bool == false })
            #expect(trail.contains { $0["table"] as? String == "account_events" && ($0["new"] as? [String: Any])?["event"] as? String == "deactivated" })
        }
    }

    @Test("an admin cannot deactivate themselves, change their own role or reset their own password; others get 403")
    func selfAndOthers() async throws {
        try await withAPI { api in
            let admin = try await Self.id(api, .admin)
            let auditor = try await Self.id(api, .auditor)
            let selfDeactivate = try await api.call(.post, "/api/v1/users/\(admin)/deactivate", as: .admin)
            #expect(selfDeactivate.status == .conflict && selfDeactivate.isProblem)
            #expect(try await api.call(.put, "/api/v1/users/\(admin)/role", as: .admin, json: #"{"role":"auditor"}"#).status == .conflict)
            #expect(try await api.call(.post, "/api/v1/users/\(admin)/password-reset", as: .admin, json: "{}").status == .conflict)
            #expect(try await api.call(.get, "/api/v1/me", as: .admin).json["role"] as? String == "admin")
            for role in [Role.coordinator, .auditor, .partner] {
                #expect(try await api.call(.post, "/api/v1/users/\(auditor)/deactivate", as: role).status == .forbidden)
                #expect(try await api.call(.post, "/api/v1/users/\(auditor)/reactivate", as: role).status == .forbidden)
                #expect(try await api.call(.put, "/api/v1/users/\(auditor)/role", as: role, json: #"{"role":"admin"}"#).status == .forbidden)
                #expect(try await api.call(.post, "/api/v1/users/\(auditor)/password-reset", as: role, json: "{}").status == .forbidden)
            }
            #expect(try await api.call(.get, "/api/v1/me", as: .auditor).status == .ok)
            #expect(try await api.call(.post, "/api/v1/users/\(UUID())/deactivate", as: .admin).status == .notFound)
        }
    }

    @Test("a partner organisation deactivated shuts out its people (sign-in, session, token) until it is reactivated")
    func partnerDeactivation() async throws {
        try await withAPI { api in
            let cookie = try #require(try await Self.signIn(api, "partner@example.org"))
            let partner = "/api/v1/partners/\(api.ownPartner.uuidString.lowercased())"
            let off = try await api.call(.patch, partner, as: .admin, json: #"{"active":false}"#, headers: [.ifMatch: "\"1\""])
            #expect(off.status == .ok, "\(off.text)")
            #expect(try await Self.signIn(api, "partner@example.org") == nil)
            #expect(try await Self.me(api, cookie: cookie) == .unauthorized)
            #expect(try await api.call(.get, "/api/v1/me", as: .partner).status == .unauthorized)
            // The other organisation's people are not touched.
            #expect(try await api.call(.get, "/api/v1/me", as: nil, token: api.otherPartnerToken).status == .ok)

            let on = try await api.call(.patch, partner, as: .admin, json: #"{"active":true}"#, headers: [.ifMatch: "\"2\""])
            #expect(on.status == .ok)
            #expect(try await api.call(.get, "/api/v1/me", as: .partner).status == .ok)
            #expect(try await Self.me(api, cookie: cookie) == .ok)
            #expect(try await Self.signIn(api, "partner@example.org") != nil)
        }
    }

    @Test("a role change applies from the person's next request, with the same token")
    func roleChange() async throws {
        try await withAPI { api in
            let auditor = try await Self.id(api, .auditor)
            let review = #"{"reference":"R-1","title":"Child R","kind":"lcspr","board_id":"\#(UUID())","regime":"wt2023"}"#
            #expect(try await api.call(.post, "/api/v1/reviews", as: .auditor, json: review).status == .forbidden)
            let missing = try await api.call(.put, "/api/v1/users/\(auditor)/role", as: .admin, json: #"{"role":"partner"}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.text.contains("partner_id"))
            let changed = try await api.call(.put, "/api/v1/users/\(auditor)/role", as: .admin, json: #"{"role":"coordinator"}"#)
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(changed.json["role"] as? String == "coordinator")
            // Now a coordinator: past the policy (the board does not exist, so 422), no longer 403.
            #expect(try await api.call(.post, "/api/v1/reviews", as: .auditor, json: review).status == .unprocessableContent)
            #expect(try await api.call(.get, "/api/v1/audit/events", as: .auditor).status == .forbidden)

            // Into a partner organisation: they see only its records from then on.
            let partner = api.ownPartner.uuidString.lowercased()
            let toPartner = try await api.call(
                .put, "/api/v1/users/\(auditor)/role", as: .admin, json: #"{"role":"partner","partner_id":"\#(partner)"}"#)
            #expect(toPartner.status == .ok)
            #expect(try await api.call(.get, "/api/v1/partners", as: .auditor).items.compactMap { ($0["id"] as? String)?.lowercased() } == [partner])
            let events = try await Self.accountEvents(api, user: auditor)
            #expect(events.map(\.event) == ["role_changed", "role_changed"])
        }
    }

    @Test("changing one's own password ends one's other sessions, not this one; a wrong current password changes nothing")
    func ownPassword() async throws {
        try await withAPI { api in
            let here = try #require(try await Self.signIn(api, "coordinator@example.org"))
            let elsewhere = try #require(try await Self.signIn(api, "coordinator@example.org"))
            let wrong = try await api.call(
                .put, "/api/v1/me/password", as: nil, json: #"{"current_password":"not my password","new_password":"a new password of mine"}"#,
                headers: [.cookie: here])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains("current_password"))
            let short = try await api.call(
                .put, "/api/v1/me/password", as: nil, json: #"{"current_password":"\#(Self.password)","new_password":"short"}"#,
                headers: [.cookie: here])
            #expect(short.status == .unprocessableContent)
            #expect(try await Self.me(api, cookie: elsewhere) == .ok)

            let changed = try await api.call(
                .put, "/api/v1/me/password", as: nil, json: #"{"current_password":"\#(Self.password)","new_password":"a new password of mine"}"#,
                headers: [.cookie: here])
            #expect(changed.status == .noContent, "\(changed.text)")
            #expect(try await Self.me(api, cookie: here) == .ok)
            #expect(try await Self.me(api, cookie: elsewhere) == .unauthorized)
            #expect(try await Self.signIn(api, "coordinator@example.org") == nil)
            #expect(try await Self.signIn(api, "coordinator@example.org", "a new password of mine") != nil)
            // Their API token keeps working.
            #expect(try await api.call(.get, "/api/v1/me", as: .coordinator).status == .ok)
            let coordinator = try await Self.id(api, .coordinator)
            let events = try await Self.accountEvents(api, user: coordinator)
            #expect(events.map(\.event) == ["password_changed"] && events[0].sessions == 1)
            // Neither password nor any hash reaches the trail.
            let trail = try await Self.trail(api).joined(separator: "\n")
            #expect(!trail.contains("a new password of mine") && !trail.contains(Self.password) && !trail.contains("$2b$"))
        }
    }

    @Test("an admin's password reset ends the person's sessions; a generated password is shown once and works")
    func passwordReset() async throws {
        try await withAPI { api in
            let partner = try await Self.id(api, .partner)
            let cookie = try #require(try await Self.signIn(api, "partner@example.org"))
            let short = try await api.call(.post, "/api/v1/users/\(partner)/password-reset", as: .admin, json: #"{"password":"short"}"#)
            #expect(short.status == .unprocessableContent)
            #expect(try await Self.me(api, cookie: cookie) == .ok)
            let reset = try await api.call(.post, "/api/v1/users/\(partner)/password-reset", as: .admin, json: "{}")
            #expect(reset.status == .ok, "\(reset.text)")
            let generated = try #require(reset.json["generated_password"] as? String)
            #expect(reset.json["sessions_ended"] as? Int == 1)
            #expect(try await Self.me(api, cookie: cookie) == .unauthorized)
            #expect(try await Self.signIn(api, "partner@example.org") == nil)
            #expect(try await Self.signIn(api, "partner@example.org", generated) != nil)
            let given = try await api.call(
                .post, "/api/v1/users/\(partner)/password-reset", as: .admin, json: #"{"password":"chosen by the admin"}"#)
            #expect(given.status == .ok)
            #expect(given.json["generated_password"] == nil, "no password was generated: none is shown")
            #expect(try await Self.signIn(api, "partner@example.org", "chosen by the admin") != nil)
            let trail = try await Self.trail(api).joined(separator: "\n")
            #expect(!trail.contains(generated) && !trail.contains("chosen by the admin") && !trail.contains("$2b$"))
        }
    }

    @Test("the command line's path: the same service functions, acting as system:cli")
    func commandLine() async throws {
        try await withAPI { api in
            let services = RegisterServices(registry: api.registry, configuration: AppConfiguration(database: api.db.app))
            let actor = Actor.system("cli", logger: TestDatabase.logger)
            let user = try await services.accounts.user(email: "Auditor@Example.org", by: actor)
            let change = try await services.accounts.deactivate(user.id, by: actor)
            #expect(!change.user.active && change.tokensRevoked == 1)
            #expect(try await api.call(.get, "/api/v1/me", as: .auditor).status == .unauthorized)
            _ = try await services.accounts.reactivate(user.id, by: actor)
            let role = try await services.accounts.changeRole(user.id, RoleChange(role: .coordinator), by: actor)
            #expect(role.role == .coordinator)
            let reset = try await services.accounts.resetPassword(user.id, PasswordReset(), by: actor)
            #expect(try await Self.signIn(api, "auditor@example.org", try #require(reset.generatedPassword)) != nil)
            // The command line has no password of its own to change.
            await #expect(throws: DomainError.self) {
                try await services.accounts.changePassword(
                    PasswordChange(currentPassword: "x", newPassword: "a long enough password"), keeping: nil, by: actor)
            }
            let trail = try await Self.trail(api).map(Self.parsed)
            #expect(trail.contains { $0["table"] as? String == "account_events" && $0["actor"] as? String == "system:cli" })
        }
    }

    @Test("API tokens expire (90 days unless asked, at most a year) and show when they were last used")
    func tokenExpiry() async throws {
        try await withAPI { api in
            #expect(try await api.call(.post, "/api/v1/tokens", as: .coordinator, json: #"{"name":"x","expires_in_days":400}"#).status
                == .unprocessableContent)
            #expect(try await api.call(.post, "/api/v1/tokens", as: .coordinator, json: #"{"name":"x","expires_in_days":0}"#).status
                == .unprocessableContent)
            let standard = try await api.call(.post, "/api/v1/tokens", as: .coordinator, json: #"{"name":"standard"}"#)
            #expect(standard.status == .created)
            let expires = try #require((standard.json["expires_at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(abs(expires.timeIntervalSinceNow - 90 * 86_400) < 3_600)
            let short = try await api.call(.post, "/api/v1/tokens", as: .coordinator, json: #"{"name":"short","expires_in_days":1}"#)
            let secret = try #require(short.json["token"] as? String)
            let id = try #require(short.json["id"] as? String).lowercased()
            #expect(try await api.call(.get, "/api/v1/me", as: nil, token: secret).status == .ok)
            let listed = try await api.call(.get, "/api/v1/tokens", as: .coordinator).items.first { ($0["id"] as? String)?.lowercased() == id }
            #expect(listed?["last_used_at"] is String)
            // A day later (moved back by hand, as the owner): it no longer works.
            try await TestDatabase.withClient(api.db.owner) { client in
                _ = try await client.query(
                    "UPDATE auth.api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id = \(UUID(uuidString: id)!)",
                    logger: TestDatabase.logger)
            }
            #expect(try await api.call(.get, "/api/v1/me", as: nil, token: secret).status == .unauthorized)
        }
    }

    @Test("changing a board's assurance rule brings its recommendations into line at once")
    func boardRule() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let accepted = try await api.call(.post, "/api/v1/evidence/\(world.own.evidence)/decision", json: #"{"verdict":"accepted"}"#)
            #expect(accepted.status == .ok, "\(accepted.text)")
            let recommendation = "/api/v1/recommendations/\(world.own.recommendation)"
            // Output alone does not assure where the board asks for outcome or impact.
            #expect(try await api.call(.get, recommendation).json["status"] as? String == "in_progress")
            let boardID = try #require(try await api.call(.get, "/api/v1/reviews/\(world.own.review)").json["board_id"] as? String)
            let relaxed = try await api.call(
                .patch, "/api/v1/boards/\(boardID)", as: .admin, json: #"{"assurance_needs_outcome":false}"#, headers: [.ifMatch: "\"1\""])
            #expect(relaxed.status == .ok, "\(relaxed.text)")
            #expect(try await api.call(.get, recommendation).json["status"] as? String == "assured")
            let strict = try await api.call(
                .patch, "/api/v1/boards/\(boardID)", as: .admin, json: #"{"assurance_needs_outcome":true}"#, headers: [.ifMatch: "\"2\""])
            #expect(strict.status == .ok)
            #expect(try await api.call(.get, recommendation).json["status"] as? String == "in_progress")
            // The other partner's recommendation (another board, evidence still pending) is untouched.
            #expect(try await api.call(.get, "/api/v1/recommendations/\(world.other.recommendation)").json["status"] as? String == "in_progress")
        }
    }

    // MARK: Looking behind the API

    struct Event { var event: String; var sessions: Int; var tokens: Int }

    static func accountEvents(_ api: APIHarness, user: String) async throws -> [Event] {
        try await TestDatabase.withClient(api.db.owner) { client in
            var events: [Event] = []
            let rows = try await client.query(
                "SELECT event, sessions_ended, tokens_revoked FROM register.account_events WHERE user_id = \(UUID(uuidString: user)!) ORDER BY id",
                logger: TestDatabase.logger)
            for try await (event, sessions, tokens) in rows.decode((String, Int, Int).self) { events.append(Event(event: event, sessions: sessions, tokens: tokens)) }
            return events
        }
    }

    static func parsed(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// Every event of the audit trail, as its sealed text.
    static func trail(_ api: APIHarness) async throws -> [String] {
        try await TestDatabase.withClient(api.db.owner) { client in
            var texts: [String] = []
            for try await text in try await client.query("SELECT payload FROM audit.events ORDER BY seq", logger: TestDatabase.logger).decode(String.self) {
                texts.append(text)
            }
            return texts
        }
    }
}
