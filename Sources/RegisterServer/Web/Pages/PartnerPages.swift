import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// A partner's pages: their organisation's actions, an assignment with its updates and
/// submissions, and the evidence form. Staff may open the same assignment page.
struct PartnerPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("assignments/:assignment") { request, context in try await show(try id(context), request, context) }
        group.post("assignments/:assignment/updates") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try id(context)
                do {
                    _ = try await services.assignments.addUpdate(to: id, try Self.readUpdate(form), by: context.actor)
                    return kit.redirect(path(id) + "#updates", banner: "Progress update added")
                } catch let invalid as ValidationError {
                    let errors = invalid.errors.map(Self.updateError)
                    return try await show(id, request, context, errors: errors, typedUpdate: form)
                }
            }
        }
        group.post("assignments/:assignment/evidence") { request, context in try await submit(request, context) }
        group.post("assignments/:assignment/delay") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try id(context)
                // The version the page was read at, as the API's If-Match.
                let expected = Int(form["version"] ?? "") ?? 0
                do {
                    if form["clear"] != nil {
                        _ = try await services.assignments.clearDelay(id, expectedVersion: expected, by: context.actor)
                        return kit.redirect(path(id) + "#delay", banner: "Delay cleared")
                    }
                    _ = try await services.assignments.markDelayed(id, expectedVersion: expected, try Self.readDelay(form), by: context.actor)
                    return kit.redirect(path(id) + "#delay", banner: "Marked as delayed")
                } catch let invalid as ValidationError {
                    return try await show(id, request, context, errors: invalid.errors.map(Self.delayError), typedDelay: form)
                } catch DomainError.versionMismatch {
                    let stale = [FieldError(field: "delay_reason", message: "Someone changed this action since you read it. Check it above and try again")]
                    return try await show(id, request, context, errors: stale, typedDelay: form, status: .conflict)
                }
            }
        }
    }

    static func readDelay(_ form: Form) throws -> DelayRequest {
        var reader = FormReader(form)
        let reason = reader.required("delay_reason", "Say why the work is delayed")
        let expected = reader.day("delay_expected_date", label: "The date the work is now expected", required: true)
        try reader.check()
        return DelayRequest(reason: reason, expectedDate: expected!)
    }

    static func delayError(_ error: FieldError) -> FieldError {
        switch error.field {
        case "reason": FieldError(field: "delay_reason", message: error.message)
        case "expected_date": FieldError(field: "delay_expected_date", message: "The date the work is now expected must be today or later, like 31/03/2026")
        default: error
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID { try context.parameters.id("assignment", entity: "assignment") }
    private func path(_ id: UUID) -> String { "/assignments/\(id.uuidString.lowercased())" }

    // MARK: Home

    /// "My actions": returned evidence to resubmit first, with the reason in full; then the
    /// organisation's work, overdue first, then by due date.
    func home(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let actor = context.actor
        // Standard pages, which the database keeps planned for a partner's work (`AssignmentStore.PartnerWork`).
        let work = try await Page.all(pageSize: PageRequest.standardLimit) {
            try await services.assignments.list(AssignmentFilter(), mine: true, page: $0, by: actor)
        }
        let returnedEvidence = try await services.evidence.list(EvidenceFilter(verdict: .returned), page: PageRequest(limit: 200), by: actor).items
        let latestReturn = Dictionary(grouping: returnedEvidence, by: \.assignmentID).compactMapValues { $0.max { ($0.decidedAt ?? .distantPast) < ($1.decidedAt ?? .distantPast) } }
        let toResubmit = work.filter { $0.state.status == .returned }
        let open = work.filter { $0.state.status != .returned && !$0.state.status.isClosed }
            .sorted { ($0.state.overdue ? 0 : 1, $0.details.dueDate) < ($1.state.overdue ? 0 : 1, $1.details.dueDate) }
        let done = work.filter { $0.state.status.isClosed }
        let requested = try await services.requests.list(InformationRequestFilter(status: .open), page: PageRequest(limit: 200), by: actor).items
            .sorted { $0.details.dueDate < $1.details.dueDate }
        func row(_ a: Assignment) -> [String: Any] {
            [
                "href": path(a.id), "what": "\(a.state.reviewReference) recommendation \(a.state.recommendationNumber)",
                "action": a.details.action, "due": UKDate.long(a.details.dueDate), "tag": Tag.assignment(a.state.status, overdue: a.state.overdue),
                "delay": a.state.delay.map { Tag.delay($0) as Any } ?? false,
            ]
        }
        let values: [String: Any] = [
            "organisation": try await services.accounts.organisationName(of: context.user) ?? "",
            "resubmit": toResubmit.map { a -> [String: Any] in
                row(a).merging([
                    "reason": latestReturn[a.id]?.reason ?? "", "returned": latestReturn[a.id]?.decidedAt.map(UKDate.time) ?? "",
                ])
            },
            "hasResubmit": !toResubmit.isEmpty,
            "open": open.map(row), "hasOpen": !open.isEmpty, "overdueCount": open.filter(\.state.overdue).count,
            "done": done.map(row), "hasDone": !done.isEmpty,
            "requested": requested.map(RequestPages.row), "hasRequested": !requested.isEmpty,
        ]
        return try await kit.page("partner-home", values, title: "Your actions", request: request, context: context)
    }

    // MARK: An assignment

    private static let kindHints: [EvidenceKind: String] = [
        .output: "Something you produced or did: a protocol signed, training delivered, a procedure changed",
        .outcome: "A change that followed, that you measured: an audit showing the new practice is followed",
        .impact: "A difference for children, adults or families: fewer repeat incidents, what people said",
    ]

    private func show(
        _ id: UUID, _ request: Request, _ context: SignedInContext, errors: [FieldError] = [], typedUpdate: Form? = nil,
        typedEvidence: [String: String]? = nil, typedDelay: Form? = nil, status: HTTPResponse.Status? = nil
    ) async throws -> Response {
        let actor = context.actor
        let assignment = try await services.assignments.get(id, by: actor)
        let recommendation = try await services.recommendations.get(assignment.state.recommendationID, by: actor)
        let review = try await services.reviews.get(assignment.state.reviewID, by: actor)
        let revisions = try await services.assignments.dueDateRevisions(of: id, by: actor)
        let updates = try await services.assignments.updates(of: id, by: actor)
        let submissions = try await services.evidence.list(EvidenceFilter(assignmentID: id), page: PageRequest(limit: 200), by: actor).items
        let mayReport = actor.may(.reportProgress)
        let maySubmit = actor.may(.submitEvidence) && assignment.state.status != .accepted
        let updateFields = [
            Field.date("update_happened_on", "When was this progress made?", hint: "Leave empty for today. For example, 31/03/2026")
                .with(typedUpdate?.typed("update_happened_on")),
            Field.textarea("update_text", "What has been done", hint: "Say what changed since the last update, and what happens next", rows: 4)
                .with(typedUpdate?.typed("update_text")),
        ] + Self.ragFields(typedUpdate)
        let evidenceFields = [
            Field.textarea("summary", "Summary of the evidence", hint: "What the files show, and how they show the action was carried out", rows: 4)
                .with(typedEvidence?["summary"]),
            Field(name: "kind", label: "Kind of evidence", hint: "Output alone does not assure a recommendation: the partnership looks for outcome or impact",
                  control: .radios(EvidenceKind.allCases.map { ($0.rawValue, $0.label) }),
                  itemHints: Dictionary(uniqueKeysWithValues: EvidenceKind.allCases.map { ($0.rawValue, Self.kindHints[$0] ?? "") }))
                .with(typedEvidence?["kind"]),
            Field.date("effective_date", "Date the evidence covers", hint: "The day, or the end of the period, it shows. For example, 31/03/2026")
                .with(typedEvidence?["effective_date"]),
        ]
        let delayFields = [
            Field.textarea("delay_reason", "Why the work is delayed", hint: "What is holding it up, as the board will read it", rows: 3)
                .with(typedDelay?.typed("delay_reason") ?? assignment.state.delay?.reason),
            Field.date("delay_expected_date", "When the work is now expected", hint: "For example, 31/03/2026")
                .with(typedDelay?.typed("delay_expected_date") ?? assignment.state.delay.map { UKDate.typed($0.expectedDate) }),
        ]
        let accepted = FileType.allCases.flatMap(\.extensions).map { "." + $0 }
        let all = errors
        let values: [String: Any] = [
            "href": path(id), "caption": "\(review.details.reference): \(review.details.title)",
            "number": recommendation.details.number, "recommendation": recommendation.details.text,
            "recommendationHref": "/recommendations/\(recommendation.id.uuidString.lowercased())",
            "rows": [
                ["key": "Organisation", "value": assignment.state.partnerName], ["key": "Role", "value": assignment.details.role.label],
                ["key": "Action", "value": assignment.details.action], ["key": "Lead officer", "value": assignment.details.leadOfficer ?? "Not named"],
                ["key": "Due date", "value": UKDate.long(assignment.details.dueDate)],
            ],
            "tag": Tag.assignment(assignment.state.status, overdue: assignment.state.overdue),
            "revisions": revisions.map { ["from": UKDate.long($0.fromDate), "to": UKDate.long($0.toDate), "reason": $0.reason, "when": UKDate.time($0.createdAt)] },
            "hasRevisions": !revisions.isEmpty,
            "updates": updates.reversed().map(Self.updateValues),
            "hasUpdates": !updates.isEmpty,
            "submissions": submissions.reversed().map { EvidencePages.values($0, mayDecide: false) },
            "hasSubmissions": !submissions.isEmpty,
            "mayAsk": actor.may(.askForInformation), "askHref": "/information-requests/new?assignment=\(id.uuidString.lowercased())",
            "mayReport": mayReport, "updateForm": FormView(fields: updateFields, errors: errors).values,
            "delay": assignment.state.delay.map { d -> Any in
                ["tag": Tag.delay(d), "reason": d.reason, "when": UKDate.time(d.recordedAt)] as [String: Any]
            } ?? false,
            "mayDelay": mayReport && !assignment.state.status.isClosed, "version": assignment.version,
            "delayForm": FormView(fields: delayFields, errors: errors).values,
            "maySubmit": maySubmit, "evidenceForm": FormView(fields: evidenceFields, errors: errors).values,
            "filesError": errors.first { $0.field == "files" }?.message ?? "",
            "accept": accepted.joined(separator: ","), "acceptWords": FileType.allCases.flatMap(\.extensions).map { $0.uppercased() }.joined(separator: ", "),
            "maxUpload": ByteCountFormatter.string(fromByteCount: Int64(services.configuration.maxUploadBytes), countStyle: .binary),
            "errors": all.map { ["field": $0.field, "message": $0.message] }, "hasErrors": !all.isEmpty,
        ]
        return try await kit.page(
            "assignment", values, title: "Recommendation \(recommendation.details.number): your action", request: request, context: context,
            status: status ?? (all.isEmpty ? .ok : .unprocessableContent))
    }

    static func readUpdate(_ form: Form) throws -> NewProgressUpdate {
        var reader = FormReader(form)
        let on = reader.day("update_happened_on", label: "The day the progress was made")
        let text = reader.required("update_text", "Say what has been done")
        let rag = reader.choice("update_rag", RAGRating.self, message: "Choose a RAG rating: red, amber, green or blue (complete)")
        let forecast = reader.day("update_forecast_date", label: "The forecast date")
        try reader.check()
        // Red and amber need the forecast and reason (the service says so); green and blue ignore them,
        // as the form's hint says, so a value left in those boxes does not stop the update.
        let offTrack = rag?.offTrack ?? false
        return NewProgressUpdate(
            happenedOn: on, text: text, rag: rag, forecastDate: offTrack ? forecast : nil, ragReason: offTrack ? reader.optional("update_rag_reason") : nil)
    }

    /// The RAG radios, and the forecast date and reason that red and amber need (always shown: no script).
    static func ragFields(_ typed: Form?) -> [Field] {
        [
            Field(name: "update_rag", label: "RAG rating", hint: "How the work stands, as the board reads it", control: .radios(RAGRating.allCases.map { ($0.rawValue, $0.label) }),
                  itemHints: [RAGRating.red.rawValue: "Will not be done by its due date without help", RAGRating.amber.rawValue: "At risk of missing its due date",
                              RAGRating.green.rawValue: "On track", RAGRating.blue.rawValue: "The action is complete"])
                .with(typed?.typed("update_rag")),
            Field.date("update_forecast_date", "Forecast date", hint: "Red or amber only: when the work will be back on track or done. For example, 31/03/2026")
                .with(typed?.typed("update_forecast_date")),
            Field.textarea("update_rag_reason", "Why it is not on track", hint: "Red or amber only: what is holding the work up", rows: 3)
                .with(typed?.typed("update_rag_reason")),
        ]
    }

    /// The service's messages, put against the form's fields in the form's words.
    static func updateError(_ error: FieldError) -> FieldError {
        switch error.field {
        case "happened_on", "text": FieldError(field: "update_" + error.field, message: error.message)
        case "rag": FieldError(field: "update_rag", message: "Choose a RAG rating: red, amber, green or blue (complete)")
        case "forecast_date": FieldError(field: "update_forecast_date", message: error.message.contains("needs")
            ? "Enter the forecast date: a red or amber rating says when the work will be back on track" : error.message)
        case "rag_reason": FieldError(field: "update_rag_reason", message: error.message.contains("needs")
            ? "Say why the work is not on track: a red or amber rating needs a reason" : error.message)
        default: error
        }
    }

    /// A progress update as the pages list it: its day, its RAG as a tag with its word, its text.
    static func updateValues(_ update: ProgressUpdate) -> [String: Any] {
        var values: [String: Any] = ["on": UKDate.long(update.happenedOn), "text": update.text, "when": UKDate.time(update.createdAt)]
        if let rag = update.rag { values["rag"] = Tag.rag(rag) }
        if let forecast = update.forecastDate { values["forecast"] = UKDate.long(forecast) }
        if let reason = update.ragReason { values["ragReason"] = reason }
        return values
    }

    // MARK: The evidence form

    /// A message as a sentence ending in one full stop.
    static func sentence(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.hasSuffix(".") ? trimmed : trimmed + "."
    }

    /// A submission from the evidence form (`multipart/form-data`, files streamed as they arrive):
    /// the same service function as the API's, with the page's CSRF token checked before anything is
    /// stored, and the form's one-time key as the idempotency key, so a double click stores once.
    private func submit(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let id = try id(context)
        let maxUpload = services.configuration.maxUploadBytes
        let expected = context.sessionToken.map(CSRF.token(forSession:))
        // The key arrives inside the body; it is read there and used as the submission's key.
        let key = request.uri.queryParameters["form_key"].map(String.init)
        var typed: [String: String] = [:]
        do {
            let result = try await services.evidence.submit(
                to: id, idempotencyKey: key.map { "page-" + $0 }, maxBytes: Int64(maxUpload), by: context.actor,
                check: { try MultipartEvidence.precheck(request, maxUploadBytes: maxUpload) }
            ) { upload, today in
                try await MultipartEvidence.read(
                    request, boundary: try MultipartEvidence.boundary(of: request), into: upload, maxBodyBytes: MultipartEvidence.maxBodyBytes(maxUpload),
                    fields: &typed)
                var fields = typed
                guard let expected, CSRF.matches(fields.removeValue(forKey: "csrf_token"), expected) else { throw RequestProblem.missingFormToken }
                fields.removeValue(forKey: "form_key")
                // People type dates as 31/03/2026; the register reads ISO dates.
                if let raw = fields["effective_date"], let day = UKDate.parse(raw) { fields["effective_date"] = day.description }
                if fields["summary"]?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true { fields.removeValue(forKey: "summary") }
                return try EvidenceSubmission.parse(fields, today: today)
            }
            let banner = result.replayed ? "That form was sent twice: the evidence was stored once" : "Evidence sent to the partnership for a decision"
            return kit.redirect(path(id) + "#submissions", banner: banner, request: request)
        } catch let invalid as ValidationError {
            let errors = invalid.errors.map { error -> FieldError in
                switch error.field {
                case "summary": FieldError(field: "summary", message: typed["summary"] == nil ? "Enter a summary of the evidence" : error.message)
                case "kind": FieldError(field: "kind", message: "Choose the kind of evidence")
                case "effective_date": FieldError(field: "effective_date", message: typed["effective_date"] == nil ? "Enter the date the evidence covers" : "The date the evidence covers must be a real date, not in the future, like 31/03/2026")
                case "files": FieldError(field: "files", message: "Choose at least one file to upload")
                default: FieldError(field: "files", message: error.message)
                }
            }
            return try await show(id, request, context, errors: errors, typedEvidence: typed)
        } catch DomainError.unsupportedFile(let detail) {
            return try await show(
                id, request, context, errors: [FieldError(field: "files", message: "\(Self.sentence(detail)) Nothing was stored.")], typedEvidence: typed,
                status: .unsupportedMediaType)
        } catch DomainError.tooLarge(let limit) {
            let size = ByteCountFormatter.string(fromByteCount: limit, countStyle: .file)
            return try await show(
                id, request, context,
                errors: [FieldError(field: "files", message: "The files must be \(size) or smaller in all. Nothing was stored: send fewer or smaller files")],
                typedEvidence: typed, status: .contentTooLarge)
        } catch DomainError.tooManyAtOnce(let detail, let retryAfter) {
            var page = try await show(id, request, context, errors: [FieldError(field: "files", message: detail)], typedEvidence: typed, status: .tooManyRequests)
            page.headers[.retryAfter] = String(retryAfter)
            return page
        } catch RequestProblem.bodyTooSlow(let detail) {
            return try await show(id, request, context, errors: [FieldError(field: "files", message: detail)], typedEvidence: typed, status: .requestTimeout)
        }
    }
}
