import Foundation
import RegisterDomain
import RegisterStore

/// Demonstration of who holds actions and where recommendations come from: the Coventry LSCB's own
/// business unit and a task-and-finish group holding the serious case review's recommendations 1–4,
/// the Coventry scrutiny board's own tracker, and Wolverhampton's 2018–19 improvement plan with the
/// actions its scrutiny panel minuted. Facts come from the two sets of minutes; progress and evidence
/// that the minutes do not give are marked invented.
extension DemoData {
    static let coventryBusinessUnit = "Coventry LSCB business unit"
    static let coventryTaskAndFinish = "Coventry LSCB task and finish group: longer term needs"
    static let coventryCouncil = "Coventry City Council People Directorate"
    static let wolverhamptonCouncil = "City of Wolverhampton Council Children and Young People Service"

    /// The Coventry LSCB's business unit and task-and-finish group, and the two councils' services: by name.
    static func partnershipHolders(_ r: Registry, _ w: WriteContext, board: UUID) async throws -> [String: UUID] {
        var holders: [String: UUID] = [:]
        holders[coventryBusinessUnit] = try await r.partners.create(
            PartnerDetails(name: coventryBusinessUnit, sector: .partnership, kind: .businessUnit, boardID: board), context: w).id
        holders[coventryTaskAndFinish] = try await r.partners.create(
            PartnerDetails(
                name: coventryTaskAndFinish, sector: .partnership, kind: .subgroup, boardID: board,
                remit: "To consider the longer term needs of those children and young people who have experienced abuse and how these can be met within Coventry."),
            context: w).id
        for name in [coventryCouncil, wolverhamptonCouncil] {
            holders[name] = try await r.partners.create(PartnerDetails(name: name, sector: .localAuthority), context: w).id
        }
        return holders
    }

    /// The Coventry review's recommendations, held by the partnership itself: 1, 2 and 4 by its
    /// business unit, 3 by the task-and-finish group it asks for.
    static func coventryWork(
        _ r: Registry, _ w: WriteContext, recommendations: [String: UUID], holders: [String: UUID], users: [String: User]
    ) async throws {
        let coordinator = w.with(actor: users["coordinator@example.org"]!)
        let member = w.with(actor: users["business-unit@example.org"]!)
        let assigned = day("2016-07-22")
        var assignments: [String: UUID] = [:]
        for (number, holder, action) in [
            ("1", coventryBusinessUnit, "Make assessing the impact of the CSE strategy on outcomes for children a priority of the LSCB's business plan; consider commissioning a research-led project to identify the outcomes."),
            ("2", coventryBusinessUnit, "Bring partners together to promote and develop a relationship-based model of working with children who present as vulnerable and at risk."),
            ("3", coventryTaskAndFinish, "Consider the longer term needs of children and young people who have experienced abuse and how these can be met within Coventry."),
            ("4", coventryBusinessUnit, "Share the serious case review with the Adult Safeguarding Board."),
        ] {
            assignments[number] = try await r.assignments.create(
                for: recommendations[number]!,
                AssignmentDetails(partnerID: holders[holder]!, role: .lead, action: action, dueDate: day("2017-03-31")),
                today: assigned, context: coordinator).id
        }
        _ = try await r.assignments.addUpdate(
            to: assignments["1"]!, NewProgressUpdate(happenedOn: day("2016-10-14"), text: "Added to the LSCB business plan as a priority (invented example).", rag: .green),
            today: day("2016-10-14"), context: member)
        let outcome = try await submit(
            r, member, to: assignments["1"]!, "Research-led evaluation of the CSE strategy's outcomes for children (invented example).", .outcome,
            day("2017-03-31"), files: [("cse-strategy-outcomes.pdf", pdf("CSE strategy outcomes (invented example)"))])
        _ = try await r.evidence.decide(outcome.id, Decision(verdict: .accepted, reason: "Outcomes measured and reported to the Board."), today: day("2017-04-10"), context: coordinator)
        let shared = try await submit(
            r, member, to: assignments["4"]!, "Minute of the Adult Safeguarding Board receiving the review (invented example).", .output,
            day("2016-09-30"), files: [("asb-minute.pdf", pdf("Adult Safeguarding Board minute (invented example)"))])
        _ = try await r.evidence.decide(shared.id, Decision(verdict: .accepted), today: day("2016-10-05"), context: coordinator)
    }

