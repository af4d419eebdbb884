import Foundation
import RegisterDomain
import RegisterReports
import RegisterStore

/// The compliance report's filters as people give them (a query string, command-line flags, a
/// form), read into one `ReportFilter` in one place.
public struct ComplianceFilters: Sendable, Equatable {
    /// A review's id or reference (`COV-SCR-2016-01`).
    public var review: String?
    public var board: String?
    public var partner: String?
    public var kind: String?
    public var status: String?
    public var theme: String?
    public var overdue: Bool?

    public init(
        review: String? = nil, board: String? = nil, partner: String? = nil, kind: String? = nil, status: String? = nil,
        theme: String? = nil, overdue: Bool? = nil
    ) {
        (self.review, self.board, self.partner, self.kind, self.status, self.theme, self.overdue) =
            (review, board, partner, kind, status, theme, overdue)
    }

    /// The filter, or every problem with the values at once.
    public func filter() throws -> ReportFilter {
        var v = Validator()
        func id(_ raw: String?, _ field: String, _ what: String) -> UUID? {
            guard let raw else { return nil }
            guard let id = UUID(uuidString: raw) else {
                v.fail(field, "\(field) must be \(what)'s id, such as 0190c7d2-6f1e-7a3b-9c1d-2e3f4a5b6c7d")
                return nil
            }
            return id
        }
        func term<E: DomainEnum>(_ raw: String?, _ type: E.Type, _ field: String) -> E? {
            guard let raw else { return nil }
            guard let value = E(rawValue: raw) else {
                v.fail(field, E.unknownValueMessage(raw))
                return nil
            }
            return value
        }
        if let review { v.text(review, field: "review", max: 100) }
        if let theme { v.text(theme, field: "theme", max: 60) }
        let filter = ReportFilter(
            reviewID: review.flatMap { UUID(uuidString: $0) }, reviewReference: review.flatMap { UUID(uuidString: $0) == nil ? $0 : nil },
            boardID: id(board, "board", "a board"), partnerID: id(partner, "partner", "a partner organisation"),
            kind: term(kind, ReviewKind.self, "kind"), status: term(status, RecommendationStatus.self, "status"),
            theme: theme, overdue: overdue)
        try v.check()
        return filter
    }

    /// The filters in words, for the report's heading.
    public var described: [(String, String)] {
        [("review", review), ("board", board), ("partner", partner), ("kind", kind), ("status", status), ("theme", theme),
         ("overdue", overdue.map { $0 ? "true" : "false" })]
            .compactMap { name, value in value.map { (name, $0) } }
    }
}

/// Compliance reports, summary figures, the clocks report and evidence packs, for staff and auditors.
///
/// Every export is recorded in the audit trail here, for every face (API, pages, command line):
/// each function below that hands a report out records an `ExportRecord` (which report, format,
/// filters, as-at day, rows, face; never the data) before the first byte is sent.
public struct ReportService: Sendable {
    let store: ReportStore
    let reviews: ReviewStore
    let clocks: ClockStore
    let pack: EvidencePack
    let audit: AuditStore
    let clock: RegisterClock
    /// Names the filters in the printable report's heading.
    let names: FilterNames

    /// Checks that the actor may take reports and that the filters are valid, reading nothing: what
    /// the reports page shows next to its form before any download is asked for.
    public func checkCompliance(_ filters: ComplianceFilters, by actor: Actor) throws {
        try actor.require(.readReports)
        _ = try filters.filter()
    }

    /// The compliance report, ready to send: the permission and the filters are checked first, then
    /// the rows are read into a private file (`ComplianceSnapshot`: one consistent snapshot, the
    /// connection held only while PostgreSQL produces them), then the export is recorded. Sending it
    /// touches no database, so a slow client holds no connection; a refusal comes before any byte.
    public func compliance(
        _ filters: ComplianceFilters, format: ReportFormat, asAt: AsAt?, via: ExportChannel, by actor: Actor
    ) async throws -> ComplianceExport {
        try actor.require(.readReports)
        let filter = try filters.filter()
        let today = clock.today()
        var heading = ReportHeading(asAt: asAt?.day, generatedAt: clock.now(), filters: filters.described)
        if format == .html { heading.filters = await names.describe(filters, reports: store, asAt: asAt) }
        let snapshot = format == .html
            ? try await ComplianceSnapshot.take(store, filter: filter, asAt: asAt, today: today)
            : try await ComplianceSnapshot.written(store, filter: filter, asAt: asAt, today: today, writer: ComplianceReport.writer(format, heading: heading))
        try await ExportRecord(.compliance, format: format.rawValue, via: via, filters: filters.described, asAt: asAt?.day, rows: snapshot.rows)
            .record(in: audit, context: actor.write)
        return ComplianceExport(
            snapshot: snapshot, format: format, heading: heading,
            fileName: "compliance-\(asAt?.day.description ?? today.description).\(format.fileExtension)")
    }

