import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import RegisterDomain
@testable import RegisterServer
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

@Suite("Accounts and sign-in")
struct AccountTests {
    @Test("signing in sets an HttpOnly session cookie; a wrong password is refused")
    func signIn() async throws {
        try await withAPI { api in
            // An unknown address costs the same bcrypt check as a known one, against a real cost-12 hash.
            #expect(Passwords.decoy.hasPrefix("$2b$12$"))
            #expect(try await Passwords.verify("learning-register decoy password", hash: Passwords.decoy))
            let unknown = try await api.call(.post, "/api/v1/session", as: nil, json: #"{"email":"nobody@example.org","password":"whatever"}"#)
            #expect(unknown.status == .unauthorized)
            let wrong = try await api.call(.post, "/api/v1/session", as: nil, json: #"{"email":"coordinator@example.org","password":"nope"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.isProblem)
            let ok = try await api.call(.post, "/api/v1/session", as: nil, json: #"{"email":"Coordinator@Example.org","password":"correct horse battery staple"}"#)
            #expect(ok.status == .created)
            let cookie = try #require(ok.headers[.setCookie])
            #expect(cookie.hasPrefix("lr_session=lrs_"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            let session = String(cookie.split(separator: ";")[0])
            let me = try await api.call(.get, "/api/v1/me", as: nil, headers: [.cookie: session])
            #expect(me.json["email"] as? String == "coordinator@example.org")
            let out = try await api.call(.delete, "/api/v1/session", as: nil, headers: [.cookie: session])
            #expect(out.status == .noContent)
            #expect(try await api.call(.get, "/api/v1/me", as: nil, headers: [.cookie: session]).status == .unauthorized)
        }
    }

    @Test("passwords are stored as bcrypt of cost 12 or more; tokens only as SHA-256 digests")
    func storedHashed() async throws {
        try await withAPI { api in
            let created = try await api.call(.post, "/api/v1/users", as: .admin, json: #"{"email":"new@example.org","name":"New Person","role":"auditor"}"#)
            #expect(created.status == .created)
            let generated = try #require(created.json["generated_password"] as? String)
            let token = try await api.call(.post, "/api/v1/tokens", as: .auditor, json: #"{"name":"laptop"}"#)
            #expect(token.status == .created)
            let secret = try #require(token.json["token"] as? String)
            let stored = try await api.registry.database.read { c in
                try await c.query(
                    """
                    SELECT p.bcrypt, (SELECT count(*)::int FROM auth.api_tokens t WHERE t.token_sha256 = sha256(convert_to(\(secret), 'UTF8'))) AS digests,
                           (SELECT count(*)::int FROM auth.api_tokens t WHERE encode(t.token_sha256, 'escape') LIKE '%' || \(secret) || '%') AS plain
                    FROM auth.passwords p JOIN register.users u ON u.id = p.user_id WHERE u.email = 'new@example.org'
                    """, logger: TestDatabase.logger
                ).collect()[0].decode((String, Int, Int).self)
            }
            #expect(stored.0.hasPrefix("$2b$12$") || stored.0.hasPrefix("$2a$12$") || stored.0.hasPrefix("$2y$12$"))
            #expect(!stored.0.contains(generated))
            #expect(stored.1 == 1)
            #expect(stored.2 == 0)
            // The token works, is listed without its secret, and stops working once revoked.
            let listed = try await api.call(.get, "/api/v1/tokens", as: nil, headers: [.authorization: "Bearer \(secret)"])
            let laptop = try #require(listed.items.first { $0["name"] as? String == "laptop" })
            #expect(laptop["token"] == nil)
            let id = try #require(laptop["id"] as? String)
            #expect(try await api.call(.delete, "/api/v1/tokens/\(id)", as: nil, headers: [.authorization: "Bearer \(secret)"]).status == .noContent)
            #expect(try await api.call(.get, "/api/v1/me", as: nil, headers: [.authorization: "Bearer \(secret)"]).status == .unauthorized)
        }
    }

    @Test("every API route needs a sign-in; a bad token is refused")
    func authenticationRequired() async throws {
        try await withAPI { api in
            for path in ["/api/v1/reviews", "/api/v1/recommendations", "/api/v1/boards", "/api/v1/me", "/api/v1/users"] {
                let reply = try await api.call(.get, path, as: nil)
                #expect(reply.status == .unauthorized, "\(path)")
                #expect(reply.headers[.wwwAuthenticate] != nil)
            }
            #expect(try await api.call(.get, "/api/v1/reviews", as: nil, headers: [.authorization: "Bearer lr_forged"]).status == .unauthorized)
        }
    }
}

@Suite("Roles on every endpoint")
struct RoleTests {
    @Test("auditors and partners cannot write reviews; only admins manage users and boards")
    func writesByRole() async throws {
        try await withAPI { api in
            let review = try await api.createReview()
            let id = review["id"] as! String
            let board = review["board_id"] as! String
            let writes: [(HTTPRequest.Method, String, String)] = [
                (.post, "/api/v1/reviews", #"{"reference":"X-9","title":"t","kind":"scr","board_id":"\#(board)","regime":"wt2015"}"#),
                (.patch, "/api/v1/reviews/\(id)", #"{"title":"changed"}"#),
                (.post, "/api/v1/reviews/\(id)/transitions", #"{"to":"commissioned"}"#),
                (.post, "/api/v1/reviews/\(id)/questions", #"{"text":"Why?"}"#),
                (.post, "/api/v1/reviews/\(id)/findings", #"{"text":"Because"}"#),
                (.post, "/api/v1/reviews/\(id)/recommendations", #"{"number":"1","text":"Do","scope":"local"}"#),
            ]
            for (method, path, body) in writes {
                // Auditors may read, so they are told they may not write; partners see no review at all.
                let auditor = try await api.call(method, path, as: .auditor, json: body, headers: [.ifMatch: "\"1\""])
                #expect(auditor.status == .forbidden, "auditor \(method) \(path)")
                let partner = try await api.call(method, path, as: .partner, json: body, headers: [.ifMatch: "\"1\""])
                #expect([.forbidden, .notFound].contains(partner.status), "partner \(method) \(path)")
            }
            for role in [Role.coordinator, .auditor, .partner] {
                #expect(try await api.call(.get, "/api/v1/users", as: role).status == .forbidden)
                #expect(try await api.call(.post, "/api/v1/boards", as: role, json: #"{"code":"x","name":"X","kind":"lscb"}"#).status == .forbidden)
            }
            #expect(try await api.call(.get, "/api/v1/reviews/\(id)", as: .auditor).status == .ok)
            // A partner sees no review that is not assigned to their organisation: 404, and empty lists.
            #expect(try await api.call(.get, "/api/v1/reviews/\(id)", as: .partner).status == .notFound)
            #expect(try await api.call(.get, "/api/v1/reviews", as: .partner).items.isEmpty)
            #expect(try await api.call(.get, "/api/v1/recommendations", as: .partner).items.isEmpty)
            #expect(try await api.call(.get, "/api/v1/reviews", as: .auditor).items.count == 1)
        }
    }
}

@Suite("Reviews over the API")
struct ReviewAPITests {
    @Test("a review with every field round-trips, and updates need a current If-Match")
    func roundTripAndETag() async throws {
        try await withAPI { api in
            let parent = try await api.createReview(reference: "RR-2025-04")
            let review = try await api.createReview(
                reference: "LCSPR-2025-02",
                extra: #","subjects":"Child G, H","summary":"Converted from a rapid review","themes":["neglect","information_sharing"],"incident_known_on":"2025-09-01","notified_on":"2025-09-04","rapid_review_due_on":"2025-09-24","rapid_review_completed_on":"2025-09-19","decision_on":"2025-10-01","published_on":"2026-03-30","publication_url":"https://example.org/report","lead_reviewer":"A Reviewer","parent_review_id":"\#(parent["id"] as! String)""#)
            let id = review["id"] as! String
            let read = try await api.call(.get, "/api/v1/reviews/\(id)")
            #expect(read.headers[.eTag] == "\"1\"")
            #expect(read.json["themes"] as? [String] == ["neglect", "information_sharing"])
            #expect(read.json["rapid_review_due_on"] as? String == "2025-09-24")
            #expect(read.json["parent_review_id"] as? String == parent["id"] as? String)
            #expect(read.json["status"] as? String == "notified")

            let missing = try await api.call(.patch, "/api/v1/reviews/\(id)", json: #"{"title":"New title"}"#)
            #expect(missing.status == .preconditionRequired)
            let ok = try await api.call(.patch, "/api/v1/reviews/\(id)", json: #"{"title":"New title","lead_reviewer":null}"#, headers: [.ifMatch: "\"1\""])
            #expect(ok.status == .ok)
            #expect(ok.headers[.eTag] == "\"2\"")
            #expect(ok.json["title"] as? String == "New title")
            #expect(ok.json["lead_reviewer"] == nil)
            #expect(ok.json["summary"] as? String == "Converted from a rapid review")
            let stale = try await api.call(.patch, "/api/v1/reviews/\(id)", json: #"{"title":"Lost update"}"#, headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
            #expect(stale.isProblem)
            #expect(stale.json["current_version"] as? Int == 2)
            #expect(try await api.call(.get, "/api/v1/reviews/\(id)").json["title"] as? String == "New title")
            let status = try await api.call(.patch, "/api/v1/reviews/\(id)", json: #"{"status":"closed"}"#, headers: [.ifMatch: "\"2\""])
            #expect(status.status == .unprocessableContent)
        }
    }

    @Test("bad input is a 4xx problem a person can act on, never a 500", arguments: [
        (#"{"reference":"X-1","title":"t","kind":"SCR","board_id":"BOARD","regime":"wt2015"}"#, 422, "use one of: scr, rapid_review"),
        (#"{"reference":"X-1","title":"t","kind":"scr","board_id":"BOARD","regime":"wt2015","notified_on":"2026-02-30"}"#, 422, "'2026-02-30' is not a real date"),
        (#"{"reference":"X-1","kind":"scr","board_id":"BOARD","regime":"wt2015"}"#, 422, "title is required"),
        (#"{"reference":"X-1","title":"TOO_LONG","kind":"scr","board_id":"BOARD","regime":"wt2015"}"#, 422, "the limit is 300"),
        (#"{"reference":"X-1","title":"t","kind":"scr","board_id":"BOARD","regime":"wt2015","colour":"red"}"#, 422, "colour is not a field"),
        (#"{"reference":"X-1","title":"t","kind":"scr","board_id":"BOARD","regime":"wt2015","themes":"neglect"}"#, 422, "themes must be an array"),
        (#"{"reference":"X-1","title":"t","kind":"scr","board_id":"BOARD","regime":"wt2015","themes":["not_a_theme"]}"#, 422, "unknown theme: not_a_theme"),
        (#"{"reference":"X-1","title":"t","kind":"sar","board_id":"BOARD","regime":"wt2015"}"#, 422, "a sar review is held under care_act_2014"),
        (#"{"reference": "X-1", "title": "#, 400, "not valid JSON"),
        (#"["not","an","object"]"#, 400, "must be a JSON object"),
    ])
    func badInput(body: String, status: Int, message: String) async throws {
        try await withAPI { api in
            let existing = try await api.createReview()
            let json = body.replacingOccurrences(of: "BOARD", with: existing["board_id"] as! String)
                .replacingOccurrences(of: "TOO_LONG", with: String(repeating: "x", count: 301))
            let reply = try await api.call(.post, "/api/v1/reviews", json: json)
            #expect(reply.status.code == status, "\(reply.text)")
            #expect(reply.isProblem)
            #expect((reply.json["detail"] as? String ?? "").contains(message), "\(reply.text)")
            #expect(try await api.call(.get, "/api/v1/reviews").items.count == 1)
        }
    }

    @Test("a body that is not JSON is 415; bad query values are 422")
    func mediaTypeAndQueries() async throws {
        try await withAPI { api in
            let form = try await api.call(.post, "/api/v1/reviews", json: "a=b", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .unsupportedMediaType)
            for query in ["kind=bogus", "status=done", "board=nope", "overdue=maybe", "limit=0", "limit=500", "cursor=xyz"] {
                let reply = try await api.call(.get, "/api/v1/reviews?\(query)")
                #expect(reply.status == .unprocessableContent, "\(query)")
                #expect(reply.isProblem)
            }
            #expect(try await api.call(.get, "/api/v1/recommendations?due_before=2026-02-30").status == .unprocessableContent)
            #expect(try await api.call(.get, "/api/v1/reviews/not-a-uuid").status == .notFound)
            #expect(try await api.call(.get, "/api/v1/reviews/\(UUID())").status == .notFound)
        }
    }

    @Test("a refused transition names the allowed next states; negative moves need a reason")
    func transitions() async throws {
        try await withAPI { api in
            let id = try await api.createReview()["id"] as! String
            let refused = try await api.call(.post, "/api/v1/reviews/\(id)/transitions", json: #"{"to":"published"}"#)
            #expect(refused.status == .conflict)
            #expect(refused.json["allowed_next"] as? [String] == ["rapid_review", "commissioned", "closed"])
            let noReason = try await api.call(.post, "/api/v1/reviews/\(id)/transitions", json: #"{"to":"closed"}"#)
            #expect(noReason.status == .unprocessableContent)
            #expect((noReason.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "reason")
            let closed = try await api.call(
                .post, "/api/v1/reviews/\(id)/transitions", json: #"{"to":"closed","reason":"Did not meet the criteria","on":"2026-01-10"}"#)
            #expect(closed.status == .ok)
            #expect(closed.json["status"] as? String == "closed")
            #expect(closed.json["closed_on"] as? String == "2026-01-10")
            let stale = try await api.call(.post, "/api/v1/reviews/\(id)/transitions", json: #"{"to":"monitoring","reason":"x"}"#, headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
        }
    }

    @Test("questions, findings and recommendations: add, link, reorder, move")
    func reviewContents() async throws {
        try await withAPI { api in
            let id = try await api.createReview()["id"] as! String
            var questions: [String] = []
            for text in ["What can we learn?", "Why did it happen?", "Could it happen now?"] {
                let q = try await api.call(.post, "/api/v1/reviews/\(id)/questions", json: #"{"text":"\#(text)"}"#)
                #expect(q.status == .created)
                questions.append(try q.id())
            }
            let order = try await api.call(.put, "/api/v1/reviews/\(id)/questions/order", json: #"{"ids":["\#(questions[2])","\#(questions[0])","\#(questions[1])"]}"#)
            #expect(order.items.map { $0["text"] as! String } == ["Could it happen now?", "What can we learn?", "Why did it happen?"])
            let finding = try await api.call(
                .post, "/api/v1/reviews/\(id)/findings", json: #"{"text":"Agencies did not share","themes":["information_sharing"],"question_ids":["\#(questions[0])"]}"#)
            #expect(finding.status == .created)
            let findingID = try finding.id()
            let rec = try await api.call(
                .post, "/api/v1/reviews/\(id)/recommendations",
                json: #"{"number":"1","text":"Share notifications","scope":"local","addressee":"Police","target_date":"2020-03-31","finding_ids":["\#(findingID)"]}"#)
            #expect(rec.status == .created)
            #expect(rec.json["overdue"] as? Bool == true)
            #expect(rec.json["finding_ids"] as? [String] == [findingID.uppercased()] || rec.json["finding_ids"] as? [String] == [findingID])
            let recID = try rec.id()
            let duplicate = try await api.call(.post, "/api/v1/reviews/\(id)/recommendations", json: #"{"number":"1","text":"Again","scope":"local"}"#)
            #expect(duplicate.status == .conflict)
            let done = try await api.call(.post, "/api/v1/recommendations/\(recID)/transitions", json: #"{"to":"not_implemented"}"#)
            #expect(done.status == .unprocessableContent)
            let refused = try await api.call(
                .post, "/api/v1/recommendations/\(recID)/transitions", json: #"{"to":"not_implemented","reason":"Service decommissioned"}"#)
            #expect(refused.json["status"] as? String == "not_implemented")
            #expect(refused.json["closure_note"] as? String == "Service decommissioned")
            #expect(refused.json["overdue"] as? Bool == false)
            let listed = try await api.call(.get, "/api/v1/recommendations?status=not_implemented&review=\(id)")
            #expect(listed.items.count == 1)
        }
    }
}

@Suite("Service endpoints")
struct ServiceTests {
    @Test("/health answers; /ready answers while the database does; the OpenAPI document is served")
    func health() async throws {
        try await withAPI { api in
            #expect(try await api.call(.get, "/health", as: nil).status == .ok)
            // Ready, once a connection is free (every suite runs at once here: allow it a few tries).
            var ready = try await api.call(.get, "/ready", as: nil).status
            for _ in 0..<10 where ready != .ok {
                try await Task.sleep(for: .seconds(1))
                ready = try await api.call(.get, "/ready", as: nil).status
            }
            #expect(ready == .ok)
            let spec = try await api.call(.get, "/api/v1/openapi.yaml", as: nil)
            #expect(spec.status == .ok)
            #expect(spec.text.hasPrefix("openapi: 3.1"))
            #expect(spec.text.contains("/api/v1/reviews"))
        }
    }

    @Test("a caller's X-Request-Id comes back beside the register's own, on answers and problems (SignInAuditTests has the trail)")
    func requestID() async throws {
        try await withAPI { api in
            let ok = try await api.call(.get, "/api/v1/me", headers: [.init("X-Request-Id")!: "proxy-123"])
            #expect(ok.headers[.init("X-Request-Id")!] != "proxy-123" && ok.headers[.init("X-Client-Request-Id")!] == "proxy-123")
            let problem = try await api.call(.get, "/api/v1/reviews?limit=0", headers: [.init("X-Request-Id")!: "proxy-456"])
            #expect(problem.json["request_id"] as? String == problem.headers[.init("X-Request-Id")!])
            #expect(problem.headers[.init("X-Client-Request-Id")!] == "proxy-456")
            let odd = try await api.call(.get, "/api/v1/me", headers: [.init("X-Request-Id")!: "bad id; drop table"])
            #expect(odd.headers[.init("X-Request-Id")!] != "bad id; drop table" && odd.headers[.init("X-Client-Request-Id")!] == nil)
        }
    }

    @Test("control characters never reach the database: NUL in text, themes, reasons, queries and passwords")
    func controlCharacters() async throws {
        try await withAPI { api in
            let id = try await api.createReview()["id"] as! String
            for (method, path, body) in [
                (HTTPRequest.Method.patch, "/api/v1/reviews/\(id)", #"{"themes":["neglect\u0000"]}"#),
                (.patch, "/api/v1/reviews/\(id)", #"{"title":"a\u0000b"}"#),
                (.post, "/api/v1/reviews/\(id)/transitions", #"{"to":"closed","reason":"x\u0000"}"#),
                (.post, "/api/v1/users", #"{"email":"nul@example.org","name":"N","role":"auditor","password":"\u0000aaaaaaaaaaaaaaa"}"#),
            ] {
                let reply = try await api.call(method, path, as: .admin, json: body, headers: [.ifMatch: "\"1\""])
                #expect(reply.status == .unprocessableContent, "\(path) \(body): \(reply.text)")
            }
            #expect(try await api.call(.get, "/api/v1/reviews?q=a%00b").status == .unprocessableContent)
            let signIn = try await api.call(.post, "/api/v1/session", as: nil, json: #"{"email":"admin@example.org\u0000","password":"x"}"#)
            #expect(signIn.status == .unauthorized)
        }
    }

    @Test("/ready says 503 when the database is unreachable")
    func notReady() async throws {
        let nowhere = DatabaseSettings(host: "127.0.0.1", port: 1, username: "nobody", password: nil, database: "none", tlsMode: "disable")
        let app = buildApplication(AppConfiguration(database: nowhere, logLevel: "critical"), logger: TestDatabase.logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health", method: .get, headers: [.authorization: "Bearer lr_x"]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
        }
    }

    @Test("an unreachable database is a 503 with Retry-After, never a 500")
    func unavailable() {
        let (status, problem, headers) = Problem.from(DatabaseUnavailable(underlying: "refused"), requestID: "r")
        #expect(status == .serviceUnavailable)
        #expect(headers[.retryAfter] == "5")
        #expect(!problem.detail.contains("refused"))
    }

    @Test("configuration problems are listed together")
    func configuration() {
        do {
            _ = try AppConfiguration.fromEnvironment(["HTTP_PORT": "eighty", "LOG_LEVEL": "loud"])
            Issue.record("accepted a broken configuration")
        } catch let invalid as AppConfiguration.Invalid {
            #expect(invalid.problems.count == 3)
            #expect(invalid.description.contains("DATABASE_URL"))
            #expect(invalid.description.contains("HTTP_PORT"))
            #expect(invalid.description.contains("LOG_LEVEL"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite("The register's own request ids")
struct RequestIDTests {
    @Test("each is a version 4 UUID in lower case, and none repeats")
    func distinctVersion4() {
        var seen = Set<String>()
        for _ in 0..<50_000 {
            let id = RequestIDs.next()
            let parsed = UUID(uuidString: id)
            #expect(parsed != nil && id == id.lowercased(), "\(id)")
            #expect(Array(id.utf8)[14] == UInt8(ascii: "4") && "89ab".utf8.contains(Array(id.utf8)[19]), "\(id)")
            seen.insert(id)
        }
        #expect(seen.count == 50_000)
    }

    @Test("ids made at once on several tasks are distinct too")
    func distinctAcrossTasks() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { (0..<10_000).map { _ in RequestIDs.next() } } }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(ids.count == 80_000 && Set(ids).count == 80_000)
    }
}
