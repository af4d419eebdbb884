import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RegisterDomain
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport
import Testing

/// The pages' doors: signing in, the CSRF token, same-origin checks, headers and error pages.
/// The pages' content is tested in a real browser (Tests/browser).
@Suite("web pages")
struct WebPageTests {
    /// A signed-in coordinator's cookie and the CSRF token of their session.
    private func session(_ api: APIHarness, role: Role = .coordinator) async throws -> (cookie: String, csrf: String) {
        try await api.pageSession(email: "\(role.rawValue)@example.org")
    }

    @Test("a page asks a signed-out person to sign in and remembers where they were going")
    func signInFirst() async throws {
        try await withAPI { api in
            let home = try await api.call(.get, "/reviews?kind=scr", as: nil)
            #expect(home.status == .seeOther)
            #expect(home.headers[.location] == "/sign-in?next=/reviews%3Fkind%3Dscr")
            let form = try await api.call(.get, "/sign-in?next=/reviews", as: nil)
            #expect(form.status == .ok)
            #expect(form.text.contains(#"name="next" value="/reviews""#))
            // Another site is never a destination.
            for sneaky in ["//evil.example/", "/%09/evil.example", "/%5C/evil.example", "/%0A/evil.example", "https://evil.example/"] {
                let elsewhere = try await api.call(.get, "/sign-in?next=\(sneaky)", as: nil)
                #expect(!elsewhere.text.contains("evil.example"), "next=\(sneaky) is kept")
            }
        }
    }

