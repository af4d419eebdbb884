import Foundation
import Logging
import NIOCore
import RegisterDomain
import RegisterStore

/// Demonstration content: the Coventry 2016 serious case review (from the Education and Children's
/// Services Scrutiny Board minutes of 21 July 2016) and a few invented reviews, plus one account per role.
///
/// Everything goes through the same stores and rules as the API, in the register's own words.
public enum DemoData {
    /// Demo sign-ins, printed by `demo load`. Demo only: never load this into a live register.
    /// Partner users belong to the named demo partner organisation.
    public static let accounts: [(email: String, name: String, role: Role, password: String, partner: String?)] = [
        ("admin@example.org", "Demo Admin", .admin, "demo-admin-password", nil),
        ("coordinator@example.org", "Demo Coordinator", .coordinator, "demo-coordinator-password", nil),
        ("auditor@example.org", "Demo Auditor", .auditor, "demo-auditor-password", nil),
        ("partner@example.org", "Demo Partner (police)", .partner, "demo-partner-password", "Northvale Police (invented)"),
        ("health-partner@example.org", "Demo Partner (health)", .partner, "demo-health-partner-password", "Northvale Integrated Care Board (invented)"),
        ("business-unit@example.org", "Demo member of the LSCB business unit", .partner, "demo-business-unit-password", coventryBusinessUnit),
    ]

    /// Invented partner agencies of the invented Northvale partnership.
    static let partners: [(String, Sector)] = [
        ("Northvale Police (invented)", .police),
        ("Northvale Integrated Care Board (invented)", .health),
        ("Northvale Council Children's Services (invented)", .localAuthority),
        ("Northvale Schools Trust (invented)", .education),
        ("Northvale Probation Delivery Unit (invented)", .probation),
    ]

    /// Loads the demo content unless it is already there. Returns false when it was.
    public static func load(into services: RegisterServices, logger: Logger) async throws -> Bool {
        let registry = services.registry
        let actor = Actor.system("demo", logger: logger)
        let write = actor.write
        let existing = try await registry.boards.list(PageRequest(limit: 200))
        if existing.items.contains(where: { $0.details.code == "coventry-lscb" }) { return false }

        var partnerIDs: [String: UUID] = [:]
        for (name, sector) in partners {
            partnerIDs[name] = try await registry.partners.create(PartnerDetails(name: name, sector: sector), context: write).id
        }
        let coventryBoard = try await registry.boards.create(
            BoardDetails(code: "coventry-lscb", name: "Coventry Local Safeguarding Children Board", kind: .lscb, area: "Coventry"), context: write)
        partnerIDs.merge(try await partnershipHolders(registry, write, board: coventryBoard.id)) { $1 }
        var users: [String: User] = [:]
        for account in accounts {
            users[account.email] = try await services.accounts.create(
                NewUser(email: account.email, name: account.name, role: account.role, partnerID: account.partner.flatMap { partnerIDs[$0] },
                        password: account.password),
                by: actor).user
        }
        let coventryRecommendations = try await coventry(registry, write, board: coventryBoard)
        try await coventryWork(registry, write, recommendations: coventryRecommendations, holders: partnerIDs, users: users)
        try await northvale(registry, write, partners: partnerIDs, users: users)
        try await westmere(registry, write)
        try await otherSources(registry, write, holders: partnerIDs, users: users)
        try await lessons(registry, write)
        try await progress(registry, write)
        try await requestsAndDocuments(registry, write, users: users)
        try await importedTracker(services, actor)
        try await reminders(registry, write, users: users)
        return true
    }

    static func day(_ text: String) -> Day { Day(iso: text)! }

    // MARK: Coventry 2016: the real review

