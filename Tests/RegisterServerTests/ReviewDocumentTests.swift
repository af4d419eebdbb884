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
import ZIPFoundation

/// Documents of a review (issue 13, point 6): stored as evidence files are, read by whom the
/// policy says, and carried in the review's evidence pack with their SHA-256.
@Suite("documents of a review")
struct ReviewDocumentTests {
    static let report = Array("%PDF-1.4\n% Published report of the review\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".utf8)

    static func attach(_ api: APIHarness, review: String, kind: String, title: String, bytes: [UInt8] = report) async throws -> [String: Any] {
        let reply = try await api.multipart(
            "/api/v1/reviews/\(review)/documents", as: .coordinator, fields: ["kind": kind, "title": title], files: [("report.pdf", bytes)],
            fileField: "file")
        try #require(reply.status == .created, "\(reply.text)")
        return reply.json
    }

    @Test("an attached document is in the review's evidence pack, its SHA-256 in the manifest and in the trail")
    func inTheEvidencePack() async throws {
        try await withAPI { api in
            // setup
            let reference = "DOC-2026-01"
            let review = try await api.createReview(reference: reference)["id"] as! String
            // act
            let document = try await Self.attach(api, review: review, kind: "published_report", title: "Published report")
            // check
            let digest = PartnerWorkTests.sha256(Self.report)
            let file = try #require(document["file"] as? [String: Any])
            #expect(file["sha256"] as? String == digest)
            let id = document["id"] as! String
            let rows = try await api.call(.get, "/api/v1/audit/events?table=review_documents&key=\(id.lowercased())", as: .auditor).items
            #expect((rows.first?["payload"] as? String)?.contains(digest) == true)
            let pack = try await api.call(.get, "/api/v1/reports/evidence-pack?review=\(reference)", as: .auditor)
            #expect(pack.status == .ok, "\(pack.text.prefix(300))")
            let archive = try Archive(data: pack.body, accessMode: .read)
            var contents: [String: Data] = [:]
            for entry in archive {
                var data = Data()
                _ = try archive.extract(entry) { data.append($0) }
                contents[entry.path] = data
            }
            #expect(contents["documents/published_report/report.pdf"].map(Array.init) == Self.report)
            let manifest = try JSONSerialization.jsonObject(with: contents["manifest.json"]!) as! [String: Any]
            let entry = try #require((manifest["files"] as! [[String: Any]]).first { $0["path"] as? String == "documents/published_report/report.pdf" })
            #expect(entry["sha256"] as? String == digest)
            #expect(entry["document_id"] as? String == id)
            #expect(entry["title"] as? String == "Published report")
            // Listed on the review, with its download.
            let listed = try await api.call(.get, "/api/v1/reviews/\(review)/documents", as: .auditor).items
            #expect(listed.map { $0["id"] as? String } == [id])
            let download = try await api.call(.get, "/api/v1/review-documents/\(id)/file", as: .auditor)
            #expect(Array(download.body) == Self.report)
            #expect(try await api.call(.get, "/api/v1/audit/events?table=read:review_documents", as: .auditor).items.count == 1)
        }
    }

    @Test("partners read the published report and briefing notes of reviews within reach, nothing else; only staff attach")
    func whoReads() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let published = try await Self.attach(api, review: world.own.review, kind: "published_report", title: "Report")["id"] as! String
            let response = try await Self.attach(api, review: world.own.review, kind: "partnership_response", title: "Draft response")["id"] as! String
            let listed = Set(try await api.call(.get, "/api/v1/reviews/\(world.own.review)/documents", as: .partner).items.compactMap { $0["id"] as? String })
            #expect(listed.contains(published) && !listed.contains(response))
            let asStaff = Set(try await api.call(.get, "/api/v1/reviews/\(world.own.review)/documents", as: .coordinator).items.compactMap { $0["id"] as? String })
            #expect(asStaff.isSuperset(of: [published, response]))
            #expect(try await api.call(.get, "/api/v1/review-documents/\(published)/file", as: .partner).status == .ok)
            #expect(try await api.call(.get, "/api/v1/review-documents/\(response)/file", as: .partner).status == .notFound)
            let other = api.otherPartnerToken
            #expect(try await api.call(.get, "/api/v1/review-documents/\(published)/file", as: nil, token: other).status == .notFound)
            #expect(try await api.call(.get, "/api/v1/reviews/\(world.own.review)/documents", as: nil, token: other).status == .notFound)
            let byPartner = try await api.multipart(
                "/api/v1/reviews/\(world.own.review)/documents", fields: ["kind": "other", "title": "Mine"], files: [("x.pdf", Self.report)], fileField: "file")
            #expect(byPartner.status == .forbidden)
        }
    }

    @Test("withdrawing a document needs a reason and keeps it; a stored document's bytes cannot change, and a changed byte stops the download")
    func withdrawAndSealed() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let bytes = StoredFileTests.pdf(600 * 1024 + 7)
            let id = try await Self.attach(api, review: world.own.review, kind: "briefing_note", title: "Briefing", bytes: bytes)["id"] as! String
            #expect(Array(try await api.call(.get, "/api/v1/review-documents/\(id)/file", as: .coordinator).body) == bytes)
            #expect(try await api.call(.post, "/api/v1/review-documents/\(id)/withdrawal", json: #"{"reason":""}"#).status == .unprocessableContent)
            let withdrawn = try await api.call(.post, "/api/v1/review-documents/\(id)/withdrawal", json: #"{"reason":"Superseded by version 2."}"#)
            #expect(withdrawn.status == .ok)
            #expect(withdrawn.json["withdrawn"] as? Bool == true)
            #expect(try await api.call(.post, "/api/v1/review-documents/\(id)/withdrawal", json: #"{"reason":"Again"}"#).status == .conflict)
            let documentID = UUID(uuidString: id)!
            #expect(try await StoredFileTests.asOwner(api.db, "DELETE FROM register.review_documents WHERE id = \(documentID)") == "LRA10")
            #expect(try await StoredFileTests.asOwner(api.db, "INSERT INTO files.chunks (file_id, seq, data) VALUES (\(documentID), 3, '\\x00'::bytea)") == "LRA10")
            // Changed behind the register's back: the download ends with an error.
            try await TestDatabase.withClient(api.db.owner) { client in
                try await client.withTransaction(logger: TestDatabase.logger) { c in
                    _ = try await c.query("ALTER TABLE files.chunks DISABLE TRIGGER insert_only", logger: TestDatabase.logger).collect()
                    _ = try await c.query(
                        "UPDATE files.chunks SET data = overlay(data placing '\\xff'::bytea from 12) WHERE file_id = \(documentID) AND seq = 1",
                        logger: TestDatabase.logger).collect()
                    _ = try await c.query("ALTER TABLE files.chunks ENABLE ALWAYS TRIGGER insert_only", logger: TestDatabase.logger).collect()
                }
            }
            await #expect(throws: (any Error).self) {
                _ = try await api.call(.get, "/api/v1/review-documents/\(id)/file", as: .coordinator)
            }
        }
    }
}
