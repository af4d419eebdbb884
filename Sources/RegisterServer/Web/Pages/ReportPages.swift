import Foundation
import Hummingbird
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore

/// Reports for auditors and the partnership's staff: the compliance report's filters and downloads,
/// a review's evidence pack, the summary figures as tables and charts, and every review's statutory
/// clocks. The downloads are the API's own (`ReportController.compliance` and `.evidencePack`), so a
/// report taken from this page is byte for byte the one the API gives.
struct ReportPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reports") { request, context in try await page(request, context) }
        // The downloads: the API's query (as_at as YYYY-MM-DD), the API's code, an error page instead of problem+json.
        group.get("reports/compliance") { request, context in
            let q = QueryParameters(request)
            let format = try q.vocabulary("format", ReportFormat.self) ?? .html
            return try await ReportController.compliance(
                services.reports, ReportController.filters(q), format: format, asAt: try q.asAt(), via: .page, context: context)
        }
        group.get("reports/evidence-pack") { request, context in
            let q = QueryParameters(request)
            guard let review = try q.text("review", max: 100) else {
                try context.actor.require(.readReports)
                return try await page(request, context, packError: "Enter the reference of the review whose evidence pack you want")
            }
            do {
                return try await ReportController.evidencePack(services.reports, review: review, asAt: try q.asAt(), via: .page, context: context)
            } catch DomainError.notFound {
                return try await page(request, context, packError: "No review has the reference \(review): check it against the table of reviews")
            }
        }
        group.get("reports/clocks") { request, context in try await clocks(request, context) }
    }

    // MARK: The reports page

    /// What the filter form was given, as typed.
    struct Typed {
        var values: [String: String]

        init(_ request: Request) {
            values = QueryParameters(request).values.compactMapValues { value in
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                return trimmed.isEmpty ? nil : String(trimmed.prefix(200))
            }
        }

        subscript(_ name: String) -> String? { values[name] }
    }

    private func page(_ request: Request, _ context: SignedInContext, packError: String? = nil) async throws -> Response {
        let actor = context.actor
        let typed = Typed(request)
        let overdue: Bool? = switch typed["overdue"] { case "true": true; case "false": false; default: nil }
        let filters = ComplianceFilters(
            review: typed["review"], board: typed["board"], partner: typed["partner"], kind: typed["kind"], status: typed["status"],
            theme: typed["theme"], overdue: overdue)
        var errors: [FieldError] = []
        // The report's own check (the policy first, then every filter), as the downloads will make it.
        do {
            try services.reports.checkCompliance(filters, by: actor)
        } catch let invalid as ValidationError {
            errors += invalid.errors
        }
        var asAt: AsAt?
        if let raw = typed["as_at"] {
            if let day = UKDate.parse(raw), day.year <= 9998 {
                asAt = AsAt(day: day)
            } else {
                errors.append(FieldError(field: "as_at", message: "The “as at” date must be a real date, like 31/03/2026"))
            }
        }
        if let packError { errors.append(FieldError(field: "pack-review", message: packError)) }

        let boards = try await services.boards.list(PageRequest(limit: 200), by: actor).items
        let partners = try await allPartners(actor)
        let themes = try await services.boards.themes(by: actor)
        func select(_ name: String, _ label: String, _ pairs: [(String, String)], any: String = "Any") -> Field {
            Field(name: name, label: label, control: .select([("", any)] + pairs.map { (value: $0.0, label: $0.1) })).with(typed[name])
        }
        let fields = [
            select("board", "Board", boards.map { ($0.id.uuidString.lowercased(), $0.details.name) }),
            Field.text("review", "Review reference", hint: "For example, COV-SCR-2016-01", width: 20).with(typed["review"]),
            select("partner", "Partner organisation", partners.map { ($0.id.uuidString.lowercased(), $0.details.name) }),
            select("kind", "Kind of review", ReviewKind.allCases.map { ($0.rawValue, $0.label) }),
            select("status", "Recommendation status", RecommendationStatus.allCases.map { ($0.rawValue, $0.label) }),
            select("theme", "Theme", themes.map { ($0.code, $0.label) }),
            select("overdue", "Overdue", [("true", "Only overdue work"), ("false", "Only work not overdue")], any: "Overdue or not"),
            Field.date("as_at", "As at", hint: "For example, 31/03/2026. Empty: now").with(typed["as_at"]),
        ]
        var values = FormView(fields: fields, errors: errors).values
        values["filtered"] = !typed.values.isEmpty
        values["mayAudit"] = actor.may(.readAudit)
        values["packError"] = errors.first { $0.field == "pack-review" }?.message ?? ""
        let filtersValid = errors.allSatisfy { $0.field == "pack-review" }
        if filtersValid {
            var query: [(String, String)] = []
            for name in ["board", "review", "partner", "kind", "status", "theme", "overdue"] {
                if let value = typed[name] { query.append((name, value)) }
            }
            if let asAt { query.append(("as_at", asAt.day.description)) }
            func link(_ format: ReportFormat) -> String {
                "/reports/compliance?" + (([("format", format.rawValue)] + query).map { "\($0.0)=\(Form.percentEncode($0.1))" }.joined(separator: "&"))
            }
            values["downloads"] = ["csv": link(.csv), "json": link(.json), "html": link(.html)]
            values["describedFilters"] = describe(filters, boards: boards, partners: partners, themes: themes)
            values["hasDescribedFilters"] = !(values["describedFilters"] as? [String] ?? []).isEmpty
        }
        values["asAtWords"] = asAt.map { "as it stood at the end of \(UKDate.long($0.day))" } ?? "as it stands now"
        values["asAtISO"] = asAt?.day.description ?? ""
        values["packReview"] = typed["review"] ?? ""

        // The summary figures, for the board and day chosen.
        let boardID = typed["board"].flatMap(UUID.init(uuidString:))
        if filtersValid, typed["board"] == nil || boardID != nil {
            let summary = try await services.reports.summary(boardID: boardID, asAt: asAt, via: .page, by: actor)
            values["summary"] = summaryValues(summary)
        }
        let status: HTTPResponse.Status = packError != nil ? (packError!.hasPrefix("No review") ? .notFound : .unprocessableContent)
            : (errors.isEmpty ? .ok : .unprocessableContent)
        return try await kit.page("reports", values, title: "Reports", request: request, context: context, status: status)
    }

    private func allPartners(_ actor: Actor) async throws -> [Partner] {
        var all: [Partner] = []
        var page = PageRequest(limit: 200)
        while true {
            let next = try await services.partners.list(page, by: actor)
            all += next.items
            guard let cursor = next.nextCursor, let after = UUID(uuidString: cursor) else { break }
            page = PageRequest(after: after, limit: 200)
        }
        return all.sorted { $0.details.name.localizedCaseInsensitiveCompare($1.details.name) == .orderedAscending }
    }

    /// The filters in words, for "This report covers…".
    private func describe(_ f: ComplianceFilters, boards: [Board], partners: [Partner], themes: [Theme]) -> [String] {
        var words: [String] = []
        if let review = f.review { words.append("Review \(review)") }
        if let board = f.board { words.append("Board: " + (boards.first { $0.id.uuidString.lowercased() == board.lowercased() }?.details.name ?? board)) }
        if let partner = f.partner {
            words.append("Partner organisation: " + (partners.first { $0.id.uuidString.lowercased() == partner.lowercased() }?.details.name ?? partner))
        }
        if let kind = f.kind { words.append("Kind of review: " + (ReviewKind(rawValue: kind)?.label ?? kind)) }
        if let status = f.status { words.append("Recommendation status: " + (RecommendationStatus(rawValue: status)?.label ?? status)) }
        if let theme = f.theme { words.append("Theme: " + (themes.first { $0.code == theme }?.label ?? theme)) }
        if let overdue = f.overdue { words.append(overdue ? "Only overdue work" : "Only work not overdue") }
        return words
    }

    // MARK: Summary figures

    private func summaryValues(_ s: ComplianceSummary) -> [String: Any] {
        func percent(_ value: Double) -> String { Number.short(value) + "%" }
        func byStatus<S: DomainEnum & Labelled>(_ counts: [String: Int], _ type: S.Type) -> String {
            let known = S.allCases.compactMap { status in counts[status.rawValue].map { "\(status.label) \($0)" } }
            let other = counts.filter { S(rawValue: $0.key) == nil }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            return (known + other).joined(separator: ", ")
        }
        let percentTicks: [Double] = [0, 25, 50, 75, 100]
        func rateRows(_ lines: [ComplianceSummary.Line]) -> [Charts.Row] {
            lines.map { line in
                Charts.Row(label: line.name, bars: [
                    Charts.Bar(value: line.percentAssured, text: "\(percent(line.percentAssured)) assured"),
                    Charts.Bar(value: line.percentOverdue, text: "\(percent(line.percentOverdue)) overdue", hatched: true),
                ])
            }
        }
        func medianRows(_ lines: [ComplianceSummary.Line]) -> [Charts.Row] {
            lines.map { Charts.Row(label: $0.name, bars: [Charts.Bar(value: $0.medianDaysDueToAccepted, text: Number.days($0.medianDaysDueToAccepted))]) }
        }
        func medianTicks(_ lines: [ComplianceSummary.Line]) -> [Double]? {
            let values = lines.compactMap(\.medianDaysDueToAccepted)
            guard let low = values.min(), let high = values.max() else { return [0] }
            return Array(Set([min(0, low), 0, max(0, high)])).sorted()
        }
        let medianWords = "Negative: evidence accepted before the due date. A row without a bar has no accepted evidence yet."
        return [
            "partners": s.partners.map { line -> [String: Any] in
                ["name": line.name, "total": line.total, "assured": percent(line.percentAssured), "overdue": percent(line.percentOverdue),
                 "median": Number.days(line.medianDaysDueToAccepted), "byStatus": byStatus(line.byStatus, AssignmentStatus.self)]
            },
            "hasPartners": !s.partners.isEmpty,
            "reviews": s.reviews.map { line -> [String: Any] in
                ["name": line.name, "total": line.total, "assured": percent(line.percentAssured), "overdue": percent(line.percentOverdue),
                 "median": Number.days(line.medianDaysDueToAccepted), "byStatus": byStatus(line.byStatus, RecommendationStatus.self),
                 "href": "/reviews/\(line.id.uuidString.lowercased())",
                 "pack": "/reports/evidence-pack?review=\(Form.percentEncode(line.name))" + (s.asAt.map { "&as_at=\($0)" } ?? "")]
            },
            "hasReviews": !s.reviews.isEmpty,
            "partnerRatesChart": Charts.bars(
                id: "chart-partner-rates", title: "Percent assured and percent overdue, by partner",
                description: "For each partner, a solid bar for the percent of its assignments whose recommendation is assured, and a hatched bar for the percent overdue. The table holds the same figures.",
                rows: rateRows(s.partners), scale: 0...100, ticks: percentTicks, tickText: { Number.short($0) + "%" }),
            "partnerMedianChart": Charts.bars(
                id: "chart-partner-median", title: "Median days from the due date to accepted evidence, by partner",
                description: medianWords, rows: medianRows(s.partners), ticks: medianTicks(s.partners), tickText: { Number.short($0) + " days" }),
            "reviewRatesChart": Charts.bars(
                id: "chart-review-rates", title: "Percent assured and percent overdue, by review",
                description: "For each review, a solid bar for the percent of its recommendations assured, and a hatched bar for the percent overdue. The table holds the same figures.",
                rows: rateRows(s.reviews), scale: 0...100, ticks: percentTicks, tickText: { Number.short($0) + "%" }),
            "reviewMedianChart": Charts.bars(
                id: "chart-review-median", title: "Median days from the due date to accepted evidence, by review",
                description: medianWords, rows: medianRows(s.reviews), ticks: medianTicks(s.reviews), tickText: { Number.short($0) + " days" }),
            "closed": s.closedWithoutImpactEvidence.map { item -> [String: Any] in
                ["what": "\(item.reviewReference) recommendation \(item.recommendationNumber)",
                 "href": "/recommendations/\(item.recommendationID.uuidString.lowercased())", "status": item.status.label,
                 "closedOn": item.closedOn.map(UKDate.long) ?? ""]
            },
            "hasClosed": !s.closedWithoutImpactEvidence.isEmpty,
        ]
    }

    // MARK: Statutory clocks of every review

    private func clocks(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let typed = Typed(request)
        var errors: [FieldError] = []
        var filter = ReviewFilter(isReview: true)
        if let kind = typed["kind"] {
            if let known = ReviewKind(rawValue: kind) { filter.kind = known } else { errors.append(FieldError(field: "kind", message: "Choose a kind of review from the list")) }
        }
        if let board = typed["board"] {
            if let id = UUID(uuidString: board) { filter.boardID = id } else { errors.append(FieldError(field: "board", message: "Choose a board from the list")) }
        }
        var asAt: AsAt?
        if let raw = typed["as_at"] {
            if let day = UKDate.parse(raw), day.year <= 9998 { asAt = AsAt(day: day) } else {
                errors.append(FieldError(field: "as_at", message: "The “as at” date must be a real date, like 31/03/2026"))
            }
        }
        let after = typed["after"].flatMap(UUID.init(uuidString:))
        // The policy first (readReports), whatever the filters say.
        let page = try await services.reports.clocks(
            errors.isEmpty ? filter : ReviewFilter(isReview: true), page: PageRequest(after: after, limit: 25), asAt: asAt, via: .page, by: actor)
        // Published reports that may come down within a month of the report's day (or could already).
        let reportDay = asAt?.day ?? services.clock.today()
        let comingDown = after != nil ? [] : try await services.reports.clocks(
            ReviewFilter(boardID: errors.isEmpty ? filter.boardID : nil, comesDownBy: reportDay.adding(days: 31)),
            page: PageRequest(limit: 50), asAt: asAt, via: .page, by: actor
        ).items
        let boards = try await services.boards.list(PageRequest(limit: 200), by: actor).items
        var query = URLComponents()
        query.queryItems = ["kind", "board", "as_at"].compactMap { name in typed[name].map { URLQueryItem(name: name, value: $0) } }
        if let next = page.nextCursor { query.queryItems?.append(URLQueryItem(name: "after", value: next)) }
        let reviews = page.items.map { review -> [String: Any] in
            let clocks = review.clocks.enumerated().map { index, clock -> [String: Any] in
                var due = clock.dueOn.map(UKDate.long) ?? "Not started"
                if clock.pausedDays > 0 { due += " (after \(clock.pausedDays) paused \(clock.unit == .workingDays ? "working " : "")days)" }
                return [
                    "first": index == 0, "label": clock.label, "starts": clock.startsOn.map(UKDate.long) ?? "Not recorded",
                    "rule": "\(clock.amount) \(clock.unit.words(clock.amount))", "due": due, "met": clock.metOn.map(UKDate.long) ?? "Not yet",
                    "tag": Tag.clock(clock.state),
                ]
            }
            return [
                "reference": review.reference, "kind": review.kind.label, "regime": review.regime.label,
                "href": "/reviews/\(review.reviewID.uuidString.lowercased())#clocks",
                "clocks": clocks, "rows": max(clocks.count, 1), "none": clocks.isEmpty,
            ]
        }
        let fields = [
            Field(name: "kind", label: "Kind of review", control: .select([("", "Any")] + ReviewKind.reviews.map { ($0.rawValue, $0.label) }))
                .with(typed["kind"]),
            Field(name: "board", label: "Board", control: .select([("", "Any")] + boards.map { ($0.id.uuidString.lowercased(), $0.details.name) }))
                .with(typed["board"]),
            Field.date("as_at", "As at", hint: "For example, 31/03/2026. Leave empty for today").with(typed["as_at"]),
        ]
        var values: [String: Any] = FormView(fields: fields, errors: errors).values
        values.merge([
            "asAtWords": asAt.map { "on \(UKDate.long($0.day)), as the register stood at the end of that day" } ?? "today",
            "reviews": reviews, "none": reviews.isEmpty,
            "comingDown": comingDown.map { review -> [String: Any] in
                let until = review.onlineUntil!
                return [
                    "reference": review.reference, "kind": review.kind.label, "href": "/reviews/\(review.reviewID.uuidString.lowercased())",
                    "published": review.publishedOn.map(UKDate.long) ?? "", "until": UKDate.long(until),
                    "tag": until <= reportDay ? Tag.values("May come down now", colour: "green") : Tag.values("Due within a month", colour: "yellow"),
                ]
            },
            "hasComingDown": !comingDown.isEmpty,
            "next": "/reports/clocks?" + (query.percentEncodedQuery ?? ""), "hasNext": page.nextCursor != nil,
            "filtered": !typed.values.isEmpty,
        ]) { $1 }
        return try await kit.page(
            "clocks", values, title: "Statutory clocks", request: request, context: context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }
}

extension ClockUnit {
    /// "working days", "months", as a rule says them.
    func words(_ amount: Int) -> String {
        let one = amount == 1
        switch self {
        case .workingDays: return one ? "working day" : "working days"
        case .calendarDays: return one ? "calendar day" : "calendar days"
        case .months: return one ? "month" : "months"
        }
    }
}