    /// Records the review; returns its recommendations by number.
    private static func coventry(_ r: Registry, _ w: WriteContext, board: Board) async throws -> [String: UUID] {
        var review = try await r.reviews.create(
            ReviewDetails(
                reference: "COV-SCR-2016-01",
                title: "Serious case review: child sexual exploitation of five young people",
                kind: .scr, boardID: board.id, regime: .wt2015,
                subjects: "Five young people (pseudonymised in the report)",
                summary: """
                    Referred by the police commander to the Independent Chair of the LSCB; the LSCB agreed in March 2015 that the \
                    case met the Working Together 2015 criteria for a serious case review. Several teenage girls were victims of \
                    child sexual exploitation by a group of men in Coventry; five men were convicted of offences including \
                    physical assault, witness intimidation and the supply of drugs. The review worked to three core questions \
                    rather than prescriptive terms of reference, and was asked to consider the voice of the children and \
                    professionals' relationships to them. Published by the LSCB on 11 July 2016 and reported to the Education \
                    and Children's Services Scrutiny Board on 21 July 2016.
                    """,
                themes: ["child_sexual_exploitation", "voice_of_the_child", "adolescent_risk", "multi_agency_working"],
                publishedOn: day("2016-07-11")),
            context: w)
        for move in [(ReviewStatus.commissioned, "2015-03-31"), (.inProgress, "2015-04-01"), (.published, "2016-07-11"), (.monitoring, "2016-07-21")] {
            review = try await r.reviews.transition(review.id, expectedVersion: nil, TransitionRequest(to: move.0, on: day(move.1)), today: day(move.1), context: w)
        }
        for text in [
            "What can we learn specifically about these cases, as well as more widely around responses to troubled young people?",
            "Why did it happen and could it have been prevented?",
            "Could it happen now? If yes, what do we need to change?",
        ] {
            _ = try await r.reviewItems.addQuestion(to: review.id, CoreQuestionDetails(text: text), context: w)
        }
        let recommendations: [(String, String, String)] = [
            ("1", "The LSCB to ensure that assessing the impact of Coventry's CSE strategy on outcomes for children is identified as a priority including giving consideration to the option of commissioning a research led project to identify the outcomes.", "The LSCB"),
            ("2", "That the LSCB and partners consider how to promote and develop a relationship based model of working with children who present as vulnerable and at risk.", "The LSCB and partners"),
            ("3", "The Board to co-ordinate a task and finish group to consider the longer term needs of those children and young people who have experienced abuse and how these can be met within Coventry.", "The Board"),
            // The published minutes cut this recommendation short; the register keeps what they say.
            ("4", "The LSCB share this SCR with the Adult Safeguarding Board (the minutes' text of this recommendation is cut short).", "The LSCB"),
        ]
        var recorded: [String: UUID] = [:]
        for (number, text, addressee) in recommendations {
            recorded[number] = try await r.recommendations.create(
                in: review.id, RecommendationDetails(number: number, text: text, scope: .local, addressee: addressee, targetDate: nil),
                today: day("2016-07-21"), context: w).id
        }
        return recorded
    }

    // MARK: Invented examples

