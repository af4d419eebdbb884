import Foundation
import RegisterDomain
import RegisterStore

extension DemoData {
    /// Progress as boards report it and reporting periods (issue 13, points 3 and 4): a monitoring
    /// body for each demo board monitoring its reviews; an amber and a red update, each with its
    /// forecast date and reason; a delayed assignment; and last quarter's report recorded as presented.
    static func progress(_ r: Registry, _ w: WriteContext) async throws {
        let today = Day.today()
        let monitoring = MonitoringStore(database: r.database)
        var northvaleBody: MonitoringBody?
        for board in try await r.boards.list(PageRequest(limit: 200)).items {
            let scrutiny = board.details.code == "coventry-lscb"
            let body = try await monitoring.create(
                MonitoringBodyDetails(
                    boardID: board.id, name: scrutiny ? "Education and Children's Services Scrutiny Board" : "Safeguarding Partnership Board",
                    kind: scrutiny ? .scrutinyCommittee : .board),
                context: w)
            for review in try await r.reviews.list(ReviewFilter(boardID: board.id), page: PageRequest(limit: 200), today: today).items {
                try await monitoring.setMonitoredBy(review.id, bodyID: body.id, context: w)
            }
            if board.details.name.hasPrefix("Northvale") { northvaleBody = body }
        }

        // Northvale's work: the health log (returned, resubmitted) is amber; the schools' briefing is red and delayed.
        let work = try await r.assignments.list(AssignmentFilter(), page: PageRequest(limit: 200), today: today).items
        if let health = work.first(where: { $0.state.partnerName.hasPrefix("Northvale Integrated Care Board") }) {
            _ = try await r.assignments.addUpdate(
                to: health.id,
                NewProgressUpdate(
                    text: "Log resubmitted with the date each notification was acted on.", rag: .amber, forecastDate: today.adding(days: 45),
                    ragReason: "Two health visiting teams have not yet moved to the new log."),
                today: today, context: w)
        }
        if var schools = work.first(where: { $0.state.partnerName.hasPrefix("Northvale Schools Trust") }) {
            _ = try await r.assignments.addUpdate(
                to: schools.id,
                NewProgressUpdate(
                    text: "Briefing written; not yet delivered in most schools.", rag: .red, forecastDate: today.adding(days: 60),
                    ragReason: "Designated safeguarding lead training was cancelled twice."),
                today: today, context: w)
            schools = try await r.assignments.get(schools.id, today: today)
            _ = try await r.assignments.markDelayed(
                schools.id, expectedVersion: schools.version,
                DelayRequest(reason: "Training for designated safeguarding leads rebooked for next term.", expectedDate: today.adding(days: 60)),
                today: today, context: w)
        }

        // Last quarter's report, presented to the board twelve days after it ended (or today, if sooner).
        if let body = northvaleBody {
            let current = ReportingPeriod.quarter("\(today.year)-Q\((today.month + 2) / 3)")!
            let before = current.start.adding(days: -1)
            let last = ReportingPeriod.quarter("\(before.year)-Q\((before.month + 2) / 3)")!
            _ = try await monitoring.addPresentation(
                to: body.id,
                NewPresentation(
                    periodStart: last.start, periodEnd: last.end, presentedTo: "Northvale Safeguarding Partnership Board (invented)",
                    presentedOn: min(last.end.adding(days: 12), today), note: "Minute 7: progress noted; the schools' delay to be reported again next quarter."),
                today: today, context: w)
        }
    }
}
