import Foundation

/// Something in a tracker that stops it being imported, or that a person should know, with where it is.
public struct ImportProblem: Sendable, Equatable, Encodable {
    public var sheet: String
    /// The spreadsheet row, or nil for the whole file.
    public var row: Int?
    /// The column's header as written in the file.
    public var column: String?
    public var message: String

    public init(sheet: String, row: Int?, column: String? = nil, message: String) {
        self.sheet = sheet
        self.row = row
        self.column = column
        self.message = message
    }

    /// "Sheet Actions, row 14, column Target date: …" — what a coordinator reads.
    public var description: String {
        var place = "Sheet \(sheet)"
        if let row { place += ", row \(row)" }
        if let column, !column.isEmpty { place += ", column \(column)" }
        return "\(place): \(message)"
    }
}

/// One write an import makes, in the order the plan makes them.
public enum ImportWrite: Sendable, Equatable {
    case createPartner(id: UUID, name: String)
    case createReview(id: UUID, ReviewDetails)
    case createRecommendation(id: UUID, reviewID: UUID, RecommendationDetails)
    case updateRecommendationText(id: UUID, text: String)
    /// `status` is `assigned`, `in_progress` or `closed_without_evidence`; a revised date makes
    /// `details.dueDate` the revised one and keeps `originalDueDate`, with a revision.
    case createAssignment(id: UUID, recommendationID: UUID, AssignmentDetails, originalDueDate: Day, status: AssignmentStatus)
    /// `previousDueDate` is the due date read (locked) when the plan was made; a change is kept as a revision.
    case updateAssignment(id: UUID, action: String, leadOfficer: String?, dueDate: Day, previousDueDate: Day, dueDateReason: String?)
    case addUpdate(assignmentID: UUID, happenedOn: Day, text: String, rag: RAGRating, forecastDate: Day?, ragReason: String?)
    /// An update arrives for work not yet started (assigned, or returned): it starts, as when a partner sends one.
    case startWork(assignmentID: UUID)
    /// Recorded as complete in the tracker, with no evidence the register has checked.
    case closeWithoutEvidence(assignmentID: UUID)
    /// Every action of the recommendation is complete in the tracker: implemented (reported done), never assured.
    case markImplemented(recommendationID: UUID, on: Day, note: String)
}

/// A write with the spreadsheet row it comes from.
public struct PlannedWrite: Sendable, Equatable {
    public var sheet: String
    public var row: Int
    public var write: ImportWrite

    public init(sheet: String, row: Int, write: ImportWrite) {
        self.sheet = sheet
        self.row = row
        self.write = write
    }
}

/// What the import does with one spreadsheet row.
public struct PlannedRow: Sendable, Equatable, Encodable {
    public enum Outcome: String, Sendable, Encodable {
        case create, update, unchanged, problem
    }

    public var sheet: String
    public var row: Int
    public var reviewReference: String
    public var recommendationNumber: String
    public var leadAgency: String?
    public var outcome: Outcome
    /// Plain words: "new review CSPR-2024-03; new recommendation 2; new action for West Midlands Police".
    public var summary: String

    enum CodingKeys: String, CodingKey {
        case sheet, row
        case reviewReference = "review_reference"
        case recommendationNumber = "recommendation_number"
        case leadAgency = "lead_agency"
        case outcome, summary
    }
}

/// The whole of an import, worked out before anything is written.
public struct ImportPlan: Sendable, Equatable {
    public var sheet: String
    public var headerRow: Int
    /// Each spreadsheet column's header and what it was mapped to (nil: not imported).
    public var columns: [(header: String, column: TrackerColumn?)]
    public var rows: [PlannedRow]
    public var writes: [PlannedWrite]
    public var problems: [ImportProblem]
    /// Things to know that do not stop the import (hidden columns, dates given as a month).
    public var notes: [ImportProblem]
    /// Lead agencies the register does not know, as written in the file.
    public var unknownPartners: [String]

    public var created: Int { rows.filter { $0.outcome == .create }.count }
    public var updated: Int { rows.filter { $0.outcome == .update }.count }
    public var unchanged: Int { rows.filter { $0.outcome == .unchanged }.count }
    public var canImport: Bool { problems.isEmpty }

    public static func == (a: ImportPlan, b: ImportPlan) -> Bool {
        a.sheet == b.sheet && a.headerRow == b.headerRow && a.rows == b.rows && a.writes == b.writes && a.problems == b.problems
            && a.notes == b.notes && a.unknownPartners == b.unknownPartners
            && a.columns.map(\.header) == b.columns.map(\.header) && a.columns.map(\.column) == b.columns.map(\.column)
    }
}