    private static func northvale(_ r: Registry, _ w: WriteContext, partners: [String: UUID], users: [String: User]) async throws {
        let board = try await r.boards.create(
            BoardDetails(code: "northvale-scp", name: "Northvale Safeguarding Children Partnership (invented)", kind: .childrenPartnership, area: "Northvale"),
            context: w)
        let rapid = try await r.reviews.create(
            ReviewDetails(
                reference: "NV-RR-2025-04", title: "Rapid review: serious injury to an infant (invented example)", kind: .rapidReview,
                boardID: board.id, regime: .wt2023, subjects: "Baby M", themes: ["non_accidental_injury_in_infants", "information_sharing"],
                incidentKnownOn: day("2025-09-01"), notifiedOn: day("2025-09-04"), rapidReviewDueOn: day("2025-09-22"),
                rapidReviewCompletedOn: day("2025-09-19")),
            context: w)
        _ = try await r.reviews.transition(rapid.id, expectedVersion: nil, TransitionRequest(to: .rapidReview), today: day("2025-09-05"), context: w)
        var review = try await r.reviews.create(
            ReviewDetails(
                reference: "NV-LCSPR-2025-02", title: "Local child safeguarding practice review: Baby M (invented example)", kind: .lcspr,
                boardID: board.id, regime: .wt2023, subjects: "Baby M",
                summary: "Converted from rapid review NV-RR-2025-04 after the national Panel agreed a local review was needed.",
                themes: ["non_accidental_injury_in_infants", "information_sharing", "professional_curiosity"],
                decisionOn: day("2025-10-01"), leadReviewer: "Independent reviewer (invented)", parentReviewID: rapid.id),
            context: w)
        review = try await r.reviews.transition(review.id, expectedVersion: nil, TransitionRequest(to: .commissioned), today: day("2025-10-01"), context: w)
        review = try await r.reviews.transition(review.id, expectedVersion: nil, TransitionRequest(to: .inProgress), today: day("2025-10-15"), context: w)
        let q1 = try await r.reviewItems.addQuestion(
            to: review.id, CoreQuestionDetails(text: "How well did agencies share what they knew about the risks to Baby M?"), context: w)
        let q2 = try await r.reviewItems.addQuestion(
            to: review.id, CoreQuestionDetails(text: "Were fathers and male carers seen and assessed?"), context: w)
        let f1 = try await r.reviewItems.addFinding(
            to: review.id,
            FindingDetails(
                text: "Health visiting and the GP practice held different pictures of the household; neither knew of the police call-outs.",
                themes: ["information_sharing"], questionIDs: [q1.id]), context: w)
        let f2 = try await r.reviewItems.addFinding(
            to: review.id,
            FindingDetails(text: "The mother's partner was not seen by any professional before the injury.", themes: ["professional_curiosity"], questionIDs: [q2.id]),
            context: w)
        let first = try await r.recommendations.create(
            in: review.id,
            RecommendationDetails(
                number: "1", text: "Partners agree a protocol for sharing police domestic incident notifications with health visitors within 48 hours.",
                scope: .local, addressee: "Police, ICB and council", targetDate: day("2026-03-31"), findingIDs: [f1.id]),
            today: day("2025-12-01"), context: w)
        let second = try await r.recommendations.create(
            in: review.id,
            RecommendationDetails(
                number: "2", text: "Every pre-birth and infant assessment names and assesses each adult in the household, including male carers.",
                scope: .local, addressee: "Children's social care and health", targetDate: day("2026-01-31"), findingIDs: [f2.id]),
            today: day("2025-12-01"), context: w)
        _ = try await r.recommendations.transition(second.id, expectedVersion: nil, TransitionRequest(to: .inProgress), today: day("2025-12-10"), context: w)
        _ = try await r.recommendations.create(
            in: review.id,
            RecommendationDetails(
                number: "3", text: "The national Panel considers guidance on engaging fathers in safeguarding infants.",
                scope: .national, addressee: "Child Safeguarding Practice Review Panel"),
            today: day("2025-12-01"), context: w)
        try await northvaleWork(r, w, first: first.id, second: second.id, partners: partners, users: users)
    }

