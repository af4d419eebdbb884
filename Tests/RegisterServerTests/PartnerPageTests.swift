import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RegisterDomain
@testable import RegisterServer
@testable import RegisterStore
import RegisterTestSupport
import Testing

/// A partner's evidence form: what it refuses, and that a refused upload stores nothing.
@Suite("partner pages")
struct PartnerPageTests {
    private func partnerSession(_ api: APIHarness) async throws -> (cookie: String, csrf: String) {
        try await api.pageSession(email: "partner@example.org")
    }

    /// The evidence form as a browser sends it.
    private func upload(
        _ api: APIHarness, to assignment: String, cookie: String, fields: [(String, String)], file: (name: String, bytes: [UInt8]), key: String = UUID().uuidString
    ) async throws -> Reply {
        let boundary = "lr-page-\(UUID().uuidString)"
        var body = ByteBuffer()
        for (name, value) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        body.writeBytes(file.bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        return try await api.call(
            .post, "/assignments/\(assignment)/evidence?form_key=\(key)", as: nil, body: body,
            headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)", .secFetchSite: "same-origin"])
    }

    @Test("a refused file is explained next to the field and nothing is stored; a good one is stored once however often it is sent")
    func evidenceForm() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let assignment = world.own.assignment
            let (cookie, csrf) = try await partnerSession(api)
            let before = try await api.call(.get, "/api/v1/assignments/\(assignment)/evidence", as: .partner).items.count
            let fields = [("csrf_token", csrf), ("summary", "Audit of 40 referrals"), ("kind", "outcome"), ("effective_date", "01/11/2026")]
            // Not a PDF, whatever its name says.
            let refused = try await upload(api, to: assignment, cookie: cookie, fields: fields, file: ("audit.pdf", Array("MZ not a document".utf8)))
            #expect(refused.status == .unsupportedMediaType)
            #expect(refused.text.contains("There is a problem") && refused.text.contains(#"id="files-error""#))
            #expect(refused.text.contains("Nothing was stored"))
            #expect(refused.text.contains("Audit of 40 referrals"), "the summary typed is kept")
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)/evidence", as: .partner).items.count == before)
            // Without the session's token nothing is stored either.
            let forged = try await upload(
                api, to: assignment, cookie: cookie, fields: [("csrf_token", "0")] + fields.dropFirst(), file: ("audit.pdf", PartnerWorld.pdf))
            #expect(forged.status == .forbidden)
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)/evidence", as: .partner).items.count == before)
            // A good one, sent twice with the same form: stored once, both land on the assignment.
            let key = UUID().uuidString
            let first = try await upload(api, to: assignment, cookie: cookie, fields: fields, file: ("audit.pdf", PartnerWorld.pdf), key: key)
            let again = try await upload(api, to: assignment, cookie: cookie, fields: fields, file: ("audit.pdf", PartnerWorld.pdf), key: key)
            #expect(first.status == .seeOther && again.status == .seeOther)
            #expect(first.headers[.location] == again.headers[.location])
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)/evidence", as: .partner).items.count == before + 1)
        }
    }

    @Test("a person already sending as many uploads as one may is told so next to the field, before the upload is read")
    func tooManyUploadsAtOnce() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let (cookie, csrf) = try await partnerSession(api)
            let me = try #require(try await api.call(.get, "/api/v1/me", as: .partner).json["id"] as? String)
            var held: [EvidenceUpload.PersonSlot]? = try await EvidenceUpload.PersonSlot.all(of: UUID(uuidString: me)!, in: api.registry.database)
            let fields = [("csrf_token", csrf), ("summary", "Audit of 40 referrals"), ("kind", "outcome"), ("effective_date", "01/11/2026")]
            let refused = try await upload(api, to: world.own.assignment, cookie: cookie, fields: fields, file: ("audit.pdf", PartnerWorld.pdf))
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(refused.text.contains("There is a problem") && refused.text.contains(#"id="files-error""#))
            #expect(refused.text.contains("Nothing was stored") && refused.text.contains("Send evidence"))
            #expect(held?.count == EvidenceUpload.maxPerPerson)
            held = nil
        }
    }

    @Test("a partner opening another organisation's assignment meets the same 404 page as one that does not exist")
    func otherOrganisation() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let (cookie, _) = try await partnerSession(api)
            let own = try await api.call(.get, "/assignments/\(world.own.assignment)", as: nil, headers: [.cookie: cookie])
            #expect(own.status == .ok && own.text.contains("Send evidence"))
            let other = try await api.call(.get, "/assignments/\(world.other.assignment)", as: nil, headers: [.cookie: cookie])
            let absent = try await api.call(.get, "/assignments/\(UUID())", as: nil, headers: [.cookie: cookie])
            #expect(other.status == .notFound && absent.status == .notFound)
            #expect(other.text.contains("Page not found") && absent.text.contains("Page not found"))
        }
    }
}
