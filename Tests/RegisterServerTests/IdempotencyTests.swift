import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A retried evidence submission answers with the first result, whatever the retry carries: the key
/// names a submission already made, so the retry is never judged as a new one.
@Suite("Idempotency-Key on evidence submissions")
struct IdempotencyTests {
    static let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "retry-4d1c"]

    /// Bodies the register refuses as a new submission (422, or 415 for the file's type), each with why.
    static let refusedBodies: [(why: String, fields: [String: String], files: [(name: String, bytes: [UInt8])])] = [
        ("no file", PartnerWorkTests.evidence(), []),
        ("an empty summary and an unknown kind", ["summary": " ", "kind": "rumour", "effective_date": "2026-02-28"], [("a.pdf", PartnerWorld.pdf)]),
        ("an effective date in the future", PartnerWorkTests.evidence().merging(["effective_date": "2999-12-31"]) { $1 }, [("a.pdf", PartnerWorld.pdf)]),
        ("a file that is not what its name says", PartnerWorkTests.evidence(), [("a.pdf", Array("MZ\u{90}\u{0}not a pdf".utf8))]),
    ]

    @Test("a retry whose body would now be refused still returns the first submission, and stores nothing")
    func retryOfARefusedBody() async throws {
        try await withAPI { api in
            let (_, assignment) = try await PartnerWorkTests.assigned(api)
            let first = try await api.upload(
                to: assignment, fields: PartnerWorkTests.evidence(), files: [("audit.pdf", PartnerWorld.pdf)], headers: Self.key)
            #expect(first.status == .created, "\(first.text)")
            let firstID = try #require(first.json["id"] as? String)
            for body in Self.refusedBodies {
                // Sent as a new submission, the body is refused…
                let fresh = try await api.upload(to: assignment, fields: body.fields, files: body.files)
                #expect([.unprocessableContent, .unsupportedMediaType].contains(fresh.status), "\(body.why) as a new submission: \(fresh.status) \(fresh.text)")
                // …but under the first submission's key it is a retry of that submission.
                let retry = try await api.upload(to: assignment, fields: body.fields, files: body.files, headers: Self.key)
                #expect(retry.status == .created, "\(body.why) under the key: \(retry.status) \(retry.text)")
                #expect(retry.json["id"] as? String == firstID, "\(body.why)")
                #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true", "\(body.why)")
                #expect(retry.json["summary"] as? String == first.json["summary"] as? String, "\(body.why)")
            }
            let stored = try await api.call(.get, "/api/v1/assignments/\(assignment)/evidence").items
            #expect(stored.map { $0["id"] as? String } == [firstID])
        }
    }

    @Test("a retry after the first submission was decided returns it as it now stands")
    func retryAfterTheVerdict() async throws {
        try await withAPI { api in
            let (_, assignment) = try await PartnerWorkTests.assigned(api)
            let first = try await api.upload(
                to: assignment, fields: PartnerWorkTests.evidence(), files: [("audit.pdf", PartnerWorld.pdf)], headers: Self.key)
            let firstID = try #require(first.json["id"] as? String)
            let decided = try await api.call(.post, "/api/v1/evidence/\(firstID)/decision", json: #"{"verdict":"accepted"}"#)
            #expect(decided.status == .ok, "\(decided.text)")
            let retry = try await api.upload(
                to: assignment, fields: PartnerWorkTests.evidence(), files: [("audit.pdf", PartnerWorld.pdf)], headers: Self.key)
            #expect(retry.status == .created && retry.json["id"] as? String == firstID)
            #expect(retry.json["verdict"] as? String == "accepted")
            // The retry moved nothing: the assignment stays accepted, not submitted again.
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)").json["status"] as? String == "accepted")
            #expect(try await api.call(.get, "/api/v1/assignments/\(assignment)/evidence").items.count == 1)
        }
    }
}
