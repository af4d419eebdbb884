import Foundation
import HTTPTypes
import RegisterDomain
@testable import RegisterServer
import Testing

/// Every endpoint × every role × a record of the partner's own organisation or of another, against
/// the access policy table of docs/architecture.md (written out here, not read from `Policy`):
///
/// - admin: everything a coordinator may, plus users, partners and boards; never submits evidence;
/// - coordinator: records reviews, assigns partners, decides evidence; no audit trail, no accounts;
/// - auditor: reads everything, changes nothing;
/// - partner: sees only their organisation's assignments and what they hang from; posts progress
///   and evidence on them; everything else is 404 (hidden) or 403 (seen, not theirs to change).
///
/// "allowed" means the request passed access control: any answer but 401, 403, 404 or 5xx (write
/// requests carry deliberately empty bodies, so an allowed one is refused later, with 415 or 422).
@Suite("Access matrix")
struct AccessMatrixTests {
    enum Outcome: String { case allowed, forbidden, hidden }
    typealias Side = PartnerWorld.Side

    /// Who may do what with an endpoint.
    enum Rule {
        /// Any signed-in person.
        case anyone
        /// Only these roles; everyone else is told 403.
        case only(Set<Role>)
        /// Reading a record that hangs from partner work: staff read all; a partner only their own.
        case scopedRead(partner: Bool)
        /// Changing such a record: `staff` may; other staff get 403; a partner may act on their own when `partner`.
        case scopedWrite(staff: Set<Role>, partner: Bool)

        func expected(_ role: Role, _ side: Side?) -> Outcome {
            switch self {
            case .anyone: return .allowed
            case .only(let roles): return roles.contains(role) ? .allowed : .forbidden
            case .scopedRead(let partner):
                guard role == .partner else { return .allowed }
                return side == .own && partner ? .allowed : .hidden
            case .scopedWrite(let staff, let partner):
                guard role == .partner else { return staff.contains(role) ? .allowed : .forbidden }
                guard side == .own else { return .hidden }
                return partner ? .allowed : .forbidden
            }
        }

        var scoped: Bool {
            switch self {
            case .scopedRead, .scopedWrite: true
            default: false
            }
        }
    }

    struct Endpoint {
        var method: HTTPRequest.Method
        var path: (PartnerWorld.Records) -> String
        var rule: Rule
        var json: String? = nil
        var ifMatch = false
    }

    static let staff: Set<Role> = [.admin, .coordinator]

