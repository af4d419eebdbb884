import Foundation
import RegisterDomain
import RegisterReports
import RegisterStore

/// Monitoring bodies (a board, a subgroup, a scrutiny committee), the sources each monitors, their
/// progress reports for a period, and the record that a report was presented.
///
/// Who may: the partnership's staff record bodies, which sources they monitor and presentations
/// (`editReviews`: admins and coordinators, who keep the register's account of its sources);
/// staff and auditors read them and take the reports (`readReports`, like every report). Partners
/// get none of it (403): a period report covers every holder's work on the body's sources, and a
/// partner sees only their own organisation's (their work lists and assignment pages show it).
public struct MonitoringService: Sendable {
    let store: MonitoringStore
    let periods: PeriodStore
    let audit: AuditStore
    let clock: RegisterClock

    public func bodies(boardID: UUID?, by actor: Actor) async throws -> [MonitoringBody] {
        try actor.require(.readReports)
        return try await store.list(boardID: boardID)
    }

    public func body(_ id: UUID, by actor: Actor) async throws -> MonitoringBody {
        try actor.require(.readReports)
        return try await store.get(id)
    }

    public func create(_ details: @autoclosure () async throws -> MonitoringBodyDetails, by actor: Actor) async throws -> MonitoringBody {
        try actor.require(.editReviews)
        let body = try await store.create(try await details(), context: actor.write)
        actor.logger.info("monitoring body recorded", metadata: ["body": "\(body.id)"])
        return body
    }

    public func sources(of id: UUID, by actor: Actor) async throws -> [MonitoredSource] {
        _ = try await body(id, by: actor)
        return try await store.sources(of: id)
    }

    /// Records that the body monitors the source (taking it from another body, if one had it).
    public func monitor(_ reviewID: @autoclosure () async throws -> UUID, by bodyID: UUID, by actor: Actor) async throws -> [MonitoredSource] {
        try actor.require(.editReviews)
        _ = try await store.get(bodyID)
        try await store.setMonitoredBy(try await reviewID(), bodyID: bodyID, context: actor.write)
        return try await store.sources(of: bodyID)
    }

    /// The body stops monitoring the source; refused (409) for a source it does not monitor.
    public func stopMonitoring(_ reviewID: UUID, by bodyID: UUID, by actor: Actor) async throws -> [MonitoredSource] {
        try actor.require(.editReviews)
        _ = try await store.get(bodyID)
        guard try await store.monitoredBy(reviewID) == bodyID else { throw DomainError.conflict("This body does not monitor that source.") }
        try await store.setMonitoredBy(reviewID, bodyID: nil, context: actor.write)
        return try await store.sources(of: bodyID)
    }

    public func presentations(of id: UUID, by actor: Actor) async throws -> [Presentation] {
        _ = try await body(id, by: actor)
        return try await store.presentations(of: id)
    }

    /// "Presented to the Safeguarding Board on 12 October 2026": recorded, audited, never changed.
    public func recordPresentation(to id: UUID, _ new: @autoclosure () async throws -> NewPresentation, by actor: Actor) async throws -> Presentation {
        try actor.require(.editReviews)
        _ = try await store.get(id)
        let presentation = try await store.addPresentation(to: id, try await new(), today: clock.today(), context: actor.write)
        actor.logger.info("report presentation recorded", metadata: ["body": "\(id)", "presentation": "\(presentation.id)"])
        return presentation
    }

    /// The body's progress report for a period (rebuilt from the audit trail as at the day before it
    /// began and its last day, or today while it runs), recorded as an export like every report.
    public func periodReport(
        _ id: UUID, period: @autoclosure () throws -> ReportingPeriod, format: ReportFormat, via: ExportChannel, by actor: Actor
    ) async throws -> PeriodReport {
        let body = try await body(id, by: actor)
        let period = try period()
        let today = clock.today()
        if period.start > today {
            throw ValidationError(field: period.quarterName == nil ? "start" : "quarter", message: "the period has not begun: it starts on \(period.start)")
        }
        let start = AsAt(day: period.start.adding(days: -1))
        let end = AsAt(day: min(period.end, today))
        let lines = try await periods.lines(bodyID: id, start: start, end: end)
        var filters = [("start", period.start.description), ("end", period.end.description)]
        if let quarter = period.quarterName { filters.insert(("quarter", quarter), at: 0) }
        try await ExportRecord(
            .period(bodyID: id), format: format.rawValue, via: via, filters: filters, asAt: end.day,
            rows: lines.count + lines.reduce(0) { $0 + $1.assignments.count }
        ).record(in: audit, context: actor.write)
        return PeriodReport(
            bodyID: id, bodyName: body.details.name, bodyKind: body.details.kind, period: period, startAsAt: start.day, endAsAt: end.day,
            generatedAt: clock.now(), recommendations: lines)
    }
}
