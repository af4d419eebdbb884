import Foundation

/// Works out, row by row, what importing a tracker sheet would create, update or leave alone, and
/// every problem in it, before anything is written. Pure: the same sheet, mapping and register give
/// the same plan (apart from the ids of new records).
public struct ImportPlanner {
    let sheet: TrackerSheet
    let headerRow: Int
    let headers: [String]
    let mapping: ColumnMapping
    let existing: ExistingRecords
    let settings: ImportSettings

    private var problems: [ImportProblem] = []
    private var notes: [ImportProblem] = []
    private var writes: [PlannedWrite] = []
    private var rows: [PlannedRow] = []
    private var unknownPartners: [String] = []
    private var newReviews: [String: UUID] = [:]
    private var newRecommendations: [ExistingRecords.RecommendationKey: (id: UUID, text: String)] = [:]
    private var newPartners: [String: UUID] = [:]
    /// New words for recommendations already in the register, by the first row that gives them.
    private var changedTexts: [ExistingRecords.RecommendationKey: String] = [:]
    private var seenAssignments: [ExistingRecords.AssignmentKey: Int] = [:]
    /// Per recommendation touched: whether every row of it in the file is complete, the last row, and the latest completion.
    private var completion: [UUID: (allComplete: Bool, row: Int, on: Day?, status: RecommendationStatus)] = [:]

    /// The plan for `sheet` with `mapping`, or nil with the problem when the sheet has no header row.
    public static func plan(
        _ sheet: TrackerSheet, headerRow: Int, headers: [String], mapping: ColumnMapping, existing: ExistingRecords, settings: ImportSettings
    ) -> ImportPlan {
        var planner = ImportPlanner(sheet: sheet, headerRow: headerRow, headers: headers, mapping: mapping, existing: existing, settings: settings)
        planner.run()
        return ImportPlan(
            sheet: sheet.name, headerRow: headerRow,
            columns: headers.enumerated().map { ($0.element, mapping.columns[$0.offset]) },
            rows: planner.rows, writes: planner.writes, problems: planner.problems, notes: planner.notes,
            unknownPartners: planner.unknownPartners)
    }

    private func header(_ column: TrackerColumn) -> String? {
        mapping.index(of: column).map { $0 < headers.count && !headers[$0].isEmpty ? headers[$0] : ColumnMapping.letter($0) }
    }

    private mutating func run() {
        for column in mapping.missing {
            problems.append(ImportProblem(sheet: sheet.name, row: headerRow, message: "no column holds the \(column.label.lowercased()); choose one in the mapping"))
        }
        for index in sheet.hiddenColumns.sorted() where index < headers.count {
            let name = headers[index].isEmpty ? ColumnMapping.letter(index) : headers[index]
            let use = mapping.columns[index].map { "read as \($0.label.lowercased())" } ?? "not imported"
            notes.append(ImportProblem(sheet: sheet.name, row: nil, column: name, message: "this column is hidden in the workbook; it was still read (\(use))"))
        }
        guard mapping.missing.isEmpty else { return }
        for row in sheet.rows where row.number > headerRow && !row.isBlank {
            plan(row)
        }
        for (recommendationID, done) in completion.sorted(by: { $0.value.row < $1.value.row })
        where done.allComplete && [.open, .inProgress].contains(done.status) {
            writes.append(PlannedWrite(sheet: sheet.name, row: done.row, write: .markImplemented(
                recommendationID: recommendationID, on: done.on ?? settings.today,
                note: "Recorded as complete in an imported tracker, with no evidence checked by the register: closed without evidence, not assured.")))
        }
    }

    private func value(_ column: TrackerColumn, _ row: TrackerRow) -> String? {
        guard let index = mapping.index(of: column) else { return nil }
        let text = row.text(index)
        return text.isEmpty ? nil : text
    }