    /// Sources other than reviews: the Coventry scrutiny board's tracker and Wolverhampton's improvement plan.
    static func otherSources(_ r: Registry, _ w: WriteContext, holders: [String: UUID], users: [String: User]) async throws {
        let coordinator = w.with(actor: users["coordinator@example.org"]!)
        let coventryBoard = try await r.boards.find("coventry-lscb")

        // Coventry, 21 July 2016: the scrutiny board's recommendations to officers, kept on its own tracker.
        let scrutiny = try await r.reviews.create(
            ReviewDetails(
                reference: "COV-SCRUTINY-2016-07-21", title: "Education and Children's Services Scrutiny Board (2): recommendations of 21 July 2016",
                kind: .scrutinyInquiry, boardID: coventryBoard.id, regime: .local,
                summary: "Recommendations and actions made at the meeting, circulated to the relevant Cabinet Member and officer and recorded on the board's recommendations tracker with their responses.",
                themes: ["education"]),
            context: w)
        let schoolReady = try await r.recommendations.create(
            in: scrutiny.id,
            RecommendationDetails(
                number: "10.2", text: "Officers investigate whether there is a standard definition of 'school ready' so that the expectation can be shared with all providers.",
                scope: .local, addressee: "Officers"),
            today: day("2016-07-21"), context: w)
        _ = try await r.assignments.create(
            for: schoolReady.id,
            AssignmentDetails(
                partnerID: holders[coventryCouncil]!, role: .lead, action: "Investigate whether there is a standard definition of 'school ready' and report back.",
                leadOfficer: "Executive Director for People", dueDate: day("2017-01-21")),
            today: day("2016-07-22"), context: coordinator)
        _ = try await r.recommendations.create(
            in: scrutiny.id,
            RecommendationDetails(number: "11.a", text: "The new Chair of the Improvement Board be invited to the Scrutiny Board.", scope: .local, addressee: "Scrutiny Co-ordinator"),
            today: day("2016-07-21"), context: w)

        // Wolverhampton, 2018–19: the Children and Young People Service Improvement Plan.
        let board = try await r.boards.create(
            BoardDetails(code: "wolverhampton", name: "Wolverhampton children's services (from the 2019 scrutiny panel minutes)", kind: .childrenPartnership, area: "Wolverhampton"),
            context: w)
        let plan = try await r.reviews.create(
            ReviewDetails(
                reference: "WOL-CYPS-IP-2018-19", title: "Children and Young People Service Improvement Plan 2018-2019",
                kind: .improvementPlan, boardID: board.id, regime: .local,
                summary: "Brings together performance data and the experiences of parents and children in a single document. The Quarter 2 update told the scrutiny panel the service was on track to deliver the plan's priorities by the end of Q4; a further progress report is due after June 2019.",
                themes: ["child_sexual_exploitation", "voice_of_the_child"]),
            context: w)
        let council = holders[wolverhamptonCouncil]!
        for (number, text, action, officer) in [
            ("1", "Embed restorative practice across the workforce to support the changes in the service.",
             "The communications team produces a video to further embed restorative practice across the workforce.", "Principal Social Worker"),
            ("2", "Capture the experiences of children and young people who receive support from the service, consistently.",
             "Social workers speak to children and young people about their experience of the service; managers and heads of service observe practice.", "Principal Social Worker"),
            ("3", "Respond to the challenge of child sexual exploitation, including the establishment of the Regional Exploitation Group.",
             "Establish the Regional Exploitation Group.", "Head of Service People"),
        ] {
            let priority = try await r.recommendations.create(
                in: plan.id, RecommendationDetails(number: number, text: text, scope: number == "3" ? .regional : .local, targetDate: day("2019-03-31")),
                today: day("2018-10-01"), context: w)
            _ = try await r.assignments.create(
                for: priority.id,
                AssignmentDetails(partnerID: council, role: .lead, action: action, leadOfficer: officer, dueDate: day("2019-03-31")),
                today: day("2018-10-01"), context: coordinator)
        }

        // The panel's actions from the meeting, each owned by a named officer.
        let meeting = try await r.reviews.create(
            ReviewDetails(
                reference: "WOL-SCRUTINY-2019-Q2", title: "Scrutiny panel: Quarter 2 update of the improvement plan, actions from the meeting",
                kind: .scrutinyInquiry, boardID: board.id, regime: .local, themes: ["disability", "education"]),
            context: w)
        for (number, text, officer, due) in [
            ("1", "Discuss the idea of a child or parent friendly version of the Improvement Plan and report back to a future meeting of the panel.",
             "Louise Haughton, Principal Social Worker", "2019-06-30"),
            ("2", "Re-circulate a copy of the briefing on the autism strategy to the panel.", "Scrutiny officer", "2019-03-27"),
            ("3", "Add an item on the autism strategy to the agenda for the panel meeting on 27 March 2019.", "Scrutiny officer", "2019-03-27"),
        ] {
            let action = try await r.recommendations.create(
                in: meeting.id, RecommendationDetails(number: number, text: text, scope: .local, addressee: officer, targetDate: day(due)),
                today: day("2019-01-31"), context: w)
            _ = try await r.assignments.create(
                for: action.id, AssignmentDetails(partnerID: council, role: .lead, action: text, leadOfficer: officer, dueDate: day(due)),
                today: day("2019-01-31"), context: coordinator)
        }
    }
}