    static func endpoints(_ api: APIHarness) -> [Endpoint] {
        let reviewRead = Rule.scopedRead(partner: true)
        let reviewWrite = Rule.scopedWrite(staff: staff, partner: false)
        let history = Rule.scopedRead(partner: false)
        let assignmentWork = Rule.scopedWrite(staff: staff, partner: true)
        let evidenceSubmission = Rule.scopedWrite(staff: [], partner: true)
        let audit = Rule.only([.admin, .auditor])
        let admin = Rule.only([.admin])
        let reports = Rule.only([.admin, .coordinator, .auditor])
        return [
            Endpoint(method: .get, path: { _ in "/api/v1/me" }, rule: .anyone),
            Endpoint(method: .put, path: { _ in "/api/v1/me/password" }, rule: .anyone, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/me/reminders" }, rule: .anyone),
            Endpoint(method: .put, path: { _ in "/api/v1/me/reminders" }, rule: .anyone, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/tokens" }, rule: .anyone),
            Endpoint(method: .post, path: { _ in "/api/v1/tokens" }, rule: .anyone, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/users" }, rule: admin),
            Endpoint(method: .post, path: { _ in "/api/v1/users" }, rule: admin, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/themes" }, rule: .anyone),
            Endpoint(method: .get, path: { _ in "/api/v1/boards" }, rule: .anyone),
            Endpoint(method: .post, path: { _ in "/api/v1/boards" }, rule: admin, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/partners" }, rule: .anyone),
            Endpoint(method: .post, path: { _ in "/api/v1/partners" }, rule: admin, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/reviews" }, rule: .anyone),
            Endpoint(method: .post, path: { _ in "/api/v1/reviews" }, rule: .only(staff), json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/reviews/\($0.review)" }, rule: reviewRead),
            Endpoint(method: .patch, path: { "/api/v1/reviews/\($0.review)" }, rule: reviewWrite, json: #"{"title":""}"#, ifMatch: true),
            Endpoint(method: .post, path: { "/api/v1/reviews/\($0.review)/transitions" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/reviews/\($0.review)/history" }, rule: history),
            Endpoint(method: .get, path: { "/api/v1/reviews/\($0.review)/questions" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/reviews/\($0.review)/questions" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .put, path: { "/api/v1/reviews/\($0.review)/questions/order" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/reviews/\($0.review)/questions/\($0.question)" }, rule: reviewRead),
            Endpoint(method: .patch, path: { "/api/v1/reviews/\($0.review)/questions/\($0.question)" }, rule: reviewWrite, json: #"{"text":""}"#, ifMatch: true),
            Endpoint(method: .get, path: { "/api/v1/reviews/\($0.review)/findings" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/reviews/\($0.review)/findings" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .put, path: { "/api/v1/reviews/\($0.review)/findings/order" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/reviews/\($0.review)/findings/\($0.finding)" }, rule: reviewRead),
            Endpoint(method: .patch, path: { "/api/v1/reviews/\($0.review)/findings/\($0.finding)" }, rule: reviewWrite, json: #"{"text":""}"#, ifMatch: true),
            Endpoint(method: .get, path: { "/api/v1/reviews/\($0.review)/recommendations" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/reviews/\($0.review)/recommendations" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/recommendations" }, rule: .anyone),
            Endpoint(method: .get, path: { "/api/v1/recommendations/\($0.recommendation)" }, rule: reviewRead),
            Endpoint(method: .patch, path: { "/api/v1/recommendations/\($0.recommendation)" }, rule: reviewWrite, json: #"{"text":""}"#, ifMatch: true),
            Endpoint(method: .post, path: { "/api/v1/recommendations/\($0.recommendation)/transitions" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/recommendations/\($0.recommendation)/history" }, rule: history),
            Endpoint(method: .get, path: { "/api/v1/recommendations/\($0.recommendation)/assignments" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/recommendations/\($0.recommendation)/assignments" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/assignments" }, rule: .anyone),
            Endpoint(method: .post, path: { _ in "/api/v1/assignments/reassign" }, rule: .only(staff), json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/assignments/\($0.assignment)" }, rule: reviewRead),
            Endpoint(method: .patch, path: { "/api/v1/assignments/\($0.assignment)" }, rule: reviewWrite, json: #"{"action":""}"#, ifMatch: true),
            Endpoint(method: .post, path: { "/api/v1/assignments/\($0.assignment)/transitions" }, rule: assignmentWork, json: "{}"),
            Endpoint(method: .put, path: { "/api/v1/assignments/\($0.assignment)/delay" }, rule: assignmentWork, json: "{}", ifMatch: true),
            Endpoint(method: .delete, path: { "/api/v1/assignments/\($0.assignment)/delay" }, rule: assignmentWork, ifMatch: true),
            Endpoint(method: .get, path: { "/api/v1/assignments/\($0.assignment)/due-date-revisions" }, rule: reviewRead),
            Endpoint(method: .get, path: { "/api/v1/assignments/\($0.assignment)/updates" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/assignments/\($0.assignment)/updates" }, rule: assignmentWork, json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/assignments/\($0.assignment)/evidence" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/assignments/\($0.assignment)/evidence" }, rule: evidenceSubmission, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/evidence" }, rule: .anyone),
            Endpoint(method: .get, path: { "/api/v1/evidence/\($0.evidence)" }, rule: reviewRead),
            Endpoint(method: .get, path: { "/api/v1/evidence/\($0.evidence)/files/\($0.file)" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/evidence/\($0.evidence)/decision" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .post, path: { "/api/v1/assignments/\($0.assignment)/shares" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/information-requests" }, rule: .anyone),
            Endpoint(method: .post, path: { _ in "/api/v1/information-requests" }, rule: .only(staff), json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/information-requests/\($0.request)" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/information-requests/\($0.request)/answers" }, rule: evidenceSubmission, json: "{}"),
            Endpoint(method: .post, path: { "/api/v1/information-requests/\($0.request)/withdrawal" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/information-requests/\($0.request)/files/\($0.answerFile)" }, rule: reviewRead),
            Endpoint(method: .get, path: { _ in "/api/v1/reports/information-requests?status=open" }, rule: reports),
            Endpoint(method: .get, path: { "/api/v1/reviews/\($0.review)/documents" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/reviews/\($0.review)/documents" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/review-documents/\($0.document)" }, rule: reviewRead),
            Endpoint(method: .get, path: { "/api/v1/review-documents/\($0.document)/file" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/review-documents/\($0.document)/withdrawal" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { _ in "/api/v1/reports/compliance?format=csv" }, rule: reports),
            Endpoint(method: .get, path: { _ in "/api/v1/reports/summary" }, rule: reports),
            Endpoint(method: .get, path: { _ in "/api/v1/reports/clocks" }, rule: reports),
            Endpoint(method: .get, path: { "/api/v1/reviews/\($0.review)/clocks" }, rule: reviewRead),
            Endpoint(method: .post, path: { "/api/v1/reviews/\($0.review)/clock-pauses" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .post, path: { "/api/v1/reviews/\($0.review)/clock-pauses/\(UUID())/end" }, rule: reviewWrite, json: "{}"),
            Endpoint(method: .get, path: { "/api/v1/reports/evidence-pack?review=\($0.review)" }, rule: reports),
            Endpoint(method: .get, path: { _ in "/api/v1/learning/themes" }, rule: reports),
            Endpoint(method: .get, path: { _ in "/api/v1/learning/search?q=protocol" }, rule: reports),
            Endpoint(method: .get, path: { _ in "/api/v1/learning/recurring" }, rule: reports),
            Endpoint(method: .get, path: { "/api/v1/recommendations/\($0.recommendation)/similar" }, rule: history),
            Endpoint(method: .get, path: { _ in "/api/v1/audit/events" }, rule: audit),
            Endpoint(method: .get, path: { _ in "/api/v1/audit/verify" }, rule: audit),
            Endpoint(method: .get, path: { _ in "/api/v1/audit/checkpoints" }, rule: audit),
            Endpoint(method: .get, path: { _ in "/api/v1/audit/export" }, rule: audit),
        ]
    }

    @Test("every endpoint × role × own/other organisation answers as the roles table says")
    func matrix() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let partnerID = api.ownPartner.uuidString.lowercased(), otherID = api.otherPartner.uuidString.lowercased()
            var endpoints = Self.endpoints(api)
            // The account lifecycle, on an account of its own (the admin's allowed calls really deactivate,
            // reactivate and reset it; the role change, sent without a role, is refused with 422).
            let target = try await api.call(
                .post, "/api/v1/users", as: .admin, json: #"{"email":"matrix-target@example.org","name":"Matrix target","role":"auditor"}"#)
            let user = try #require((target.json["user"] as? [String: Any])?["id"] as? String)
            endpoints += [
                Endpoint(method: .get, path: { _ in "/api/v1/users/\(user)" }, rule: .only([.admin])),
                Endpoint(method: .post, path: { _ in "/api/v1/users/\(user)/deactivate" }, rule: .only([.admin])),
                Endpoint(method: .post, path: { _ in "/api/v1/users/\(user)/reactivate" }, rule: .only([.admin])),
                Endpoint(method: .put, path: { _ in "/api/v1/users/\(user)/role" }, rule: .only([.admin]), json: "{}"),
                Endpoint(method: .post, path: { _ in "/api/v1/users/\(user)/password-reset" }, rule: .only([.admin]), json: "{}"),
            ]
            // Monitoring bodies and their period reports (issue 13): staff and auditors read, staff record, partners 403.
            let board = try #require(try await api.call(.get, "/api/v1/reviews/\(world.own.review)").json["board_id"] as? String)
            let body = try #require(try await api.call(
                .post, "/api/v1/monitoring-bodies", json: #"{"board_id":"\#(board)","name":"Matrix body","kind":"subgroup"}"#).json["id"] as? String)
            let reports = Rule.only([.admin, .coordinator, .auditor]), staffOnly = Rule.only(Self.staff)
            endpoints += [
                Endpoint(method: .get, path: { _ in "/api/v1/monitoring-bodies" }, rule: reports),
                Endpoint(method: .post, path: { _ in "/api/v1/monitoring-bodies" }, rule: staffOnly, json: "{}"),
                Endpoint(method: .get, path: { _ in "/api/v1/monitoring-bodies/\(body)" }, rule: reports),
                Endpoint(method: .get, path: { _ in "/api/v1/monitoring-bodies/\(body)/sources" }, rule: reports),
                Endpoint(method: .post, path: { _ in "/api/v1/monitoring-bodies/\(body)/sources" }, rule: staffOnly, json: "{}"),
                Endpoint(method: .delete, path: { "/api/v1/monitoring-bodies/\(body)/sources/\($0.review)" }, rule: staffOnly),
                Endpoint(method: .get, path: { _ in "/api/v1/monitoring-bodies/\(body)/presentations" }, rule: reports),
                Endpoint(method: .post, path: { _ in "/api/v1/monitoring-bodies/\(body)/presentations" }, rule: staffOnly, json: "{}"),
                Endpoint(method: .get, path: { _ in "/api/v1/monitoring-bodies/\(body)/period-report?quarter=2026-Q1&format=csv" }, rule: reports),
            ]
            endpoints += [
                Endpoint(method: .get, path: { _ in "/api/v1/partners/\(partnerID)" }, rule: .scopedRead(partner: true)),
                Endpoint(method: .patch, path: { _ in "/api/v1/partners/\(partnerID)" }, rule: .scopedWrite(staff: [.admin], partner: false), json: "{}", ifMatch: true),
            ]
            // Partner records are addressed by the organisation itself: own is the partner's, other is not.
            let otherPartner = [
                Endpoint(method: .get, path: { _ in "/api/v1/partners/\(otherID)" }, rule: .scopedRead(partner: true)),
                Endpoint(method: .patch, path: { _ in "/api/v1/partners/\(otherID)" }, rule: .scopedWrite(staff: [.admin], partner: false), json: "{}", ifMatch: true),
            ]
            var cases = 0
            var failures: [String] = []
            for endpoint in endpoints + otherPartner {
                let isOtherPartnerRecord = otherPartner.contains { $0.path(world.own) == endpoint.path(world.own) && $0.method == endpoint.method }
                let sides: [Side?] = endpoint.rule.scoped ? Side.allCases : [nil]
                for side in sides {
                    // For the partners' own endpoints the "side" is fixed by the path.
                    if isOtherPartnerRecord, side == .own { continue }
                    if endpoint.rule.scoped, endpoint.path(world.own).hasPrefix("/api/v1/partners/"), !isOtherPartnerRecord, side == .other { continue }
                    let records = side.map { world[$0] } ?? world.own
                    let path = endpoint.path(records)
                    for role in Role.allCases {
                        let expected = endpoint.rule.expected(role, side)
                        var headers = HTTPFields()
                        if endpoint.ifMatch { headers[.ifMatch] = "\"1\"" }
                        let reply = try await api.call(endpoint.method, path, as: role, json: endpoint.json, headers: headers)
                        let got: Outcome =
                            switch reply.status {
                            case .forbidden: .forbidden
                            case .notFound: .hidden
                            default: .allowed
                            }
                        cases += 1
                        if reply.status == .unauthorized || reply.status.code >= 500 || got != expected {
                            failures.append("\(endpoint.method) \(path) as \(role) (\(side?.description ?? "-")): expected \(expected), got \(reply.status.code) \(reply.text.prefix(160))")
                        }
                    }
                }
            }
            #expect(failures.isEmpty, "\(failures.count) of \(cases) cases differ:\n\(failures.joined(separator: "\n"))")
            #expect(cases >= 350, "only \(cases) cases were checked")
            print("access matrix: \(cases) cases (\(endpoints.count + otherPartner.count) endpoints × \(Role.allCases.count) roles, own and other organisation where it applies)")
        }
    }

    @Test("lists show a partner only their own organisation's records; staff see both")
    func lists() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let lists: [(String, KeyPath<PartnerWorld.Records, String>)] = [
                ("/api/v1/reviews", \.review), ("/api/v1/recommendations", \.recommendation), ("/api/v1/assignments", \.assignment),
                ("/api/v1/evidence", \.evidence), ("/api/v1/information-requests", \.request),
            ]
            for (path, key) in lists {
                let asPartner = Set(try await api.call(.get, path, as: .partner).items.compactMap { $0["id"] as? String })
                #expect(asPartner.contains(world.own[keyPath: key]), "\(path)")
                #expect(!asPartner.contains(world.other[keyPath: key]), "\(path) leaks another organisation's record")
                let asOther = Set(try await api.call(.get, path, as: nil, token: api.otherPartnerToken).items.compactMap { $0["id"] as? String })
                #expect(asOther.contains(world.other[keyPath: key]) && !asOther.contains(world.own[keyPath: key]), "\(path)")
                for role in [Role.admin, .coordinator, .auditor] {
                    let all = Set(try await api.call(.get, path, as: role).items.compactMap { $0["id"] as? String })
                    #expect(all.isSuperset(of: [world.own[keyPath: key], world.other[keyPath: key]]), "\(path) as \(role)")
                }
            }
            let partners = try await api.call(.get, "/api/v1/partners", as: .partner).items.compactMap { ($0["id"] as? String)?.lowercased() }
            #expect(partners == [api.ownPartner.uuidString.lowercased()])
            // A review's recommendations as a partner: only the ones assigned to them.
            let recommendation = try await api.call(
                .post, "/api/v1/reviews/\(world.own.review)/recommendations", json: #"{"number":"2","text":"Unassigned.","scope":"local"}"#)
            #expect(recommendation.status == .created)
            let seen = try await api.call(.get, "/api/v1/reviews/\(world.own.review)/recommendations", as: .partner).items.compactMap { $0["id"] as? String }
            #expect(seen == [world.own.recommendation])
            // Filters cannot widen a partner's view.
            let filtered = try await api.call(.get, "/api/v1/assignments?partner=\(api.otherPartner.uuidString.lowercased())", as: .partner).items
            #expect(filtered.isEmpty)
        }
    }
}