    /// The partners' side: assignments, progress, evidence with small files, accepted and returned verdicts.
    private static func northvaleWork(
        _ r: Registry, _ w: WriteContext, first: UUID, second: UUID, partners: [String: UUID], users: [String: User]
    ) async throws {
        func partner(_ prefix: String) -> UUID { partners.first { $0.key.hasPrefix(prefix) }!.value }
        let coordinator = w.with(actor: users["coordinator@example.org"]!)
        let police = w.with(actor: users["partner@example.org"]!)
        let health = w.with(actor: users["health-partner@example.org"]!)
        let today = Day.today()

        // Recommendation 1: police lead; health and probation support.
        let policeLead = try await r.assignments.create(
            for: first,
            AssignmentDetails(
                partnerID: partner("Northvale Police"), role: .lead,
                action: "Agree and sign a notification-sharing protocol with the ICB; audit 40 notifications three months after launch.",
                leadOfficer: "DI Example (invented)", dueDate: day("2026-03-31")),
            today: day("2025-12-05"), context: coordinator)
        let healthSupport = try await r.assignments.create(
            for: first,
            AssignmentDetails(
                partnerID: partner("Northvale Integrated Care Board"), role: .supporting,
                action: "Health visiting teams record each notification received and the date it was acted on.",
                leadOfficer: "Designated Nurse (invented)", dueDate: day("2026-04-30")),
            today: day("2025-12-05"), context: coordinator)
        let probationSupport = try await r.assignments.create(
            for: first,
            AssignmentDetails(
                partnerID: partner("Northvale Probation"), role: .supporting,
                action: "Probation shares relevant risk information on household members with health visitors under the protocol.",
                dueDate: day("2026-05-31")),
            today: day("2025-12-05"), context: coordinator)
        _ = try await r.assignments.addUpdate(
            to: policeLead.id, NewProgressUpdate(happenedOn: day("2026-01-15"), text: "Draft protocol shared with the ICB and the council's legal team.", rag: .green),
            today: today, context: police)
        let signedProtocol = try await submit(
            r, police, to: policeLead.id, "Signed notification-sharing protocol (version 1.0).", .output, day("2026-02-20"),
            files: [("notification-sharing-protocol.pdf", pdf("Notification-sharing protocol v1.0 (demo)"))])
        _ = try await r.evidence.decide(signedProtocol.id, Decision(verdict: .accepted, reason: "Protocol signed by all three agencies."), today: today, context: coordinator)
        let audit = try await submit(
            r, police, to: policeLead.id, "Audit of 40 notifications, May 2026: 37 shared within 48 hours (92%).", .outcome, day("2026-05-31"),
            files: [("notification-audit-may-2026.csv", csv)])
        _ = try await r.evidence.decide(audit.id, Decision(verdict: .accepted), today: today, context: coordinator)
        let returned = try await submit(
            r, health, to: healthSupport.id, "Health visiting notification log.", .output, day("2026-04-30"),
            files: [("hv-notification-log.csv", csv)])
        _ = try await r.evidence.decide(
            returned.id,
            Decision(verdict: .returned, reason: "The log does not show the date each notification was acted on; please add that column and resubmit."),
            today: today, context: coordinator)
        // The resubmission is a new record, waiting in the coordinator's queue.
        _ = try await submit(
            r, health, to: healthSupport.id, "Health visiting notification log, with the date each notification was acted on.", .output,
            day("2026-05-31"), files: [("hv-notification-log-with-dates.csv", csv)])
        _ = try await r.assignments.addUpdate(
            to: probationSupport.id, NewProgressUpdate(happenedOn: day("2026-03-02"), text: "Practice note issued to offender managers.", rag: .blue),
            today: today, context: coordinator)

        // Recommendation 2: council lead with a revised due date; schools support; evidence awaiting a decision.
        let councilLead = try await r.assignments.create(
            for: second,
            AssignmentDetails(
                partnerID: partner("Northvale Council"), role: .lead,
                action: "Revise the pre-birth assessment template so every adult in the household is named and assessed; audit 20 assessments.",
                leadOfficer: "Head of Service (invented)", dueDate: day("2026-01-31")),
            today: day("2025-12-10"), context: coordinator)
        let revised = try await r.assignments.update(
            councilLead.id, expectedVersion: councilLead.version,
            to: AssignmentDetails(
                partnerID: councilLead.details.partnerID, role: .lead, action: councilLead.details.action,
                leadOfficer: councilLead.details.leadOfficer, dueDate: day("2026-06-30"),
                dueDateReason: "The case recording system upgrade moved to April 2026."),
            today: today, context: coordinator)
        _ = try await r.assignments.addUpdate(
            to: revised.id, NewProgressUpdate(happenedOn: day("2026-04-20"), text: "New template live in the case recording system.", rag: .green),
            today: today, context: coordinator)
        _ = try await r.assignments.create(
            for: second,
            AssignmentDetails(
                partnerID: partner("Northvale Schools Trust"), role: .supporting,
                action: "Designated safeguarding leads brief staff on recording male carers at admission.",
                dueDate: day("2026-02-28")),
            today: day("2025-12-10"), context: coordinator)
    }

