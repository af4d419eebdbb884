import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RegisterDomain
@testable import RegisterServer
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

/// Sign-ins, sessions and API tokens in the log and the audit trail (who, what, when), never a
/// secret; and the register's own request id in the trail, with the client's beside it.
@Suite("Sign-ins, sessions and tokens in the trail")
struct SignInAuditTests {
    /// The forms a secret could take in the trail: as given, and its SHA-256 as hex (a `bytea` in
    /// JSON is `\\x…` hex) and base64.
    static func forms(of secret: String) -> [String] {
        let digest = Data(SHA256.hash(data: Data(secret.utf8)))
        return [secret, digest.map { String(format: "%02x", $0) }.joined(), digest.base64EncodedString()]
    }

    @Test("failed and successful sign-ins, sign-out, tokens made and revoked, and a deactivation are recorded without a secret")
    func trail() async throws {
        let log = LogRecorder()
        try await withSignInApp({ $0.logLevel = "info" }, logger: log.logger) { app in
            #expect(try await app.signIn("ghost@example.org", "a guess at a password").status == .unauthorized)
            #expect(try await app.signIn("coordinator@example.org", "another guess at it").status == .unauthorized)
            // A password typed into the e-mail field is never written anywhere.
            #expect(try await app.signIn("my-secret-typed-in-the-wrong-field", "x").status == .unauthorized)
            let signedIn = try await app.signIn("coordinator@example.org")
            #expect(signedIn.status == .created)
            let coordinator = try #require(signedIn.json["id"] as? String).lowercased()
            let cookie = String(try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("lr_session=") }).split(separator: ";")[0])
            let session = String(cookie.dropFirst("lr_session=".count))
            let same: HTTPFields = [.cookie: cookie]

            let made = try await app.call(.post, "/api/v1/tokens", json: #"{"name":"laptop","expires_in_days":30}"#, headers: same)
            #expect(made.status == .created)
            let token = try #require(made.json["token"] as? String)
            let tokenID = try #require(made.json["id"] as? String).lowercased()
            #expect(try await app.call(.delete, "/api/v1/tokens/\(tokenID)", headers: same).status == .noContent)
            #expect(try await app.call(.delete, "/api/v1/tokens/\(tokenID)", headers: same).status == .noContent)
            let kept = try await app.call(.post, "/api/v1/tokens", json: #"{"name":"script"}"#, headers: same)
            let keptToken = try #require(kept.json["token"] as? String)
            #expect(try await app.call(.delete, "/api/v1/session", headers: same).status == .noContent)

            // An admin deactivates the coordinator, who is signed in again elsewhere: the session ends and the token is revoked.
            let admin = try await app.signIn("admin@example.org")
            let adminCookie = String(try #require(admin.headers[values: .setCookie].first { $0.hasPrefix("lr_session=") }).split(separator: ";")[0])
            let elsewhere = try await app.signIn("coordinator@example.org")
            #expect(elsewhere.status == .created)
            #expect(try await app.call(.post, "/api/v1/users/\(coordinator)/deactivate", headers: [.cookie: adminCookie]).status == .ok)
            // A deactivated account's right password is a failure, recorded against the account.
            #expect(try await app.signIn("coordinator@example.org").status == .unauthorized)

            let events = try await app.accessEvents()
            func of(_ event: String) -> [[String: Any]] { events.filter { $0["event"] as? String == event } }
            let failed = of("sign_in_failed")
            #expect(failed.count == 4)
            #expect(failed[0]["user_id"] is NSNull && failed[0]["email"] as? String == "ghost@example.org")
            #expect(failed[1]["user_id"] as? String == coordinator && failed[1]["email"] as? String == "coordinator@example.org")
            #expect(failed[2]["user_id"] is NSNull && failed[2]["email"] is NSNull)
            #expect(failed[3]["user_id"] as? String == coordinator)
            let started = of("sign_in_succeeded")
            #expect(started.count == 3 && started[0]["user_id"] as? String == coordinator && started[0]["session_id"] is String)
            let ended = of("session_ended")
            #expect(ended.map { $0["reason"] as? String } == ["signed_out", "deactivated"])
            #expect(ended[0]["session_id"] as? String == started[0]["session_id"] as? String)
            #expect(ended[1]["session_id"] as? String == started[2]["session_id"] as? String)
            let created = of("token_created")
            #expect(created.map { $0["token_name"] as? String } == ["laptop", "script"])
            #expect(created[0]["token_id"] as? String == tokenID && created[0]["token_expires_at"] is String)
            let revoked = of("token_revoked")
            #expect(revoked.map { $0["reason"] as? String } == ["revoked", "deactivated"], "revoking twice is recorded once")
            #expect(revoked[1]["token_id"] as? String == (kept.json["id"] as? String)?.lowercased())
            // Who: the person for their own sign-in and tokens, the admin for the deactivation, nobody known for a failure.
            let trail = try await app.trail().filter { $0["table"] as? String == "access_events" }
            #expect(trail.first?["actor"] as? String == "anonymous:sign-in")
            #expect(trail.contains { $0["actor"] as? String == "user:\(coordinator)" && ($0["new"] as? [String: Any])?["event"] as? String == "token_created" })

            // No secret, in any form, anywhere in the trail or the log.
            let text = try await app.trailTexts().joined(separator: "\n")
            let logged = log.entries.map(\.line).joined(separator: "\n")
            let secrets = [SignInApp.password, "a guess at a password", "another guess at it", "my-secret-typed-in-the-wrong-field"]
                + Self.forms(of: session) + Self.forms(of: token) + Self.forms(of: keptToken)
            for secret in secrets {
                #expect(!text.contains(secret), "the trail holds \(secret)")
                #expect(!logged.contains(secret), "the log holds \(secret)")
            }
            #expect(!text.contains("$2b$") && !text.contains("token_sha256") && !text.contains("bcrypt"))

            // The log names the account of every sign-in checked.
            let lines = log.entries.filter { $0.message == "sign-in failed" || $0.message == "signed in" }
            #expect(lines.filter { $0.message == "sign-in failed" }.map { $0.metadata["email"] }
                == ["ghost@example.org", "coordinator@example.org", "(not an e-mail address)", "coordinator@example.org"])
            #expect(lines.filter { $0.message == "signed in" }.allSatisfy { $0.metadata["user"] != nil && $0.metadata["email"] != nil })
        }
    }

