import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Importing a tracker on the pages (issue 14): upload the file, confirm or change what each column
/// holds, read the dry run's report row by row, then import. The uploaded file is kept on the server
/// for its uploader between the steps (for a day at most), so it is sent once; every step calls the
/// same `ImportService` as the command line.
struct ImportPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("imports/new") { request, context in try await uploadForm(request, context) }
        group.post("imports") { request, context in try await upload(request, context) }
        group.get("imports/:import") { request, context in
            try await mappingForm(try id(context), choices: nil, request, context)
        }
        group.post("imports/:import/check") { request, context in
            let form = try await kit.form(request, context: context)
            return try await check(try id(context), form, dryRun: true, request, context)
        }
        group.post("imports/:import/run") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                try await check(try id(context), form, dryRun: false, request, context)
            }
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID { try context.parameters.id("import", entity: "uploaded file") }

    private func uploadForm(_ request: Request, _ context: SignedInContext, error: String? = nil) async throws -> Response {
        try context.actor.require(.editReviews)
        try context.actor.require(.assignPartners)
        let values: [String: Any] = [
            "fileError": error ?? "", "errors": error.map { [["field": "file", "message": $0]] } ?? [], "hasErrors": error != nil,
        ]
        return try await kit.page(
            "import-upload", values, title: "Import a tracker", request: request, context: context, status: error == nil ? .ok : .unprocessableContent)
    }

    private func upload(_ request: Request, _ context: SignedInContext) async throws -> Response {
        try context.actor.require(.editReviews)
        let expected = context.sessionToken.map(CSRF.token(forSession:))
        do {
            let upload = try await MultipartTracker.read(request)
            guard let expected, CSRF.matches(upload.fields["csrf_token"], expected) else { throw RequestProblem.missingFormToken }
            guard let fileName = upload.fileName, !fileName.isEmpty else {
                throw ValidationError(field: "file", message: "Choose the tracker's file")
            }
            let id = try await services.imports.keep(fileName, bytes: upload.bytes, by: context.actor)
            return kit.redirect("/imports/\(id.uuidString.lowercased())", banner: nil)
        } catch let invalid as ValidationError {
            return try await uploadForm(request, context, error: Self.sentence(invalid.errors.first?.message ?? "Choose the tracker's file"))
        }
    }

    /// The columns read from the kept file, each with what it holds (recognised, or as chosen).
    private func mappingForm(
        _ id: UUID, choices: [String: String]?, sheet: String? = nil, board: String? = nil, createPartners: Bool = false, error: String? = nil,
        _ request: Request, _ context: SignedInContext
    ) async throws -> Response {
        let kept = try await services.imports.kept(id, by: context.actor)
        let columns: (sheets: [String], sheet: String, headers: [String], mapping: ColumnMapping)
        do {
            columns = try await services.imports.columns(
                ImportRequest(fileName: kept.file.name, bytes: kept.bytes, sheet: sheet, mapping: choices ?? [:], dryRun: true), by: context.actor)
        } catch let invalid as ValidationError {
            return try await uploadForm(request, context, error: Self.sentence(invalid.errors.first?.message ?? "The file cannot be read"))
        } catch let unreadable as TrackerFile.Unreadable {
            return try await uploadForm(request, context, error: Self.sentence(unreadable.message))
        }
        let boards = try await Page.all { try await services.boards.list($0, by: context.actor) }
        let options: [(String, String)] = [("ignore", "Not imported")] + TrackerColumn.allCases.map { ($0.rawValue, $0.label) }
        let rows: [[String: Any]] = columns.headers.enumerated().map { index, header in
            let chosen = columns.mapping.columns[index]?.rawValue ?? "ignore"
            let letter = ColumnMapping.letter(index)
            return [
                "id": "column-\(letter)", "name": "column_\(letter)",
                "label": header.isEmpty ? "Column \(letter) (no header)" : "Column \(letter): \(header)",
                "options": options.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == chosen] },
            ]
        }
        let values: [String: Any] = [
            "fileName": kept.file.name, "sha256": kept.file.sha256, "action": "/imports/\(id.uuidString.lowercased())/check",
            "columns": rows, "manySheets": columns.sheets.count > 1,
            "sheets": columns.sheets.map { ["value": $0, "label": $0, "selected": $0 == columns.sheet] },
            "manyBoards": boards.count > 1,
            "boards": boards.map { ["value": $0.id.uuidString.lowercased(), "label": $0.details.name, "selected": $0.id.uuidString.lowercased() == board] },
            "createPartners": createPartners, "mappingError": error ?? "",
            "errors": error.map { [["field": "column-A", "message": $0]] } ?? [], "hasErrors": error != nil,
        ]
        return try await kit.page(
            "import-mapping", values, title: "Check the tracker's columns", request: request, context: context,
            status: error == nil ? .ok : .unprocessableContent)
    }

    /// The dry run's report, or the import itself: the same service with the same choices.
    private func check(_ id: UUID, _ form: Form, dryRun: Bool, _ request: Request, _ context: SignedInContext) async throws -> Response {
        let kept = try await services.imports.kept(id, by: context.actor)
        var choices: [String: String] = [:]
        for index in 0..<200 {
            let letter = ColumnMapping.letter(index)
            if let value = form["column_\(letter)"] { choices[letter] = value }
        }
        let sheet = form["sheet"].flatMap { $0.isEmpty ? nil : $0 }
        let createPartners = form["create_partners"] == "yes"
        let board = form["board"].flatMap { $0.isEmpty ? nil : $0 }
        let outcome: ImportOutcome
        do {
            outcome = try await services.imports.importTracker(
                ImportRequest(
                    fileName: kept.file.name, bytes: kept.bytes, sheet: sheet, mapping: choices, createPartners: createPartners, dryRun: dryRun,
                    board: board),
                by: context.actor)
        } catch let invalid as ValidationError {
            return try await mappingForm(
                id, choices: nil, sheet: sheet, board: board, createPartners: createPartners, error: Self.sentence(invalid.errors.first?.message ?? ""), request, context)
        } catch DomainError.conflict(let message) {
            // Another import was running: the same choices, to send again.
            return try await mappingForm(id, choices: choices, sheet: sheet, board: board, createPartners: createPartners, error: message, request, context)
        }
        if !dryRun, outcome.plan.canImport {
            try await services.imports.forget(id, by: context.actor)
            let plan = outcome.plan
            let banner = outcome.run == nil
                ? "Nothing to import: every row of \(kept.file.name) is already in the register"
                : "Tracker imported: \(plan.created) rows created, \(plan.updated) updated, \(plan.unchanged) unchanged"
            return kit.redirect("/reviews", banner: banner)
        }
        return try await report(id, outcome, form: form, request, context)
    }

    private func report(_ id: UUID, _ outcome: ImportOutcome, form: Form, _ request: Request, _ context: SignedInContext) async throws -> Response {
        let plan = outcome.plan
        let outcomeTag: [PlannedRow.Outcome: [String: Any]] = [
            .create: Tag.values("Create", colour: "green"), .update: Tag.values("Update", colour: "blue"),
            .unchanged: Tag.values("No change", colour: "grey"), .problem: Tag.values("Problem", colour: "red"),
        ]
        let hidden: [[String: String]] = form.values.keys.sorted().compactMap { name in
            guard name.hasPrefix("column_") || ["sheet", "board", "create_partners"].contains(name) else { return nil }
            return ["name": name, "value": form[name] ?? ""]
        }
        let values: [String: Any] = [
            "fileName": outcome.file.name, "sha256": outcome.file.sha256, "sheet": plan.sheet, "headerRow": plan.headerRow,
            "rows": plan.rows.map { ["row": $0.row, "reference": $0.reviewReference, "number": $0.recommendationNumber, "agency": $0.leadAgency ?? "",
                                     "tag": outcomeTag[$0.outcome]!, "summary": $0.summary] },
            "problems": plan.problems.map { ["text": $0.description] }, "hasProblems": !plan.problems.isEmpty, "problemCount": plan.problems.count,
            "notes": plan.notes.map { ["text": $0.description] }, "hasNotes": !plan.notes.isEmpty,
            "unknownPartners": plan.unknownPartners.joined(separator: ", "), "hasUnknownPartners": !plan.unknownPartners.isEmpty,
            "created": plan.created, "updated": plan.updated, "unchanged": plan.unchanged,
            "mayImport": plan.canImport && !plan.writes.isEmpty, "nothingToDo": plan.canImport && plan.writes.isEmpty,
            "hidden": hidden, "runAction": "/imports/\(id.uuidString.lowercased())/run", "back": "/imports/\(id.uuidString.lowercased())",
            "errors": plan.problems.prefix(20).map { ["field": "problems", "message": $0.description] }, "hasErrors": !plan.problems.isEmpty,
        ]
        return try await kit.page(
            "import-report", values, title: plan.canImport ? "Check what will be imported" : "The tracker has problems", request: request, context: context,
            status: plan.canImport ? .ok : .unprocessableContent)
    }

    /// A service message as a sentence on the page: capital first, full stop last.
    static func sentence(_ message: String) -> String {
        guard let first = message.first else { return message }
        let text = first.uppercased() + message.dropFirst()
        return text.hasSuffix(".") ? text : text + "."
    }
}
