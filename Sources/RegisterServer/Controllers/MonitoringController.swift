import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RegisterDomain
import RegisterReports
import RegisterServices

/// Monitoring bodies, the sources they monitor, their period reports and the record of each report
/// presented. Staff and auditors read; admins and coordinators record; partners get 403.
struct MonitoringController {
    let monitoring: MonitoringService

    /// `{"review_id": …}`: a source for a body to monitor.
    struct SourceRequest: Codable {
        var reviewID: UUID
        enum CodingKeys: String, CodingKey { case reviewID = "review_id" }
    }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("monitoring-bodies") { request, context in
            let q = QueryParameters(request)
            return try JSON.response(["items": try await monitoring.bodies(boardID: try q.uuid("board"), by: context.actor)])
        }
        group.post("monitoring-bodies") { request, context in
            let body = try await monitoring.create(try await JSON.decodeDraft(MonitoringBodyDetails.self, from: request, context: context), by: context.actor)
            return try JSON.response(body, status: .created, etag: body.version)
        }
        group.get("monitoring-bodies/:body") { _, context in
            let body = try await monitoring.body(try id(context), by: context.actor)
            return try JSON.response(body, etag: body.version)
        }
        group.get("monitoring-bodies/:body/sources") { _, context in
            try JSON.response(["items": try await monitoring.sources(of: try id(context), by: context.actor)])
        }
        group.post("monitoring-bodies/:body/sources") { request, context in
            let sources = try await monitoring.monitor(
                try await JSON.decode(SourceRequest.self, from: request, context: context, fields: ["review_id"]).reviewID, by: try id(context),
                by: context.actor)
            return try JSON.response(["items": sources], status: .created)
        }
        group.delete("monitoring-bodies/:body/sources/:review") { _, context in
            let review = try context.parameters.id("review", entity: "monitored source")
            return try JSON.response(["items": try await monitoring.stopMonitoring(review, by: try id(context), by: context.actor)])
        }
        group.get("monitoring-bodies/:body/presentations") { _, context in
            try JSON.response(["items": try await monitoring.presentations(of: try id(context), by: context.actor)])
        }
        group.post("monitoring-bodies/:body/presentations") { request, context in
            let presentation = try await monitoring.recordPresentation(
                to: try id(context), try await JSON.decode(NewPresentation.self, from: request, context: context, fields: NewPresentation.fieldNames),
                by: context.actor)
            return try JSON.response(presentation, status: .created)
        }
        group.get("monitoring-bodies/:body/period-report") { request, context in
            try await Self.periodReport(monitoring, request, context, via: .api, defaultFormat: .json)
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID { try context.parameters.id("body", entity: "monitoring body") }

    /// The period report in the format asked for (`quarter=2026-Q3`, or `start` and `end`): shared by
    /// the API and the pages, which differ only in the default format and what the export records.
    static func periodReport(
        _ monitoring: MonitoringService, _ request: Request, _ context: SignedInContext, via: ExportChannel, defaultFormat: ReportFormat
    ) async throws -> Response {
        let q = QueryParameters(request)
        let body = try context.parameters.id("body", entity: "monitoring body")
        let format = try q.vocabulary("format", ReportFormat.self) ?? defaultFormat
        let (quarter, start, end) = (try q.text("quarter", max: 10), try q.day("start"), try q.day("end"))
        let report = try await monitoring.periodReport(
            body, period: try ReportingPeriod.parse(quarter: quarter, start: start, end: end), format: format, via: via, by: context.actor)
        var headers = HTTPFields()
        headers[.contentType] = format.mediaType
        headers[.cacheControl] = "private, no-store"
        if format == .csv {
            headers[.contentDisposition] = "attachment; filename=\"progress-\(report.period.quarterName ?? "\(report.period.start)-to-\(report.period.end)").csv\""
        }
        if format == .html { headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: PeriodReportWriter.write(report, format: format))))
    }
}
