import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// The learning view across reviews: themes by year (a chart and a table), search across reviews,
/// findings and recommendations, and a recommendation's like in other reviews.
struct LearningPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }
    /// Years drawn in the themes chart (the table holds every year).
    static let chartYears = 5

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("learning") { request, context in try await learning(request, context) }
        group.get("learning/similar/:recommendation") { request, context in try await similar(request, context) }
        group.get("learning/recurring") { request, context in try await recurring(request, context) }
    }

    // MARK: Themes and search

    private func learning(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let typed = ReportPages.Typed(request)
        var errors: [FieldError] = []
        let boardID = typed["board"].flatMap(UUID.init(uuidString:))
        if typed["board"] != nil, boardID == nil { errors.append(FieldError(field: "board", message: "Choose a board from the list")) }
        let themes = try await services.learning.themes(boardID: boardID, by: actor)
        let boards = try await services.boards.list(PageRequest(limit: 200), by: actor).items

        // The search runs when the form was sent (q present in the address, even empty).
        let searched = QueryParameters(request).values["q"] != nil
        var hits: [SearchHit] = []
        if searched {
            if let text = typed["q"] {
                hits = try await services.learning.search(String(text.prefix(200)), limit: 50, by: actor)
            } else {
                errors.append(FieldError(field: "q", message: "Enter the words to look for, such as information sharing"))
            }
        }

        let years = Array(Set(themes.map(\.year))).sorted(by: >)
        let charted = Set(years.prefix(Self.chartYears))
        let rows = themes.filter { charted.contains($0.year) }.map { count in
            Charts.Row(label: "\(count.year): \(count.label)", bars: [
                Charts.Bar(value: Double(count.reviews), text: Self.plural(count.reviews, "review")),
                Charts.Bar(value: Double(count.recommendations), text: Self.plural(count.recommendations, "recommendation"), hatched: true),
            ])
        }
        let most = Double(themes.filter { charted.contains($0.year) }.map { max($0.reviews, $0.recommendations) }.max() ?? 1)
        let step = Swift.max(1, (most / 4).rounded(.up))
        let chart = Charts.bars(
            id: "chart-themes", title: "Reviews and recommendations by theme, \(Self.yearSpan(years.prefix(Self.chartYears)))",
            description: "For each year and theme, a solid bar for the reviews with the theme and a hatched bar for the recommendations answering it. The table holds the same figures, with findings, for every year.",
            rows: rows, scale: 0...(step * 4), ticks: (0...4).map { Double($0) * step })

        let fields = [
            Field(name: "board", label: "Board", control: .select([("", "Every board")] + boards.map { ($0.id.uuidString.lowercased(), $0.details.name) }))
                .with(typed["board"]),
        ]
        var values = FormView(fields: fields, errors: errors).values
        values["chart"] = chart
        values["hasThemes"] = !themes.isEmpty
        values["chartNote"] = years.count > Self.chartYears ? "The chart shows the last \(Self.chartYears) years with a review; the table shows every year." : ""
        values["years"] = years.map { year -> [String: Any] in
            let counts = themes.filter { $0.year == year }
            return [
                "year": year, "rows": counts.count,
                "themes": counts.enumerated().map { index, count -> [String: Any] in
                    ["first": index == 0, "label": count.label, "reviews": count.reviews, "findings": count.findings,
                     "recommendations": count.recommendations, "href": "/reviews?theme=\(Form.percentEncode(count.theme))&year=\(year)"]
                },
            ]
        }
        values["q"] = typed["q"] ?? ""
        values["qError"] = errors.first { $0.field == "q" }?.message ?? ""
        values["boardValue"] = typed["board"] ?? ""
        values["searched"] = searched && errors.allSatisfy { $0.field != "q" }
        values["hitCount"] = hits.count == 1 ? "1 result" : "\(hits.count) results"
        values["hits"] = hits.map { hit -> [String: Any] in
            let review = "/reviews/\(hit.reviewID.uuidString.lowercased())"
            let href: String =
                switch hit.type {
                case .review: review
                case .finding: review + "#findings"
                case .recommendation: "/recommendations/\(hit.id.uuidString.lowercased())"
                }
            let kind: String =
                switch hit.type {
                case .review: "Review"
                case .finding: "Finding"
                case .recommendation: "Recommendation"
                }
            var values: [String: Any] = [
                "kind": kind, "heading": hit.type == .review ? hit.heading : "\(hit.reviewReference) \(hit.heading.lowercased())",
                "href": href, "snippet": Self.safeSnippet(hit.snippet), "reference": hit.reviewReference,
            ]
            if hit.type == .recommendation { values["similar"] = "/learning/similar/\(hit.id.uuidString.lowercased())" }
            return values
        }
        return try await kit.page(
            "learning", values, title: "Learning across reviews", request: request, context: context,
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    static func plural(_ n: Int, _ word: String) -> String { n == 1 ? "1 \(word)" : "\(n) \(word)s" }

    static func yearSpan<C: Collection>(_ years: C) -> String where C.Element == Int {
        guard let low = years.min(), let high = years.max() else { return "no years yet" }
        return low == high ? "\(low)" : "\(low) to \(high)"
    }

    /// A search snippet is HTML-escaped by the database with the matches inside `<mark>…</mark>`:
    /// only those two tags may pass; any other `<` or `>` is escaped, so nothing else can become markup.
    static func safeSnippet(_ snippet: String) -> String {
        let open = "\u{1}", close = "\u{2}"
        var text = snippet.replacingOccurrences(of: open, with: "").replacingOccurrences(of: close, with: "")
        text = text.replacingOccurrences(of: "<mark>", with: open).replacingOccurrences(of: "</mark>", with: close)
        text = text.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        return text.replacingOccurrences(of: open, with: "<mark>").replacingOccurrences(of: close, with: "</mark>")
    }

    // MARK: Similar recommendations

    private func similar(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let id = try context.parameters.id("recommendation", entity: "recommendation")
        // The learning view's policy first (readReports), then the recommendation itself.
        let similar = try await services.recommendations.similar(to: id, limit: 20, by: actor)
        let recommendation = try await services.recommendations.get(id, by: actor)
        let review = try await services.reviews.get(recommendation.state.reviewID, by: actor)
        let values: [String: Any] = [
            "number": recommendation.details.number, "text": recommendation.details.text,
            "reference": review.details.reference, "title": review.details.title,
            "href": "/recommendations/\(id.uuidString.lowercased())",
            "tag": Tag.recommendation(recommendation.state.status, overdue: recommendation.state.overdue),
            "similar": similar.map { item -> [String: Any] in
                [
                    "href": "/recommendations/\(item.id.uuidString.lowercased())", "reference": item.reviewReference, "number": item.number,
                    "reviewHref": "/reviews/\(item.reviewID.uuidString.lowercased())", "text": item.text, "tag": Tag.recommendation(item.status),
                    "score": Number.short(item.score * 100) + "%", "terms": item.sharedTerms.joined(separator: ", "),
                ]
            },
            "none": similar.isEmpty,
        ]
        return try await kit.page(
            "learning-similar", values, title: "Recommendations like recommendation \(recommendation.details.number)", request: request,
            context: context)
    }

    // MARK: Recurring lessons

    private func recurring(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let typed = ReportPages.Typed(request)
        var errors: [FieldError] = []
        let boardID = typed["board"].flatMap(UUID.init(uuidString:))
        if typed["board"] != nil, boardID == nil { errors.append(FieldError(field: "board", message: "Choose a board from the list")) }
        let cursor = typed["cursor"].flatMap(UUID.init(uuidString:))
        // The learning view's policy first (readReports): a partner is refused before anything is read.
        let page = try await services.learning.recurring(
            boardID: boardID, theme: typed["theme"].map { String($0.prefix(60)) }, page: PageRequest(after: cursor, limit: 20), by: actor)
        let boards = try await services.boards.list(PageRequest(limit: 200), by: actor).items
        let themes = try await services.boards.themes(by: actor)
        let fields = [
            Field(name: "board", label: "Board", control: .select([("", "Every board")] + boards.map { ($0.id.uuidString.lowercased(), $0.details.name) }))
                .with(typed["board"]),
            Field(name: "theme", label: "Theme", control: .select([("", "Any theme")] + themes.map { ($0.code, $0.label) })).with(typed["theme"]),
        ]
        var values = FormView(fields: fields, errors: errors).values
        values["none"] = page.items.isEmpty
        values["lessons"] = page.items.map { lesson -> [String: Any] in
            let since = lesson.firstYear == lesson.lastYear ? "in \(lesson.firstYear)" : "from \(lesson.firstYear) to \(lesson.lastYear)"
            return [
                "heading": "The same lesson in \(lesson.reviews) reviews, \(since)",
                "themes": lesson.themes.map(\.label).joined(separator: ", "),
                "members": lesson.members.map { member -> [String: Any] in
                    [
                        "href": "/recommendations/\(member.id.uuidString.lowercased())", "reference": member.reviewReference, "number": member.number,
                        "reviewHref": "/reviews/\(member.reviewID.uuidString.lowercased())", "year": member.year, "text": member.text,
                        "tag": Tag.recommendation(member.status),
                    ]
                },
            ]
        }
        if let next = page.nextCursor {
            var query = ["cursor=\(next)"]
            if let board = typed["board"] { query.append("board=\(Form.percentEncode(board))") }
            if let theme = typed["theme"] { query.append("theme=\(Form.percentEncode(theme))") }
            values["next"] = "/learning/recurring?" + query.joined(separator: "&")
        }
        values["first"] = cursor == nil ? "" : "/learning/recurring"
        return try await kit.page(
            "learning-recurring", values, title: "Recurring lessons", request: request, context: context,
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }
}
