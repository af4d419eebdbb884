import Foundation
import Logging
import RegisterDomain
import RegisterStore

/// Demonstration content: the Coventry 2016 serious case review (from the Education and Children's
/// Services Scrutiny Board minutes of 21 July 2016) and a few invented reviews, plus one account per role.
///
/// Everything goes through the same stores and rules as the API, in the register's own words.
public enum DemoData {
    /// Demo sign-ins, printed by `demo load`. Demo only: never load this into a live register.
    public static let accounts: [(email: String, name: String, role: Role, password: String)] = [
        ("admin@example.org", "Demo Admin", .admin, "demo-admin-password"),
        ("coordinator@example.org", "Demo Coordinator", .coordinator, "demo-coordinator-password"),
        ("auditor@example.org", "Demo Auditor", .auditor, "demo-auditor-password"),
        ("partner@example.org", "Demo Partner", .partner, "demo-partner-password"),
    ]

    /// Loads the demo content unless it is already there. Returns false when it was.
    public static func load(into registry: Registry, logger: Logger) async throws -> Bool {
        let write = WriteContext(actor: .system("demo"), requestID: "demo-" + UUID().uuidString.lowercased(), logger: logger)
        let existing = try await registry.boards.list(PageRequest(limit: 200))
        if existing.items.contains(where: { $0.details.code == "coventry-lscb" }) { return false }

        for account in accounts {
            _ = try await registry.createUser(
                NewUser(email: account.email, name: account.name, role: account.role, password: account.password), context: write)
        }
        try await coventry(registry, write)
        try await northvale(registry, write)
        try await westmere(registry, write)
        return true
    }

    private static func day(_ text: String) -> Day { Day(iso: text)! }

    // MARK: Coventry 2016: the real review

    private static func coventry(_ r: Registry, _ w: WriteContext) async throws {
        let board = try await r.boards.create(
            BoardDetails(code: "coventry-lscb", name: "Coventry Local Safeguarding Children Board", kind: .lscb, area: "Coventry"), context: w)
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
        for (number, text, addressee) in recommendations {
            _ = try await r.recommendations.create(
                in: review.id, RecommendationDetails(number: number, text: text, scope: .local, addressee: addressee, targetDate: nil),
                today: day("2016-07-21"), context: w)
        }
    }

    // MARK: Invented examples

    private static func northvale(_ r: Registry, _ w: WriteContext) async throws {
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
        _ = try await r.recommendations.create(
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
    }

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