    /// Submits evidence as a partner user, files from memory.
    static func submit(
        _ r: Registry, _ w: WriteContext, to assignment: UUID, _ summary: String, _ kind: EvidenceKind, _ effective: Day,
        files: [(String, [UInt8])]
    ) async throws -> Evidence {
        try await r.evidence.submit(to: assignment, idempotencyKey: nil, maxBytes: 1 << 20, today: Day.today(), context: w) { upload in
            for (name, bytes) in files {
                let file = try upload.beginFile(named: name)
                try await file.write(ByteBuffer(bytes: bytes))
                _ = try await file.finish()
            }
            return EvidenceSubmission(summary: summary, kind: kind, effectiveDate: effective)
        }.evidence
    }

    /// A one-page PDF saying `text`.
    static func pdf(_ text: String) -> [UInt8] {
        let content = "BT /F1 18 Tf 72 720 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, body) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(index + 1) 0 obj\n\(body)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { out += String(format: "%010d 00000 n \n", offset) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(out.utf8)
    }

    static let csv = Array("""
        notification,received_on,shared_on,within_48_hours
        N-001,2026-05-02,2026-05-03,yes
        N-002,2026-05-04,2026-05-07,no
        N-003,2026-05-09,2026-05-10,yes

        """.utf8)

    private static func westmere(_ r: Registry, _ w: WriteContext) async throws {
        let board = try await r.boards.create(
            BoardDetails(code: "westmere-sab", name: "Westmere Safeguarding Adults Board (invented)", kind: .adultsBoard, area: "Westmere"), context: w)
        var review = try await r.reviews.create(
            ReviewDetails(
                reference: "WM-SAR-2024-01", title: "Safeguarding adults review: Adult D, self-neglect (invented example)", kind: .sar,
                boardID: board.id, regime: .careAct2014, subjects: "Adult D", themes: ["transitions", "multi_agency_working", "housing"],
                decisionOn: day("2024-02-12"), publishedOn: day("2024-11-04"), publicationURL: "https://example.org/westmere/sar-adult-d"),
            context: w)
        for move in [ReviewStatus.commissioned, .inProgress, .published, .monitoring] {
            review = try await r.reviews.transition(review.id, expectedVersion: nil, TransitionRequest(to: move), today: day("2024-11-04"), context: w)
        }
        let first = try await r.recommendations.create(
            in: review.id,
            RecommendationDetails(
                number: "1", text: "Housing and adult social care hold a joint multi-agency risk meeting whenever a tenant refuses support twice.",
                scope: .local, addressee: "Housing and adult social care", targetDate: day("2025-06-30")),
            today: day("2024-11-04"), context: w)
        _ = try await r.recommendations.transition(first.id, expectedVersion: nil, TransitionRequest(to: .implemented), today: day("2025-06-20"), context: w)
        let second = try await r.recommendations.create(
            in: review.id,
            RecommendationDetails(
                number: "2", text: "Commission a self-neglect practice guidance refresh.", scope: .local, addressee: "The Board",
                targetDate: day("2025-03-31")),
            today: day("2024-11-04"), context: w)
        _ = try await r.recommendations.transition(
            second.id, expectedVersion: nil,
            TransitionRequest(to: .superseded, reason: "Replaced by the regional self-neglect guidance adopted in January 2025."),
            today: day("2025-01-20"), context: w)
    }
}

extension WriteContext {
    /// The same request, written as `user`.
    func with(actor user: User) -> WriteContext {
        WriteContext(actor: Principal(user: user), requestID: requestID, logger: logger)
    }
}