    @Test("the trail's request id is the register's own; a client's X-Request-Id is kept beside it, and sent back")
    func requestIDs() async throws {
        try await withSignInApp { app in
            let signedIn = try await app.signIn("admin@example.org", headers: [.requestID: "proxy-7f3a.1"])
            #expect(signedIn.status == .created)
            let ours = try #require(signedIn.headers[.requestID])
            #expect(ours != "proxy-7f3a.1" && UUID(uuidString: ours) != nil)
            #expect(signedIn.headers[.clientRequestID] == "proxy-7f3a.1")
            let cookie = String(try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("lr_session=") }).split(separator: ";")[0])

            let board = try await app.call(
                .post, "/api/v1/boards", json: #"{"code":"b1","name":"Board","kind":"children_partnership"}"#,
                headers: [.cookie: cookie, .requestID: "script:run=42"])
            #expect(board.status == .created)
            let boardRequest = try #require(board.headers[.requestID])
            // A recorded read (an export) carries the client's id too.
            let export = try await app.call(.get, "/api/v1/audit/export", headers: [.cookie: cookie, .requestID: "export-1"])
            #expect(export.status == .ok)
            let problem = try await app.call(.get, "/api/v1/reviews?limit=0", headers: [.cookie: cookie, .requestID: "script:run=43"])
            #expect(problem.json["request_id"] as? String == problem.headers[.requestID])
            #expect(problem.headers[.requestID] != "script:run=43" && problem.headers[.clientRequestID] == "script:run=43")
            // Not printable, or too long: not kept, not echoed.
            for odd in ["has space", String(repeating: "x", count: 129)] {
                let reply = try await app.call(.get, "/api/v1/me", headers: [.cookie: cookie, .requestID: odd])
                #expect(reply.headers[.clientRequestID] == nil && reply.headers[.requestID] != odd)
            }

            let trail = try await app.trail()
            let signIn = try #require(trail.first { ($0["new"] as? [String: Any])?["event"] as? String == "sign_in_succeeded" })
            #expect(signIn["request_id"] as? String == ours && signIn["client_request_id"] as? String == "proxy-7f3a.1")
            let boardEvent = try #require(trail.first { $0["table"] as? String == "boards" })
            #expect(boardEvent["request_id"] as? String == boardRequest && boardEvent["client_request_id"] as? String == "script:run=42")
            let read = try #require(trail.first { $0["op"] as? String == "READ" })
            #expect(read["client_request_id"] as? String == "export-1" && read["request_id"] as? String == export.headers[.requestID])
            // Events of requests without one have exactly the keys they always had.
            let setup = try #require(trail.first { $0["request_id"] as? String == "setup" })
            #expect(Set(setup.keys) == ["table", "op", "key", "old", "new", "actor", "request_id", "db_user", "at"])
            // And the chain still verifies.
            let verified = try await app.call(.get, "/api/v1/audit/verify", headers: [.cookie: cookie])
            #expect(verified.status == .ok && verified.json["ok"] as? Bool == true, "\(verified.text)")
        }
    }
}
