import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Documents of a review on the pages: the form that attaches one (one file, streamed as evidence
/// is), the download, and the withdrawal with its reason.
struct DocumentPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reviews/:review/documents/new") { request, context in try await form(try reviewID(context), request, context) }
        group.post("reviews/:review/documents") { request, context in try await add(request, context) }
        group.get("review-documents/:document/file") { _, context in
            try await ReviewDocumentController.download(services.documents, try id(context), context: context)
        }
        group.get("review-documents/:document/withdraw") { request, context in try await withdrawForm(try id(context), request, context) }
        group.post("review-documents/:document/withdrawal") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try id(context)
                do {
                    let withdrawn = try await services.documents.withdraw(id, Withdrawal(reason: form["reason"] ?? ""), by: context.actor)
                    return kit.redirect("/reviews/\(withdrawn.reviewID.uuidString.lowercased())#documents", banner: "Document withdrawn")
                } catch let invalid as ValidationError {
                    let errors = invalid.errors.map { FieldError(field: "reason", message: $0.field == "reason" ? "Say why the document is withdrawn" : $0.message) }
                    return try await withdrawForm(id, request, context, errors: errors, typed: form.typed("reason"))
                } catch DomainError.conflict(let detail) {
                    return try await withdrawForm(id, request, context, errors: [FieldError(field: "reason", message: detail)], typed: form.typed("reason"))
                }
            }
        }
    }

    private func reviewID(_ context: SignedInContext) throws -> UUID { try context.parameters.id("review", entity: "review") }
    private func id(_ context: SignedInContext) throws -> UUID { try context.parameters.id("document", entity: "document") }

    /// A document as the review page lists it.
    static func row(_ d: ReviewDocument, mayWithdraw: Bool) -> [String: Any] {
        let id = d.id.uuidString.lowercased()
        return [
            "href": "/review-documents/\(id)/file", "title": d.title, "kind": d.kind.label, "name": d.file.name, "sha256": d.file.sha256,
            "size": ByteCountFormatter.string(fromByteCount: d.file.sizeBytes, countStyle: .file), "when": UKDate.time(d.addedAt),
            "withdrawn": d.withdrawn, "withdrawnReason": d.withdrawnReason ?? "", "tag": Tag.values("Withdrawn", colour: "grey"),
            "mayWithdraw": mayWithdraw && !d.withdrawn, "withdrawHref": "/review-documents/\(id)/withdraw",
        ]
    }

    private func form(
        _ reviewID: UUID, _ request: Request, _ context: SignedInContext, errors: [FieldError] = [], typed: [String: String] = [:],
        status: HTTPResponse.Status? = nil
    ) async throws -> Response {
        try context.actor.require(.editReviews)
        let review = try await services.reviews.get(reviewID, by: context.actor)
        let fields = [
            Field(name: "kind", label: "Kind of document", control: .radios(DocumentKind.allCases.map { ($0.rawValue, $0.label) }))
                .with(typed["kind"]),
            Field.text("title", "Title", hint: "For example, Child G: local child safeguarding practice review, published report").with(typed["title"]),
        ]
        let view = FormView(fields: fields, errors: errors.filter { $0.field != "files" })
        let values: [String: Any] = [
            "caption": "\(review.details.reference): \(review.details.title)", "back": "/reviews/\(reviewID.uuidString.lowercased())#documents",
            "action": "/reviews/\(reviewID.uuidString.lowercased())/documents",
            "fields": view.values["fields"]!, "filesError": errors.first { $0.field == "files" }?.message ?? "",
            "accept": FileType.allCases.flatMap(\.extensions).map { "." + $0 }.joined(separator: ","),
            "acceptWords": FileType.allCases.flatMap(\.extensions).map { $0.uppercased() }.joined(separator: ", "),
            "maxUpload": ByteCountFormatter.string(fromByteCount: Int64(services.configuration.maxUploadBytes), countStyle: .binary),
            "errors": errors.map { ["field": $0.field, "message": $0.message] }, "hasErrors": !errors.isEmpty,
        ]
        return try await kit.page(
            "document-form", values, title: "Add a document", request: request, context: context,
            status: status ?? (errors.isEmpty ? .ok : .unprocessableContent))
    }

    /// A document from the form (`multipart/form-data`): the same service function as the API's,
    /// the page's CSRF token checked before anything is stored.
    private func add(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let reviewID = try reviewID(context)
        let maxUpload = services.configuration.maxUploadBytes
        let expected = context.sessionToken.map(CSRF.token(forSession:))
        var typed: [String: String] = [:]
        do {
            _ = try await services.documents.add(
                to: reviewID, maxBytes: Int64(maxUpload), by: context.actor, check: { try MultipartEvidence.precheck(request, maxUploadBytes: maxUpload) }
            ) { upload in
                try await MultipartEvidence.read(
                    request, boundary: try MultipartEvidence.boundary(of: request), into: upload, maxBodyBytes: MultipartEvidence.maxBodyBytes(maxUpload),
                    fields: &typed)
                var fields = typed
                guard let expected, CSRF.matches(fields.removeValue(forKey: "csrf_token"), expected) else { throw RequestProblem.missingFormToken }
                fields.removeValue(forKey: "form_key")
                return try DocumentSubmission.parse(fields)
            }
            return kit.redirect("/reviews/\(reviewID.uuidString.lowercased())#documents", banner: "Document added", request: request)
        } catch let invalid as ValidationError {
            let errors = invalid.errors.map { error -> FieldError in
                switch error.field {
                case "kind": FieldError(field: "kind", message: "Choose the kind of document")
                case "title": FieldError(field: "title", message: "Enter the document's title")
                default: FieldError(field: "files", message: "Choose the document's file: one file")
                }
            }
            return try await form(reviewID, request, context, errors: errors, typed: typed)
        } catch DomainError.unsupportedFile(let detail) {
            return try await form(
                reviewID, request, context, errors: [FieldError(field: "files", message: "\(PartnerPages.sentence(detail)) Nothing was stored.")],
                typed: typed, status: .unsupportedMediaType)
        } catch DomainError.tooLarge(let limit) {
            let size = ByteCountFormatter.string(fromByteCount: limit, countStyle: .file)
            return try await form(
                reviewID, request, context, errors: [FieldError(field: "files", message: "The file must be \(size) or smaller. Nothing was stored")],
                typed: typed, status: .contentTooLarge)
        }
    }

    private func withdrawForm(_ id: UUID, _ request: Request, _ context: SignedInContext, errors: [FieldError] = [], typed: String = "") async throws -> Response {
        try context.actor.require(.editReviews)
        let document = try await services.documents.get(id, by: context.actor)
        let values: [String: Any] = [
            "title": document.title, "back": "/reviews/\(document.reviewID.uuidString.lowercased())#documents",
            "action": "/review-documents/\(id.uuidString.lowercased())/withdrawal", "typedReason": typed,
            "reasonError": errors.first?.message ?? "",
            "errors": errors.map { ["field": $0.field, "message": $0.message] }, "hasErrors": !errors.isEmpty,
        ]
        return try await kit.page(
            "document-withdraw", values, title: "Withdraw a document", request: request, context: context,
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }
}
