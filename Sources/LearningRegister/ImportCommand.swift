import ArgumentParser
import Foundation
import RegisterDomain
import RegisterServices

/// `learning-register import …`: bringing existing trackers in.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Bring existing records in from spreadsheets.", subcommands: [Tracker.self])

    struct Tracker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import reviews, recommendations and actions from a tracker saved as .csv or .xlsx.",
            discussion: """
                Each row is one action: review reference and title, recommendation number and text, action, lead agency, \
                lead officer, target date, revised date, RAG or status, latest update, evidence, date completed. Headers are \
                recognised by their usual names ("Agency", "Owner", "Due by", "Timescale"…); change any with --mapping. \
                Rows are matched with the register by review reference and recommendation number, so importing the same file \
                again changes nothing. Any problem stops the whole import (all rows or none); --dry-run reports what would \
                happen, row by row, and writes nothing. A row recorded as complete becomes "closed without evidence", never assured.
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The tracker: a .csv or .xlsx file.") var file: String
        @Option(help: "The sheet of a workbook to read, by name (default: the first with a header row).") var sheet: String?
        @Option(help: "Changes to the recognised columns, as Header=column pairs: \"Owner=lead_agency, Notes=ignore\". Columns: \(TrackerColumn.allCases.map(\.rawValue).joined(separator: ", ")).")
        var mapping: String?
        @Flag(help: "Report what would be created or updated and every problem; write nothing.") var dryRun = false
        @Flag(help: "Create lead agencies the register does not know (sector other) instead of stopping.") var createPartners = false
        @Option(help: "The board new reviews belong to, by code or id (default: the register's only board).") var board: String?
        @Option(help: "The kind of new reviews (default learning_review).") var kind: String = ReviewKind.learningReview.rawValue
        @Option(help: "The regime of new reviews (default local).") var regime: String = Regime.local.rawValue

        func run() async throws {
            guard let kind = ReviewKind(rawValue: kind) else { throw ValidationError("--kind: \(ReviewKind.unknownValueMessage(kind))") }
            guard let regime = Regime(rawValue: regime) else { throw ValidationError("--regime: \(Regime.unknownValueMessage(regime))") }
            let choices = try mapping.map { try ColumnMapping.choices(parsing: $0) } ?? [:]
            let bytes: [UInt8]
            do {
                bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw CommandFailure(message: "cannot read \(file): \(error.localizedDescription)")
            }
            let request = ImportRequest(
                fileName: file, bytes: bytes, sheet: sheet, mapping: choices, createPartners: createPartners, dryRun: dryRun, board: board,
                kind: kind, regime: regime)
            let configuration = try database.configuration()
            let logger = commandLogger()
            let outcome: ImportOutcome
            do {
                outcome = try await withServices(configuration, logger: logger) { services, _ in
                    try await services.imports.importTracker(request, by: Actor.system("cli-import", logger: logger))
                }
            } catch let invalid as RegisterDomain.ValidationError {
                throw CommandFailure(message: invalid.errors.map(\.message).joined(separator: "; "))
            } catch let unreadable as TrackerFile.Unreadable {
                throw CommandFailure(message: unreadable.message)
            }
            print(ImportReport.text(outcome), terminator: "")
            if !outcome.plan.canImport { throw ExitCode(2) }
        }
    }
}
