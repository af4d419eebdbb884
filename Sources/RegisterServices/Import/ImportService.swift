import Crypto
import Foundation
import NIOPosix
import RegisterDomain
import RegisterStore

/// What a person asks of an import: the file, and how to read it.
public struct ImportRequest: Sendable {
    public var fileName: String
    public var bytes: [UInt8]
    /// The sheet to read, by name; the first sheet with a header row when nil.
    public var sheet: String?
    /// Changes to the recognised mapping: a header (or column letter) → a tracker column or `ignore`.
    public var mapping: [String: String]
    public var createPartners: Bool
    /// Work out and report the plan, write nothing.
    public var dryRun: Bool
    /// The board new reviews belong to (id or code); the register's only board when nil.
    public var board: String?
    public var kind: ReviewKind
    public var regime: Regime

    public init(
        fileName: String, bytes: [UInt8], sheet: String? = nil, mapping: [String: String] = [:], createPartners: Bool = false, dryRun: Bool,
        board: String? = nil, kind: ReviewKind = .learningReview, regime: Regime = .local
    ) {
        self.fileName = fileName
        self.bytes = bytes
        self.sheet = sheet
        self.mapping = mapping
        self.createPartners = createPartners
        self.dryRun = dryRun
        self.board = board
        self.kind = kind
        self.regime = regime
    }

    public var file: ImportedFile {
        ImportedFile(name: (fileName as NSString).lastPathComponent, sha256: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
    }
}

/// What an import did, or would do.
public struct ImportOutcome: Sendable {
    public var file: ImportedFile
    /// Every sheet of the file, for choosing another.
    public var sheets: [String]
    public var plan: ImportPlan
    /// The run recorded, when the import wrote something; nil for a dry run, a plan with problems
    /// (nothing written: all rows or none), or a file whose rows are all in the register already.
    public var run: ImportRun?
    public var dryRun: Bool

    /// Imported, or nothing left to import.
    public var succeeded: Bool { plan.canImport }
}

/// Importing trackers from spreadsheets (issue 14): one action used by the command line and the import page.
public struct ImportService: Sendable {
    let store: ImportStore
    let boards: BoardStore
    let learning: LearningStore
    let clock: RegisterClock

