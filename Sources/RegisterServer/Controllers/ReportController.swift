import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RegisterDomain
import RegisterReports
import RegisterStore

/// Compliance reports (CSV, JSON, printable HTML), the yearly summary figures and evidence packs:
/// for the partnership's staff and auditors. Reports stream as they are read from the database.
struct ReportController {
    let reports: ReportStore
    let pack: EvidencePack
    let reviews: ReviewStore
    let clocks: ClockStore

    /// One review's statutory clocks, for the clocks report.
    struct ReviewClocks: Encodable {
        var reviewID: UUID
        var reference: String
        var kind: ReviewKind
        var regime: Regime
        var clocks: [StatutoryClock]

        enum CodingKeys: String, CodingKey {
            case reviewID = "review_id"
            case reference, kind, regime, clocks
        }
    }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reports/compliance") { request, context in
            try context.require(.readReports)
            let q = QueryParameters(request)
            let format = try q.vocabulary("format", ReportFormat.self) ?? .json
            let asAt = try q.asAt()
            let (filter, described) = try Self.filter(q)
            let today = context.today
            let heading = ReportHeading(asAt: asAt?.day, generatedAt: Date(), filters: described)
            var headers = HTTPFields()
            headers[.contentType] = format.mediaType
            headers[.cacheControl] = "private, no-store"
            if format == .csv {
                headers[.contentDisposition] = "attachment; filename=\"compliance-\(asAt?.day.description ?? today.description).csv\""
            }
            if format == .html { headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'" }
            let store = reports
            let body = ResponseBody { writer in
                var report = ComplianceReport.writer(format, heading: heading)
                var buffer = ByteBuffer()
                buffer.writeString(report.begin())
                try await store.compliance(filter, asAt: asAt, today: today) { row in
                    buffer.writeString(report.row(row))
                    if buffer.readableBytes >= 64 * 1024 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                buffer.writeString(report.end())
                try await writer.write(buffer)
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
        group.get("reports/summary") { request, context in
            try context.require(.readReports)
            let q = QueryParameters(request)
            return try JSON.response(try await reports.summary(boardID: try q.uuid("board"), asAt: try q.asAt(), today: context.today))
        }
        group.get("reports/clocks") { request, context in
            try context.require(.readReports)
            let q = QueryParameters(request)
            let asAt = try q.asAt()
            let filter = ReviewFilter(kind: try q.vocabulary("kind", ReviewKind.self), boardID: try q.uuid("board"))
            let page = try await reviews.list(filter, page: try q.page(), today: context.today, asAt: asAt)
            // A past report is judged on its day, with the reviews and pauses as they stood at its end.
            let evaluated = try await clocks.clocks(of: page.items, today: asAt?.day ?? context.today, asAt: asAt)
            let items = page.items.map {
                ReviewClocks(reviewID: $0.id, reference: $0.details.reference, kind: $0.details.kind, regime: $0.details.regime, clocks: evaluated[$0.id] ?? [])
            }
            return try JSON.response(Page(items: items, nextCursor: page.nextCursor))
        }
        group.get("reports/evidence-pack") { request, context in
            try context.require(.readReports)
            let q = QueryParameters(request)
            guard let review = try q.text("review", max: 100) else {
                throw RequestProblem.badQuery(field: "review", message: "review is required: the review's id or reference, such as COV-SCR-2016-01")
            }
            let asAt = try q.asAt()
            let folder = try TemporaryFolder()
            let zip: URL
            do {
                zip = try await pack.build(
                    reviewID: UUID(uuidString: review), reference: UUID(uuidString: review) == nil ? review : nil, asAt: asAt,
                    today: context.today, context: context.write, in: folder.url)
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

    /// The report's filters from the query, and the same in words for the report's heading.
    static func filter(_ q: QueryParameters) throws -> (ReportFilter, [(String, String)]) {
        let review = try q.text("review", max: 100)
        let filter = ReportFilter(
            reviewID: review.flatMap { UUID(uuidString: $0) }, reviewReference: review.flatMap { UUID(uuidString: $0) == nil ? $0 : nil },
            boardID: try q.uuid("board"), partnerID: try q.uuid("partner"), kind: try q.vocabulary("kind", ReviewKind.self),
            status: try q.vocabulary("status", RecommendationStatus.self), theme: try q.text("theme", max: 60), overdue: try q.bool("overdue"))
        var described: [(String, String)] = []
        for name in ["review", "board", "partner", "kind", "status", "theme", "overdue"] {
            if let value = try q.text(name, max: 100) { described.append((name, value)) }
        }
        return (filter, described)
    }
}
