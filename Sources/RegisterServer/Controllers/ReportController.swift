import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore

/// Compliance reports (CSV, JSON, printable HTML), the yearly summary figures and evidence packs:
/// for the partnership's staff and auditors. Reports stream as they are read from the database.
struct ReportController {
    let reports: ReportService

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reports/compliance") { request, context in
            let q = QueryParameters(request)
            let format = try q.vocabulary("format", ReportFormat.self) ?? .json
            return try await Self.compliance(reports, Self.filters(q), format: format, asAt: try q.asAt(), via: .api, context: context)
        }
        group.get("reports/summary") { request, context in
            let q = QueryParameters(request)
            return try JSON.response(try await reports.summary(boardID: try q.uuid("board"), asAt: try q.asAt(), via: .api, by: context.actor))
        }
        group.get("reports/clocks") { request, context in
            let q = QueryParameters(request)
            let filter = ReviewFilter(
                kind: try q.vocabulary("kind", ReviewKind.self), boardID: try q.uuid("board"), isReview: try q.bool("case_review"),
                comesDownBy: try q.day("comes_down_by"))
            return try JSON.response(try await reports.clocks(filter, page: try q.page(), asAt: try q.asAt(), via: .api, by: context.actor))
        }
        group.get("reports/evidence-pack") { request, context in
            let q = QueryParameters(request)
            guard let review = try q.text("review", max: 100) else {
                throw RequestProblem.badQuery(field: "review", message: "review is required: the review's id or reference, such as COV-SCR-2016-01")
            }
            return try await Self.evidencePack(reports, review: review, asAt: try q.asAt(), via: .api, context: context)
        }
    }

    /// The compliance report's filters from a query string (the API's and the report page's).
    static func filters(_ q: QueryParameters) throws -> ComplianceFilters {
        ComplianceFilters(
            review: try q.text("review", max: 100), board: try q.text("board", max: 100), partner: try q.text("partner", max: 100),
            kind: try q.text("kind", max: 60), status: try q.text("status", max: 60), theme: try q.text("theme", max: 60),
            overdue: try q.bool("overdue"))
    }

    /// The compliance report, taken and recorded before the first byte, then streamed from its
    /// snapshot (no database connection held while the client reads). Shared by the API and the pages.
    static func compliance(
        _ reports: ReportService, _ filters: ComplianceFilters, format: ReportFormat, asAt: AsAt?, via: ExportChannel, context: SignedInContext
    ) async throws -> Response {
        let export = try await reports.compliance(filters, format: format, asAt: asAt, via: via, by: context.actor)
        var headers = HTTPFields()
        headers[.contentType] = format.mediaType
        headers[.cacheControl] = "private, no-store"
        if format == .csv {
            headers[.contentDisposition] = "attachment; filename=\"\(export.fileName)\""
        }
        if format == .html { headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'" }
        let body = ResponseBody { writer in
            try await export.write { piece in try await writer.write(ByteBuffer(bytes: piece)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// A review's evidence pack, built in a private temporary folder and streamed from there.
    static func evidencePack(_ reports: ReportService, review: String, asAt: AsAt?, via: ExportChannel, context: SignedInContext) async throws -> Response {
        let folder = try TemporaryFolder()
        let zip: URL
        do {
            zip = try await reports.evidencePack(review: review, asAt: asAt, in: folder.url, via: via, by: context.actor)
        } catch {
            folder.remove()
            throw error
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: zip.path)[.size] as? NSNumber)?.intValue
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = "attachment; filename=\"evidence-pack-\(EvidencePack.safe(review)).zip\""
        headers[.cacheControl] = "private, no-store"
        let body = ResponseBody(contentLength: size) { writer in
            defer { folder.remove() }
            let handle = try FileHandle(forReadingFrom: zip)
            defer { try? handle.close() }
            while let data = try handle.read(upToCount: 256 * 1024), !data.isEmpty {
                try await writer.write(ByteBuffer(bytes: data))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