    /// A date cell: the stored date of a spreadsheet date, else the text read in the forms people type.
    private mutating func date(_ column: TrackerColumn, _ row: TrackerRow, problems rowProblems: inout [ImportProblem]) -> Day? {
        guard let index = mapping.index(of: column), index < row.cells.count else { return nil }
        if let day = row.cells[index].day { return day }
        let text = row.text(index)
        guard !text.isEmpty else { return nil }
        switch TrackerDate.parse(text) {
        case .success(let date):
            if date.monthOnly {
                notes.append(ImportProblem(sheet: sheet.name, row: row.number, column: header(column),
                    message: "\"\(text)\" gives only a month: read as \(date.day.written), the month's last day"))
            }
            if !Validator.plausibleYears.contains(date.day.year) {
                rowProblems.append(ImportProblem(sheet: sheet.name, row: row.number, column: header(column), message: "\"\(text)\" is not a plausible date"))
                return nil
            }
            return date.day
        case .failure(.impossible):
            rowProblems.append(ImportProblem(sheet: sheet.name, row: row.number, column: header(column),
                message: "\"\(text)\" is not a date that exists; correct it in the file"))
        case .failure(.unreadable):
            rowProblems.append(ImportProblem(sheet: sheet.name, row: row.number, column: header(column),
                message: "\"\(text)\" is not a date the register can read; write it as 31/03/2026"))
        }
        return nil
    }

