import Foundation
import Hummingbird
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore

/// Monitoring bodies' pages: the list (and a form to record one), and a body's page with the
/// sources it monitors, its period reports (printable HTML and CSV, the API's own download) and
/// the reports presented to it (and a form to record one).
struct MonitoringPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("monitoring-bodies") { request, context in try await list(request, context) }
        group.post("monitoring-bodies") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                do {
                    var reader = FormReader(form)
                    let board = reader.uuid("board_id", message: "Choose the partnership")
                    let name = reader.required("name", "Enter the body's name")
                    let kind = reader.choice("kind", MonitoringBodyKind.self, message: "Choose what kind of body it is")
                    try reader.check()
                    let body = try await services.monitoring.create(MonitoringBodyDetails(boardID: board!, name: name, kind: kind!), by: context.actor)
                    return kit.redirect(path(body.id), banner: "\(body.details.name) recorded")
                } catch let invalid as ValidationError {
                    return try await list(request, context, errors: invalid.errors, typed: form)
                } catch DomainError.conflict(let message) {
                    return try await list(request, context, errors: [FieldError(field: "name", message: message)], typed: form)
                }
            }
        }
        group.get("monitoring-bodies/:body") { request, context in try await show(try id(context), request, context) }
        group.get("monitoring-bodies/:body/period-report") { request, context in
            try await MonitoringController.periodReport(services.monitoring, request, context, via: .page, defaultFormat: .html)
        }
        group.post("monitoring-bodies/:body/sources") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try id(context)
                var reader = FormReader(form)
                guard let review = reader.uuid("review_id", message: "Choose the source this body monitors") else {
                    return try await show(id, request, context, errors: reader.errors)
                }
                if form["remove"] != nil {
                    _ = try await services.monitoring.stopMonitoring(review, by: id, by: context.actor)
                    return kit.redirect(path(id) + "#sources", banner: "No longer monitored by this body")
                }
                do {
                    _ = try await services.monitoring.monitor(review, by: id, by: context.actor)
                    return kit.redirect(path(id) + "#sources", banner: "Source added")
                } catch let invalid as ValidationError {
                    return try await show(id, request, context, errors: invalid.errors)
                }
            }
        }
        group.post("monitoring-bodies/:body/presentations") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try id(context)
                do {
                    var reader = FormReader(form)
                    let start = reader.day("period_start", label: "The period's first day", required: true)
                    let end = reader.day("period_end", label: "The period's last day", required: true)
                    let to = reader.required("presented_to", "Enter who it was presented to")
                    let on = reader.day("presented_on", label: "The day it was presented", required: true)
                    try reader.check()
                    _ = try await services.monitoring.recordPresentation(
                        to: id, NewPresentation(periodStart: start!, periodEnd: end!, presentedTo: to, presentedOn: on!, note: reader.optional("note")),
                        by: context.actor)
                    return kit.redirect(path(id) + "#presented", banner: "Presentation recorded")
                } catch let invalid as ValidationError {
                    return try await show(id, request, context, errors: invalid.errors, typed: form)
                }
            }
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID { try context.parameters.id("body", entity: "monitoring body") }
    private func path(_ id: UUID) -> String { "/monitoring-bodies/\(id.uuidString.lowercased())" }

    private func list(_ request: Request, _ context: SignedInContext, errors: [FieldError] = [], typed: Form? = nil) async throws -> Response {
        let actor = context.actor
        let bodies = try await services.monitoring.bodies(boardID: nil, by: actor)
        let boards = try await services.boards.list(PageRequest(limit: 200), by: actor).items
        let boardNames = Dictionary(uniqueKeysWithValues: boards.map { ($0.id, $0.details.name) })
        let fields = [
            Field(name: "board_id", label: "Partnership", control: .select([("", "Choose")] + boards.map { (value: $0.id.uuidString.lowercased(), label: $0.details.name) }))
                .with(typed?.typed("board_id")),
            Field.text("name", "Name", hint: "As the body calls itself, for example Safeguarding Board or Learning and Improvement Subgroup", width: 30)
                .with(typed?.typed("name")),
            Field(name: "kind", label: "Kind of body", control: .radios(MonitoringBodyKind.allCases.map { ($0.rawValue, $0.label) })).with(typed?.typed("kind")),
        ]
        var values = FormView(fields: fields, errors: errors).values
        values["bodies"] = bodies.map { b in
            ["href": path(b.id), "name": b.details.name, "kind": b.details.kind.label, "board": boardNames[b.details.boardID] ?? ""]
        }
        values["hasBodies"] = !bodies.isEmpty
        values["mayEdit"] = actor.may(.editReviews)
        return try await kit.page(
            "monitoring-bodies", values, title: "Monitoring bodies", request: request, context: context,
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    private func show(_ id: UUID, _ request: Request, _ context: SignedInContext, errors: [FieldError] = [], typed: Form? = nil) async throws -> Response {
        let actor = context.actor
        let body = try await services.monitoring.body(id, by: actor)
        let sources = try await services.monitoring.sources(of: id, by: actor)
        let presentations = try await services.monitoring.presentations(of: id, by: actor)
        let reviews = try await services.reviews.list(ReviewFilter(boardID: body.details.boardID), page: PageRequest(limit: 200), by: actor).items
        let monitored = Set(sources.map(\.reviewID))
        let today = services.clock.today()
        // The quarters a board asks for most: the last four that have begun, the current first.
        var quarters: [ReportingPeriod] = []
        var q = ReportingPeriod.quarter("\(today.year)-Q\((today.month + 2) / 3)")!
        for _ in 0..<4 {
            quarters.append(q)
            q = ReportingPeriod.quarter(q.start.adding(days: -1).year.description + "-Q\((q.start.adding(days: -1).month + 2) / 3)")!
        }
        let last = quarters.count > 1 ? quarters[1] : quarters[0]
        let presentationFields = [
            Field.date("period_start", "First day of the period").with(typed?.typed("period_start") ?? UKDate.typed(last.start)),
            Field.date("period_end", "Last day of the period").with(typed?.typed("period_end") ?? UKDate.typed(last.end)),
            Field.text("presented_to", "Presented to", hint: "The meeting's body, for example Safeguarding Board", width: 30)
                .with(typed?.typed("presented_to") ?? body.details.name),
            Field.date("presented_on", "Presented on").with(typed?.typed("presented_on")),
            Field.textarea("note", "Note (optional)", hint: "For example, the minute reference", rows: 2).with(typed?.typed("note")),
        ]
        let sourceField = Field(
            name: "review_id", label: "Source to monitor",
            control: .select([("", "Choose")] + reviews.filter { !monitored.contains($0.id) }.map { (value: $0.id.uuidString.lowercased(), label: "\($0.details.reference): \($0.details.title)") }))
        let values: [String: Any] = [
            "name": body.details.name, "kind": body.details.kind.label, "href": path(id),
            "sources": sources.map { ["reference": $0.reference, "title": $0.title, "href": "/reviews/\($0.reviewID.uuidString.lowercased())", "id": $0.reviewID.uuidString.lowercased(),
                                      "action": path(id) + "/sources"] },
            "hasSources": !sources.isEmpty,
            "quarters": quarters.map { p in
                let name = p.quarterName ?? ""
                return ["words": PeriodReportWriter.periodWords(p), "html": path(id) + "/period-report?quarter=\(name)&format=html",
                        "csv": path(id) + "/period-report?quarter=\(name)&format=csv", "name": name]
            },
            "presentations": presentations.map { p in
                ["to": p.presentedTo, "on": UKDate.long(p.presentedOn), "period": PeriodReportWriter.periodWords(p.period), "note": p.note ?? "",
                 "when": UKDate.time(p.createdAt)]
            },
            "hasPresentations": !presentations.isEmpty,
            "mayEdit": actor.may(.editReviews),
            "sourceForm": FormView(fields: [sourceField], errors: errors.filter { $0.field == "review_id" }).values,
            "presentationForm": FormView(fields: presentationFields, errors: errors.filter { $0.field != "review_id" }).values,
            "errors": errors.map { ["field": $0.field, "message": $0.message] }, "hasErrors": !errors.isEmpty,
        ]
        return try await kit.page(
            "monitoring-body", values, title: body.details.name, request: request, context: context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }
}
