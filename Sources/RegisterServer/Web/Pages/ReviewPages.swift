import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Reviews in the browser: the list with filters, a review's page, and the forms that record and
/// change a review, its core questions, findings and recommendations.
struct ReviewPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("reviews") { request, context in try await list(request, context) }
        group.get("reviews/new") { request, context in
            try context.actor.require(.editReviews)
            return try await reviewForm(nil, typed: nil, errors: [], request: request, context: context)
        }
        group.post("reviews/new") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                do {
                    // The form is read inside the action, once the person is known to be allowed it.
                    let review = try await services.reviews.record(try await readReview(form, context: context), by: context.actor)
                    return kit.redirect(path(review.id), banner: "Review recorded")
                } catch let invalid as ValidationError {
                    return try await reviewForm(nil, typed: form, errors: invalid.errors, request: request, context: context)
                } catch DomainError.duplicate {
                    let taken = [FieldError(field: "reference", message: "Another review already has the reference \(form.typed("reference")): choose another")]
                    return try await reviewForm(nil, typed: form, errors: taken, request: request, context: context)
                }
            }
        }
        group.get("reviews/:review") { request, context in try await show(try reviewID(context), request, context) }
        group.get("reviews/:review/edit") { request, context in
            let review = try await services.reviews.get(try reviewID(context), by: context.actor)
            try context.actor.require(.editReviews)
            return try await reviewForm(review, typed: nil, errors: [], request: request, context: context)
        }
        group.post("reviews/:review/edit") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let current = try await services.reviews.get(try reviewID(context), by: context.actor)
                do {
                    _ = try await services.reviews.update(
                        current.id, expectedVersion: Self.version(form), to: try await readReview(form, context: context), by: context.actor)
                    return kit.redirect(path(current.id), banner: "Changes saved")
                } catch let invalid as ValidationError {
                    return try await reviewForm(current, typed: form, errors: invalid.errors, request: request, context: context)
                } catch DomainError.versionMismatch {
                    let now = try await services.reviews.get(current.id, by: context.actor)
                    return try await reviewForm(now, typed: form, errors: [Self.changed("review", field: "title")], request: request, context: context, changedMeanwhile: true)
                }
            }
        }
        group.post("reviews/:review/status") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try reviewID(context)
                do {
                    let moved = try await services.reviews.move(id, expectedVersion: nil, try Self.readMove(form, ReviewStatus.self), by: context.actor)
                    return kit.redirect(path(id), banner: "Review moved to \(moved.state.status.label.lowercased())")
                } catch let invalid as ValidationError {
                    return try await show(id, request, context, errors: invalid.errors, typed: form)
                } catch let refused as DomainError {
                    guard let error = Self.moveRefused(refused, ReviewStatus.self, entity: "review") else { throw refused }
                    return try await show(id, request, context, errors: [error], typed: form)
                }
            }
        }
        group.get("reviews/:review/questions/new") { request, context in
            try await itemForm(.question, review: try reviewID(context), typed: nil, errors: [], request: request, context: context)
        }
        group.post("reviews/:review/questions/new") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try reviewID(context)
                do {
                    _ = try await services.reviewItems.addQuestion(to: id, try Self.readQuestion(form), by: context.actor)
                    return kit.redirect(path(id) + "#questions", banner: "Core question added")
                } catch let invalid as ValidationError {
                    return try await itemForm(.question, review: id, typed: form, errors: invalid.errors, request: request, context: context)
                }
            }
        }
        group.get("reviews/:review/questions/:question/edit") { request, context in
            let (reviewID, id) = (try reviewID(context), try context.parameters.id("question", entity: "core question"))
            let question = try await services.reviewItems.question(id, of: reviewID, by: context.actor)
            return try await itemForm(.question, review: reviewID, editing: Self.editing(question), typed: nil, errors: [], request: request, context: context)
        }
        group.post("reviews/:review/questions/:question/edit") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let (reviewID, id) = (try reviewID(context), try context.parameters.id("question", entity: "core question"))
                let current = try await services.reviewItems.question(id, of: reviewID, by: context.actor)
                do {
                    _ = try await services.reviewItems.updateQuestion(
                        id, of: reviewID, expectedVersion: Self.version(form), to: try Self.readQuestion(form), by: context.actor)
                    return kit.redirect(path(reviewID) + "#questions", banner: "Changes saved")
                } catch let invalid as ValidationError {
                    return try await itemForm(.question, review: reviewID, editing: Self.editing(current), typed: form, errors: invalid.errors, request: request, context: context)
                } catch DomainError.versionMismatch {
                    var now = Self.editing(try await services.reviewItems.question(id, of: reviewID, by: context.actor))
                    now.changedMeanwhile = true
                    return try await itemForm(.question, review: reviewID, editing: now, typed: form, errors: [Self.changed("core question")], request: request, context: context)
                }
            }
        }
        group.get("reviews/:review/findings/new") { request, context in
            try await itemForm(.finding, review: try reviewID(context), typed: nil, errors: [], request: request, context: context)
        }
        group.post("reviews/:review/findings/new") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try reviewID(context)
                do {
                    _ = try await services.reviewItems.addFinding(to: id, try Self.readFinding(form), by: context.actor)
                    return kit.redirect(path(id) + "#findings", banner: "Finding added")
                } catch let invalid as ValidationError {
                    return try await itemForm(.finding, review: id, typed: form, errors: invalid.errors, request: request, context: context)
                }
            }
        }
        group.get("reviews/:review/findings/:finding/edit") { request, context in
            let (reviewID, id) = (try reviewID(context), try context.parameters.id("finding", entity: "finding"))
            let finding = try await services.reviewItems.finding(id, of: reviewID, by: context.actor)
            return try await itemForm(.finding, review: reviewID, editing: Self.editing(finding), typed: nil, errors: [], request: request, context: context)
        }
        group.post("reviews/:review/findings/:finding/edit") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let (reviewID, id) = (try reviewID(context), try context.parameters.id("finding", entity: "finding"))
                let current = try await services.reviewItems.finding(id, of: reviewID, by: context.actor)
                do {
                    _ = try await services.reviewItems.updateFinding(
                        id, of: reviewID, expectedVersion: Self.version(form), to: try Self.readFinding(form), by: context.actor)
                    return kit.redirect(path(reviewID) + "#findings", banner: "Changes saved")
                } catch let invalid as ValidationError {
                    return try await itemForm(.finding, review: reviewID, editing: Self.editing(current), typed: form, errors: invalid.errors, request: request, context: context)
                } catch DomainError.versionMismatch {
                    var now = Self.editing(try await services.reviewItems.finding(id, of: reviewID, by: context.actor))
                    now.changedMeanwhile = true
                    return try await itemForm(.finding, review: reviewID, editing: now, typed: form, errors: [Self.changed("finding")], request: request, context: context)
                }
            }
        }
        group.get("reviews/:review/recommendations/new") { request, context in
            try await itemForm(.recommendation, review: try reviewID(context), typed: nil, errors: [], request: request, context: context)
        }
        group.post("reviews/:review/recommendations/new") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try reviewID(context)
                do {
                    let added = try await services.recommendations.add(to: id, try Self.readRecommendation(form), by: context.actor)
                    // When it resembles earlier ones, the review's page names them ("Recommendation 4 resembles…").
                    let resembles = added.similarEarlier.isEmpty ? "" : "?resembles=\(added.id.uuidString.lowercased())"
                    return kit.redirect(path(id) + resembles + "#recommendations", banner: "Recommendation \(added.details.number) added")
                } catch let invalid as ValidationError {
                    return try await itemForm(.recommendation, review: id, typed: form, errors: invalid.errors, request: request, context: context)
                } catch DomainError.duplicate {
                    let taken = [FieldError(field: "number", message: "This review already has a recommendation \(form.typed("number")): use another number")]
                    return try await itemForm(.recommendation, review: id, typed: form, errors: taken, request: request, context: context)
                }
            }
        }
        group.post("reviews/:review/clock-pauses") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try reviewID(context)
                do {
                    _ = try await services.reviews.pauseClock(of: id, try Self.readPause(form), by: context.actor)
                    return kit.redirect(path(id) + "#clocks", banner: "Clock paused")
                } catch let invalid as ValidationError {
                    // The register's own messages name the API's fields; the form's carry a prefix.
                    let errors = invalid.errors.map { $0.field.hasPrefix("pause_") ? $0 : FieldError(field: "pause_" + $0.field, message: $0.message) }
                    return try await show(id, request, context, errors: errors, typed: form)
                }
            }
        }
        group.post("reviews/:review/clock-pauses/:pause/end") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try reviewID(context)
                do {
                    _ = try await services.reviews.endPause(
                        try context.parameters.id("pause", entity: "clock pause"), of: id, try Self.readPauseEnd(form), by: context.actor)
                    return kit.redirect(path(id) + "#clocks", banner: "Clock resumed")
                } catch let invalid as ValidationError {
                    return try await show(id, request, context, errors: invalid.errors, typed: form)
                }
            }
        }
    }

    // MARK: Reading the forms (each throws every problem at once, for the form to show again)

    /// The version the form was read at.
    static func version(_ form: Form) -> Int { Int(form["version"] ?? "") ?? 0 }

    static func readQuestion(_ form: Form) throws -> CoreQuestionDetails {
        var reader = FormReader(form)
        let text = reader.required("text", "Enter the core question")
        try reader.check()
        return CoreQuestionDetails(text: text)
    }

    static func readFinding(_ form: Form) throws -> FindingDetails {
        var reader = FormReader(form)
        let text = reader.required("text", "Enter the finding")
        try reader.check()
        let themes = form.all("themes")
        return FindingDetails(text: text, themes: themes.isEmpty ? nil : themes, questionIDs: reader.uuids("question_ids"))
    }

    static func readRecommendation(_ form: Form) throws -> RecommendationDetails {
        var reader = FormReader(form)
        let number = reader.required("number", "Enter the recommendation's number, as in the report")
        let text = reader.required("text", "Enter the recommendation")
        let scope = reader.choice("scope", Scope.self, message: "Choose how far the recommendation reaches")
        let target = reader.day("target_date", label: "Target date")
        try reader.check()
        return RecommendationDetails(
            number: number, text: text, scope: scope ?? .local, addressee: form["addressee"], targetDate: target, findingIDs: reader.uuids("finding_ids"))
    }

    static func readMove<State: Lifecycle & Labelled>(_ form: Form, _ type: State.Type) throws -> TransitionRequest<State> {
        var reader = FormReader(form)
        let to = reader.choice("to", State.self, message: "Choose the new status")
        try reader.check()
        return TransitionRequest(to: to!, reason: form["reason"])
    }

    /// A refused lifecycle move, in words for the form.
    static func moveRefused<State: Lifecycle & Labelled>(_ error: DomainError, _ type: State.Type, entity: String) -> FieldError? {
        switch error {
        case .reasonRequired(_, let to):
            return FieldError(field: "reason", message: "Say why the \(entity) moves to \(State(rawValue: to)?.label.lowercased() ?? to)")
        case .transitionNotAllowed(_, let from, let to, let allowed):
            let next = allowed.compactMap { State(rawValue: $0)?.label.lowercased() }.joined(separator: ", ")
            let now = State(rawValue: from)?.label.lowercased() ?? from
            let target = State(rawValue: to)?.label.lowercased() ?? to
            return FieldError(field: "to", message: "A \(entity) that is \(now) cannot move to \(target). It can move to: \(next.isEmpty ? "nothing" : next)")
        case .conflict(let detail):
            return FieldError(field: "to", message: detail)
        default:
            return nil
        }
    }

    static func readPause(_ form: Form) throws -> ClockPauseRequest {
        var reader = FormReader(form)
        let clock = reader.required("pause_clock", "Choose the clock to pause")
        let from = reader.day("pause_from", label: "The first day of the pause", required: true)
        let to = reader.day("pause_to", label: "The last day of the pause")
        let reason = reader.required("pause_reason", "Say why the clock is paused, for example parallel criminal proceedings")
        try reader.check()
        return ClockPauseRequest(clock: clock, from: from!, to: to, reason: reason)
    }

    static func readPauseEnd(_ form: Form) throws -> ClockPauseEnd {
        var reader = FormReader(form)
        let on = reader.day("on", label: "The last day of the pause", required: true)
        try reader.check()
        return ClockPauseEnd(on: on!)
    }

    static func editing(_ question: CoreQuestion) -> Editing {
        Editing(values: ["text": [question.details.text]], version: question.version)
    }

    /// The message when a record changed between reading the form and sending it.
    static func changed(_ what: String, field: String = "text") -> FieldError {
        FieldError(field: field, message: "Someone changed this \(what) since you read it. Check what it says now, then save your changes again")
    }

    static func editing(_ finding: Finding) -> Editing {
        Editing(
            values: ["text": [finding.details.text], "themes": finding.details.themes ?? [],
                     "question_ids": (finding.details.questionIDs ?? []).map { $0.uuidString.lowercased() }],
            version: finding.version)
    }

    private func reviewID(_ context: SignedInContext) throws -> UUID { try context.parameters.id("review", entity: "review") }
    private func path(_ id: UUID) -> String { "/reviews/\(id.uuidString.lowercased())" }

    // MARK: The list

    private func list(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let q = request.uri.queryParameters
        func text(_ name: String) -> String? {
            guard let value = q[Substring(name)], !value.isEmpty else { return nil }
            return String(value.prefix(200))
        }
        var filter = ReviewFilter(
            kind: text("kind").flatMap(ReviewKind.init(rawValue:)), status: text("status").flatMap(ReviewStatus.init(rawValue:)),
            boardID: text("board").flatMap(UUID.init(uuidString:)), theme: text("theme"), text: text("q"),
            year: text("year").flatMap { Int($0) }.flatMap { (1900...2199).contains($0) ? $0 : nil })
        filter.reach = .everything
        let after = text("after").flatMap(UUID.init(uuidString:))
        let page = try await services.reviews.list(filter, page: PageRequest(after: after, limit: 25), by: context.actor)
        let boards = try await services.boards.list(PageRequest(limit: 200), by: context.actor).items
        let themes = try await services.boards.themes(by: context.actor)
        let boardNames = Dictionary(uniqueKeysWithValues: boards.map { ($0.id, $0.details.name) })
        func options(_ pairs: [(String, String)], selected: String?) -> [[String: Any]] {
            [["value": "", "label": "Any", "selected": selected == nil]] + pairs.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == selected] }
        }
        var query = URLComponents()
        query.queryItems = ["kind", "status", "board", "theme", "year", "q"].compactMap { name in text(name).map { URLQueryItem(name: name, value: $0) } }
        if let next = page.nextCursor { query.queryItems?.append(URLQueryItem(name: "after", value: next)) }
        let values: [String: Any] = [
            "mayEdit": context.actor.may(.editReviews),
            "boards": options(boards.map { ($0.id.uuidString.lowercased(), $0.details.name) }, selected: text("board")),
            "kinds": options(ReviewKind.allCases.map { ($0.rawValue, $0.label) }, selected: text("kind")),
            "statuses": options(ReviewStatus.allCases.map { ($0.rawValue, $0.label) }, selected: text("status")),
            "themes": options(themes.map { ($0.code, $0.label) }, selected: text("theme")),
            "year": text("year") ?? "", "q": text("q") ?? "",
            "reviews": page.items.map { review -> [String: Any] in
                [
                    "href": path(review.id), "reference": review.details.reference, "title": review.details.title,
                    "kind": review.details.kind.label, "board": boardNames[review.details.boardID] ?? "",
                    "notified": review.details.notifiedOn.map(UKDate.long) ?? "Not recorded", "tag": Tag.review(review.state.status),
                ]
            },
            "none": page.items.isEmpty,
            "next": page.nextCursor == nil ? "" : "/reviews?" + (query.percentEncodedQuery ?? ""),
            "hasNext": page.nextCursor != nil, "filtered": !(query.queryItems ?? []).isEmpty,
        ]
        return try await kit.page("reviews", values, title: "Reviews", request: request, context: context)
    }

    // MARK: A review's page

    /// After a recommendation was added (`?resembles=` its id, one of this review's): the earlier
    /// recommendations of other reviews it resembles.
    private func justAdded(_ request: Request, among recommendations: [Recommendation], by actor: Actor) async throws -> Any {
        guard let raw = QueryParameters(request).values["resembles"], let id = UUID(uuidString: raw),
              let added = recommendations.first(where: { $0.id == id }) else { return false }
        return try await RecommendationPages.resembles(id, subject: "Recommendation \(added.details.number)", services: services, by: actor)
    }

    private func show(
        _ id: UUID, _ request: Request, _ context: SignedInContext, errors: [FieldError] = [], typed: Form? = nil
    ) async throws -> Response {
        let actor = context.actor
        let review = try await services.reviews.get(id, by: actor)
        async let clocks = services.reviews.clocks(of: id, by: actor)
        async let pauses = services.reviews.pauses(of: id, by: actor)
        async let questions = services.reviewItems.questions(of: id, by: actor)
        async let findings = services.reviewItems.findings(of: id, by: actor)
        async let recommendations = services.recommendations.all(of: id, by: actor)
        let board = try await services.boards.get(review.details.boardID, by: actor)
        let questionList = try await questions
        let questionNumbers = Dictionary(uniqueKeysWithValues: questionList.enumerated().map { ($1.id, $0 + 1) })
        let findingList = try await findings
        let findingNumbers = Dictionary(uniqueKeysWithValues: findingList.enumerated().map { ($1.id, $0 + 1) })
        var parent: [String: Any]?
        if let parentID = review.details.parentReviewID, let found = try? await services.reviews.get(parentID, by: actor) {
            parent = ["href": path(found.id), "label": "\(found.details.reference): \(found.details.title)"]
        }
        let followOns = try await services.reviews.followOns(of: id, by: actor)
        let themeLabels = Dictionary(uniqueKeysWithValues: try await services.boards.themes(by: actor).map { ($0.code, $0.label) })
        let d = review.details
        let caseReviewOnly: Set<String> = ["Subjects", "Incident became known", "Board notified", "Decision to review", "Published", "Lead reviewer"]
        let rows: [(String, String)] = ([
            ("Reference", d.reference), (d.kind.isReview ? "Kind of review" : "Kind of source", d.kind.label), ("Board", board.details.name), ("Guidance", d.regime.label),
            ("Subjects", d.subjects ?? "Not recorded"), ("Themes", (d.themes ?? []).map { themeLabels[$0] ?? $0 }.joined(separator: ", ")),
            ("Incident became known", d.incidentKnownOn.map(UKDate.long) ?? "Not recorded"),
            ("Board notified", d.notifiedOn.map(UKDate.long) ?? "Not recorded"),
            ("Decision to review", d.decisionOn.map(UKDate.long) ?? "Not recorded"),
            ("Published", d.publishedOn.map(UKDate.long) ?? "Not published"),
        ] + Self.publicationRows(review) + [
            ("Lead reviewer", d.leadReviewer ?? "Not recorded"),
        ]).filter { d.kind.isReview || !caseReviewOnly.contains($0.0) }
        let statusField = Field.select("to", "New status", ReviewStatus.self, choices: review.state.status.next(for: review.details.kind)).with(typed?["to"])
        let reasonField = Field.textarea("reason", "Reason", hint: "Needed when a review is not published or reopened", rows: 3).with(typed?.typed("reason"))
        let clockList = try await clocks
        let runningClocks = clockList.filter { $0.state == .running || $0.state == .paused }
        let pauseFields = [
            Field(name: "pause_clock", label: "Clock", control: .select(runningClocks.map { ($0.code, $0.label) })).with(typed?["pause_clock"]),
            Field.date("pause_from", "First day of the pause").with(typed?.typed("pause_from")),
            Field.date("pause_to", "Last day of the pause (if known)").with(typed?.typed("pause_to")),
            Field.textarea("pause_reason", "Reason", hint: "For example, parallel criminal proceedings", rows: 3).with(typed?.typed("pause_reason")),
        ]
        let values: [String: Any] = [
            "review": ["reference": d.reference, "title": d.title, "summary": d.summary ?? "", "tag": Tag.review(review.state.status),
                       "version": review.version, "statusReason": review.state.statusReason ?? ""],
            "href": path(id),
            "rows": rows.map { ["key": $0.0, "value": $0.1] },
            "mayEdit": actor.may(.editReviews),
            "parent": parent as Any,
            "followOns": followOns.map { ["href": path($0.id), "label": "\($0.details.reference): \($0.details.title)"] },
            "hasFollowOns": !followOns.isEmpty,
            "clocks": clockList.map { clock -> [String: Any] in
                ["label": clock.label, "due": clock.dueOn.map(UKDate.long) ?? "Not started", "met": clock.metOn.map(UKDate.long) ?? "",
                 "tag": Tag.clock(clock.state), "source": clock.source]
            },
            "pauses": try await pauses.map { pause -> [String: Any] in
                ["clock": pause.clock, "from": UKDate.long(pause.from), "to": pause.to.map(UKDate.long) ?? "Ongoing", "reason": pause.reason,
                 "ongoing": pause.isOngoing, "pauseID": pause.id.uuidString.lowercased(), "endHref": path(id) + "/clock-pauses/\(pause.id.uuidString.lowercased())/end"]
            },
            "mayPause": actor.may(.editReviews) && !runningClocks.isEmpty,
            "pauseForm": FormView(fields: pauseFields, errors: errors).values,
            "questions": questionList.enumerated().map {
                ["number": $0 + 1, "text": $1.details.text, "edit": path(id) + "/questions/\($1.id.uuidString.lowercased())/edit"]
            },
            "findings": findingList.enumerated().map { index, finding -> [String: Any] in
                ["number": index + 1, "text": finding.details.text, "edit": path(id) + "/findings/\(finding.id.uuidString.lowercased())/edit",
                 "answers": (finding.details.questionIDs ?? []).compactMap { questionNumbers[$0].map { "core question \($0)" } }.joined(separator: ", ")]
            },
            "recommendations": try await recommendations.map { rec -> [String: Any] in
                ["href": "/recommendations/\(rec.id.uuidString.lowercased())", "number": rec.details.number, "text": rec.details.text,
                 "target": rec.details.targetDate.map(UKDate.long) ?? "None set", "tag": Tag.recommendation(rec.state.status, overdue: rec.state.overdue),
                 "answers": (rec.details.findingIDs ?? []).compactMap { findingNumbers[$0].map { "finding \($0)" } }.joined(separator: ", ")]
            },
            "resembles": try await justAdded(request, among: try await recommendations, by: actor),
            "documents": try await services.documents.list(of: id, by: actor).map { DocumentPages.row($0, mayWithdraw: actor.may(.editReviews)) },
            "mayAsk": actor.may(.askForInformation), "reviewID": id.uuidString.lowercased(),
            "mayMove": actor.may(.editReviews) && !review.state.status.next(for: review.details.kind).isEmpty,
            "moveForm": FormView(fields: [statusField, reasonField], errors: errors).values,
            "errors": errors.map { ["field": $0.field, "message": $0.message] }, "hasErrors": !errors.isEmpty,
        ]
        return try await kit.page("review", values, title: d.title, request: request, context: context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// Publication, as a board asks about it: late and why, and how long the report must stay online.
    static func publicationRows(_ review: Review) -> [(String, String)] {
        let d = review.details
        var rows: [(String, String)] = []
        if let reason = d.publicationDelayReason, let expected = d.publicationExpectedOn {
            rows.append(("Publication delayed", "Expected \(UKDate.long(expected)). \(reason)"))
        }
        if let until = review.state.onlineUntil {
            rows.append(("Must stay online until", "At least \(UKDate.long(until)), under the rule for \(d.regime.label)"))
        }
        if let down = d.takenDownOn { rows.append(("Taken off the website", UKDate.long(down))) }
        return rows
    }

    // MARK: Forms

    private func reviewFields(_ context: SignedInContext) async throws -> [Field] {
        let boards = try await services.boards.list(PageRequest(limit: 200), by: context.actor).items
        let themes = try await services.boards.themes(by: context.actor).filter(\.active)
        return [
            Field.text("reference", "Reference", hint: "The review's own reference, for example CSPR-2024-03", width: 20),
            Field.text("title", "Title"),
            Field.select(
                "kind", "Kind of review or other source", ReviewKind.self,
                hint: "Improvement plans, inspection action plans, thematic audits and scrutiny inquiries are recorded here too, without statutory clocks"),
            Field(name: "board_id", label: "Board", control: .select(boards.map { ($0.id.uuidString.lowercased(), $0.details.name) })),
            Field.select(
                "regime", "Guidance", Regime.self,
                hint: "The statutory guidance the review is held under; local arrangements for a plan, an audit or an inquiry"),
            Field.text("subjects", "Subjects", hint: "Pseudonyms only, for example Child G. Never a real name"),
            Field.textarea("summary", "Summary"),
            Field(name: "themes", label: "Themes", control: .checkboxes(themes.map { ($0.code, $0.label) }, empty: "No themes are set up.")),
            Field.date("incident_known_on", "Date the incident became known"),
            Field.date("notified_on", "Date the board was notified"),
            Field.date("rapid_review_due_on", "Date the rapid review is due", hint: "For a rapid review. For example, 31/03/2026"),
            Field.date("rapid_review_completed_on", "Date the rapid review was completed", hint: "For a rapid review. For example, 31/03/2026"),
            Field.date("decision_on", "Date of the decision to review"),
            Field.date("published_on", "Date the report was published"),
            Field.text("publication_url", "Web address of the published report", hint: "For example, https://www.example.gov.uk/reviews/child-g", type: "url"),
            Field.textarea(
                "publication_delay_reason", "Why publication is delayed (if it is)",
                hint: "For example, parallel criminal proceedings. Give the date it is now expected too", rows: 3),
            Field.date("publication_expected_on", "Date publication is now expected"),
            Field.date("taken_down_on", "Date the report was taken off the website"),
            Field.text("lead_reviewer", "Lead reviewer"),
        ]
    }

    /// The review form, empty, filled from the stored review, or as the person typed it.
    private func reviewForm(
        _ review: Review?, typed: Form?, errors: [FieldError], request: Request, context: SignedInContext, changedMeanwhile: Bool = false
    ) async throws -> Response {
        var fields = try await reviewFields(context)
        let d = review?.details
        let stored: [String: [String]] = [
            "reference": [d?.reference ?? ""], "title": [d?.title ?? ""], "kind": [d?.kind.rawValue ?? ""],
            "board_id": [d?.boardID.uuidString.lowercased() ?? ""], "regime": [d?.regime.rawValue ?? ""], "subjects": [d?.subjects ?? ""],
            "summary": [d?.summary ?? ""], "themes": d?.themes ?? [], "incident_known_on": [UKDate.typed(d?.incidentKnownOn)],
            "notified_on": [UKDate.typed(d?.notifiedOn)], "decision_on": [UKDate.typed(d?.decisionOn)], "lead_reviewer": [d?.leadReviewer ?? ""],
            "rapid_review_due_on": [UKDate.typed(d?.rapidReviewDueOn)], "rapid_review_completed_on": [UKDate.typed(d?.rapidReviewCompletedOn)],
            "published_on": [UKDate.typed(d?.publishedOn)], "publication_url": [d?.publicationURL ?? ""],
            "publication_delay_reason": [d?.publicationDelayReason ?? ""], "publication_expected_on": [UKDate.typed(d?.publicationExpectedOn)],
            "taken_down_on": [UKDate.typed(d?.takenDownOn)],
        ]
        fields = fields.map { field in
            if let typed { return field.with(all: typed.all(field.name)) }
            return field.with(all: stored[field.name] ?? [])
        }
        var values = FormView(fields: fields, errors: errors).values
        values["editing"] = review != nil
        values["action"] = review.map { path($0.id) + "/edit" } ?? "/reviews/new"
        values["back"] = review.map { path($0.id) } ?? "/reviews"
        values["version"] = review?.version ?? 0
        if changedMeanwhile, let d {
            values["changedMeanwhile"] = true
            values["now"] = [
                ["key": "Reference", "value": d.reference], ["key": "Title", "value": d.title], ["key": "Kind of review", "value": d.kind.label],
                ["key": "Summary", "value": d.summary ?? ""], ["key": "Subjects", "value": d.subjects ?? ""],
                ["key": "Lead reviewer", "value": d.leadReviewer ?? ""],
            ]
        }
        let title = review == nil ? "Record a review" : "Change the review's details"
        values["heading"] = title
        return try await kit.page(
            "review-form", values, title: title, request: request, context: context,
            status: changedMeanwhile ? .conflict : (errors.isEmpty ? .ok : .unprocessableContent))
    }

    private func readReview(_ form: Form, context: SignedInContext) async throws -> ReviewDetails {
        var reader = FormReader(form)
        let reference = reader.required("reference", "Enter the review's reference")
        let title = reader.required("title", "Enter the review's title")
        let kind = reader.choice("kind", ReviewKind.self, message: "Choose the kind of review")
        let board = reader.uuid("board_id", message: "Choose the board")
        let regime = reader.choice("regime", Regime.self, message: "Choose the guidance the review is held under")
        let incident = reader.day("incident_known_on", label: "The date the incident became known")
        let notified = reader.day("notified_on", label: "The date the board was notified")
        let decision = reader.day("decision_on", label: "The date of the decision to review")
        let rapidDue = reader.day("rapid_review_due_on", label: "The date the rapid review is due")
        let rapidDone = reader.day("rapid_review_completed_on", label: "The date the rapid review was completed")
        let published = reader.day("published_on", label: "The date the report was published")
        let expected = reader.day("publication_expected_on", label: "The date publication is now expected")
        let takenDown = reader.day("taken_down_on", label: "The date the report was taken off the website")
        try reader.check()
        guard let kind, let board, let regime else { throw ValidationError(reader.errors) }
        let themes = form.all("themes")
        var details = ReviewDetails(
            reference: reference, title: title, kind: kind, boardID: board, regime: regime, subjects: form["subjects"], summary: form["summary"],
            themes: themes.isEmpty ? nil : themes, incidentKnownOn: incident, notifiedOn: notified, rapidReviewDueOn: rapidDue,
            rapidReviewCompletedOn: rapidDone, decisionOn: decision, publishedOn: published, publicationURL: form["publication_url"],
            leadReviewer: form["lead_reviewer"], publicationDelayReason: form["publication_delay_reason"], publicationExpectedOn: expected,
            takenDownOn: takenDown)
        // Fields the form does not show keep their stored values.
        if let id = try? context.parameters.id("review", entity: "review"), let current = try? await services.reviews.get(id, by: context.actor) {
            let c = current.details
            (details.closedOn, details.parentReviewID) = (c.closedOn, c.parentReviewID)
        }
        return details
    }

    enum Item { case question, finding, recommendation }

    /// A stored item being changed: its values as the form shows them, and the version read.
    struct Editing {
        var values: [String: [String]]
        var version: Int
        /// Someone changed it since the form was read: show what it says now above the form.
        var changedMeanwhile = false
        /// Where "Back" and "Cancel" lead, when not the review.
        var back: String?
    }

    func itemForm(
        _ item: Item, review id: UUID, editing: Editing? = nil, typed: Form?, errors: [FieldError], request: Request, context: SignedInContext
    ) async throws -> Response {
        try context.actor.require(.editReviews)
        let review = try await services.reviews.get(id, by: context.actor)
        var fields: [Field]
        let title: String
        let button: String
        switch item {
        case .question:
            title = "Add a core question"
            button = "Save core question"
            fields = [Field.textarea("text", "Core question", hint: "As the review's terms of reference put it")]
        case .finding:
            title = "Add a finding"
            button = "Save finding"
            let questions = try await services.reviewItems.questions(of: id, by: context.actor)
            let themes = try await services.boards.themes(by: context.actor).filter(\.active)
            fields = [
                Field.textarea("text", "Finding"),
                Field(name: "question_ids", label: "Core questions it answers",
                      control: .checkboxes(questions.map { ($0.id.uuidString.lowercased(), $0.details.text) }, empty: "This review has no core questions yet.")),
                Field(name: "themes", label: "Themes", control: .checkboxes(themes.map { ($0.code, $0.label) }, empty: "No themes are set up.")),
            ]
        case .recommendation:
            title = "Add a recommendation"
            button = "Save recommendation"
            let findings = try await services.reviewItems.findings(of: id, by: context.actor)
            fields = [
                Field.text("number", "Number", hint: "As in the report, for example 1, 4b or 2.3", width: 10),
                Field.textarea("text", "Recommendation"),
                Field.select("scope", "Reach", Scope.self, hint: "Who must act: this partnership, the region or the country"),
                Field.text("addressee", "Addressed to", hint: "As the report says, for example \"The LSCB and partners\""),
                Field.date("target_date", "Target date"),
                Field(name: "finding_ids", label: "Findings it answers",
                      control: .checkboxes(findings.enumerated().map { ($1.id.uuidString.lowercased(), "Finding \($0 + 1): \($1.details.text)") },
                                           empty: "This review has no findings yet.")),
            ]
        }
        if let typed {
            fields = fields.map { $0.with(all: typed.all($0.name)) }
        } else if let editing {
            fields = fields.map { $0.with(all: editing.values[$0.name] ?? []) }
        }
        var values = FormView(fields: fields, errors: errors).values
        if let editing {
            values["editing"] = true
            values["version"] = editing.version
            if editing.changedMeanwhile {
                values["changedMeanwhile"] = true
                values["now"] = fields.map { field -> [String: Any] in
                    ["key": field.label, "value": (editing.values[field.name] ?? []).joined(separator: ", ")]
                }
            }
        }
        values["heading"] = editing == nil ? title : title.replacingOccurrences(of: "Add a", with: "Change the")
        values["button"] = editing == nil ? button : "Save changes"
        values["caption"] = "\(review.details.reference): \(review.details.title)"
        values["back"] = editing?.back ?? path(id)
        values["action"] = request.uri.path
        return try await kit.page(
            "item-form", values, title: title, request: request, context: context,
            status: editing?.changedMeanwhile == true ? .conflict : (errors.isEmpty ? .ok : .unprocessableContent))
    }
}
