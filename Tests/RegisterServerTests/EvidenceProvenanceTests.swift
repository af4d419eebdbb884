import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RegisterDomain
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport
import Testing

/// Evidence and progress updates keep the organisation that sent them (issue 12, point 4): after a
/// reassignment the receiving partner sees the assignment and its status but not what the earlier
/// organisation sent, until a coordinator shares it; staff see everything, labelled by organisation.
@Suite("evidence provenance")
struct EvidenceProvenanceTests {
    /// The other organisation's unfinished work (its assignment, update and evidence) moved to the
    /// partner user's own organisation, as a coordinator's reassignment does it.
    private static func reassigned(_ api: APIHarness) async throws -> PartnerWorld {
        let world = try await PartnerWorld.make(api)
        let own = api.ownPartner.uuidString.lowercased(), other = api.otherPartner.uuidString.lowercased()
        let moved = try await api.call(
            .post, "/api/v1/assignments/reassign", json: #"{"from_partner_id":"\#(other)","to_partner_id":"\#(own)","reason":"Service transferred."}"#)
        try #require(moved.status == .created, "\(moved.text)")
        return world
    }

    private static func session(_ api: APIHarness, email: String) async throws -> (cookie: String, csrf: String) {
        try await api.pageSession(email: email)
    }

    @Test("work the earlier organisation was still sending when the reassignment committed is refused, never credited to the new one")
    func lateWorkAfterReassignment() async throws {
        try await withAPI { api in
            let world = try await Self.reassigned(api)
            let assignment = try #require(UUID(uuidString: world.other.assignment))
            // The earlier organisation's person passed the access check before the reassignment; their
            // upload or update reaches the database only after it.
            let id = try #require(try await api.call(.get, "/api/v1/me", as: nil, token: api.otherPartnerToken).json["id"] as? String)
            let before = try await api.call(.get, "/api/v1/assignments/\(world.other.assignment)/evidence", as: .coordinator).items.count
            try await api.db.withDatabase { database in
                let late = WriteContext(
                    actor: Principal(user: try await AccountStore(database: database).user(UUID(uuidString: id)!)), requestID: "late", logger: TestDatabase.logger)
                await #expect(throws: DomainError.notFound("assignment")) {
                    _ = try await AssignmentStore(database: database).addUpdate(
                        to: assignment, NewProgressUpdate(text: "Training delivered", rag: .green), today: Day(iso: "2026-02-01")!, context: late)
                }
                await #expect(throws: DomainError.notFound("assignment")) {
                    _ = try await EvidenceStore(database: database).submit(
                        to: assignment, idempotencyKey: nil, maxBytes: 1 << 20, today: Day(iso: "2026-02-01")!, context: late
                    ) { upload in
                        let file = try upload.beginFile(named: "audit.pdf")
                        try await file.write(ByteBuffer(bytes: PartnerWorld.pdf))
                        _ = try await file.finish()
                        return EvidenceSubmission(summary: "Audit", kind: .outcome, effectiveDate: Day(iso: "2026-01-31")!)
                    }
                }
            }
            #expect(try await api.call(.get, "/api/v1/assignments/\(world.other.assignment)/evidence", as: .coordinator).items.count == before)
        }
    }

    @Test("after a reassignment the receiving partner sees the assignment and its status, not the earlier organisation's files and updates")
    func hiddenAfterReassignment() async throws {
        try await withAPI { api in
            let world = try await Self.reassigned(api)
            let moved = world.other
            // The assignment and its status: yes.
            let assignment = try await api.call(.get, "/api/v1/assignments/\(moved.assignment)", as: .partner)
            #expect(assignment.status == .ok)
            #expect(assignment.json["status"] as? String == "evidence_submitted")
            // What the other organisation sent: as if absent, in lists, reads and downloads.
            #expect(try await api.call(.get, "/api/v1/assignments/\(moved.assignment)/evidence", as: .partner).items.isEmpty)
            #expect(try await api.call(.get, "/api/v1/assignments/\(moved.assignment)/updates", as: .partner).items.isEmpty)
            let listed = try await api.call(.get, "/api/v1/evidence", as: .partner).items.compactMap { $0["id"] as? String }
            #expect(listed == [world.own.evidence])
            #expect(try await api.call(.get, "/api/v1/evidence/\(moved.evidence)", as: .partner).status == .notFound)
            let download = try await api.call(.get, "/api/v1/evidence/\(moved.evidence)/files/\(moved.file)", as: .partner)
            #expect(download.status == .notFound && download.isProblem)
            // The earlier organisation no longer has the assignment at all.
            #expect(try await api.call(.get, "/api/v1/evidence/\(moved.evidence)", as: nil, token: api.otherPartnerToken).status == .notFound)
            // Its own evidence is still the partner's: nothing else changed.
            #expect(try await api.call(.get, "/api/v1/evidence/\(world.own.evidence)/files/\(world.own.file)", as: .partner).status == .ok)
            // Staff see everything, labelled with the organisation that sent it.
            for role in [Role.coordinator, .auditor, .admin] {
                let evidence = try await api.call(.get, "/api/v1/evidence/\(moved.evidence)", as: role)
                #expect(evidence.status == .ok)
                #expect((evidence.json["from_partner_id"] as? String)?.lowercased() == api.otherPartner.uuidString.lowercased())
                #expect(evidence.json["from_partner_name"] as? String == "Other Health")
                #expect((evidence.json["partner_id"] as? String)?.lowercased() == api.ownPartner.uuidString.lowercased())
                #expect(evidence.json["visible_to_partner"] as? Bool == false)
                let updates = try await api.call(.get, "/api/v1/assignments/\(moved.assignment)/updates", as: role).items
                #expect(updates.count == 1 && updates[0]["from_partner_name"] as? String == "Other Health")
                #expect(try await api.call(.get, "/api/v1/evidence/\(moved.evidence)/files/\(moved.file)", as: role).status == .ok)
            }
            // New work on the moved assignment is the receiving partner's own.
            let update = try await api.call(.post, "/api/v1/assignments/\(moved.assignment)/updates", as: .partner, json: #"{"text":"Taken over.","rag":"amber","forecast_date":"2026-09-30","rag_reason":"Handover of the caseload."}"#)
            #expect(update.status == .created)
            #expect((update.json["from_partner_id"] as? String)?.lowercased() == api.ownPartner.uuidString.lowercased())
            #expect(try await api.call(.get, "/api/v1/assignments/\(moved.assignment)/updates", as: .partner).items.count == 1)
        }
    }

    @Test("a coordinator shares one piece of evidence, then everything, with the partner who has the assignment now; each share is audited")
    func sharing() async throws {
        try await withAPI { api in
            let world = try await Self.reassigned(api)
            let moved = world.other
            let path = "/api/v1/assignments/\(moved.assignment)/shares"
            // Only staff may share; the receiving partner may not share with themselves.
            #expect(try await api.call(.post, path, as: .partner, json: "{}").status == .forbidden)
            #expect(try await api.call(.post, path, as: .auditor, json: "{}").status == .forbidden)
            // Evidence of another assignment is refused.
            let elsewhere = try await api.call(.post, path, json: #"{"evidence_id":"\#(world.own.evidence)"}"#)
            #expect(elsewhere.status == .unprocessableContent, "\(elsewhere.text)")
            let one = try await api.call(.post, path, json: #"{"evidence_id":"\#(moved.evidence)"}"#)
            #expect(one.status == .created, "\(one.text)")
            #expect((one.json["partner_id"] as? String)?.lowercased() == api.ownPartner.uuidString.lowercased())
            #expect(one.json["evidence_id"] as? String == moved.evidence)
            // The evidence and its file now; the updates not yet.
            #expect(try await api.call(.get, "/api/v1/evidence/\(moved.evidence)", as: .partner).json["visible_to_partner"] as? Bool == true)
            let file = try await api.call(.get, "/api/v1/evidence/\(moved.evidence)/files/\(moved.file)", as: .partner)
            #expect(file.status == .ok && Array(file.body) == PartnerWorld.pdf)
            #expect(try await api.call(.get, "/api/v1/assignments/\(moved.assignment)/updates", as: .partner).items.isEmpty)
            #expect(try await api.call(.post, path, json: #"{"evidence_id":"\#(moved.evidence)"}"#).status == .conflict)
            let all = try await api.call(.post, path, json: "{}")
            #expect(all.status == .created, "\(all.text)")
            #expect(all.json["evidence_id"] is NSNull)
            #expect(try await api.call(.get, "/api/v1/assignments/\(moved.assignment)/updates", as: .partner).items.count == 1)
            #expect(try await api.call(.post, path, json: "{}").status == .conflict)
            // Recorded in the trail, by the coordinator.
            let coordinator = try await api.call(.get, "/api/v1/me").id()
            let events = try await api.call(.get, "/api/v1/audit/events?table=evidence_shares", as: .auditor).items
            #expect(events.count == 2)
            #expect(events.allSatisfy { ($0["actor"] as? String)?.lowercased() == "user:\(coordinator.lowercased())" })
        }
    }

    @Test("pages: the partner's assignment page holds none of the earlier organisation's work; the coordinator sees it labelled and shares it with a button")
    func pages() async throws {
        try await withAPI { api in
            let world = try await Self.reassigned(api)
            let moved = world.other
            let partner = try await Self.session(api, email: "partner@example.org")
            let page = try await api.call(.get, "/assignments/\(moved.assignment)", as: nil, headers: [.cookie: partner.cookie])
            #expect(page.status == .ok)
            #expect(!page.text.contains(moved.file) && !page.text.contains("Drafting."))
            let download = try await api.call(
                .get, "/evidence/\(moved.evidence)/files/\(moved.file)", as: nil, headers: [.cookie: partner.cookie, .secFetchSite: "same-origin"])
            #expect(download.status == .notFound)
            // The coordinator's recommendation page: labelled with the organisation that sent it, not shared, a button each.
            let coordinator = try await Self.session(api, email: "coordinator@example.org")
            let recommendation = try await api.call(.get, "/recommendations/\(moved.recommendation)", as: nil, headers: [.cookie: coordinator.cookie])
            #expect(recommendation.status == .ok)
            #expect(recommendation.text.contains("Evidence from Other Health") && recommendation.text.contains("Progress update from Other Health"))
            #expect(recommendation.text.contains("Not shared"))
            #expect(recommendation.text.contains("Share earlier evidence and updates with Own Police"))
            #expect(recommendation.text.contains(#"name="evidence_id" value="\#(moved.evidence.lowercased())""#))
            let form = "csrf_token=\(coordinator.csrf)&form_key=\(UUID().uuidString)&assignment_id=\(moved.assignment)&evidence_id=\(moved.evidence)"
            let shared = try await api.call(
                .post, "/recommendations/\(moved.recommendation)/shares", as: nil, body: ByteBuffer(string: form),
                headers: [.cookie: coordinator.cookie, .contentType: "application/x-www-form-urlencoded", .secFetchSite: "same-origin"])
            #expect(shared.status == .seeOther, "\(shared.text.prefix(300))")
            let after = try await api.call(
                .get, "/evidence/\(moved.evidence)/files/\(moved.file)", as: nil, headers: [.cookie: partner.cookie, .secFetchSite: "same-origin"])
            #expect(after.status == .ok)
            let now = try await api.call(.get, "/recommendations/\(moved.recommendation)", as: nil, headers: [.cookie: coordinator.cookie])
            #expect(!now.text.contains(#"name="evidence_id" value="\#(moved.evidence.lowercased())""#))
            // The same form again: the partner sees it already, said on the page.
            let again = try await api.call(
                .post, "/recommendations/\(moved.recommendation)/shares", as: nil,
                body: ByteBuffer(string: "csrf_token=\(coordinator.csrf)&form_key=\(UUID().uuidString)&assignment_id=\(moved.assignment)&evidence_id=\(moved.evidence)"),
                headers: [.cookie: coordinator.cookie, .contentType: "application/x-www-form-urlencoded", .secFetchSite: "same-origin"])
            #expect(again.status == .unprocessableContent && again.text.contains("already sees this evidence"))
        }
    }
}