/// What the register already holds that a tracker's rows are matched against.
public struct ExistingRecords: Sendable {
    public struct ReviewEntry: Sendable {
        public var id: UUID
        public init(id: UUID) { self.id = id }
    }
    public struct RecommendationEntry: Sendable {
        public var id: UUID
        public var text: String
        public var status: RecommendationStatus
        public init(id: UUID, text: String, status: RecommendationStatus) {
            self.id = id
            self.text = text
            self.status = status
        }
    }
    public struct AssignmentEntry: Sendable {
        public var id: UUID
        public var action: String
        public var leadOfficer: String?
        public var dueDate: Day
        public var status: AssignmentStatus
        /// The text and rating of the latest update an import made, so that a tracker's update is added
        /// once: running the same file again adds nothing, even after partners have sent newer updates.
        public var latestImportedText: String?
        public var latestImportedRAG: RAGRating?
        public init(
            id: UUID, action: String, leadOfficer: String?, dueDate: Day, status: AssignmentStatus, latestImportedText: String?, latestImportedRAG: RAGRating?
        ) {
            self.id = id
            self.action = action
            self.leadOfficer = leadOfficer
            self.dueDate = dueDate
            self.status = status
            self.latestImportedText = latestImportedText
            self.latestImportedRAG = latestImportedRAG
        }
    }
    public struct PartnerEntry: Sendable {
        public var id: UUID
        public var name: String
        public var active: Bool
        public init(id: UUID, name: String, active: Bool) {
            self.id = id
            self.name = name
            self.active = active
        }
    }

    /// By reference, compared case-insensitively.
    public var reviews: [String: ReviewEntry]
    /// By lower-cased review reference and recommendation number.
    public var recommendations: [RecommendationKey: RecommendationEntry]
    /// By recommendation and partner (one assignment per partner and recommendation).
    public var assignments: [AssignmentKey: AssignmentEntry]
    /// By `PartnerName.key`.
    public var partners: [String: PartnerEntry]

    public init(
        reviews: [String: ReviewEntry] = [:], recommendations: [RecommendationKey: RecommendationEntry] = [:],
        assignments: [AssignmentKey: AssignmentEntry] = [:], partners: [String: PartnerEntry] = [:]
    ) {
        self.reviews = reviews
        self.recommendations = recommendations
        self.assignments = assignments
        self.partners = partners
    }

    public struct RecommendationKey: Hashable, Sendable {
        public var reference: String
        public var number: String
        public init(reference: String, number: String) {
            self.reference = reference.lowercased()
            self.number = number.lowercased()
        }
    }

    public struct AssignmentKey: Hashable, Sendable {
        public var recommendationID: UUID
        public var partnerID: UUID
        public init(recommendationID: UUID, partnerID: UUID) {
            self.recommendationID = recommendationID
            self.partnerID = partnerID
        }
    }
}

/// How new records are made: the board, kind and regime of new reviews; whether unknown partners are created.
public struct ImportSettings: Sendable, Equatable {
    public var boardID: UUID
    public var kind: ReviewKind
    public var regime: Regime
    public var createPartners: Bool
    /// The day of the import: imported updates without a date are dated this day.
    public var today: Day

    public init(boardID: UUID, kind: ReviewKind = .learningReview, regime: Regime = .local, createPartners: Bool = false, today: Day) {
        self.boardID = boardID
        self.kind = kind
        self.regime = regime
        self.createPartners = createPartners
        self.today = today
    }
}

/// The file an import reads, as the trail names it.
public struct ImportedFile: Sendable, Equatable {
    public var name: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String

    public init(name: String, sha256: String) {
        self.name = name
        self.sha256 = sha256
    }

    /// What the trail records with each change: "import of tracker.xlsx sha256=… sheet Actions row 14".
    public func context(sheet: String, row: Int?) -> String {
        "import of \(name) sha256=\(sha256) sheet \(sheet)" + (row.map { " row \($0)" } ?? "")
    }
}

/// One import run as the register keeps it.
public struct ImportRun: Sendable, Equatable, Encodable {
    public var id: UUID?
    public var fileName: String
    public var sha256: String
    public var sheet: String
    public var rows: Int
    public var created: Int
    public var updated: Int
    public var unchanged: Int

    public init(id: UUID?, fileName: String, sha256: String, sheet: String, rows: Int, created: Int, updated: Int, unchanged: Int) {
        self.id = id
        self.fileName = fileName
        self.sha256 = sha256
        self.sheet = sheet
        self.rows = rows
        self.created = created
        self.updated = updated
        self.unchanged = unchanged
    }

    enum CodingKeys: String, CodingKey {
        case id
        case fileName = "file_name"
        case sha256, sheet, rows, created, updated, unchanged
    }
}
