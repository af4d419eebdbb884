import Foundation
import RegisterDomain
import Testing

/// The access policy table of docs/architecture.md, written out here independently of `Policy`, so a change to
/// either one fails this test.
@Suite("Access policy")
struct PolicyTests {
    enum Expected { case no, all, own }

    static let table: [Action: [Role: Expected]] = [
        .readBoards: [.admin: .all, .coordinator: .all, .auditor: .all, .partner: .all],
        .manageBoards: [.admin: .all, .coordinator: .no, .auditor: .no, .partner: .no],
        .readReviews: [.admin: .all, .coordinator: .all, .auditor: .all, .partner: .own],
        .editReviews: [.admin: .all, .coordinator: .all, .auditor: .no, .partner: .no],
        .readHistory: [.admin: .all, .coordinator: .all, .auditor: .all, .partner: .no],
        .manageUsers: [.admin: .all, .coordinator: .no, .auditor: .no, .partner: .no],
        .readPartners: [.admin: .all, .coordinator: .all, .auditor: .all, .partner: .own],
        .managePartners: [.admin: .all, .coordinator: .no, .auditor: .no, .partner: .no],
        .readAssignments: [.admin: .all, .coordinator: .all, .auditor: .all, .partner: .own],
        .assignPartners: [.admin: .all, .coordinator: .all, .auditor: .no, .partner: .no],
        .reportProgress: [.admin: .all, .coordinator: .all, .auditor: .no, .partner: .own],
        .submitEvidence: [.admin: .no, .coordinator: .no, .auditor: .no, .partner: .own],
        .decideEvidence: [.admin: .all, .coordinator: .all, .auditor: .no, .partner: .no],
        .askForInformation: [.admin: .all, .coordinator: .all, .auditor: .no, .partner: .no],
        .answerRequests: [.admin: .no, .coordinator: .no, .auditor: .no, .partner: .own],
        .readReports: [.admin: .all, .coordinator: .all, .auditor: .all, .partner: .no],
        .readAudit: [.admin: .all, .coordinator: .no, .auditor: .all, .partner: .no],
        .manageOwnAccount: [.admin: .all, .coordinator: .all, .auditor: .all, .partner: .all],
    ]

    @Test("every role × action reaches exactly as the table says", arguments: Action.allCases)
    func table(_ action: Action) throws {
        let row = try #require(Self.table[action], "the table has no row for \(action)")
        let organisation = UUID()
        for role in Role.allCases {
            let reach = Policy.reach(role, partner: role == .partner ? organisation : nil, action)
            switch row[role]! {
            case .no: #expect(reach == nil, "\(role) \(action)")
            case .all: #expect(reach == .everything, "\(role) \(action)")
            case .own: #expect(reach == .partner(organisation), "\(role) \(action)")
            }
        }
    }

    @Test("a partner user without an organisation reaches nothing of partners' work")
    func partnerWithoutOrganisation() {
        for action in [Action.readReviews, .readAssignments, .submitEvidence, .reportProgress, .readPartners] {
            #expect(Policy.reach(.partner, partner: nil, action) == nil)
        }
    }

    @Test("a partner's reach covers only their own organisation")
    func covers() {
        let own = UUID(), other = UUID()
        #expect(Reach.partner(own).covers(partner: own))
        #expect(!Reach.partner(own).covers(partner: other))
        #expect(Reach.everything.covers(partner: other))
    }
}
