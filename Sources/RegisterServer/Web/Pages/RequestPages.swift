import Foundation
import Hummingbird
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore

/// Further-information requests on the pages: the list, the coordinator's "ask" form (from a
/// review, recommendation or assignment page, or the list), one request with its answers, the
/// holder's answer form (text and files, streamed as evidence is) and the coordinator's withdrawal.
struct RequestPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("information-requests") { request, context in try await list(request, context) }
        group.get("information-requests/export") { request, context in
            try await InformationRequestController.export(services.requests, QueryParameters(request), via: .page, context: context)
        }
        group.get("information-requests/new") { request, context in
            try await askForm(request, context, about: Self.about(QueryParameters(request)))
        }
        group.post("information-requests") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                do {
                    let asked = try await services.requests.ask(try Self.readRequest(form), by: context.actor)
                    return kit.redirect(path(asked.id), banner: "Request sent to \(asked.partnerName)")
                } catch let invalid as ValidationError {
                    return try await askForm(request, context, about: Self.about(form), errors: invalid.errors, typed: form)
                }
            }
        }
        group.get("information-requests/:request") { request, context in try await show(try id(context), request, context) }
        group.post("information-requests/:request/answers") { request, context in try await answer(request, context) }
        group.post("information-requests/:request/withdrawal") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try id(context)
                do {
                    _ = try await services.requests.withdraw(
                        id, expectedVersion: form["version"].flatMap(Int.init), Withdrawal(reason: form["reason"] ?? ""), by: context.actor)
                    return kit.redirect(path(id), banner: "Request withdrawn")
                } catch let invalid as ValidationError {
                    let errors = invalid.errors.map { FieldError(field: "reason", message: $0.field == "reason" ? "Say why the request is withdrawn: the organisation will see it" : $0.message) }
                    return try await show(id, request, context, errors: errors, typedReason: form.typed("reason"))
                } catch DomainError.conflict(let detail) {
                    return try await show(id, request, context, errors: [FieldError(field: "reason", message: detail)], typedReason: form.typed("reason"))
                }
            }
        }
        group.get("information-requests/:request/files/:file") { _, context in
            try await InformationRequestController.download(
                services.requests, try id(context), file: try context.parameters.id("file", entity: "file"), context: context)
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID { try context.parameters.id("request", entity: "information request") }
    private func path(_ id: UUID) -> String { "/information-requests/\(id.uuidString.lowercased())" }

    /// What the request will be about, from the query (`?review=…`, `?recommendation=…`, `?assignment=…`) or the form.
    struct About {
        var field: String
        var id: UUID
    }

    static func about(_ q: QueryParameters) -> About? {
        for field in ["assignment", "recommendation", "review"] {
            if let id = try? q.uuid(field) { return About(field: field, id: id) }
        }
        return nil
    }

    static func about(_ form: Form) -> About? {
        for field in ["assignment", "recommendation", "review"] {
            if let id = form[field + "_id"].flatMap(UUID.init(uuidString:)) { return About(field: field, id: id) }
        }
        return nil
    }

    // MARK: The list

    private func list(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let q = QueryParameters(request)
        let status = try q.vocabulary("status", RequestStatus.self)
        let items = try await services.requests.list(
            InformationRequestFilter(status: status), page: PageRequest(limit: 200), by: actor
        ).items.sorted { ($0.status == .open ? 0 : 1, $0.details.dueDate) < ($1.status == .open ? 0 : 1, $1.details.dueDate) }
        let values: [String: Any] = [
            "mayAsk": actor.may(.askForInformation),
            "mayExport": actor.may(.readReports),
            "exportHref": "/information-requests/export" + (status.map { "?status=\($0.rawValue)" } ?? ""),
            "items": items.map(Self.row),
            "none": items.isEmpty,
            "filters": ([nil] + RequestStatus.allCases.map { Optional($0) }).map { (s: RequestStatus?) -> [String: Any] in
                ["label": s?.label ?? "All", "href": "/information-requests" + (s.map { "?status=\($0.rawValue)" } ?? ""), "current": s == status]
            },
        ]
        return try await kit.page("requests", values, title: "Further-information requests", request: request, context: context)
    }

    /// A request as the lists show it (this list, the home pages).
    static func row(_ r: InformationRequest) -> [String: Any] {
        [
            "href": "/information-requests/\(r.id.uuidString.lowercased())", "question": r.details.question, "partner": r.partnerName,
            "kind": r.details.kind.label, "about": r.about ?? "", "onBehalfOf": r.details.onBehalfOf ?? "",
            "due": UKDate.long(r.details.dueDate), "tag": Tag.request(r.status, overdue: r.overdue),
        ]
    }

    // MARK: Asking

    private func askForm(
        _ request: Request, _ context: SignedInContext, about: About?, errors: [FieldError] = [], typed: Form? = nil
    ) async throws -> Response {
        let actor = context.actor
        try actor.require(.askForInformation)
        var aboutText: String?
        var back = "/information-requests"
        var preferredPartner: UUID?
        if let about {
            switch about.field {
            case "assignment":
                let a = try await services.assignments.get(about.id, by: actor)
                aboutText = "\(a.state.reviewReference) recommendation \(a.state.recommendationNumber): the action of \(a.state.partnerName)"
                back = "/assignments/\(about.id.uuidString.lowercased())"
                preferredPartner = a.details.partnerID
            case "recommendation":
                let r = try await services.recommendations.get(about.id, by: actor)
                let review = try await services.reviews.get(r.state.reviewID, by: actor)
                aboutText = "\(review.details.reference) recommendation \(r.details.number)"
                back = "/recommendations/\(about.id.uuidString.lowercased())"
            default:
                let review = try await services.reviews.get(about.id, by: actor)
                aboutText = "\(review.details.reference): \(review.details.title)"
                back = "/reviews/\(about.id.uuidString.lowercased())"
            }
        }
        let partners = try await services.partners.choices(by: actor)
        let fields = [
            Field(
                name: "partner_id", label: "Who is asked", hint: "The organisation, business unit or subgroup that should answer",
                control: .select(partners.map { ($0.id.uuidString.lowercased(), $0.details.name) })
            ).with(typed?.typed("partner_id") ?? preferredPartner?.uuidString.lowercased()),
            Field(name: "kind", label: "What is asked for", control: .radios(RequestKind.allCases.map { ($0.rawValue, $0.label) }))
                .with(typed?.typed("kind")),
            Field.textarea("question", "The question", hint: "What the organisation should tell the partnership, or brief it on", rows: 5)
                .with(typed?.typed("question")),
            Field.text("on_behalf_of", "Asked on behalf of (optional)", hint: "The board, subgroup or committee that wants it, for example Education and Children's Services Scrutiny Board")
                .with(typed?.typed("on_behalf_of")),
            Field.date("due_date", "Answer needed by", hint: "For example, 31/03/2026").with(typed?.typed("due_date")),
        ]
        let view = FormView(fields: fields, errors: errors)
        let values: [String: Any] = [
            "back": back, "about": aboutText ?? "", "aboutField": about.map { $0.field + "_id" } ?? "",
            "aboutID": about?.id.uuidString.lowercased() ?? "",
            "fields": view.values["fields"]!, "errors": view.values["errors"]!, "hasErrors": !errors.isEmpty,
        ]
        return try await kit.page(
            "request-form", values, title: "Ask for further information", request: request, context: context,
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    static func readRequest(_ form: Form) throws -> InformationRequestDetails {
        var reader = FormReader(form)
        let partner = reader.uuid("partner_id", message: "Choose who is asked")
        let kind = reader.choice("kind", RequestKind.self, message: "Choose whether a briefing or information is asked for")
        let question = reader.required("question", "Enter the question")
        let due = reader.day("due_date", label: "The date the answer is needed by", required: true)
        try reader.check()
        let about = about(form)
        return InformationRequestDetails(
            partnerID: partner!, kind: kind!, question: question, onBehalfOf: form["on_behalf_of"], dueDate: due!,
            reviewID: about?.field == "review" ? about?.id : nil, recommendationID: about?.field == "recommendation" ? about?.id : nil,
            assignmentID: about?.field == "assignment" ? about?.id : nil)
    }

    // MARK: One request

    private func show(
        _ id: UUID, _ request: Request, _ context: SignedInContext, errors: [FieldError] = [], typedAnswer: String? = nil, typedReason: String? = nil,
        status: HTTPResponse.Status? = nil
    ) async throws -> Response {
        let actor = context.actor
        let r = try await services.requests.get(id, by: actor)
        var rows: [[String: String]] = [
            ["key": "Asked of", "value": r.partnerName], ["key": "Asked for", "value": r.details.kind.label],
            ["key": "Answer needed by", "value": UKDate.long(r.details.dueDate)], ["key": "Asked", "value": UKDate.time(r.createdAt)],
        ]
        if let body = r.details.onBehalfOf { rows.insert(["key": "On behalf of", "value": body], at: 1) }
        if let about = r.about { rows.append(["key": "About", "value": about]) }
        let mayAnswer = actor.may(.answerRequests) && r.status != .withdrawn
        let mayWithdraw = actor.may(.askForInformation) && r.status == .open
        let accepted = FileType.allCases.flatMap(\.extensions).map { "." + $0 }
        let aboutHref: String? =
            r.details.assignmentID.map { "/assignments/\($0.uuidString.lowercased())" }
            ?? r.details.recommendationID.map { "/recommendations/\($0.uuidString.lowercased())" }
            ?? r.details.reviewID.map { "/reviews/\($0.uuidString.lowercased())" }
        let values: [String: Any] = [
            "href": path(id), "partner": r.partnerName, "question": r.details.question, "rows": rows, "tag": Tag.request(r.status, overdue: r.overdue),
            "aboutHref": aboutHref ?? "", "aboutText": r.about ?? "",
            "withdrawn": r.status == .withdrawn, "withdrawnReason": r.withdrawnReason ?? "", "withdrawnAt": r.withdrawnAt.map(UKDate.time) ?? "",
            "answers": r.answers.map { a -> [String: Any] in
                [
                    "id": a.id.uuidString.lowercased(), "text": a.text, "when": UKDate.time(a.receivedAt),
                    "files": a.files.map { file -> [String: Any] in
                        ["name": file.name, "sha256": file.sha256, "size": ByteCountFormatter.string(fromByteCount: file.sizeBytes, countStyle: .file),
                         "href": "\(path(id))/files/\(file.id.uuidString.lowercased())"]
                    },
                    "hasFiles": !a.files.isEmpty,
                ]
            },
            "hasAnswers": !r.answers.isEmpty,
            "mayAnswer": mayAnswer, "answered": r.status == .answered, "typedAnswer": typedAnswer ?? "",
            "answerError": errors.first { $0.field == "text" }?.message ?? "",
            "filesError": errors.first { $0.field == "files" }?.message ?? "",
            "accept": accepted.joined(separator: ","), "acceptWords": FileType.allCases.flatMap(\.extensions).map { $0.uppercased() }.joined(separator: ", "),
            "maxUpload": ByteCountFormatter.string(fromByteCount: Int64(services.configuration.maxUploadBytes), countStyle: .binary),
            "mayWithdraw": mayWithdraw, "version": r.version, "typedReason": typedReason ?? "",
            "reasonError": errors.first { $0.field == "reason" }?.message ?? "",
            "errors": errors.map { ["field": $0.field, "message": $0.message] }, "hasErrors": !errors.isEmpty,
            "back": actor.may(.answerRequests) ? "/" : "/information-requests",
        ]
        return try await kit.page(
            "request", values, title: "Further information: \(r.partnerName)", request: request, context: context,
            status: status ?? (errors.isEmpty ? .ok : .unprocessableContent))
    }

    // MARK: The answer form

    /// An answer from the page (`multipart/form-data`, files streamed as they arrive): the same
    /// service function as the API's, the page's CSRF token checked before anything is stored.
    private func answer(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let id = try id(context)
        let maxUpload = services.configuration.maxUploadBytes
        let expected = context.sessionToken.map(CSRF.token(forSession:))
        var typed: [String: String] = [:]
        do {
            _ = try await services.requests.answer(
                id, maxBytes: Int64(maxUpload), by: context.actor, check: { try MultipartEvidence.precheck(request, maxUploadBytes: maxUpload) }
            ) { upload in
                try await MultipartEvidence.read(
                    request, boundary: try MultipartEvidence.boundary(of: request), into: upload, maxBodyBytes: MultipartEvidence.maxBodyBytes(maxUpload),
                    fields: &typed)
                var fields = typed
                guard let expected, CSRF.matches(fields.removeValue(forKey: "csrf_token"), expected) else { throw RequestProblem.missingFormToken }
                fields.removeValue(forKey: "form_key")
                return try AnswerSubmission.parse(fields)
            }
            return kit.redirect(path(id) + "#answers", banner: "Answer sent to the partnership", request: request)
        } catch let invalid as ValidationError {
            let errors = invalid.errors.map { error -> FieldError in
                error.field == "text" ? FieldError(field: "text", message: "Enter your answer") : FieldError(field: "files", message: error.message)
            }
            return try await show(id, request, context, errors: errors, typedAnswer: typed["text"])
        } catch DomainError.unsupportedFile(let detail) {
            return try await show(
                id, request, context, errors: [FieldError(field: "files", message: "\(PartnerPages.sentence(detail)) Nothing was stored.")],
                typedAnswer: typed["text"], status: .unsupportedMediaType)
        } catch DomainError.tooLarge(let limit) {
            let size = ByteCountFormatter.string(fromByteCount: limit, countStyle: .file)
            return try await show(
                id, request, context,
                errors: [FieldError(field: "files", message: "The files must be \(size) or smaller in all. Nothing was stored: send fewer or smaller files")],
                typedAnswer: typed["text"], status: .contentTooLarge)
        } catch DomainError.conflict(let detail) {
            return try await show(id, request, context, errors: [FieldError(field: "text", message: detail)], typedAnswer: typed["text"], status: .conflict)
        }
    }
}

extension Tag {
    static func request(_ status: RequestStatus, overdue: Bool) -> [String: Any] {
        if overdue { return values("\(status.label), overdue", colour: "red") }
        switch status {
        case .open: return values(status.label, colour: "blue")
        case .answered: return values(status.label, colour: "green")
        case .withdrawn: return values(status.label, colour: "grey")
        }
    }
}
