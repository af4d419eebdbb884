import Foundation
import Hummingbird
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore

/// A recommendation's page: its assignments, the partners' updates and evidence, the decisions on
/// it, its history, and the page as it stood on a chosen day.
struct RecommendationPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("recommendations/:recommendation") { request, context in
            try await show(try id(context), request, context)
        }
        group.post("recommendations/:recommendation/assignments") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try id(context)
                do {
                    let assignment = try await services.assignments.assign(id, try Self.readAssignment(form), by: context.actor)
                    return kit.redirect(path(id) + "#assignments", banner: "\(assignment.state.partnerName) assigned")
                } catch let invalid as ValidationError {
                    return try await show(id, request, context, errors: invalid.errors, typed: form)
                } catch DomainError.duplicate {
                    let twice = [FieldError(field: "partner_id", message: "That partner already has this recommendation: change its assignment instead")]
                    return try await show(id, request, context, errors: twice, typed: form)
                }
            }
        }
        group.get("recommendations/:recommendation/edit") { request, context in
            let recommendation = try await services.recommendations.get(try id(context), by: context.actor)
            return try await ReviewPages(kit: kit).itemForm(
                .recommendation, review: recommendation.state.reviewID, editing: editing(recommendation), typed: nil, errors: [],
                request: request, context: context)
        }
        group.post("recommendations/:recommendation/edit") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let current = try await services.recommendations.get(try id(context), by: context.actor)
                let pages = ReviewPages(kit: kit)
                do {
                    _ = try await services.recommendations.update(
                        current.id, expectedVersion: ReviewPages.version(form), to: try ReviewPages.readRecommendation(form), by: context.actor)
                    return kit.redirect(path(current.id), banner: "Changes saved")
                } catch let invalid as ValidationError {
                    return try await pages.itemForm(
                        .recommendation, review: current.state.reviewID, editing: editing(current), typed: form, errors: invalid.errors,
                        request: request, context: context)
                } catch DomainError.versionMismatch {
                    var now = editing(try await services.recommendations.get(current.id, by: context.actor))
                    now.changedMeanwhile = true
                    return try await pages.itemForm(
                        .recommendation, review: current.state.reviewID, editing: now, typed: form, errors: [ReviewPages.changed("recommendation")],
                        request: request, context: context)
                }
            }
        }
        group.post("recommendations/:recommendation/status") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try id(context)
                do {
                    let moved = try await services.recommendations.move(
                        id, expectedVersion: nil, try ReviewPages.readMove(form, RecommendationStatus.self), by: context.actor)
                    return kit.redirect(path(id), banner: "Recommendation \(moved.details.number) is now \(moved.state.status.label.lowercased())")
                } catch let invalid as ValidationError {
                    return try await show(id, request, context, errors: invalid.errors, typed: form)
                } catch let refused as DomainError {
                    guard let error = ReviewPages.moveRefused(refused, RecommendationStatus.self, entity: "recommendation") else { throw refused }
                    return try await show(id, request, context, errors: [error], typed: form)
                }
            }
        }
        group.post("recommendations/:recommendation/shares") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try id(context)
                var reader = FormReader(form)
                let assignmentID = reader.uuid("assignment_id", message: "Choose the assignment")
                let evidenceID = form["evidence_id"] == nil ? nil : reader.uuid("evidence_id", message: "Choose the evidence to share")
                guard let assignmentID, reader.errors.isEmpty else {
                    return try await show(id, request, context, errors: reader.errors.map { FieldError(field: "evidence", message: $0.message) })
                }
                do {
                    let share = try await services.evidence.share(on: assignmentID, ShareRequest(evidenceID: evidenceID), by: context.actor)
                    let what = evidenceID == nil ? "Earlier evidence and updates" : "Evidence"
                    return kit.redirect(path(id) + "#evidence", banner: "\(what) shared with \(share.partnerName)")
                } catch DomainError.conflict(let detail) {
                    return try await show(id, request, context, errors: [FieldError(field: "evidence", message: detail)])
                } catch let invalid as ValidationError {
                    return try await show(id, request, context, errors: invalid.errors.map { FieldError(field: "evidence", message: $0.message) })
                }
            }
        }
        group.post("recommendations/:recommendation/due-dates") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try id(context)
                var reader = FormReader(form)
                guard let assignmentID = reader.uuid("assignment_id", message: "Choose the assignment") else {
                    return try await show(id, request, context, errors: reader.errors, typed: form)
                }
                do {
                    // Each assignment's version was put in the form when it was read.
                    let expected = Int(form["version-\(assignmentID.uuidString.lowercased())"] ?? "") ?? 0
                    _ = try await services.assignments.update(
                        assignmentID, expectedVersion: expected, to: try await readDueDate(form, assignmentID, context), by: context.actor)
                    return kit.redirect(path(id) + "#assignments", banner: "Due date changed")
                } catch let invalid as ValidationError {
                    let errors = invalid.errors.map { $0.field == "due_date" ? FieldError(field: "new_due_date", message: $0.message) : $0 }
                    return try await show(id, request, context, errors: errors, typed: form)
                } catch DomainError.versionMismatch {
                    let stale = [FieldError(field: "new_due_date", message: "Someone changed this assignment since you read it. Check its due date above and try again")]
                    return try await show(id, request, context, errors: stale, typed: form)
                }
            }
        }
    }

    static func readAssignment(_ form: Form) throws -> AssignmentDetails {
        var reader = FormReader(form)
        let partner = reader.uuid("partner_id", message: "Choose the partner organisation")
        let role = reader.choice("role", AssignmentRole.self, message: "Choose whether the partner leads or supports")
        let action = reader.required("action", "Enter the action the partner will take")
        let due = reader.day("due_date", label: "The due date", required: true)
        try reader.check()
        return AssignmentDetails(partnerID: partner!, role: role!, action: action, leadOfficer: form["lead_officer"], dueDate: due!)
    }

    /// The assignment with its new due date and the reason for the change.
    private func readDueDate(_ form: Form, _ assignmentID: UUID, _ context: SignedInContext) async throws -> AssignmentDetails {
        var reader = FormReader(form)
        let due = reader.day("new_due_date", label: "The new due date", required: true)
        let reason = reader.required("due_date_reason", "Say why the due date changes")
        try reader.check()
        var details = try await services.assignments.get(assignmentID, by: context.actor).details
        details.dueDate = due!
        details.dueDateReason = reason
        return details
    }

    private func id(_ context: SignedInContext) throws -> UUID { try context.parameters.id("recommendation", entity: "recommendation") }

    private func editing(_ recommendation: Recommendation) -> ReviewPages.Editing {
        let d = recommendation.details
        return ReviewPages.Editing(
            values: ["number": [d.number], "text": [d.text], "scope": [d.scope.rawValue], "addressee": [d.addressee ?? ""],
                     "target_date": [UKDate.typed(d.targetDate)], "finding_ids": (d.findingIDs ?? []).map { $0.uuidString.lowercased() }],
            version: recommendation.version, back: path(recommendation.id))
    }
    private func path(_ id: UUID) -> String { "/recommendations/\(id.uuidString.lowercased())" }

    private func show(
        _ id: UUID, _ request: Request, _ context: SignedInContext, errors: [FieldError] = [], typed: Form? = nil
    ) async throws -> Response {
        let actor = context.actor
        let asAtText = request.uri.queryParameters["as_at"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        var asAtErrors: [FieldError] = []
        var asAt: AsAt?
        if let asAtText {
            if let day = UKDate.parse(asAtText), day.year >= 1900, day.year <= 2199 { asAt = AsAt(day: day) } else {
                asAtErrors.append(FieldError(field: "as_at", message: "As at must be a real date, like 31/03/2026"))
            }
        }
        let recommendation: Recommendation
        do {
            recommendation = try await services.recommendations.get(id, asAt: asAt, by: actor)
        } catch DomainError.notFound where asAt != nil {
            // Known now, but not yet recorded on that day: say so, and show it as it is.
            asAtErrors.append(FieldError(field: "as_at", message: "This recommendation was not yet recorded at the end of \(UKDate.long(asAt!.day))"))
            asAt = nil
            recommendation = try await services.recommendations.get(id, by: actor)
        }
        let review = try await services.reviews.get(recommendation.state.reviewID, by: actor)
        let assignments = try await services.assignments.list(of: id, page: PageRequest(limit: 200), by: actor).items
        // Evidence, decisions and progress updates are never changed once made, so the page as it
        // stood at the end of a day shows those made by then; assignments are rebuilt from the trail.
        let end = asAt.map { Self.endOf($0.day) }
        func byThen(_ date: Date) -> Bool { end.map { date < $0 } ?? true }
        var timeline: [[String: Any]] = []
        var assignmentRows: [[String: Any]] = []
        // A coordinator shares with an assignment's partner what another organisation sent before a reassignment.
        let mayShare = actor.may(.assignPartners) && asAt == nil
        for assignment in assignments {
            let updates = try await services.assignments.updates(of: assignment.id, by: actor)
            let evidence = try await services.evidence.list(EvidenceFilter(assignmentID: assignment.id), page: PageRequest(limit: 200), by: actor).items
            let unseen = updates.filter { !$0.from.visibleToPartner }.count + evidence.filter { !$0.from.visibleToPartner }.count
            let share: [String: Any] = ["assignmentID": assignment.id.uuidString.lowercased(), "partner": assignment.state.partnerName]
            if asAt == nil {
                let revisions = try await services.assignments.dueDateRevisions(of: assignment.id, by: actor)
                assignmentRows.append([
                    "partner": assignment.state.partnerName, "role": assignment.details.role.label,
                    "officer": assignment.details.leadOfficer ?? "Not named", "action": assignment.details.action,
                    "due": UKDate.long(assignment.details.dueDate),
                    "original": assignment.state.originalDueDate == assignment.details.dueDate ? "" : UKDate.long(assignment.state.originalDueDate),
                    "revisions": revisions.map { ["from": UKDate.long($0.fromDate), "to": UKDate.long($0.toDate), "reason": $0.reason] },
                    "tag": Tag.assignment(assignment.state.status, overdue: assignment.state.overdue),
                    // The latest update's rating: updates come by day, then as added (as `register.latest_updates` orders them).
                    "rag": updates.last?.rag.map { Tag.rag($0) as Any } ?? false,
                    "delay": assignment.state.delay.map { ["tag": Tag.delay($0), "reason": $0.reason] as [String: Any] as Any } ?? false,
                    "unseen": unseen == 1 ? "1 item another organisation sent is" : "\(unseen) items other organisations sent are",
                    "shareAll": (mayShare && unseen > 0 ? share : nil) as Any,
                ])
            }
            for update in updates where byThen(update.createdAt) {
                timeline.append(PartnerPages.updateValues(update).merging([
                    "sort": update.createdAt.timeIntervalSince1970, "when": UKDate.time(update.createdAt),
                    "title": "Progress update from \(update.from.partnerName)", "isUpdate": true,
                    "notShared": update.from.visibleToPartner ? "" : assignment.state.partnerName,
                ]) { $1 })
            }
            for var item in evidence where byThen(item.receivedAt) {
                if let decided = item.decidedAt, !byThen(decided) {
                    (item.verdict, item.decidedAt, item.reason) = (.pending, nil, nil)
                }
                timeline.append(EvidencePages.values(item, mayDecide: actor.may(.decideEvidence) && asAt == nil)
                    .merging([
                        "sort": item.receivedAt.timeIntervalSince1970, "isEvidence": true,
                        "notShared": item.from.visibleToPartner ? "" : assignment.state.partnerName,
                        "shareOne": (mayShare && !item.from.visibleToPartner ? share : nil) as Any,
                    ]))
            }
        }
        if let asAt {
            for row in try await services.reports.assignments(of: recommendation, review: review, asAt: asAt, by: actor) {
                assignmentRows.append([
                    "partner": row.partner ?? "", "role": row.role?.label ?? "", "officer": row.leadOfficer ?? "Not named", "action": row.action ?? "",
                    "due": row.currentDueDate.map(UKDate.long) ?? "",
                    "original": row.originalDueDate == row.currentDueDate ? "" : row.originalDueDate.map(UKDate.long) ?? "",
                    "revisions": [[String: Any]](),
                    "tag": row.status.map { Tag.assignment($0, overdue: row.overdueDays > 0) } ?? Tag.values("Not assigned", colour: "grey"),
                ])
            }
        }
        timeline.sort { ($0["sort"] as? Double ?? 0) < ($1["sort"] as? Double ?? 0) }
        let history = actor.may(.readHistory) ? try await services.recommendations.history(id, by: actor) : []
        let who = history.isEmpty ? [:] : try await services.accounts.actorNames(history.map(\.actor), by: actor)
        let mayAssign = actor.may(.assignPartners) && asAt == nil
        var assignFields: [Field] = []
        var dueFields: [Field] = []
        if mayAssign {
            let partners = try await services.partners.choices(by: actor)
            assignFields = [
                Field(name: "partner_id", label: "Partner", control: .select(partners.map { ($0.id.uuidString.lowercased(), $0.details.name) })),
                Field(name: "role", label: "Role", hint: "A lead partner must show the recommendation is met; a supporting partner contributes",
                      control: .radios([("lead", "Lead"), ("supporting", "Supporting")])),
                Field.textarea("action", "Action", hint: "What the partner will do, specific and measurable", rows: 3),
                Field.text("lead_officer", "Lead officer", hint: "Job title rather than name, if the partner prefers"),
                Field.date("due_date", "Due date"),
            ]
            if !assignments.isEmpty {
                dueFields = [
                    Field(name: "assignment_id", label: "Assignment", control: .select(assignments.map { ($0.id.uuidString.lowercased(), $0.state.partnerName) })),
                    Field.date("new_due_date", "New due date"),
                    Field.textarea("due_date_reason", "Reason for the change", rows: 3),
                ]
            }
            if let typed {
                assignFields = assignFields.map { $0.with(all: typed.all($0.name)) }
                dueFields = dueFields.map { $0.with(all: typed.all($0.name)) }
            }
        }
        let moveFields = [
            Field.select("to", "New status", RecommendationStatus.self, choices: recommendation.state.status.next).with(typed?["to"]),
            Field.textarea("reason", "Reason", hint: "Needed when it is not implemented, superseded or reopened", rows: 3).with(typed?.typed("reason")),
        ]
        let all = errors + asAtErrors
        let d = recommendation.details
        let values: [String: Any] = [
            "number": d.number, "text": d.text, "caption": "\(review.details.reference): \(review.details.title)",
            "reviewHref": "/reviews/\(review.id.uuidString.lowercased())", "href": path(id),
            "tag": Tag.recommendation(recommendation.state.status, overdue: recommendation.state.overdue),
            "rows": [
                ["key": "Reach", "value": d.scope.label], ["key": "Addressed to", "value": d.addressee ?? "Not recorded"],
                ["key": "Target date", "value": d.targetDate.map(UKDate.long) ?? "None set"],
            ],
            "closureNote": recommendation.state.closureNote ?? "",
            "asAt": asAt.map { UKDate.long($0.day) } ?? "", "asAtTyped": asAtText ?? "", "isPast": asAt != nil,
            "assignments": assignmentRows, "hasAssignments": !assignmentRows.isEmpty,
            "timeline": timeline, "hasTimeline": !timeline.isEmpty,
            "history": history.reversed().map { entry -> [String: Any] in
                ["when": Self.sealTime(entry.sealedAt), "operation": Self.operation(entry.operation), "actor": who[entry.actor] ?? entry.actor,
                 "changes": entry.changes.map { ["field": Self.fieldName($0.field), "from": Self.words($0.from), "to": Self.words($0.to)] }]
            },
            "mayHistory": actor.may(.readHistory), "back": path(id), "mayAsAt": actor.may(.readHistory),
            "similarHref": actor.may(.readReports) ? "/learning/similar/\(id.uuidString.lowercased())" : "",
            "resembles": try await Self.resembles(id, subject: "This recommendation", asAt: asAt, services: services, by: actor),
            "mayEdit": actor.may(.editReviews) && asAt == nil, "edit": path(id) + "/edit",
            "mayAsk": actor.may(.askForInformation) && asAt == nil, "askHref": "/information-requests/new?recommendation=\(id.uuidString.lowercased())",
            "mayMove": actor.may(.editReviews) && asAt == nil && !recommendation.state.status.next.isEmpty,
            "moveForm": FormView(fields: moveFields, errors: errors).values,
            "mayAssign": mayAssign, "assignForm": FormView(fields: assignFields, errors: errors).values,
            "mayRevise": mayAssign && !dueFields.isEmpty,
            "versions": assignments.map { ["id": $0.id.uuidString.lowercased(), "version": $0.version] }, "dueForm": FormView(fields: dueFields, errors: errors).values,
            "errors": all.map { ["field": $0.field, "message": $0.message] }, "hasErrors": !all.isEmpty,
        ]
        return try await kit.page(
            "recommendation", values, title: "Recommendation \(d.number)", request: request, context: context,
            status: all.isEmpty ? .ok : .unprocessableContent)
    }

    /// The first moment after `day`, UK time: what "as it stood at the end of the day" means.
    static func endOf(_ day: Day) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .london
        let next = day.adding(days: 1)
        return calendar.date(from: DateComponents(year: next.year, month: next.month, day: next.day))!
    }

    /// A seal time of the trail (`2026-01-02T03:04:05.123456Z`) as people read it, UK time.
    static func sealTime(_ text: String) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text).map(UKDate.time) ?? text
    }

    static func operation(_ raw: String) -> String {
        switch raw.uppercased() {
        case "INSERT": "Recorded"
        case "UPDATE": "Changed"
        case "DELETE": "Removed"
        default: raw
        }
    }

    /// `target_date` → "Target date".
    static func fieldName(_ raw: String) -> String {
        let words = raw.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// A stored value in words, for the history.
    static func words(_ value: JSONValue) -> String {
        switch value {
        case .null: return "(empty)"
        case .bool(let b): return b ? "yes" : "no"
        case .number(let n): return n == n.rounded() ? String(Int(n)) : String(n)
        case .string(let s): return Day(iso: s).map(UKDate.long) ?? s
        case .array(let items): return items.map(words).joined(separator: ", ")
        case .object: return "(details)"
        }
    }
}

extension RecommendationPages {
    /// The `resembles` partial's values: "<subject> resembles recommendations in 3 other reviews: …",
    /// with links, for those who may read the learning view; false when it resembles none.
    static func resembles(_ id: UUID, subject: String, asAt: AsAt? = nil, services: RegisterServices, by actor: Actor) async throws -> Any {
        guard actor.may(.readReports), asAt == nil else { return false }
        let alike = try await services.recommendations.resembles(id, by: actor)
        guard !alike.isEmpty else { return false }
        return [
            "subject": subject, "reviews": LearningPages.plural(Set(alike.map(\.reviewID)).count, "other review"),
            "items": alike.map { item -> [String: Any] in
                [
                    "href": "/recommendations/\(item.id.uuidString.lowercased())", "reference": item.reviewReference, "number": item.number,
                    "excerpt": item.text.count > 160 ? String(item.text.prefix(157)) + "…" : item.text,
                ]
            },
        ] as [String: Any]
    }
}