    /// Reads a tracker, matches its rows with the register and plans the import; a real run then
    /// makes the whole plan in one audited transaction, unless any row has a problem.
    public func importTracker(_ request: @autoclosure () async throws -> ImportRequest, by actor: Actor) async throws -> ImportOutcome {
        try Self.mayImport(actor)
        let request = try await request()
        let file = request.file
        let sheets = try await NIOThreadPool.singleton.runIfActive { try TrackerFile.sheets(request.bytes, fileName: request.fileName) }
        let sheet = try Self.choose(request.sheet, from: sheets)
        guard let header = sheet.header() else {
            throw ValidationError(field: "file", message: "sheet \(sheet.name) has no header row naming tracker columns (such as Review reference and Recommendation number) in its first ten rows")
        }
        let mapping = try ColumnMapping.chosen(headers: header.headers, choices: request.mapping)
        let settings = ImportSettings(
            boardID: try await board(request.board), kind: request.kind, regime: request.regime, createPartners: request.createPartners,
            today: clock.today())
        let references = mapping.index(of: .reviewReference).map { index in sheet.rows.map { $0.text(index) }.filter { !$0.isEmpty } } ?? []
        let (plan, run) = try await store.importing(
            references: references, file: file, dryRun: request.dryRun, today: settings.today, context: actor.write
        ) { existing in
            ImportPlanner.plan(sheet, headerRow: header.row, headers: header.headers, mapping: mapping, existing: existing, settings: settings)
        }
        if run != nil {
            actor.logger.info(
                "tracker imported",
                metadata: ["file": "\(file.name)", "sha256": "\(file.sha256)", "created": "\(plan.created)", "updated": "\(plan.updated)"])
            // The imported recommendations' recurring lessons, worked out now the import has committed
            // (Schema/0023). The import stands whatever happens here; what is left is done next time.
            do {
                let done = try await learning.refreshPendingLikeness(context: actor.write)
                actor.logger.info("recurring lessons worked out", metadata: ["recommendations": "\(done)"])
            } catch {
                actor.logger.warning("recurring lessons of imported recommendations left for the next import", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
        return ImportOutcome(file: file, sheets: sheets.map(\.name), plan: plan, run: run, dryRun: request.dryRun)
    }

    /// The headers of a file's sheet and the mapping recognised from them, for the mapping step.
    public func columns(_ request: @autoclosure () async throws -> ImportRequest, by actor: Actor) async throws -> (sheets: [String], sheet: String, headers: [String], mapping: ColumnMapping) {
        try Self.mayImport(actor)
        let request = try await request()
        let sheets = try await NIOThreadPool.singleton.runIfActive { try TrackerFile.sheets(request.bytes, fileName: request.fileName) }
        let sheet = try Self.choose(request.sheet, from: sheets)
        guard let header = sheet.header() else {
            throw ValidationError(field: "file", message: "sheet \(sheet.name) has no header row naming tracker columns (such as Review reference and Recommendation number) in its first ten rows")
        }
        return (sheets.map(\.name), sheet.name, header.headers, try ColumnMapping.chosen(headers: header.headers, choices: request.mapping))
    }

    /// Keeps an uploaded file between the import page's steps, for the person who uploaded it.
    public func keep(_ fileName: String, bytes: @autoclosure () async throws -> [UInt8], by actor: Actor) async throws -> UUID {
        try Self.mayImport(actor)
        guard let userID = actor.user?.id else { throw DomainError.forbidden("only a signed-in person can upload a tracker") }
        let bytes = try await bytes()
        guard TrackerFile.Kind(fileName: fileName) != nil else {
            throw ValidationError(field: "file", message: "choose a tracker saved as .csv or .xlsx")
        }
        guard !bytes.isEmpty else { throw ValidationError(field: "file", message: "the chosen file is empty") }
        guard bytes.count <= 20 * 1024 * 1024 else { throw ValidationError(field: "file", message: "the file must be smaller than 20 MB") }
        let request = ImportRequest(fileName: fileName, bytes: bytes, dryRun: true)
        return try await store.stage(bytes, file: request.file, userID: userID, context: actor.write)
    }

    /// A file kept for this person (anyone else: not found).
    public func kept(_ id: UUID, by actor: Actor) async throws -> (file: ImportedFile, bytes: [UInt8]) {
        try Self.mayImport(actor)
        guard let userID = actor.user?.id else { throw DomainError.notFound("uploaded file") }
        return try await store.staged(id, userID: userID)
    }

    /// Forgets a kept file after its import.
    public func forget(_ id: UUID, by actor: Actor) async throws {
        try Self.mayImport(actor)
        guard let userID = actor.user?.id else { return }
        try await store.discard(id, userID: userID, context: actor.write)
    }

    /// Coordinators and admins: an import records reviews and recommendations and assigns partners.
    static func mayImport(_ actor: Actor) throws {
        try actor.require(.editReviews)
        try actor.require(.assignPartners)
    }

    static func choose(_ name: String?, from sheets: [TrackerSheet]) throws -> TrackerSheet {
        if let name {
            guard let sheet = sheets.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw ValidationError(field: "sheet", message: "the file has no sheet called \"\(name)\"; its sheets are \(sheets.map(\.name).joined(separator: ", "))")
            }
            return sheet
        }
        guard let sheet = sheets.first(where: { $0.header() != nil }) ?? sheets.first else {
            throw ValidationError(field: "file", message: "the file has no sheets")
        }
        return sheet
    }

    private func board(_ idOrCode: String?) async throws -> UUID {
        if let idOrCode { return try await boards.find(idOrCode).id }
        let all = try await boards.list(PageRequest(limit: 2))
        guard all.items.count == 1 else {
            throw ValidationError(field: "board", message: all.items.isEmpty ? "record the partnership's board first" : "the register has several boards: say which one the reviews belong to")
        }
        return all.items[0].id
    }
}