    /// One recommendation's assignments as they stood at the end of `asAt`'s day (rebuilt from the
    /// audit trail): the recommendation page's past view, for those who may read history.
    public func assignments(of recommendation: Recommendation, review: Review, asAt: AsAt, by actor: Actor) async throws -> [ComplianceRow] {
        try actor.require(.readHistory)
        var rows: [ComplianceRow] = []
        try await store.compliance(ReportFilter(reviewID: review.id), asAt: asAt, today: clock.today()) { row in
            if row.recommendationNumber == recommendation.details.number, row.partner != nil { rows.append(row) }
        }
        return rows
    }

    /// The summary figures, recorded as an export (its rows: the lines per review and per partner).
    public func summary(boardID: UUID?, asAt: AsAt?, via: ExportChannel, by actor: Actor) async throws -> ComplianceSummary {
        try actor.require(.readReports)
        let summary = try await store.summary(boardID: boardID, asAt: asAt, today: clock.today())
        try await ExportRecord(
            .summary, format: via == .page ? "html" : "json", via: via, filters: boardID.map { [("board", $0.uuidString.lowercased())] } ?? [],
            asAt: asAt?.day, rows: summary.reviews.count + summary.partners.count
        ).record(in: audit, context: actor.write)
        return summary
    }

    /// Every review's statutory clocks (a page of reviews), judged on the report's day; each page
    /// taken is recorded as an export.
    public func clocks(_ filter: ReviewFilter, page: PageRequest, asAt: AsAt?, via: ExportChannel, by actor: Actor) async throws -> Page<ReviewClocks> {
        try actor.require(.readReports)
        let reviews = try await reviews.list(filter, page: page, today: clock.today(), asAt: asAt)
        // A past report is judged on its day, with the reviews and pauses as they stood at its end.
        let evaluated = try await clocks.clocks(of: reviews.items, today: asAt?.day ?? clock.today(), asAt: asAt)
        let items = reviews.items.map {
            ReviewClocks(
                reviewID: $0.id, reference: $0.details.reference, kind: $0.details.kind, regime: $0.details.regime, clocks: evaluated[$0.id] ?? [],
                publishedOn: $0.details.publishedOn, onlineUntil: $0.state.onlineUntil, takenDownOn: $0.details.takenDownOn)
        }
        let filters = [
            ("kind", filter.kind?.rawValue), ("board", filter.boardID?.uuidString.lowercased()), ("comes_down_by", filter.comesDownBy?.description),
            ("after", page.after?.uuidString.lowercased()),
        ]
            .compactMap { name, value in value.map { (name, $0) } }
        try await ExportRecord(.clocks, format: via == .page ? "html" : "json", via: via, filters: filters, asAt: asAt?.day, rows: items.count)
            .record(in: audit, context: actor.write)
        return Page(items: items, nextCursor: reviews.nextCursor)
    }

    /// A review's evidence pack (a ZIP in `folder`), recorded in the audit trail.
    public func evidencePack(review: String, asAt: AsAt?, in folder: URL, via: ExportChannel, by actor: Actor) async throws -> URL {
        try actor.require(.readReports)
        return try await pack.build(
            reviewID: UUID(uuidString: review), reference: UUID(uuidString: review) == nil ? review : nil, asAt: asAt,
            today: clock.today(), via: via, context: actor.write, in: folder)
    }
}

/// One review's statutory clocks, and how long its published report must stay online, for the clocks report.
public struct ReviewClocks: Encodable, Sendable {
    public var reviewID: UUID
    public var reference: String
    public var kind: ReviewKind
    public var regime: Regime
    public var clocks: [StatutoryClock]
    public var publishedOn: Day?
    /// The first day the report may come down (see `ReviewState.onlineUntil`).
    public var onlineUntil: Day?
    public var takenDownOn: Day?

