import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import RegisterDomain
@testable import RegisterServer
@testable import RegisterStore
import RegisterTestSupport
import Testing

extension APIHarness {
    /// Sends `fields` and `files` as multipart/form-data to `path`.
    func multipart(
        _ path: String, as role: Role? = .partner, token: String? = nil, fields: [String: String], files: [(name: String, bytes: [UInt8])],
        fileField: String = "files", headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        let boundary = "lr-test-\(UUID().uuidString)"
        var body = ByteBuffer()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for file in files {
            body.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            body.writeBytes(file.bytes)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        var headers = extra
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await call(.post, path, as: role, token: token, body: body, headers: headers)
    }
}

/// Further-information requests (issue 13, point 5): asked by a coordinator, answered by the holder
/// with text and files kept as evidence files are, hidden from every other organisation.
@Suite("further-information requests")
struct InformationRequestTests {
    static let csv = Array("month,notifications\n2026-01,41\n2026-02,38\n".utf8)

    /// A request to the test partner's organisation ("own"), about its assignment.
    static func ask(_ api: APIHarness, _ world: PartnerWorld, due: String = "2099-03-31", extra: String = "") async throws -> [String: Any] {
        let reply = try await api.call(
            .post, "/api/v1/information-requests",
            json: #"{"partner_id":"\#(api.ownPartner.uuidString.lowercased())","kind":"briefing","question":"Brief the board on the protocol.","on_behalf_of":"Education and Children's Services Scrutiny Board","due_date":"\#(due)","assignment_id":"\#(world.own.assignment)"\#(extra)}"#)
        try #require(reply.status == .created, "\(reply.text)")
        return reply.json
    }

    @Test("ask, answer with a file, the coordinator sees the answer; the file's SHA-256 is in the trail and its download is recorded")
    func askAnswerSee() async throws {
        try await withAPI { api in
            // setup
            let world = try await PartnerWorld.make(api)
            let asked = try await Self.ask(api, world)
            let id = asked["id"] as! String
            #expect(asked["status"] as? String == "open")
            #expect(asked["overdue"] as? Bool == false)
            #expect(asked["recommendation_id"] as? String == world.own.recommendation, "the links are filled upwards from the assignment")
            #expect(asked["review_id"] as? String == world.own.review)
            #expect(asked["on_behalf_of"] as? String == "Education and Children's Services Scrutiny Board")
            // The partner sees it in their list.
            let mine = try await api.call(.get, "/api/v1/information-requests?status=open", as: .partner)
            #expect(mine.items.map { $0["id"] as? String } == [id])

            // act
            let answer = try await api.multipart(
                "/api/v1/information-requests/\(id)/answers", fields: ["text": "Figures attached."], files: [("figures.csv", Self.csv)])

            // check
            #expect(answer.status == .created, "\(answer.text)")
            let seen = try await api.call(.get, "/api/v1/information-requests/\(id)", as: .coordinator)
            #expect(seen.json["status"] as? String == "answered")
            #expect(seen.headers[.eTag] == "\"2\"")
            let answers = try #require(seen.json["answers"] as? [[String: Any]])
            #expect(answers.count == 1)
            #expect(answers.first?["text"] as? String == "Figures attached.")
            let file = try #require((answers.first?["files"] as? [[String: Any]])?.first)
            let digest = PartnerWorkTests.sha256(Self.csv)
            #expect(file["sha256"] as? String == digest)
            let fileID = file["id"] as! String
            let download = try await api.call(.get, "/api/v1/information-requests/\(id)/files/\(fileID)", as: .coordinator)
            #expect(download.status == .ok)
            #expect(Array(download.body) == Self.csv)
            #expect(download.headers[HTTPField.Name("X-Content-SHA256")!] == digest)
            // The trail holds the file's row with its SHA-256, and the download.
            let rows = try await api.call(.get, "/api/v1/audit/events?table=information_answer_files&key=\(fileID.lowercased())", as: .auditor).items
            #expect(rows.count == 1)
            #expect((rows.first?["payload"] as? String)?.contains(digest) == true, "\(rows)")
            let reads = try await api.call(.get, "/api/v1/audit/events?table=read:information_answer_files", as: .auditor).items
            #expect(reads.count == 1)
            #expect((reads.first?["key"] as? String)?.lowercased() == fileID.lowercased())
            // A further answer is a new one; the first stays as it was.
            let again = try await api.multipart("/api/v1/information-requests/\(id)/answers", fields: ["text": "One correction."], files: [])
            #expect(again.status == .created, "\(again.text)")
            #expect((again.json["answers"] as? [[String: Any]])?.map { $0["text"] as? String } == ["Figures attached.", "One correction."])
            // Coordinators ask; they do not answer.
            #expect(try await api.multipart("/api/v1/information-requests/\(id)/answers", as: .coordinator, fields: ["text": "x"], files: []).status == .forbidden)
            #expect(try await api.call(.post, "/api/v1/information-requests", as: .partner, json: "{}").status == .forbidden)
        }
    }

    @Test("another organisation's partner gets 404 for the request, its answer and its file, and sees none in its list")
    func isolation() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let id = try await Self.ask(api, world)["id"] as! String
            let answered = try await api.multipart(
                "/api/v1/information-requests/\(id)/answers", fields: ["text": "Figures attached."], files: [("figures.csv", Self.csv)])
            let fileID = try #require(((answered.json["answers"] as? [[String: Any]])?.first?["files"] as? [[String: Any]])?.first?["id"] as? String)
            let other = api.otherPartnerToken
            #expect(try await api.call(.get, "/api/v1/information-requests/\(id)", as: nil, token: other).status == .notFound)
            #expect(try await api.call(.get, "/api/v1/information-requests/\(id)/files/\(fileID)", as: nil, token: other).status == .notFound)
            let answer = try await api.multipart("/api/v1/information-requests/\(id)/answers", as: nil, token: other, fields: ["text": "Not ours."], files: [])
            #expect(answer.status == .notFound)
            #expect(!(try await api.call(.get, "/api/v1/information-requests", as: nil, token: other).items.contains { $0["id"] as? String == id }))
            #expect(try await api.call(.get, "/api/v1/information-requests/\(id)", as: .partner).status == .ok)
            // Nothing the other partner sent was stored.
            #expect((try await api.call(.get, "/api/v1/information-requests/\(id)").json["answers"] as? [Any])?.count == 1)
        }
    }

