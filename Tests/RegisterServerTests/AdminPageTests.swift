import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RegisterDomain
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport
import Testing

/// The admin pages and "my account" over HTTP: who may open them, and that each form calls the
/// lifecycle action it names (the rules themselves are in AccountLifecycleTests; the pages in a real
/// browser in Tests/browser/test_admin_manages_accounts.py).
@Suite("admin and account pages")
struct AdminPageTests {
    /// A signed-in browser of `email`: its cookie and the CSRF token of its session.
    struct Visitor {
        var cookie: String
        var csrf: String
        let api: APIHarness

        func get(_ path: String) async throws -> Reply {
            try await api.call(.get, path, as: nil, headers: [.cookie: cookie])
        }

        /// Posts a page form with this session's CSRF token and a fresh one-time key unless one is given.
        func post(_ path: String, _ fields: [(String, String)], formKey: String = UUID().uuidString) async throws -> Reply {
            let all = fields + [("csrf_token", csrf), ("form_key", formKey)]
            let body = all.map { "\(Form.percentEncode($0.0))=\(Form.percentEncode($0.1))" }.joined(separator: "&")
            return try await api.call(
                .post, path, as: nil, body: ByteBuffer(string: body), headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"])
        }
    }

    static func visitor(_ api: APIHarness, _ email: String) async throws -> Visitor {
        let (cookie, csrf) = try await api.pageSession(email: email)
        return Visitor(cookie: cookie, csrf: csrf, api: api)
    }

    static func userID(_ api: APIHarness, _ role: Role) async throws -> String {
        try #require(try await api.call(.get, "/api/v1/me", as: role).json["id"] as? String).lowercased()
    }

    /// The words of a page, tags stripped, for finding what it says.
    static func words(_ reply: Reply) -> String {
        reply.text.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
            .replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
    }