    public init(
        reviewID: UUID, reference: String, kind: ReviewKind, regime: Regime, clocks: [StatutoryClock],
        publishedOn: Day? = nil, onlineUntil: Day? = nil, takenDownOn: Day? = nil
    ) {
        self.reviewID = reviewID
        self.reference = reference
        self.kind = kind
        self.regime = regime
        self.clocks = clocks
        self.publishedOn = publishedOn
        self.onlineUntil = onlineUntil
        self.takenDownOn = takenDownOn
    }

    enum CodingKeys: String, CodingKey {
        case reviewID = "review_id"
        case reference, kind, regime, clocks
        case publishedOn = "published_on"
        case onlineUntil = "online_until"
        case takenDownOn = "taken_down_on"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reviewID, forKey: .reviewID)
        try c.encode(reference, forKey: .reference)
        try c.encode(kind, forKey: .kind)
        try c.encode(regime, forKey: .regime)
        try c.encode(clocks, forKey: .clocks)
        try c.encode(publishedOn, forKey: .publishedOn)
        try c.encode(onlineUntil, forKey: .onlineUntil)
        try c.encode(takenDownOn, forKey: .takenDownOn)
    }
}

/// A compliance report taken and recorded, to be written out from its snapshot.
public struct ComplianceExport: Sendable {
    let snapshot: ComplianceSnapshot
    public let format: ReportFormat
    let heading: ReportHeading
    /// The file name it is offered under, `compliance-2026-03-31.csv`.
    public let fileName: String

    /// Lines in the report.
    public var rows: Int { snapshot.rows }

    /// Writes the report, handing `emit` pieces of about 64 KiB of UTF-8 (constant memory whatever
    /// the register's size), then removes the snapshot. Touches no database.
    ///
    /// CSV and JSON were written into the snapshot as the rows arrived, and are sent as they are.
    /// The printable report puts its totals first: they are counted in a first pass over the
    /// snapshot's rows (a few counters, nothing kept), so they agree with the rows listed.
    public func write(_ emit: ([UInt8]) async throws -> Void) async throws {
        defer { snapshot.discard() }
        if snapshot.isWritten {
            try await snapshot.send(emit)
            return
        }
        var totals = ComplianceTotals()
        try await snapshot.replay { totals.add($0) }
        var report = HTMLComplianceWriter(heading: heading, totals: totals)
        let piece = 64 * 1024
        var pending: [UInt8] = []
        pending.reserveCapacity(piece + 8 * 1024)
        report.begin(into: &pending)
        try await snapshot.replay { row in
            report.row(row, into: &pending)
            if pending.count >= piece {
                try await emit(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        report.end(into: &pending)
        try await emit(pending)
    }
}

/// The compliance report's filters in words, for its printed heading: names instead of ids
/// ("Partner organisation: Northvale Police"), labels instead of codes ("Kind of review: Serious case
/// review"). A value that names nothing is shown as given.
struct FilterNames: Sendable {
    let boards: BoardStore
    let partners: PartnerStore
    let themes: ThemeStore

    init(boards: BoardStore, partners: PartnerStore, themes: ThemeStore) {
        (self.boards, self.partners, self.themes) = (boards, partners, themes)
    }

    func describe(_ f: ComplianceFilters, reports: ReportStore, asAt: AsAt?) async -> [(String, String)] {
        var words: [(String, String)] = []
        if let review = f.review {
            let id = UUID(uuidString: review)
            if let found = try? await reports.review(id: id, reference: id == nil ? review : nil, asAt: asAt) {
                words.append(("Review", "\(found.reference): \(found.title)"))
            } else {
                words.append(("Review", "\(review) (no review has this reference)"))
            }
        }
        if let board = f.board {
            let name = if let id = UUID(uuidString: board) { try? await boards.get(id).details.name } else { String?.none }
            words.append(("Board", name ?? board))
        }
        if let partner = f.partner {
            let name = if let id = UUID(uuidString: partner) { try? await partners.get(id).details.name } else { String?.none }
            words.append(("Partner organisation", name ?? partner))
        }
        if let kind = f.kind { words.append(("Kind of review", ReviewKind(rawValue: kind)?.label ?? kind)) }
        if let status = f.status { words.append(("Recommendation status", RecommendationStatus(rawValue: status)?.label ?? status)) }
        if let theme = f.theme {
            let label = (try? await themes.all())?.first { $0.code == theme }?.label
            words.append(("Theme", label ?? theme))
        }
        if let overdue = f.overdue {
            words.append(("Overdue", overdue ? "Only work past its date" : "Only work not past its date"))
        }
        return words
    }
}
