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
                    let errors = invalid.errors.map { $0.field == "happened_on" || $0.field == "text" ? FieldError(field: "update_" + $0.field, message: $0.message) : $0 }
                    return try await show(id, request, context, errors: errors, typedUpdate: form)
                }
            }
        }
        group.post("assignments/:assignment/evidence") { request, context in try await submit(request, context) }
    }

    private func id(_ context: SignedInContext) throws -> UUID { try context.parameters.id("assignment", entity: "assignment") }
    private func path(_ id: UUID) -> String { "/assignments/\(id.uuidString.lowercased())" }

    // MARK: Home

    /// "My actions": returned evidence to resubmit first, with the reason in full; then the
    /// organisation's work, overdue first, then by due date.
    func home(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let work = try await Page.all { try await services.assignments.list(AssignmentFilter(), mine: true, page: $0, by: actor) }
        let returnedEvidence = try await services.evidence.list(EvidenceFilter(verdict: .returned), page: PageRequest(limit: 200), by: actor).items
        let latestReturn = Dictionary(grouping: returnedEvidence, by: \.assignmentID).compactMapValues { $0.max { ($0.decidedAt ?? .distantPast) < ($1.decidedAt ?? .distantPast) } }
        let toResubmit = work.filter { $0.state.status == .returned }
        let open = work.filter { $0.state.status != .returned && $0.state.status != .accepted }
            .sorted { ($0.state.overdue ? 0 : 1, $0.details.dueDate) < ($1.state.overdue ? 0 : 1, $1.details.dueDate) }
        let done = work.filter { $0.state.status == .accepted }
        let requested = try await services.requests.list(InformationRequestFilter(status: .open), page: PageRequest(limit: 200), by: actor).items
            .sorted { $0.details.dueDate < $1.details.dueDate }
        func row(_ a: Assignment) -> [String: Any] {
            [
                "href": path(a.id), "what": "\(a.state.reviewReference) recommendation \(a.state.recommendationNumber)",
                "action": a.details.action, "due": UKDate.long(a.details.dueDate), "tag": Tag.assignment(a.state.status, overdue: a.state.overdue),
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
        typedEvidence: [String: String]? = nil, status: HTTPResponse.Status? = nil
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
        ]
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
            "updates": updates.reversed().map { ["on": UKDate.long($0.happenedOn), "text": $0.text, "when": UKDate.time($0.createdAt)] },
            "hasUpdates": !updates.isEmpty,
            "submissions": submissions.reversed().map { EvidencePages.values($0, mayDecide: false) },
            "hasSubmissions": !submissions.isEmpty,
            "mayAsk": actor.may(.askForInformation), "askHref": "/information-requests/new?assignment=\(id.uuidString.lowercased())",
            "mayReport": mayReport, "updateForm": FormView(fields: updateFields, errors: errors).values,
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
        try reader.check()
        return NewProgressUpdate(happenedOn: on, text: text)
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
