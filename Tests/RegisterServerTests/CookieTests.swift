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

/// Cookies are `Secure`, with the `__Host-` prefix, unless the register listens on loopback only.
@Suite("Cookies")
struct CookieTests {
    static func cookie(_ reply: Reply, _ name: String) -> String? {
        reply.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }

    @Test("on an address others can reach, every cookie is __Host- and Secure, and only those names are read")
    func secureMode() async throws {
        try await withSignInApp({ $0.httpHost = "0.0.0.0" }) { app in
            let signedIn = try await app.signIn("coordinator@example.org")
            #expect(signedIn.status == .created)
            let set = try #require(Self.cookie(signedIn, "__Host-lr_session"), "\(signedIn.headers[values: .setCookie])")
            #expect(set.contains("; Secure") && set.contains("; Path=/;") && set.contains("HttpOnly") && !set.lowercased().contains("domain"))
            #expect(Self.cookie(signedIn, "lr_session") == nil)
            let value = String(set.split(separator: ";")[0].dropFirst("__Host-lr_session=".count))
            #expect(try await app.call(.get, "/api/v1/me", headers: [.cookie: "__Host-lr_session=\(value)"]).status == .ok)
            // The same secret under the plain name (as a plain-HTTP page or a sibling site could plant it) is not read.
            #expect(try await app.call(.get, "/api/v1/me", headers: [.cookie: "lr_session=\(value)"]).status == .unauthorized)
            #expect(try await app.call(.get, "/reviews", headers: [.cookie: "lr_session=\(value)"]).status == .seeOther)

            // The sign-in form's double-submit cookie, and signing in through it.
            let form = try await app.call(.get, "/sign-in")
            let signInCookie = try #require(Self.cookie(form, "__Host-lr_signin"))
            #expect(signInCookie.contains("; Secure") && signInCookie.contains("; Path=/;") && signInCookie.contains("SameSite=Strict"))
            let token = String(signInCookie.split(separator: ";")[0].dropFirst("__Host-lr_signin=".count))
            let body = "csrf_token=\(token)&email=coordinator%40example.org&password=correct+horse+battery+staple"
            let plain = try await app.call(.post, "/sign-in", form: body, headers: [.cookie: "lr_signin=\(token)"])
            #expect(plain.status == .forbidden)
            let page = try await app.call(.post, "/sign-in", form: body, headers: [.cookie: "__Host-lr_signin=\(token)"])
            #expect(page.status == .seeOther)
            #expect(Self.cookie(page, "__Host-lr_session")?.contains("; Secure") == true)
            #expect(Self.cookie(page, "__Host-lr_signin")?.contains("Max-Age=0") == true)

            // The banner after an action is read from, and cleared as, __Host-lr_flash.
            let home = try await app.call(
                .get, "/", headers: [.cookie: "__Host-lr_session=\(value); __Host-lr_flash=Token%20revoked; lr_flash=Planted%20banner"])
            #expect(home.status == .ok)
            #expect(home.text.contains("Token revoked") && !home.text.contains("Planted banner"))
            let cleared = try #require(Self.cookie(home, "__Host-lr_flash"))
            #expect(cleared.contains("Max-Age=0") && cleared.contains("; Secure"))

            let out = try await app.call(.delete, "/api/v1/session", headers: [.cookie: "__Host-lr_session=\(value)"])
            #expect(Self.cookie(out, "__Host-lr_session")?.contains("Max-Age=0") == true)
        }
    }

    @Test("on loopback only, cookies keep their plain names without Secure")
    func loopbackMode() async throws {
        try await withSignInApp { app in
            let signedIn = try await app.signIn("coordinator@example.org")
            let set = try #require(Self.cookie(signedIn, "lr_session"))
            #expect(!set.contains("Secure"))
            let value = String(set.split(separator: ";")[0].dropFirst("lr_session=".count))
            #expect(try await app.call(.get, "/api/v1/me", headers: [.cookie: "__Host-lr_session=\(value)"]).status == .unauthorized)
        }
    }

    @Test("Secure unless listening on loopback only; COOKIE_SECURE overrides, and false on a reachable address is flagged")
    func configuration() throws {
        let database = ["DATABASE_URL": "postgres://u:p@localhost:5432/register"]
        func settings(_ env: [String: String]) throws -> AppConfiguration {
            try AppConfiguration.fromEnvironment(database.merging(env) { $1 })
        }
        for host in ["127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"] {
            #expect(try settings(["HTTP_HOST": host]).secureCookies == false, "\(host)")
        }
        #expect(try settings([:]).secureCookies == false)
        for host in ["0.0.0.0", "::", "10.1.2.3", "register.example.org"] {
            #expect(try settings(["HTTP_HOST": host]).secureCookies == true, "\(host)")
        }
        let overridden = try settings(["HTTP_HOST": "0.0.0.0", "COOKIE_SECURE": "false"])
        #expect(overridden.secureCookies == false && overridden.insecureCookiesOverride)
        #expect(try settings(["COOKIE_SECURE": "true"]).secureCookies == true)
        #expect(try settings(["COOKIE_SECURE": "false"]).insecureCookiesOverride == false)
        #expect(try settings(["TRUSTED_PROXIES": "10.0.0.0/8, ::1"]).trustedProxies == [IPNetwork("10.0.0.0/8")!, IPNetwork("::1")!])
        #expect(try settings(["PASSWORD_HASHING_CONCURRENCY": "3"]).passwordHashingSlots == 3)
        do {
            _ = try settings(["COOKIE_SECURE": "sometimes", "TRUSTED_PROXIES": "10.0.0.0/99", "PASSWORD_HASHING_CONCURRENCY": "0"])
            Issue.record("accepted a broken configuration")
        } catch let invalid as AppConfiguration.Invalid {
            #expect(invalid.problems.count == 3, "\(invalid.problems)")
        }
    }
}