    @Test("withdrawing needs a reason; a withdrawn request takes no answer; an answered one cannot be withdrawn")
    func withdraw() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let id = try await Self.ask(api, world)["id"] as! String
            let noReason = try await api.call(.post, "/api/v1/information-requests/\(id)/withdrawal", json: #"{"reason":"  "}"#)
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.isProblem)
            #expect(try await api.call(.post, "/api/v1/information-requests/\(id)/withdrawal", as: .partner, json: #"{"reason":"No"}"#).status == .forbidden)
            let stale = try await api.call(
                .post, "/api/v1/information-requests/\(id)/withdrawal", json: #"{"reason":"Asked twice."}"#, headers: [.ifMatch: "\"7\""])
            #expect(stale.status == .preconditionFailed)
            let withdrawn = try await api.call(.post, "/api/v1/information-requests/\(id)/withdrawal", json: #"{"reason":"Asked twice."}"#)
            #expect(withdrawn.status == .ok, "\(withdrawn.text)")
            #expect(withdrawn.json["status"] as? String == "withdrawn")
            #expect(withdrawn.json["withdrawn_reason"] as? String == "Asked twice.")
            let late = try await api.multipart("/api/v1/information-requests/\(id)/answers", fields: ["text": "Here it is."], files: [])
            #expect(late.status == .conflict)
            // Answered requests stay answered.
            let second = try await Self.ask(api, world)["id"] as! String
            _ = try await api.multipart("/api/v1/information-requests/\(second)/answers", fields: ["text": "Done."], files: [])
            #expect(try await api.call(.post, "/api/v1/information-requests/\(second)/withdrawal", json: #"{"reason":"x"}"#).status == .conflict)
            // The database refuses the same, whoever asks.
            let state = try await StoredFileTests.asOwner(api.db, "UPDATE register.information_requests SET status = 'open' WHERE id = \(UUID(uuidString: second)!)")
            #expect(state == "LRA10")
        }
    }

