import Foundation
import Hummingbird
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore

/// The audit trail for auditors and admins: its events with their before and after, verifying the
/// chain, the checkpoints, and the export (the API's, `/api/v1/audit/export`).
struct AuditPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }
    static let pageSize = 25

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("audit") { request, context in try await events(request, context) }
        group.get("audit/verify") { request, context in try await verify(request, context) }
        group.get("audit/checkpoints") { request, context in try await checkpoints(request, context) }
    }

    // MARK: Events

    private func events(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let typed = ReportPages.Typed(request)
        var errors: [FieldError] = []
        func day(_ name: String, _ label: String) -> Day? {
            guard let raw = typed[name] else { return nil }
            guard let day = UKDate.parse(raw), day.year <= 9998 else {
                errors.append(FieldError(field: name, message: "\(label) must be a real date, like 31/03/2026"))
                return nil
            }
            return day
        }
        let from = day("from", "The first day")
        let to = day("to", "The last day")
        if let from, let to, to < from { errors.append(FieldError(field: "to", message: "The last day must be the same as or after the first day")) }
        // The trail names records by their ids in lower case; an id typed in capitals is the same record.
        let key = typed["key"].map { UUID(uuidString: $0) == nil ? $0 : $0.lowercased() }
        let filter = AuditFilter(
            table: typed["table"], key: key, actor: typed["actor"],
            sealedFrom: from.map { AsAt(day: $0.adding(days: -1)).sealedBefore }, sealedBefore: to.map { AsAt(day: $0).sealedBefore })
        let after = typed["after"].flatMap { Int64($0) }.map { max($0, 0) }
        let found: [AuditEvent]
        if errors.isEmpty {
            found = try await services.audit.events(filter, after: after, limit: Self.pageSize + 1, by: actor)
        } else {
            // A form to correct; the policy still decides first whether there is a page at all.
            try actor.require(.readAudit)
            found = []
        }
        let shown = Array(found.prefix(Self.pageSize))
        let listed = shown.map(AuditController.ListedEvent.init)
        let names = try await services.accounts.actorNames(Array(Set(listed.compactMap(\.actor))), by: actor)

        let query: [(String, String)] = ["table", "key", "actor", "from", "to"].compactMap { name in typed[name].map { (name, $0) } }
        func link(_ extra: [(String, String)]) -> String {
            let all = query + extra
            return "/audit" + (all.isEmpty ? "" : "?" + all.map { "\($0.0)=\(Form.percentEncode($0.1))" }.joined(separator: "&"))
        }
        let tables = Self.tables.map { ($0.key, $0.value) }.sorted { $0.1 < $1.1 }
        var tableChoices = [("", "Any")] + tables
        if let table = typed["table"], Self.tables[table] == nil { tableChoices.append((table, table)) }
        let fields = [
            Field(name: "table", label: "Kind of record", control: .select(tableChoices.map { (value: $0.0, label: $0.1) })).with(typed["table"]),
            Field.text("key", "Record", hint: "The record's id, as listed with each event", width: 20).with(typed["key"]),
            Field.text("actor", "Made by", hint: "Such as user:0190c7d2-…, as the trail records it. Or follow a name below", width: 20)
                .with(typed["actor"]),
            Field.date("from", "From", hint: "The first day. For example, 01/03/2026").with(typed["from"]),
            Field.date("to", "To", hint: "The last day. For example, 31/03/2026").with(typed["to"]),
        ]
        var values = FormView(fields: fields, errors: errors).values
        values["events"] = zip(shown, listed).map { event, listed -> [String: Any] in
            Self.eventValues(event, listed: listed, actorName: listed.actor.flatMap { names[$0] }, link: { link($0) })
        }
        values["none"] = shown.isEmpty
        values["filtered"] = !query.isEmpty
        if found.count > Self.pageSize, let last = shown.last {
            values["next"] = link([("after", String(last.seq))])
        }
        if after != nil { values["first"] = link([]) }
        return try await kit.page("audit", values, title: "Audit trail", request: request, context: context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// One event as the page shows it: when, who, what, and its before and after field by field.
    static func eventValues(_ event: AuditEvent, listed: AuditController.ListedEvent, actorName: String?, link: ([(String, String)]) -> String) -> [String: Any] {
        let table = listed.table ?? ""
        var values: [String: Any] = [
            "seq": event.seq, "when": RecommendationPages.sealTime(event.sealedAt),
            "what": "\(operation(listed.operation)): \(tables[table] ?? RecommendationPages.fieldName(table))",
            "table": table, "key": listed.key ?? "", "requestID": listed.requestID ?? "", "source": listed.context ?? "",
            "actor": actorName ?? listed.actor ?? "Not recorded", "actorCode": listed.actor ?? "",
            "byActor": listed.actor.map { link([("actor", $0)]) } ?? "",
            "byRecord": listed.key.map { link([("table", table), ("key", $0)]) } ?? "",
            "chainHash": event.chainHash.hex,
        ]
        if listed.operation == "READ" {
            values["isRead"] = true
            values["read"] = details(event).map { ["field": RecommendationPages.fieldName($0.0), "value": words($0.1)] }
        } else if let history = HistoryEntry(event) {
            values["changes"] = history.changes.map { change -> [String: Any] in
                ["field": RecommendationPages.fieldName(change.field), "before": words(change.from), "after": words(change.to)]
            }
            values["hasChanges"] = !history.changes.isEmpty
        }
        return values
    }

    /// A stored value in words: dates and times in the UK form, the rest as the history shows it.
    static func words(_ value: JSONValue) -> String {
        if case .string(let text) = value, text.count > 10, let date = timestamp(text) { return UKDate.time(date) }
        return RecommendationPages.words(value)
    }

    /// A timestamp as PostgreSQL writes it into JSON (`2026-04-02T10:11:12.123456+01:00`).
    static func timestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// What a recorded read says about itself (its `new` side).
    private static func details(_ event: AuditEvent) -> [(String, JSONValue)] {
        guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(event.payload.utf8)),
            case .object(let detail)? = fields["new"]
        else { return [] }
        return detail.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static func operation(_ raw: String?) -> String {
        switch raw?.uppercased() {
        case "INSERT": "Recorded"
        case "UPDATE": "Changed"
        case "DELETE": "Removed"
        case "READ": "Read"
        default: raw ?? "Event"
        }
    }

    /// The kinds of record the trail names, in words.
    static let tables: [String: String] = [
        "reviews": "Review", "review_transitions": "Review status change", "core_questions": "Core question", "findings": "Finding",
        "finding_questions": "Finding answering a core question", "recommendations": "Recommendation",
        "recommendation_findings": "Recommendation answering a finding", "recommendation_transitions": "Recommendation status change",
        "assignments": "Assignment", "due_date_revisions": "Due date change", "reassignments": "Reassignment", "progress_updates": "Progress update",
        "evidence": "Evidence", "evidence_files": "Evidence file", "evidence_decisions": "Evidence decision", "partners": "Partner organisation",
        "boards": "Board", "themes": "Theme", "users": "User account", "account_events": "Account event", "clock_pauses": "Clock pause",
        "deadline_rules": "Deadline rule", "bank_holidays": "Bank holiday", "read:evidence_pack": "Evidence pack taken",
        "read:audit.export": "Audit trail exported", "read:evidence_files": "Evidence file downloaded",
        "information_requests": "Further-information request", "information_answers": "Answer to a request",
        "information_answer_files": "File of an answer", "read:information_answer_files": "File of an answer downloaded",
        "read:report.information_requests": "Information requests exported", "review_documents": "Document of a review",
        "review_document_withdrawals": "Document withdrawn", "read:review_documents": "Document of a review downloaded",
    ]

    // MARK: Verify the chain

    private func verify(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let report = try await services.audit.verify(by: actor)
        let last = try await services.audit.lastCheckpoint(by: actor)
        var values: [String: Any] = [
            "ok": report.ok, "problem": report.problem ?? "", "events": report.events, "headSeq": report.headSeq, "headHash": report.headHash,
            "merkleRoot": report.merkleRoot, "unsealed": report.unsealed, "hasUnsealed": report.unsealed > 0,
            "checkedAt": UKDate.time(Date()),
        ]
        if let last { values["checkpoint"] = Self.checkpointValues(last) }
        return try await kit.page(
            "audit-verify", values, title: report.ok ? "The audit trail is verified" : "The audit trail does not verify", request: request,
            context: context)
    }

    static func checkpointValues(_ c: Checkpoint) -> [String: Any] {
        let signature: String =
            if c.signature == nil { "Not signed" } else if c.hasValidSignature() { "Signed; the signature is valid for the key it names" } else {
                "Signed, but the signature does not match"
            }
        return [
            "seq": c.seq, "chainHash": c.chainHash, "merkleRoot": c.merkleRoot, "made": RecommendationPages.sealTime(c.createdAt),
            "signature": signature, "publicKey": c.publicKey ?? "",
        ]
    }

    // MARK: Checkpoints

    private func checkpoints(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let typed = ReportPages.Typed(request)
        let after = typed["after"].flatMap { Int64($0) }.map { max($0, 0) }
        let found = try await services.audit.checkpoints(after: after, limit: Self.pageSize + 1, by: context.actor)
        let shown = Array(found.prefix(Self.pageSize))
        var values: [String: Any] = ["checkpoints": shown.map(Self.checkpointValues), "none": shown.isEmpty]
        if found.count > Self.pageSize, let last = shown.last { values["next"] = "/audit/checkpoints?after=\(last.seq)" }
        if after != nil { values["first"] = "/audit/checkpoints" }
        return try await kit.page("audit-checkpoints", values, title: "Checkpoints of the audit trail", request: request, context: context)
    }
}
