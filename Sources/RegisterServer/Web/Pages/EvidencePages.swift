import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// The evidence queue, the decision on each submission, and file downloads from the pages.
struct EvidencePages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("evidence") { request, context in try await queue(request, context) }
        group.post("evidence/:evidence/decision") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try context.parameters.id("evidence", entity: "evidence")
                let key = id.uuidString.lowercased()
                // Back to the page the decision was made on: the queue, or the recommendation's page.
                let back = form["back"].flatMap(SignInTarget.safe) ?? "/evidence"
                do {
                    let decided = try await services.evidence.decide(id, try Self.readDecision(form, key: key), by: context.actor)
                    return kit.redirect(back, banner: decided.verdict == .accepted ? "Evidence accepted" : "Evidence returned")
                } catch DomainError.conflict(let detail) {
                    return try await queue(request, context, errors: [FieldError(field: "verdict-\(key)-accepted", message: detail)], typed: form, for: id)
                } catch let invalid as ValidationError {
                    let errors = invalid.errors.map { $0.field.hasPrefix("verdict-") || $0.field.hasPrefix("reason-") ? $0 : FieldError(field: "reason-\(key)", message: $0.message) }
                    return try await queue(request, context, errors: errors, typed: form, for: id)
                }
            }
        }
        group.get("evidence/:evidence/files/:file") { _, context in
            try await EvidenceController.download(
                services.evidence, try context.parameters.id("evidence", entity: "evidence"), file: try context.parameters.id("file", entity: "file"),
                context: context)
        }
    }

    /// The decision on one submission; its fields carry the submission's id, as several are on one page.
    static func readDecision(_ form: Form, key: String) throws -> Decision {
        var reader = FormReader(form)
        let verdict = form["verdict"].flatMap(Verdict.init(rawValue:)).flatMap { $0 == .pending ? nil : $0 }
        if verdict == nil { reader.fail("verdict-\(key)-accepted", "Choose whether to accept the evidence or return it") }
        if verdict == .returned, form["reason"] == nil { reader.fail("reason-\(key)", "Say why the evidence is returned: the partner will see it") }
        try reader.check()
        return Decision(verdict: verdict!, reason: form["reason"])
    }

    private func queue(
        _ request: Request, _ context: SignedInContext, errors: [FieldError] = [], typed: Form? = nil, for failed: UUID? = nil
    ) async throws -> Response {
        let pending = try await services.dashboard.queue(limit: 100, by: context.actor)
        var items: [[String: Any]] = []
        for entry in pending.items {
            let evidence = try await services.evidence.get(entry.evidenceID, by: context.actor)
            var values = Self.values(evidence, mayDecide: true)
            values["what"] = "\(entry.reviewReference) recommendation \(entry.recommendationNumber)"
            values["recommendationHref"] = "/recommendations/\(entry.recommendationID.uuidString.lowercased())"
            values["days"] = entry.daysWaiting
            if entry.evidenceID == failed {
                let key = entry.evidenceID.uuidString.lowercased()
                values["typedReason"] = typed?.typed("reason") ?? ""
                values["verdictError"] = errors.first { $0.field == "verdict-\(key)-accepted" }?.message ?? ""
                values["reasonError"] = errors.first { $0.field == "reason-\(key)" }?.message ?? ""
            }
            items.append(values)
        }
        let values: [String: Any] = [
            "items": items, "none": items.isEmpty, "total": pending.total,
            "errors": errors.map { ["field": $0.field, "message": $0.message] }, "hasErrors": !errors.isEmpty,
        ]
        return try await kit.page(
            "evidence-queue", values, title: "Evidence awaiting a decision", request: request, context: context,
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// A submission as the queue and the recommendation's timeline show it, labelled with the
    /// organisation that sent it (after a reassignment, not the one that has the assignment now).
    static func values(_ evidence: Evidence, mayDecide: Bool) -> [String: Any] {
        let id = evidence.id.uuidString.lowercased()
        let partner = evidence.from.partnerName
        return [
            "id": id, "partner": partner, "summary": evidence.summary, "kind": evidence.kind.label,
            "effective": UKDate.long(evidence.effectiveDate), "when": UKDate.time(evidence.receivedAt),
            "title": "Evidence from \(partner)",
            "files": evidence.files.map { file -> [String: Any] in
                ["name": file.name, "sha256": file.sha256, "size": ByteCountFormatter.string(fromByteCount: file.sizeBytes, countStyle: .file),
                 "href": "/evidence/\(id)/files/\(file.id.uuidString.lowercased())"]
            },
            "verdictTag": Tag.verdict(evidence.verdict), "reason": evidence.reason ?? "",
            "decided": evidence.decidedAt.map(UKDate.time) ?? "",
            "pending": evidence.verdict == .pending, "mayDecide": mayDecide && evidence.verdict == .pending,
        ]
    }
}