    private mutating func plan(_ row: TrackerRow) {
        var rowProblems: [ImportProblem] = []
        var rowWrites: [ImportWrite] = []
        var said: [String] = []
        func problem(_ column: TrackerColumn?, _ message: String) {
            rowProblems.append(ImportProblem(sheet: sheet.name, row: row.number, column: column.flatMap { header($0) }, message: message))
        }
        let reference = value(.reviewReference, row) ?? ""
        let number = value(.recommendationNumber, row) ?? ""
        let agency = value(.leadAgency, row)
        let recommendationText = value(.recommendationText, row)
        let action = value(.action, row)
        let officer = value(.leadOfficer, row)
        let statusText = value(.status, row)
        let update = value(.latestUpdate, row)
        let evidence = value(.evidence, row)
        let target = date(.targetDate, row, problems: &rowProblems)
        let revised = date(.revisedDate, row, problems: &rowProblems)
        let completed = date(.dateCompleted, row, problems: &rowProblems)

        if reference.isEmpty { problem(.reviewReference, "the review reference is missing") }
        if number.isEmpty { problem(.recommendationNumber, "the recommendation number is missing") }
        var status: TrackerStatus?
        if let statusText {
            status = TrackerStatus.parse(statusText)
            if status == nil {
                problem(.status, "\"\(statusText)\" is not a status the register knows; use Red, Amber, Green or Blue, or On track, Delayed or Complete")
            }
        } else if update != nil {
            problem(.status, "the latest update has no RAG rating or status; every update is rated")
        }
        if let completed, completed > settings.today { problem(.dateCompleted, "the date completed (\(completed.written)) is in the future") }

        // The review.
        var reviewID: UUID?
        if !reference.isEmpty {
            if let found = existing.reviews[reference.lowercased()] {
                reviewID = found.id
            } else if let planned = newReviews[reference.lowercased()] {
                reviewID = planned
            } else {
                let title = value(.reviewTitle, row) ?? reference
                let details = ReviewDetails(reference: reference, title: title, kind: settings.kind, boardID: settings.boardID, regime: settings.regime)
                if let message = Self.invalid(details.validate) {
                    problem(.reviewReference, message)
                } else {
                    let id = UUID.v7()
                    newReviews[reference.lowercased()] = id
                    reviewID = id
                    rowWrites.append(.createReview(id: id, details))
                    said.append("new review \(reference)")
                }
            }
        }

        // The recommendation.
        var recommendationID: UUID?
        var recommendationStatus = RecommendationStatus.open
        var recommendationIsNew = false
        if let reviewID, !number.isEmpty {
            let key = ExistingRecords.RecommendationKey(reference: reference, number: number)
            if let found = existing.recommendations[key] {
                recommendationID = found.id
                recommendationStatus = found.status
                if let recommendationText, let earlier = changedTexts[key], earlier != recommendationText {
                    problem(.recommendationText, "recommendation \(number) of \(reference) has different text in an earlier row; give it the same text in every row")
                } else if let recommendationText, recommendationText != found.text, changedTexts[key] == nil {
                    changedTexts[key] = recommendationText
                    rowWrites.append(.updateRecommendationText(id: found.id, text: recommendationText))
                    said.append("recommendation \(number)'s text changed")
                }
            } else if let planned = newRecommendations[key] {
                recommendationID = planned.id
                recommendationIsNew = true
                if let recommendationText, recommendationText != planned.text {
                    problem(.recommendationText, "recommendation \(number) of \(reference) has different text in an earlier row; give it the same text in every row")
                }
            } else if let recommendationText {
                let details = RecommendationDetails(number: number, text: recommendationText, scope: .local, targetDate: target)
                if let message = Self.invalid(details.validate) {
                    problem(.recommendationText, message)
                } else {
                    let id = UUID.v7()
                    newRecommendations[key] = (id, recommendationText)
                    recommendationID = id
                    recommendationIsNew = true
                    rowWrites.append(.createRecommendation(id: id, reviewID: reviewID, details))
                    said.append("new recommendation \(number)")
                }
            } else {
                problem(.recommendationText, "recommendation \(number) of \(reference) is new, and the recommendation text is missing")
            }
        }

        // The action, held by its lead agency.
        var partnerID: UUID?
        if let agency {
            if let found = existing.partners[PartnerName.key(agency)] {
                partnerID = found.id
                if !found.active { problem(.leadAgency, "\(found.name) is inactive in the register; reactivate it first") }
            } else if let planned = newPartners[PartnerName.key(agency)] {
                partnerID = planned
            } else if settings.createPartners {
                let id = UUID.v7()
                newPartners[PartnerName.key(agency)] = id
                partnerID = id
                rowWrites.append(.createPartner(id: id, name: agency))
                said.append("new partner \(agency)")
            } else {
                if !unknownPartners.contains(where: { PartnerName.key($0) == PartnerName.key(agency) }) { unknownPartners.append(agency) }
                problem(.leadAgency, "\"\(agency)\" is not a partner the register knows; add it, correct the name, or import with partners created")
            }
        } else if action != nil || statusText != nil {
            problem(.leadAgency, "the action has no lead agency")
        }

        if let recommendationID, let partnerID {
            let due = revised ?? target
            let assignmentKey = ExistingRecords.AssignmentKey(recommendationID: recommendationID, partnerID: partnerID)
            let actionText = action ?? recommendationText ?? existing.recommendations[ExistingRecords.RecommendationKey(reference: reference, number: number)]?.text ?? ""
            let officerText = officer.map { String($0.prefix(200)) }
            let complete = status?.complete ?? false
            var updateText = update ?? statusText.map { "Recorded as \"\($0)\" in the imported tracker." } ?? ""
            if let evidence { updateText += "\nEvidence named in the tracker (not checked by the register): \(evidence)" }
            let rag = status?.rag
            let forecast = rag?.offTrack == true ? (due.map { max($0, settings.today) } ?? settings.today) : nil
            let ragReason = rag?.offTrack == true ? (update ?? "Recorded as \"\(statusText ?? "")\" in the imported tracker.") : nil
            let happenedOn = complete ? (completed.map { min($0, settings.today) } ?? settings.today) : settings.today

            if let rag, !updateText.isEmpty,
                let message = Self.invalid({ try NewProgressUpdate(happenedOn: happenedOn, text: updateText, rag: rag, forecastDate: forecast, ragReason: ragReason).validate(today: settings.today) })
            {
                problem(.latestUpdate, message)
            }
            if let earlier = seenAssignments[assignmentKey] {
                problem(.leadAgency, "row \(earlier) already gives recommendation \(number) of \(reference) to this agency; the register keeps one action per agency and recommendation, so put both in one row")
            } else if let found = existing.assignments[assignmentKey] {
                seenAssignments[assignmentKey] = row.number
                let newDue = due ?? found.dueDate
                let newAction = action ?? found.action
                let newOfficer = officerText ?? found.leadOfficer
                if newAction != found.action || newOfficer != found.leadOfficer || newDue != found.dueDate {
                    rowWrites.append(.updateAssignment(id: found.id, action: newAction, leadOfficer: newOfficer, dueDate: newDue, previousDueDate: found.dueDate,
                        dueDateReason: newDue != found.dueDate ? "Revised date in the imported tracker" : nil))
                    said.append("the action for \(agency ?? "") changed")
                }
                if let rag, !updateText.isEmpty, found.latestImportedText != updateText || found.latestImportedRAG != rag {
                    rowWrites.append(.addUpdate(assignmentID: found.id, happenedOn: happenedOn, text: updateText, rag: rag, forecastDate: forecast, ragReason: ragReason))
                    if [.assigned, .returned].contains(found.status) { rowWrites.append(.startWork(assignmentID: found.id)) }
                    said.append("a \(rag.word.lowercased()) update")
                }
                if complete, found.status != .accepted, found.status != .closedWithoutEvidence {
                    rowWrites.append(.closeWithoutEvidence(assignmentID: found.id))
                    said.append("closed without evidence")
                }
            } else if let due {
                seenAssignments[assignmentKey] = row.number
                let details = AssignmentDetails(partnerID: partnerID, role: .lead, action: actionText, leadOfficer: officerText, dueDate: due)
                if let message = Self.invalid(details.validate) {
                    problem(.action, message)
                } else {
                    let id = UUID.v7()
                    let assignmentStatus: AssignmentStatus = complete ? .closedWithoutEvidence : (rag == nil ? .assigned : .inProgress)
                    rowWrites.append(.createAssignment(id: id, recommendationID: recommendationID, details, originalDueDate: target ?? due, status: assignmentStatus))
                    if let rag, !updateText.isEmpty {
                        rowWrites.append(.addUpdate(assignmentID: id, happenedOn: happenedOn, text: updateText, rag: rag, forecastDate: forecast, ragReason: ragReason))
                    }
                    said.append("new action for \(agency ?? "")" + (complete ? ", closed without evidence" : rag.map { ", \($0.word.lowercased())" } ?? ""))
                }
            } else if value(.targetDate, row) == nil, value(.revisedDate, row) == nil {
                problem(.targetDate, "the action has no target date")
            }
            if rowProblems.isEmpty {
                let previous = completion[recommendationID]
                completion[recommendationID] = (
                    allComplete: (previous?.allComplete ?? true) && complete,
                    row: row.number,
                    on: [previous?.on, completed].compactMap { $0 }.max(),
                    status: recommendationIsNew ? .open : recommendationStatus)
            }
        }

        let outcome: PlannedRow.Outcome
        if !rowProblems.isEmpty {
            outcome = .problem
        } else if rowWrites.contains(where: { if case .createAssignment = $0 { true } else if case .createRecommendation = $0 { true } else if case .createReview = $0 { true } else { false } }) {
            outcome = .create
        } else {
            outcome = rowWrites.isEmpty ? .unchanged : .update
        }
        problems += rowProblems
        if rowProblems.isEmpty {
            writes += rowWrites.map { PlannedWrite(sheet: sheet.name, row: row.number, write: $0) }
        }
        rows.append(PlannedRow(
            sheet: sheet.name, row: row.number, reviewReference: reference, recommendationNumber: number, leadAgency: agency, outcome: outcome,
            summary: outcome == .problem ? rowProblems.map(\.message).joined(separator: "; ") : (said.isEmpty ? "already in the register" : said.joined(separator: "; "))))
    }

    /// The first message of a validation failure, or nil when valid.
    private static func invalid(_ validate: () throws -> Void) -> String? {
        do {
            try validate()
            return nil
        } catch let error as ValidationError {
            return error.errors.map(\.message).joined(separator: "; ")
        } catch {
            return "\(error)"
        }
    }
}