    @Test("only admins reach the admin pages (403 page otherwise); everyone has “My account”, and the navigation says so")
    func access() async throws {
        try await withAPI { api in
            let auditorID = try await Self.userID(api, .auditor)
            let pages = [
                "/admin", "/admin/users", "/admin/users/new", "/admin/users/\(auditorID)", "/admin/users/\(auditorID)/deactivate",
                "/admin/users/\(auditorID)/reset-password", "/admin/partners", "/admin/partners/new", "/admin/boards", "/admin/boards/new",
            ]
            for role in [Role.coordinator, .auditor, .partner] {
                let visitor = try await Self.visitor(api, "\(role.rawValue)@example.org")
                for page in pages {
                    let reply = try await visitor.get(page)
                    #expect(reply.status == .forbidden, "\(page) as \(role): \(reply.status)")
                    #expect(reply.headers[.contentType]?.hasPrefix("text/html") == true)
                }
                let posted = try await visitor.post("/admin/users/\(auditorID)/deactivate", [])
                #expect(posted.status == .forbidden, "deactivation posted by \(role)")
                let created = try await visitor.post(
                    "/admin/users/new", [("email", "new@example.org"), ("name", "New"), ("role", "admin"), ("password_choice", "generate")])
                #expect(created.status == .forbidden)
                let home = try await visitor.get("/")
                #expect(!home.text.contains(#"href="/admin""#))
                #expect(home.text.contains(#"href="/account""#))
                #expect(try await visitor.get("/account").status == .ok)
            }
            #expect(try await api.call(.get, "/api/v1/me", as: .auditor).json["active"] as? Bool == true)
            #expect(try await api.call(.get, "/api/v1/users", as: .admin).items.count == 5)
            let admin = try await Self.visitor(api, "admin@example.org")
            let home = try await admin.get("/")
            #expect(home.text.contains(#"href="/admin""#))
            for page in pages { #expect(try await admin.get(page).status == .ok, "\(page) as admin") }
            // Signed out: asked to sign in first.
            let signedOut = try await api.call(.get, "/admin/users", as: nil)
            #expect(signedOut.status == .seeOther)
            #expect(signedOut.headers[.location] == "/sign-in?next=/admin/users")
        }
    }

    @Test("creating a user shows a generated password once; sent again, the form acts once and shows it no more")
    func createWithGeneratedPassword() async throws {
        try await withAPI { api in
            let admin = try await Self.visitor(api, "admin@example.org")
            let partner = api.ownPartner.uuidString.lowercased()
            let fields = [
                ("email", "Jo.Bloggs@Example.org"), ("name", "Jo Bloggs"), ("role", "partner"), ("partner_id", partner),
                ("password_choice", "generate"), ("password", ""),
            ]
            let key = UUID().uuidString
            let created = try await admin.post("/admin/users/new", fields, formKey: key)
            #expect(created.status == .ok, "\(Self.words(created).prefix(400))")
            let password = try #require(
                created.text.range(of: #"id="one-time-password">([^<]+)<"#, options: .regularExpression)
                    .map { String(created.text[$0]).replacingOccurrences(of: #"id="one-time-password">"#, with: "").dropLast() })
            #expect(password.count >= 12)
            #expect(try await AccountLifecycleTests.signIn(api, "jo.bloggs@example.org", String(password)) != nil)
            let again = try await admin.post("/admin/users/new", fields, formKey: key)
            #expect(again.status == .seeOther)
            #expect(again.headers[.location]?.hasPrefix("/admin/users/") == true)
            #expect(!again.text.contains(String(password)))
            let users = try await admin.get("/admin/users")
            #expect(Self.words(users).contains("Jo Bloggs jo.bloggs@example.org Partner organisation user Own Police Active"))
            #expect(!users.text.contains(String(password)))
            let page = try await admin.get(try #require(again.headers[.location]))
            #expect(page.status == .ok)
            #expect(!page.text.contains(String(password)))
        }
    }

    @Test("the create form lists every problem at once, in the page's words, and keeps what was typed")
    func createErrors() async throws {
        try await withAPI { api in
            let admin = try await Self.visitor(api, "admin@example.org")
            let empty = try await admin.post("/admin/users/new", [("email", ""), ("name", ""), ("password_choice", "set"), ("password", "short")])
            #expect(empty.status == .unprocessableContent)
            let words = Self.words(empty)
            for message in ["Enter their email address", "Enter their full name", "Choose their role", "The password must be at least 12 characters"] {
                #expect(words.contains(message), "missing: \(message)")
            }
            #expect(empty.text.contains(##"href="#email""##) && empty.text.contains(##"href="#role""##))
            let partnerless = try await admin.post(
                "/admin/users/new", [("email", "x@example.org"), ("name", "X"), ("role", "partner"), ("password_choice", "generate")])
            #expect(Self.words(partnerless).contains("Choose the partner organisation a partner organisation user works for"))
            #expect(partnerless.text.contains(#"value="x@example.org""#))
            let taken = try await admin.post(
                "/admin/users/new", [("email", "auditor@example.org"), ("name", "X"), ("role", "auditor"), ("password_choice", "set"), ("password", "long enough password")])
            #expect(Self.words(taken).contains("An account with this email address already exists"))
            let set = try await admin.post(
                "/admin/users/new", [("email", "set@example.org"), ("name", "Set"), ("role", "auditor"), ("password_choice", "set"), ("password", "typed by the admin")])
            #expect(set.status == .ok)
            #expect(!set.text.contains("one-time-password") && !set.text.contains("typed by the admin"))
            #expect(try await AccountLifecycleTests.signIn(api, "set@example.org", "typed by the admin") != nil)
        }
    }

    @Test("deactivating through the check page ends the person's session at once; reactivating lets them back")
    func deactivateAndReactivate() async throws {
        try await withAPI { api in
            let admin = try await Self.visitor(api, "admin@example.org")
            let coordinator = try await Self.visitor(api, "coordinator@example.org")
            let id = try await Self.userID(api, .coordinator)
            #expect(try await coordinator.get("/reviews").status == .ok)
            let user = try await admin.get("/admin/users/\(id)")
            #expect(user.text.contains(#"href="/admin/users/\#(id)/deactivate""#))
            let check = try await admin.get("/admin/users/\(id)/deactivate")
            #expect(check.status == .ok)
            #expect(Self.words(check).contains("Are you sure you want to deactivate this account?"))
            #expect(Self.words(check).contains("1 session will end. 1 API token will be revoked"))
            #expect(check.text.contains("lr-button--warning"))
            let done = try await admin.post("/admin/users/\(id)/deactivate", [])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/admin/users/\(id)")
            #expect(done.headers[values: .setCookie].contains { $0.contains("1%20session%20ended") })
            let shut = try await coordinator.get("/reviews")
            #expect(shut.status == .seeOther)
            #expect(shut.headers[.location] == "/sign-in?next=/reviews")
            let after = try await admin.get("/admin/users/\(id)")
            #expect(Self.words(after).contains("Deactivated") && after.text.contains("Reactivate account"))
            #expect(try await admin.post("/admin/users/\(id)/reactivate", []).status == .seeOther)
            #expect(try await AccountLifecycleTests.signIn(api, "coordinator@example.org") != nil)
            // Their own account: no such forms, and the service refuses anyway.
            let adminID = try await Self.userID(api, .admin)
            let own = try await admin.get("/admin/users/\(adminID)")
            #expect(!own.text.contains("/deactivate") && own.text.contains("This is your own account"))
            let refused = try await admin.post("/admin/users/\(adminID)/deactivate", [])
            #expect(refused.status == .unprocessableContent)
            #expect(Self.words(refused).contains("You cannot deactivate your own account"))
        }
    }

    @Test("changing a role and resetting a password through the pages")
    func roleAndReset() async throws {
        try await withAPI { api in
            let admin = try await Self.visitor(api, "admin@example.org")
            let auditor = try await Self.visitor(api, "auditor@example.org")
            let id = try await Self.userID(api, .auditor)
            let missing = try await admin.post("/admin/users/\(id)/role", [("role", "partner"), ("partner_id", "")])
            #expect(missing.status == .unprocessableContent)
            #expect(Self.words(missing).contains("Choose the partner organisation a partner organisation user works for"))
            let changed = try await admin.post("/admin/users/\(id)/role", [("role", "coordinator"), ("partner_id", "")])
            #expect(changed.status == .seeOther)
            #expect(try await api.call(.get, "/api/v1/me", as: .auditor).json["role"] as? String == "coordinator")
            #expect(try await auditor.get("/evidence").status == .ok)

            let form = try await admin.get("/admin/users/\(id)/reset-password")
            #expect(Self.words(form).contains("will be signed out everywhere"))
            let reset = try await admin.post("/admin/users/\(id)/reset-password", [("password_choice", "generate")])
            #expect(reset.status == .ok)
            #expect(reset.text.contains(#"id="one-time-password""#))
            #expect(try await auditor.get("/").status == .seeOther)
        }
    }

    @Test("a partner organisation deactivated through its check page shuts its people out; renaming needs the version read")
    func partners() async throws {
        try await withAPI { api in
            let admin = try await Self.visitor(api, "admin@example.org")
            let partnerUser = try await Self.visitor(api, "partner@example.org")
            let id = api.ownPartner.uuidString.lowercased()
            let list = try await admin.get("/admin/partners")
            #expect(Self.words(list).contains("Own Police Police 1 active of 1 Active"))
            let check = try await admin.get("/admin/partners/\(id)/deactivate")
            #expect(Self.words(check).contains("its 1 active user will not be able to sign in"))
            #expect(try await admin.post("/admin/partners/\(id)/deactivate", [("version", "1")]).status == .seeOther)
            #expect(try await partnerUser.get("/").status == .seeOther)
            #expect(try await api.call(.get, "/api/v1/me", as: .partner).status == .unauthorized)
            #expect(try await admin.post("/admin/partners/\(id)/reactivate", [("version", "2")]).status == .seeOther)
            #expect(try await partnerUser.get("/").status == .ok)

            let stale = try await admin.post("/admin/partners/\(id)/edit", [("name", "Renamed Police"), ("sector", "police"), ("version", "1")])
            #expect(stale.status == .unprocessableContent)
            #expect(Self.words(stale).contains("Someone changed this organisation since you opened the page"))
            let renamed = try await admin.post("/admin/partners/\(id)/edit", [("name", "Renamed Police"), ("sector", "police"), ("version", "3")])
            #expect(renamed.status == .seeOther)
            #expect(try await api.call(.get, "/api/v1/partners/\(id)", as: .admin).json["name"] as? String == "Renamed Police")
            let added = try await admin.post("/admin/partners/new", [("name", "Northvale Schools"), ("sector", "education")])
            #expect(added.status == .seeOther)
            #expect(try await api.call(.get, "/api/v1/partners?sector=education", as: .admin).items.count == 1)
        }
    }

    @Test("a board's settings page changes its assurance rule")
    func boards() async throws {
        try await withAPI { api in
            let admin = try await Self.visitor(api, "admin@example.org")
            let added = try await admin.post(
                "/admin/boards/new",
                [("code", "northvale-scp"), ("name", "Northvale SCP"), ("kind", "children_partnership"), ("area", "Northvale"),
                 ("active", "true"), ("assurance", "outcome")])
            #expect(added.status == .seeOther)
            let board = try #require(try await api.call(.get, "/api/v1/boards", as: .admin).items.first { $0["code"] as? String == "northvale-scp" })
            let id = try #require(board["id"] as? String)
            let list = try await admin.get("/admin/boards")
            #expect(Self.words(list).contains("Safeguarding children partnership Northvale Outcome or impact Active"))
            let settings = try await admin.get("/admin/boards/\(id)")
            #expect(settings.text.contains(#"value="outcome" checked"#))
            let saved = try await admin.post(
                "/admin/boards/\(id)",
                [("name", "Northvale SCP"), ("kind", "children_partnership"), ("area", "Northvale"), ("active", "true"), ("assurance", "any"),
                 ("version", "1")])
            #expect(saved.status == .seeOther)
            #expect(try await api.call(.get, "/api/v1/boards/\(id)", as: .admin).json["assurance_needs_outcome"] as? Bool == false)
        }
    }

    @Test("my account: change my password (my other sessions end, this one stays), make a token shown once, revoke it")
    func myAccount() async throws {
        try await withAPI { api in
            let here = try await Self.visitor(api, "partner@example.org")
            let elsewhere = try await Self.visitor(api, "partner@example.org")
            let page = try await here.get("/account")
            #expect(Self.words(page).contains("Organisation Own Police"))
            let mismatch = try await here.post(
                "/account/password",
                [("current_password", AccountLifecycleTests.password), ("new_password", "my own new password"), ("confirm_password", "something else")])
            #expect(mismatch.status == .unprocessableContent)
            #expect(Self.words(mismatch).contains("The new passwords do not match"))
            let wrong = try await here.post(
                "/account/password",
                [("current_password", "not it at all"), ("new_password", "my own new password"), ("confirm_password", "my own new password")])
            #expect(Self.words(wrong).contains("Your current password is wrong"))
            #expect(!wrong.text.contains("my own new password") && !wrong.text.contains("not it at all"))
            let changed = try await here.post(
                "/account/password",
                [("current_password", AccountLifecycleTests.password), ("new_password", "my own new password"), ("confirm_password", "my own new password")])
            #expect(changed.status == .seeOther)
            #expect(try await here.get("/account").status == .ok)
            #expect(try await elsewhere.get("/account").status == .seeOther)

            let made = try await here.post("/account/tokens", [("name", "nightly export"), ("expires_in_days", "30")])
            #expect(made.status == .ok)
            let secret = try #require(made.text.range(of: #"lr_[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(made.text[$0]) })
            #expect(try await api.call(.get, "/api/v1/me", as: nil, token: secret).status == .ok)
            let listed = try await here.get("/account")
            #expect(Self.words(listed).contains("nightly export"))
            #expect(!listed.text.contains(secret))
            let tokens = try await api.call(.get, "/api/v1/tokens", as: nil, token: secret).items
            let id = try #require(tokens.first { $0["name"] as? String == "nightly export" }?["id"] as? String)
            let revoked = try await here.post("/account/tokens/\(id)/revoke", [])
            #expect(revoked.status == .seeOther)
            #expect(try await api.call(.get, "/api/v1/me", as: nil, token: secret).status == .unauthorized)
            let bad = try await here.post("/account/tokens", [("name", ""), ("expires_in_days", "400")])
            #expect(bad.status == .unprocessableContent)
            #expect(Self.words(bad).contains("Enter a name for the token") && Self.words(bad).contains("from 1 to 365"))
        }
    }
}