    @Test("an open request past its due date is overdue, in the list filter and in the home page's figures")
    func overdue() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let late = try await Self.ask(api, world, due: "2020-01-31")
            #expect(late["overdue"] as? Bool == true)
            _ = try await Self.ask(api, world, due: "2099-01-31")
            let answeredLate = try await Self.ask(api, world, due: "2020-02-28")["id"] as! String
            _ = try await api.multipart("/api/v1/information-requests/\(answeredLate)/answers", fields: ["text": "Late, but here."], files: [])
            let overdue = try await api.call(.get, "/api/v1/information-requests?overdue=true")
            #expect(overdue.items.map { $0["id"] as? String } == [late["id"] as? String])
            let figures = try await api.registry.informationRequests.figures(today: Day.today())
            #expect(figures == RequestFigures(open: 2, overdue: 1))
            let (cookie, _) = try await api.pageSession(email: "coordinator@example.org")
            let home = try await api.call(.get, "/", as: nil, headers: [.cookie: cookie]).text
            #expect(home.contains(#"Open requests</dt><dd class="lr-summary-list__value">2</dd>"#), "\(home)")
            #expect(home.contains(#"Overdue</dt><dd class="lr-summary-list__value">1</dd>"#))
            // The partner's home lists what is asked of them.
            let (partnerCookie, _) = try await api.pageSession(email: "partner@example.org")
            let partnerHome = try await api.call(.get, "/", as: nil, headers: [.cookie: partnerCookie]).text
            #expect(partnerHome.contains("Information requested from you"))
            #expect(partnerHome.contains("Brief the board on the protocol."))
            // The open requests as CSV, the export recorded; partners may not take it.
            let csv = try await api.call(.get, "/api/v1/reports/information-requests?status=open", as: .auditor)
            #expect(csv.status == .ok)
            #expect(csv.text.split(separator: "\r\n").count == 3, "\(csv.text)")
            #expect(csv.text.contains("Own Police,briefing"))
            #expect(try await api.call(.get, "/api/v1/audit/events?table=read:report.information_requests", as: .auditor).items.count == 1)
            #expect(try await api.call(.get, "/api/v1/reports/information-requests", as: .partner).status == .forbidden)
        }
    }

    @Test("bad input is a 4xx problem: unknown holder, two links, no question")
    func badInput() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let unknown = try await api.call(
                .post, "/api/v1/information-requests", json: #"{"partner_id":"\#(UUID().uuidString)","kind":"briefing","question":"Q","due_date":"2026-03-31"}"#)
            #expect(unknown.status == .unprocessableContent && unknown.isProblem)
            let two = try await api.call(
                .post, "/api/v1/information-requests",
                json: #"{"partner_id":"\#(api.ownPartner.uuidString)","kind":"briefing","question":"Q","due_date":"2026-03-31","review_id":"\#(world.own.review)","assignment_id":"\#(world.own.assignment)"}"#)
            #expect(two.status == .unprocessableContent)
            let empty = try await api.call(
                .post, "/api/v1/information-requests", json: #"{"partner_id":"\#(api.ownPartner.uuidString)","kind":"briefing","question":" ","due_date":"2026-03-31"}"#)
            #expect(empty.status == .unprocessableContent)
        }
    }
}
