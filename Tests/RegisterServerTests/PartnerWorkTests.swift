import Crypto
import Foundation
import HTTPTypes
import NIOCore
import PostgresNIO
import RegisterDomain
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport
import Testing

/// The partners' side of the register through the API: organisations, assignments, progress,
/// evidence with files, verdicts, assurance, work lists and reassignment.
@Suite("Partners, assignments and evidence")
struct PartnerWorkTests {
    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    /// A recommendation with one lead assignment to the test partner; returns (recommendation, assignment) ids.
    static func assigned(_ api: APIHarness, reference: String = "CSPR-2026-07", due: String = "2026-03-31", extra: String = "") async throws -> (String, String) {
        let review = try await api.createReview(reference: reference)["id"] as! String
        let recommendation = try await api.call(
            .post, "/api/v1/reviews/\(review)/recommendations", json: #"{"number":"1","text":"Share information.","scope":"local"}"#)
        let id = try recommendation.id()
        let assignment = try await api.call(
            .post, "/api/v1/recommendations/\(id)/assignments",
            json: #"{"partner_id":"\#(api.ownPartner.uuidString.lowercased())","role":"lead","action":"Write and test a protocol.","lead_officer":"DI Example","due_date":"\#(due)"\#(extra)}"#)
        try #require(assignment.status == .created, "\(assignment.text)")
        return (id, try assignment.id())
    }

    /// A recommendation in `review` with a lead assignment to the test partner; returns (recommendation, assignment) ids.
    static func assignedTo(_ api: APIHarness, review: String, number: String, text: String) async throws -> (String, String) {
        let recommendation = try await api.call(
            .post, "/api/v1/reviews/\(review)/recommendations", json: #"{"number":"\#(number)","text":"\#(text)","scope":"local"}"#)
        let id = try recommendation.id()
        let assignment = try await api.call(
            .post, "/api/v1/recommendations/\(id)/assignments",
            json: #"{"partner_id":"\#(api.ownPartner.uuidString.lowercased())","role":"lead","action":"Do it.","due_date":"2026-03-31"}"#)
        try #require(assignment.status == .created, "\(assignment.text)")
        return (id, try assignment.id())
    }

    static func evidence(kind: String = "outcome", summary: String = "Audit of 40 notifications") -> [String: String] {
        ["summary": summary, "kind": kind, "effective_date": "2026-02-28"]
    }

    @Test("admins manage partner organisations; a partner user belongs to exactly one")
    func partners() async throws {
        try await withAPI { api in
            let created = try await api.call(.post, "/api/v1/partners", as: .admin, json: #"{"name":"Northvale Probation","sector":"probation"}"#)
            #expect(created.status == .created)
            #expect(created.json["active"] as? Bool == true)
            #expect(try await api.call(.post, "/api/v1/partners", as: .admin, json: #"{"name":"northvale probation","sector":"police"}"#).status == .conflict)
            #expect(try await api.call(.post, "/api/v1/partners", as: .admin, json: #"{"name":"X","sector":"army"}"#).status == .unprocessableContent)
            #expect(try await api.call(.post, "/api/v1/partners", as: .coordinator, json: #"{"name":"Y","sector":"police"}"#).status == .forbidden)
            let id = try created.id()
            let noOrganisation = try await api.call(.post, "/api/v1/users", as: .admin, json: #"{"email":"p2@example.org","name":"P","role":"partner"}"#)
            #expect(noOrganisation.status == .unprocessableContent)
            #expect(noOrganisation.text.contains("partner_id"))
            let staffWithOrganisation = try await api.call(
                .post, "/api/v1/users", as: .admin, json: #"{"email":"c2@example.org","name":"C","role":"coordinator","partner_id":"\#(id)"}"#)
            #expect(staffWithOrganisation.status == .unprocessableContent)
            let user = try await api.call(.post, "/api/v1/users", as: .admin, json: #"{"email":"p2@example.org","name":"P","role":"partner","partner_id":"\#(id)"}"#)
            #expect(user.status == .created)
            #expect((user.json["user"] as? [String: Any])?["partner_id"] as? String == id.uppercased() || (user.json["user"] as? [String: Any])?["partner_id"] as? String == id)
            let patched = try await api.call(.patch, "/api/v1/partners/\(id)", as: .admin, json: #"{"active":false}"#, headers: [.ifMatch: "\"1\""])
            #expect(patched.status == .ok)
            #expect(patched.json["active"] as? Bool == false)
        }
    }

    @Test("assignments: due-date changes keep their reason; progress updates are appended and never edited")
    func assignmentsAndProgress() async throws {
        try await withAPI { api in
            let (recommendation, assignment) = try await Self.assigned(api)
            let duplicate = try await api.call(
                .post, "/api/v1/recommendations/\(recommendation)/assignments",
                json: #"{"partner_id":"\#(api.ownPartner.uuidString.lowercased())","role":"supporting","action":"Again","due_date":"2026-03-31"}"#)
            #expect(duplicate.status == .conflict)
            let noReason = try await api.call(.patch, "/api/v1/assignments/\(assignment)", json: #"{"due_date":"2026-06-30"}"#, headers: [.ifMatch: "\"1\""])
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.text.contains("due_date_reason"))
            let moved = try await api.call(
                .patch, "/api/v1/assignments/\(assignment)", json: #"{"due_date":"2026-06-30","due_date_reason":"System upgrade moved to April."}"#,
                headers: [.ifMatch: "\"1\""])
            #expect(moved.status == .ok, "\(moved.text)")
            #expect(moved.json["due_date"] as? String == "2026-06-30")
            #expect(moved.json["original_due_date"] as? String == "2026-03-31")
            #expect(moved.json["due_date_reason"] == nil)
            let revisions = try await api.call(.get, "/api/v1/assignments/\(assignment)/due-date-revisions", as: .partner).items
            #expect(revisions.count == 1)
            #expect(revisions.first?["reason"] as? String == "System upgrade moved to April.")
            #expect(revisions.first?["from_date"] as? String == "2026-03-31")
            let reassignPartner = try await api.call(
                .patch, "/api/v1/assignments/\(assignment)", json: #"{"partner_id":"\#(api.otherPartner.uuidString.lowercased())"}"#, headers: [.ifMatch: "\"2\""])
            #expect(reassignPartner.status == .unprocessableContent)

            let first = try await api.call(.post, "/api/v1/assignments/\(assignment)/updates", as: .partner, json: #"{"happened_on":"2026-01-10","text":"Draft shared.","rag":"green"}"#)
            #expect(first.status == .created)
            let future = try await api.call(.post, "/api/v1/assignments/\(assignment)/updates", as: .partner, json: #"{"happened_on":"2999-01-01","text":"Later.","rag":"green"}"#)
            #expect(future.status == .unprocessableContent)
            _ = try await api.call(.post, "/api/v1/assignments/\(assignment)/updates", as: .partner, json: #"{"text":"Signed.","rag":"blue"}"#)
            let updates = try await api.call(.get, "/api/v1/assignments/\(assignment)/updates").items
            #expect(updates.map { $0["text"] as? String } == ["Draft shared.", "Signed."])
            // The first update started the work, and with it the recommendation.
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)").json["status"] as? String == "in_progress")
            #expect(try await api.call(.get, "/api/v1/recommendations/\(recommendation)").json["status"] as? String == "in_progress")
            // There is no way to edit an update through the API, and the database refuses it too.
            let updateID = try first.id()
            #expect(try await api.call(.patch, "/api/v1/assignments/\(assignment)/updates/\(updateID)", as: .partner, json: #"{"text":"x"}"#).status == .notFound)
            await #expect(throws: (any Error).self) {
                try await api.registry.database.write(WriteContext(actor: .system("tests"), requestID: "t", logger: TestDatabase.logger)) { c in
                    try await c.query("UPDATE register.progress_updates SET text = 'rewritten' WHERE id = \(UUID(uuidString: updateID)!)", logger: TestDatabase.logger)
                        .collect()
                }
            }
        }
    }

    @Test("evidence: files streamed in with a server SHA-256, types checked by content, size limited, submissions immutable")
    func evidenceUpload() async throws {
        try await withAPI(maxUploadBytes: 64 * 1024) { api in
            let (recommendation, assignment) = try await Self.assigned(api)
            let csv = Array("notification,shared_within_48h\nN-1,yes\n".utf8)
            let sent = try await api.upload(to: assignment, fields: Self.evidence(), files: [("protocol.pdf", PartnerWorld.pdf), ("audit.csv", csv)])
            #expect(sent.status == .created, "\(sent.text)")
            let files = sent.json["files"] as! [[String: Any]]
            #expect(files.map { $0["sha256"] as? String } == [Self.sha256(PartnerWorld.pdf), Self.sha256(csv)])
            #expect(files.map { $0["media_type"] as? String } == ["application/pdf", "text/csv; charset=utf-8"])
            #expect(files.map { $0["size_bytes"] as? Int } == [PartnerWorld.pdf.count, csv.count])
            #expect(sent.json["verdict"] as? String == "pending")
            #expect(sent.json["received_at"] != nil)
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)").json["status"] as? String == "evidence_submitted")
            #expect(try await api.call(.get, "/api/v1/recommendations/\(recommendation)").json["status"] as? String == "in_progress")

            // A program renamed to .pdf, a web page, an empty upload, no file, a bad kind, a too-large file: refused, nothing stored.
            let before = try await api.call(.get, "/api/v1/assignments/\(assignment)/evidence").items.count
            let renamed = try await api.upload(to: assignment, fields: Self.evidence(), files: [("report.pdf", Array("MZ\u{90}\u{0}this is a program".utf8))])
            #expect(renamed.status == .unsupportedMediaType)
            #expect(renamed.text.contains("report.pdf"))
            #expect(try await api.upload(to: assignment, fields: Self.evidence(), files: [("page.html", Array("<html></html>".utf8))]).status == .unsupportedMediaType)
            #expect(try await api.upload(to: assignment, fields: Self.evidence(), files: []).status == .unprocessableContent)
            #expect(try await api.upload(to: assignment, fields: Self.evidence(), files: [("empty.pdf", [])]).status == .unprocessableContent)
            #expect(try await api.upload(to: assignment, fields: Self.evidence(kind: "proof"), files: [("p.pdf", PartnerWorld.pdf)]).status == .unprocessableContent)
            let big = PartnerWorld.pdf + [UInt8](repeating: 0x20, count: 70 * 1024)
            let tooLarge = try await api.upload(to: assignment, fields: Self.evidence(), files: [("big.pdf", big)])
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.isProblem)
            let json = try await api.call(.post, "/api/v1/assignments/\(assignment)/evidence", as: .partner, json: #"{"summary":"x"}"#)
            #expect(json.status == .unsupportedMediaType)
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)/evidence").items.count == before)
            let orphanChunks = try await api.registry.database.read { c in
                try await c.query(
                    "SELECT count(*)::int FROM files.chunks k WHERE NOT EXISTS (SELECT 1 FROM register.evidence_files f WHERE f.id = k.file_id)",
                    logger: TestDatabase.logger
                ).collect()[0].decode(Int.self)
            }
            #expect(orphanChunks == 0)

            // Submitted evidence is never changed, even by the register's own login.
            let evidenceID = UUID(uuidString: try sent.id())!
            await #expect(throws: (any Error).self) {
                try await api.registry.database.write(WriteContext(actor: .system("tests"), requestID: "t", logger: TestDatabase.logger)) { c in
                    try await c.query("UPDATE register.evidence SET summary = 'changed' WHERE id = \(evidenceID)", logger: TestDatabase.logger).collect()
                }
            }
        }
    }

    @Test("while a submission's files arrive no database transaction is open; then one transaction stores them")
    func noTransactionWhileReceiving() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let me = try await api.call(.get, "/api/v1/me", as: .partner)
            try await api.db.withDatabase { database in
                let user = try await AccountStore(database: database).user(try #require(UUID(uuidString: try me.id())))
                let context = WriteContext(actor: Principal(user: user), requestID: "slow-upload", logger: TestDatabase.logger)
                /// Transactions open on the register's login, other than this question's own.
                func openTransactions() async throws -> Int {
                    try await database.read { c in
                        try await c.query(
                            """
                            SELECT count(*)::int FROM pg_stat_activity
                            WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()
                            """, logger: TestDatabase.logger
                        ).collect()[0].decode(Int.self)
                    }
                }
                let before = try await EvidenceStore(database: database).list(EvidenceFilter(assignmentID: UUID(uuidString: world.own.assignment)), page: PageRequest())
                let (evidence, _) = try await EvidenceStore(database: database).submit(
                    to: try #require(UUID(uuidString: world.own.assignment)), idempotencyKey: nil, maxBytes: 1 << 20, today: Day.today(), context: context
                ) { upload in
                    let writer = try upload.beginFile(named: "slow.pdf")
                    try await writer.write(ByteBuffer(bytes: PartnerWorld.pdf.prefix(10)))
                    // Half a file has arrived, the client is slow: nothing waits in the database.
                    #expect(try await openTransactions() == 0)
                    try await writer.write(ByteBuffer(bytes: PartnerWorld.pdf.dropFirst(10)))
                    _ = try await writer.finish()
                    return EvidenceSubmission(summary: "Sent slowly", kind: .output, effectiveDate: Day.today())
                }
                #expect(evidence.files.map(\.sha256) == [SHA256.hash(data: PartnerWorld.pdf).map { String(format: "%02x", $0) }.joined()])
                let after = try await EvidenceStore(database: database).list(EvidenceFilter(assignmentID: UUID(uuidString: world.own.assignment)), page: PageRequest())
                #expect(after.items.count == before.items.count + 1)
                var stored: [UInt8] = []
                try await EvidenceStore(database: database).streamFile(evidence.files[0].id, logger: TestDatabase.logger) { chunk in
                    stored += chunk.readableBytesView
                }
                #expect(stored == PartnerWorld.pdf)
            }
        }
    }

    @Test("several submissions to one assignment at once, each of several chunks, are all stored whole")
    func concurrentSubmissions() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            var pdf = PartnerWorld.pdf
            while pdf.count < 600 * 1024 + 3 { pdf += (0..<997).map { UInt8(truncatingIfNeeded: $0 &* 7) } }
            let bytes = pdf
            let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            async let a = api.upload(to: world.own.assignment, fields: ["summary": "A", "kind": "output", "effective_date": "2026-01-31"], files: [("a.pdf", bytes)])
            async let b = api.upload(to: world.own.assignment, fields: ["summary": "B", "kind": "output", "effective_date": "2026-01-31"], files: [("b.pdf", bytes)])
            async let c = api.upload(to: world.own.assignment, fields: ["summary": "C", "kind": "output", "effective_date": "2026-01-31"], files: [("c.pdf", bytes), ("d.pdf", bytes)])
            let replies = try await [a, b, c]
            for reply in replies {
                #expect(reply.status == .created, "\(reply.text)")
                #expect((reply.json["files"] as? [[String: Any]])?.allSatisfy { $0["sha256"] as? String == digest } == true)
            }
            let evidence = try #require(replies.last?.json)
            let file = try #require((evidence["files"] as? [[String: Any]])?.last?["id"] as? String)
            let download = try await api.call(.get, "/api/v1/evidence/\(evidence["id"] as! String)/files/\(file)", as: .partner)
            #expect(download.status == .ok && Array(download.body) == bytes)
        }
    }

    @Test("uploads as browsers send them: Windows paths lose their folders; text that is not UTF-8 is refused")
    func uploadEdges() async throws {
        try await withAPI { api in
            let (_, assignment) = try await Self.assigned(api)
            func send(_ parts: [(String, [UInt8])]) async throws -> Reply {
                var body = ByteBuffer()
                for (headers, bytes) in parts {
                    body.writeString("--b0undary\r\n\(headers)\r\n\r\n")
                    body.writeBytes(bytes)
                    body.writeString("\r\n")
                }
                body.writeString("--b0undary--\r\n")
                return try await api.call(
                    .post, "/api/v1/assignments/\(assignment)/evidence", as: .partner, body: body,
                    headers: [.contentType: "multipart/form-data; boundary=b0undary"])
            }
            let fields: [(String, [UInt8])] = [
                (#"Content-Disposition: form-data; name="kind""#, Array("output".utf8)),
                (#"Content-Disposition: form-data; name="effective_date""#, Array("2026-01-31".utf8)),
            ]
            let windows = try await send(
                fields + [(#"Content-Disposition: form-data; name="summary""#, Array("Protocol".utf8)),
                          (#"Content-Disposition: form-data; name="files"; filename="C:\reports\audit.pdf""#, PartnerWorld.pdf)])
            #expect(windows.status == .created, "\(windows.text)")
            #expect((windows.json["files"] as? [[String: Any]])?.first?["name"] as? String == "audit.pdf")
            let badText = try await send(
                fields + [(#"Content-Disposition: form-data; name="summary""#, [0xFF, 0xFE]),
                          (#"Content-Disposition: form-data; name="files"; filename="a.pdf""#, PartnerWorld.pdf)])
            #expect(badText.status == .unprocessableContent)
            #expect(badText.text.contains("UTF-8"))
            let badName = try await send(
                fields + [(#"Content-Disposition: form-data; name="summary""#, Array("x".utf8)),
                          (#"Content-Disposition: form-data; name="files"; filename*=UTF-8''%ZZ.pdf"#, PartnerWorld.pdf)])
            #expect(badName.status == .unprocessableContent)
            #expect(badName.text.contains("file's name"))
        }
    }

    @Test("a download sends the stored SHA-256 and is recorded in the audit trail")
    func download() async throws {
        try await withAPI { api in
            let (_, assignment) = try await Self.assigned(api)
            let sent = try await api.upload(to: assignment, fields: Self.evidence(), files: [("protocol v1 (signed).pdf", PartnerWorld.pdf)])
            let evidence = try sent.id()
            let file = (sent.json["files"] as! [[String: Any]])[0]["id"] as! String
            let reply = try await api.call(.get, "/api/v1/evidence/\(evidence)/files/\(file)", as: .auditor)
            #expect(reply.status == .ok)
            #expect(Array(reply.body) == PartnerWorld.pdf)
            #expect(reply.headers[HTTPField.Name("X-Content-SHA256")!] == Self.sha256(PartnerWorld.pdf))
            #expect(reply.headers[.contentType] == "application/pdf")
            #expect(reply.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(reply.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let auditor = try await api.call(.get, "/api/v1/me", as: .auditor).id()
            let events = try await api.call(.get, "/api/v1/audit/events?table=read:evidence_files", as: .auditor).items
            let read = try #require(events.last)
            #expect((read["key"] as? String)?.lowercased() == file.lowercased())
            #expect((read["actor"] as? String)?.lowercased() == "user:\(auditor.lowercased())")
            // Another organisation's partner cannot fetch it.
            #expect(try await api.call(.get, "/api/v1/evidence/\(evidence)/files/\(file)", as: nil, token: api.otherPartnerToken).status == .notFound)
        }
    }

    @Test("Idempotency-Key: a retried submission returns the first result and stores nothing new")
    func idempotency() async throws {
        try await withAPI { api in
            let (_, assignment) = try await Self.assigned(api)
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "upload-7f3a"]
            let first = try await api.upload(to: assignment, fields: Self.evidence(), files: [("a.pdf", PartnerWorld.pdf)], headers: key)
            let retry = try await api.upload(to: assignment, fields: Self.evidence(), files: [("a.pdf", PartnerWorld.pdf)], headers: key)
            #expect(first.status == .created)
            #expect(retry.status == .created)
            #expect(retry.json["id"] as? String == first.json["id"] as? String)
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)/evidence").items.count == 1)
            let fresh = try await api.upload(to: assignment, fields: Self.evidence(), files: [("a.pdf", PartnerWorld.pdf)], headers: [HTTPField.Name("Idempotency-Key")!: "upload-8"])
            #expect(fresh.json["id"] as? String != first.json["id"] as? String)
        }
    }

    @Test("verdicts: a return needs a reason the partner sees; output is not assurance; outcome on every lead assignment assures")
    func verdictsAndAssurance() async throws {
        try await withAPI { api in
            let (recommendation, assignment) = try await Self.assigned(api)
            let output = try await api.upload(to: assignment, fields: Self.evidence(kind: "output", summary: "Protocol signed"), files: [("p.pdf", PartnerWorld.pdf)])
            let outputID = try output.id()
            #expect(try await api.call(.post, "/api/v1/evidence/\(outputID)/decision", json: #"{"verdict":"returned"}"#).status == .unprocessableContent)
            #expect(try await api.call(.post, "/api/v1/evidence/\(outputID)/decision", as: .partner, json: #"{"verdict":"accepted"}"#).status == .forbidden)
            let returned = try await api.call(.post, "/api/v1/evidence/\(outputID)/decision", json: #"{"verdict":"returned","reason":"Add the signature page."}"#)
            #expect(returned.status == .ok)
            #expect(try await api.call(.post, "/api/v1/evidence/\(outputID)/decision", json: #"{"verdict":"accepted"}"#).status == .conflict)
            let seen = try await api.call(.get, "/api/v1/evidence/\(outputID)", as: .partner).json
            #expect(seen["verdict"] as? String == "returned")
            #expect(seen["reason"] as? String == "Add the signature page.")
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)", as: .partner).json["status"] as? String == "returned")

            // Resubmission is a new record; accepting output alone does not assure.
            let again = try await api.upload(to: assignment, fields: Self.evidence(kind: "output", summary: "Protocol signed, with signatures"), files: [("p.pdf", PartnerWorld.pdf)])
            #expect(again.json["id"] as? String != outputID)
            _ = try await api.call(.post, "/api/v1/evidence/\(try again.id())/decision", json: #"{"verdict":"accepted"}"#)
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)").json["status"] as? String == "accepted")
            #expect(try await api.call(.get, "/api/v1/recommendations/\(recommendation)").json["status"] as? String == "in_progress")
            let early = try await api.call(.post, "/api/v1/recommendations/\(recommendation)/transitions", json: #"{"to":"implemented"}"#)
            #expect(early.status == .ok)
            let refused = try await api.call(.post, "/api/v1/recommendations/\(recommendation)/transitions", json: #"{"to":"assured"}"#)
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("outcome or impact"))

            // Outcome evidence accepted on the (only) lead assignment: assured, by the register itself.
            let outcome = try await api.upload(to: assignment, fields: Self.evidence(kind: "outcome"), files: [("audit.pdf", PartnerWorld.pdf)])
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)").json["status"] as? String == "evidence_submitted")
            _ = try await api.call(.post, "/api/v1/evidence/\(try outcome.id())/decision", json: #"{"verdict":"accepted","reason":"Audit shows 92% within 48 hours."}"#)
            #expect(try await api.call(.get, "/api/v1/recommendations/\(recommendation)").json["status"] as? String == "assured")

            // Reopening the accepted work (coordinator, with a reason) takes assurance away again.
            #expect(try await api.call(.post, "/api/v1/assignments/\(assignment)/transitions", as: .partner, json: #"{"to":"in_progress","reason":"x"}"#).status == .forbidden)
            #expect(try await api.call(.post, "/api/v1/assignments/\(assignment)/transitions", json: #"{"to":"in_progress"}"#).status == .unprocessableContent)
            let reopened = try await api.call(.post, "/api/v1/assignments/\(assignment)/transitions", json: #"{"to":"in_progress","reason":"New incidents reported."}"#)
            #expect(reopened.status == .ok)
            #expect(try await api.call(.get, "/api/v1/recommendations/\(recommendation)").json["status"] as? String == "in_progress")
        }
    }

    @Test("the assurance rule is checked by the database too, and a board may switch it to any accepted evidence")
    func assuranceRule() async throws {
        try await withAPI { api in
            let (recommendation, assignment) = try await Self.assigned(api)
            // Straight to the database, past the API: refused.
            let id = UUID(uuidString: recommendation)!
            await #expect(throws: DomainError.self) {
                try await api.registry.database.write(WriteContext(actor: .system("tests"), requestID: "t", logger: TestDatabase.logger)) { c in
                    try await c.query("UPDATE register.recommendations SET status = 'assured', closed_on = current_date WHERE id = \(id)", logger: TestDatabase.logger).collect()
                }
            }
            // The board switches the rule off: accepted output now assures.
            let reviewID = try await api.call(.get, "/api/v1/recommendations/\(recommendation)").json["review_id"] as! String
            let boardID = try await api.call(.get, "/api/v1/reviews/\(reviewID)").json["board_id"] as! String
            let board = try await api.call(.patch, "/api/v1/boards/\(boardID)", as: .admin, json: #"{"assurance_needs_outcome":false}"#, headers: [.ifMatch: "\"1\""])
            #expect(board.status == .ok)
            #expect(board.json["assurance_needs_outcome"] as? Bool == false)
            let output = try await api.upload(to: assignment, fields: Self.evidence(kind: "output"), files: [("p.pdf", PartnerWorld.pdf)])
            _ = try await api.call(.post, "/api/v1/evidence/\(try output.id())/decision", json: #"{"verdict":"accepted"}"#)
            #expect(try await api.call(.get, "/api/v1/recommendations/\(recommendation)").json["status"] as? String == "assured")
        }
    }

    @Test("work lists: overdue, due within, status, partner, mine; pending evidence oldest first")
    func workLists() async throws {
        try await withAPI { api in
            let (_, late) = try await Self.assigned(api, reference: "LATE-2020-01", due: "2020-01-31")
            let soonDate = Day.today().adding(days: 10).description
            let (_, soon) = try await Self.assigned(api, reference: "SOON-2026-01", due: soonDate)
            let (_, later) = try await Self.assigned(api, reference: "LATER-2026-01", due: Day.today().adding(days: 200).description)
            func ids(_ query: String, as role: Role = .coordinator) async throws -> Set<String> {
                Set(try await api.call(.get, "/api/v1/assignments?\(query)", as: role).items.compactMap { ($0["id"] as? String)?.lowercased() })
            }
            #expect(try await ids("overdue=true") == [late.lowercased()])
            #expect(try await ids("due_within=30d") == [late.lowercased(), soon.lowercased()])
            #expect(try await ids("due_within=30").contains(soon.lowercased()))
            #expect(try await api.call(.get, "/api/v1/assignments?due_within=soon").status == .unprocessableContent)
            #expect(try await ids("status=assigned").count == 3)
            #expect(try await ids("partner=\(api.otherPartner.uuidString.lowercased())").isEmpty)
            #expect(try await ids("mine=true") == [late.lowercased(), soon.lowercased(), later.lowercased()])
            #expect(try await ids("mine=true", as: .admin).isEmpty)
            #expect(try await ids("mine=true", as: .partner).count == 3)
            let overdue = try await api.call(.get, "/api/v1/assignments/\(late)").json
            #expect(overdue["overdue"] as? Bool == true)

            let a = try await api.upload(to: soon, fields: Self.evidence(), files: [("a.pdf", PartnerWorld.pdf)])
            let b = try await api.upload(to: late, fields: Self.evidence(), files: [("b.pdf", PartnerWorld.pdf)])
            let queue = try await api.call(.get, "/api/v1/evidence?verdict=pending").items.compactMap { $0["id"] as? String }
            #expect(queue == [try a.id(), try b.id()])
            _ = try await api.call(.post, "/api/v1/evidence/\(try a.id())/decision", json: #"{"verdict":"accepted"}"#)
            #expect(try await api.call(.get, "/api/v1/evidence?verdict=pending").items.count == 1)
        }
    }

    @Test("bulk reassignment moves unfinished work in one recorded step, or nothing")
    func reassignment() async throws {
        try await withAPI { api in
            let (_, first) = try await Self.assigned(api, reference: "RA-2026-01")
            let (_, second) = try await Self.assigned(api, reference: "RA-2026-02")
            let own = api.ownPartner.uuidString.lowercased(), other = api.otherPartner.uuidString.lowercased()
            #expect(try await api.call(.post, "/api/v1/assignments/reassign", json: #"{"from_partner_id":"\#(own)","to_partner_id":"\#(other)"}"#).status == .unprocessableContent)
            let officer = try await api.call(
                .post, "/api/v1/assignments/reassign",
                json: #"{"from_partner_id":"\#(own)","from_lead_officer":"DI Example","to_lead_officer":"DS Other","reason":"DI Example moved to another team."}"#)
            #expect(officer.status == .created, "\(officer.text)")
            #expect(try await api.call(.get, "/api/v1/assignments/\(first)").json["lead_officer"] as? String == "DS Other")
            let moved = try await api.call(
                .post, "/api/v1/assignments/reassign", json: #"{"from_partner_id":"\#(own)","to_partner_id":"\#(other)","reason":"Services transferred on 1 April."}"#)
            #expect(moved.status == .created)
            #expect((moved.json["assignment_ids"] as? [String])?.count == 2)
            #expect(try await api.call(.get, "/api/v1/assignments/\(second)", as: .partner).status == .notFound)
            #expect(try await api.call(.get, "/api/v1/assignments/\(second)", as: nil, token: api.otherPartnerToken).status == .ok)
            let again = try await api.call(
                .post, "/api/v1/assignments/reassign", json: #"{"from_partner_id":"\#(own)","to_partner_id":"\#(other)","reason":"Again."}"#)
            #expect(again.status == .conflict)
            // Recorded: the reassignment row and each moved assignment, with the coordinator as actor.
            let events = try await api.call(.get, "/api/v1/audit/events?table=reassignments", as: .auditor).items
            #expect(events.count == 2)
            let coordinator = try await api.call(.get, "/api/v1/me").id()
            let changes = try await api.call(.get, "/api/v1/audit/events?table=assignments&key=\(second.lowercased())", as: .auditor).items
            #expect(changes.count >= 3)
            #expect(changes.allSatisfy { ($0["actor"] as? String)?.lowercased() == "user:\(coordinator.lowercased())" })
        }
    }
}