    @Test("signing in through the form needs the form's own token, then lands on the page asked for")
    func signInForm() async throws {
        try await withAPI { api in
            let form = try await api.call(.get, "/sign-in", as: nil)
            let cookie = String(try #require(form.headers[values: .setCookie].first { $0.hasPrefix("lr_signin=") }).split(separator: ";")[0])
            let token = String(cookie.dropFirst("lr_signin=".count))
            let body = "csrf_token=\(token)&next=%2Freviews&email=coordinator%40example.org&password=correct+horse+battery+staple"
            let forged = try await api.call(
                .post, "/sign-in", as: nil, body: ByteBuffer(string: body.replacingOccurrences(of: token, with: "0")),
                headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"])
            #expect(forged.status == .forbidden)
            let wrong = try await api.call(
                .post, "/sign-in", as: nil, body: ByteBuffer(string: body.replacingOccurrences(of: "correct+horse", with: "wrong+horse")),
                headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("The email address or password is wrong"))
            let ok = try await api.call(
                .post, "/sign-in", as: nil, body: ByteBuffer(string: body), headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"])
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/reviews")
            #expect(ok.headers[values: .setCookie].contains { $0.hasPrefix("lr_session=lrs_") && $0.contains("HttpOnly") })
        }
    }

    @Test("a page form without the session's token, or sent from another site, changes nothing")
    func csrf() async throws {
        try await withAPI { api in
            let (cookie, csrf) = try await session(api)
            let board = try await api.call(.post, "/api/v1/boards", as: .admin, json: #"{"code":"b1","name":"Board","kind":"children_partnership"}"#)
            let boardID = try #require(board.json["id"] as? String)
            let form = "reference=WEB-1&title=Child+W&kind=lcspr&board_id=\(boardID)&regime=wt2023"
            let headers: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
            let noToken = try await api.call(.post, "/reviews/new", as: nil, body: ByteBuffer(string: form), headers: headers)
            #expect(noToken.status == .forbidden)
            #expect(noToken.headers[.contentType]?.hasPrefix("text/html") == true)
            var crossSite = headers
            crossSite[.origin] = "http://evil.example"
            let fromElsewhere = try await api.call(
                .post, "/reviews/new", as: nil, body: ByteBuffer(string: form + "&csrf_token=\(csrf)"), headers: crossSite)
            #expect(fromElsewhere.status == .forbidden)
            var sameSite = headers
            sameSite[.secFetchSite] = "same-site"
            #expect(try await api.call(.post, "/reviews/new", as: nil, body: ByteBuffer(string: form + "&csrf_token=\(csrf)"), headers: sameSite).status == .forbidden)
            #expect(try await api.call(.get, "/api/v1/reviews?q=WEB-1").items.isEmpty)
            var own = headers
            own[.secFetchSite] = "same-origin"
            let saved = try await api.call(.post, "/reviews/new", as: nil, body: ByteBuffer(string: form + "&csrf_token=\(csrf)"), headers: own)
            #expect(saved.status == .seeOther)
            #expect(try await api.call(.get, "/api/v1/reviews?q=WEB-1").items.count == 1)
        }
    }

    @Test("the JSON API refuses a cookie-signed request from another site, but not a bearer token's")
    func apiSameOrigin() async throws {
        try await withAPI { api in
            let (cookie, _) = try await session(api)
            let body = #"{"name":"laptop"}"#
            let refused = try await api.call(
                .post, "/api/v1/tokens", as: nil, json: body, headers: [.cookie: cookie, .origin: "https://evil.example"])
            #expect(refused.status == .forbidden)
            #expect(refused.isProblem)
            let bearer = try await api.call(.post, "/api/v1/tokens", json: body, headers: [.origin: "https://evil.example"])
            #expect(bearer.status == .created)
            // A GET that records a read refuses a cross-site request too.
            let export = try await api.call(.get, "/api/v1/audit/export", as: nil, headers: [.cookie: cookie, .secFetchSite: "cross-site"])
            #expect(export.status == .forbidden)
        }
    }

    @Test("pages carry a strict content security policy, are never cached, and errors keep their status")
    func headersAndErrors() async throws {
        try await withAPI { api in
            let (cookie, _) = try await session(api)
            let home = try await api.call(.get, "/", as: nil, headers: [.cookie: cookie])
            #expect(home.status == .ok)
            let policy = try #require(home.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"))
            #expect(home.headers[.xContentTypeOptions] == "nosniff")
            #expect(home.headers[.referrerPolicy] == "same-origin")
            #expect(home.headers[.cacheControl] == "no-store")
            #expect(home.text.contains("Skip to main content"))
            let stylesheet = try #require(home.text.range(of: #"/assets/register-[0-9a-f]{12}\.css"#, options: .regularExpression).map { String(home.text[$0]) })
            let css = try await api.call(.get, stylesheet, as: nil)
            #expect(css.status == .ok)
            #expect(css.headers[.cacheControl]?.contains("immutable") == true)
            let missing = try await api.call(.get, "/reviews/\(UUID())", as: nil, headers: [.cookie: cookie])
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("Page not found"))
            let apiMissing = try await api.call(.get, "/api/v1/nothing-here")
            #expect(apiMissing.status == .notFound)
            #expect(apiMissing.isProblem)
            let noPage = try await api.call(.get, "/nothing-here", as: nil, headers: [.cookie: cookie])
            #expect(noPage.status == .notFound)
            #expect(noPage.text.contains("Page not found"))
        }
    }

    @Test("a partner opening another organisation's review meets the same 404 page as a review that does not exist")
    func partnerIsolation() async throws {
        try await withAPI { api in
            let review = try await api.createReview()
            let id = try #require(review["id"] as? String)
            let (cookie, _) = try await session(api, role: .partner)
            let hidden = try await api.call(.get, "/reviews/\(id)", as: nil, headers: [.cookie: cookie])
            let absent = try await api.call(.get, "/reviews/\(UUID())", as: nil, headers: [.cookie: cookie])
            #expect(hidden.status == .notFound && absent.status == .notFound)
            #expect(hidden.text.replacingOccurrences(of: id, with: "").count > 0)
            #expect(!hidden.text.contains("Child G"))
        }
    }

    @Test("a form sent twice (a double click) acts once, and the second lands where the first did")
    func doubleSubmit() async throws {
        try await withAPI { api in
            let (cookie, csrf) = try await session(api)
            let review = try await api.createReview()
            let id = try #require(review["id"] as? String).lowercased()
            let key = UUID().uuidString.lowercased()
            let form = "csrf_token=\(csrf)&form_key=\(key)&text=How+well+did+agencies+share+information%3F"
            let headers: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded", .secFetchSite: "same-origin"]
            let first = try await api.call(.post, "/reviews/\(id)/questions/new", as: nil, body: ByteBuffer(string: form), headers: headers)
            let second = try await api.call(.post, "/reviews/\(id)/questions/new", as: nil, body: ByteBuffer(string: form), headers: headers)
            #expect(first.status == .seeOther && second.status == .seeOther)
            #expect(first.headers[.location] == second.headers[.location])
            #expect(try await api.call(.get, "/api/v1/reviews/\(id)/questions").items.count == 1)
            // A form refused for its input can be corrected and sent again with the same key.
            let empty = "csrf_token=\(csrf)&form_key=\(UUID().uuidString)&text="
            let refused = try await api.call(.post, "/reviews/\(id)/findings/new", as: nil, body: ByteBuffer(string: empty), headers: headers)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("There is a problem") && refused.text.contains("Enter the finding"))
        }
    }

    @Test("a statutory clock is paused and resumed from the review's page")
    func pauseAndResume() async throws {
        try await withAPI { api in
            let (cookie, csrf) = try await session(api)
            let review = try await api.createReview(extra: #","decision_on":"2026-01-05""#)
            let id = try #require(review["id"] as? String).lowercased()
            let clocks = try await api.call(.get, "/api/v1/reviews/\(id)/clocks").items
            let running = try #require(clocks.first { ($0["state"] as? String) == "running" || ($0["state"] as? String) == "missed" })
            let code = try #require(running["code"] as? String)
            let headers: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded", .secFetchSite: "same-origin"]
            let pause = "csrf_token=\(csrf)&pause_clock=\(code)&pause_from=06%2F01%2F2026&pause_to=&pause_reason=Parallel+criminal+proceedings"
            let paused = try await api.call(.post, "/reviews/\(id)/clock-pauses", as: nil, body: ByteBuffer(string: pause), headers: headers)
            #expect(paused.status == .seeOther)
            let page = try await api.call(.get, "/reviews/\(id)", as: nil, headers: [.cookie: cookie])
            #expect(page.text.contains("Parallel criminal proceedings") && page.text.contains("Resume the clock"))
            let pauseID = try #require(page.text.range(of: #"clock-pauses/[0-9a-f-]{36}/end"#, options: .regularExpression).map { String(page.text[$0]) })
            let end = "csrf_token=\(csrf)&on=20%2F01%2F2026"
            let resumed = try await api.call(.post, "/reviews/\(id)/\(pauseID)", as: nil, body: ByteBuffer(string: end), headers: headers)
            #expect(resumed.status == .seeOther)
            let after = try await api.call(.get, "/reviews/\(id)", as: nil, headers: [.cookie: cookie])
            #expect(after.text.contains("6 January 2026 to 20 January 2026"))
        }
    }
}
