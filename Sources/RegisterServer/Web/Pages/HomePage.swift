import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// `/`: the role's home page. The partnership's staff see what needs attention first.
struct HomePage {
    let kit: PageKit

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("/") { request, context in
            let actor = context.actor
            guard actor.may(.decideEvidence) else { return try await otherHome(request, context) }
            let overview = try await kit.services.dashboard.overview(by: actor)
            let values: [String: Any] = [
                "overdueTotal": overview.overdue.total,
                "overdue": overview.overdue.items.map { item -> [String: Any] in
                    [
                        "href": "/recommendations/\(item.recommendationID.uuidString.lowercased())",
                        "what": "\(item.reviewReference) recommendation \(item.recommendationNumber)", "partner": item.partnerName,
                        "due": UKDate.long(item.dueDate), "days": item.daysOverdue,
                    ]
                },
                "overdueMore": overview.overdue.total > overview.overdue.items.count,
                "waitingTotal": overview.awaitingDecision.total,
                "waiting": overview.awaitingDecision.items.map { item -> [String: Any] in
                    [
                        "href": "/evidence#evidence-\(item.evidenceID.uuidString.lowercased())",
                        "what": "\(item.reviewReference) recommendation \(item.recommendationNumber)", "partner": item.partnerName,
                        "received": UKDate.time(item.receivedAt), "days": item.daysWaiting,
                    ]
                },
                "clocks": overview.clocks.map { alert -> [String: Any] in
                    [
                        "href": "/reviews/\(alert.review.id.uuidString.lowercased())#clocks",
                        "review": alert.review.details.reference, "clock": alert.clock.label,
                        "due": alert.clock.dueOn.map(UKDate.long) ?? "", "tag": Tag.clock(alert.clock.state),
                    ]
                },
                "requestsOpen": overview.requests.open, "requestsOverdue": overview.requests.overdue,
                "horizon": DashboardService.clockHorizonDays,
                "statuses": overview.reviewsByStatus.map { status, count -> [String: Any] in
                    ["href": "/reviews?status=\(status.rawValue)", "label": status.label, "count": count]
                },
            ]
            return try await kit.page("home", values, title: "Home", request: request, context: context)
        }
    }

    /// A partner's home is their organisation's actions; an auditor's, the reports and the trail.
    private func otherHome(_ request: Request, _ context: SignedInContext) async throws -> Response {
        if context.actor.may(.submitEvidence) { return try await PartnerPages(kit: kit).home(request, context) }
        let values: [String: Any] = [
            "mayReports": context.actor.may(.readReports), "mayAudit": context.actor.may(.readAudit), "mayReviews": context.actor.may(.readReviews),
        ]
        return try await kit.page("home-other", values, title: "Home", request: request, context: context)
    }
}
