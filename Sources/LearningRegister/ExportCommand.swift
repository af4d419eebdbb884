import ArgumentParser
import Foundation
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore

/// `learning-register export …`: the reports auditors and boards ask for, from the command line.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export compliance reports, summary figures, evidence packs and period reports.",
        subcommands: [Compliance.self, Summary.self, Pack.self, PeriodReportCommand.self])

    /// Options every report shares.
    struct ReportOptions: ParsableArguments {
        @Option(name: .customLong("as-at"), help: "The register as it stood at the end of this day (UK time), YYYY-MM-DD; rebuilt from the audit trail.")
        var asAt: String?
        @Option(name: .shortAndLong, help: "File to write (it is replaced); standard output when left out.")
        var output: String?

        func day() throws -> AsAt? {
            guard let asAt else { return nil }
            guard let day = Day(iso: asAt), day.year <= 9998 else { throw ValidationError("--as-at '\(asAt)' is not a date such as 2026-03-31") }
            return AsAt(day: day)
        }

        /// Where to write: the file, or standard output.
        func sink() throws -> FileHandle {
            guard let output else { return FileHandle.standardOutput }
            guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output) else {
                throw CommandFailure(message: "cannot write \(output)")
            }
            return handle
        }
    }

    struct Compliance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The compliance report: one row per recommendation and partner assignment.",
            discussion: "CSV opens in Excel with UK dates; cells a spreadsheet could run as formulas are neutralised.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var report: ReportOptions
        @Option(help: "csv, json or html.") var format: String = "csv"
        @Option(help: "Only this review (id or reference).") var review: String?
        @Option(help: "Only this partner organisation (id).") var partner: String?
        @Option(help: "Only this board (id).") var board: String?
        @Option(help: "Only reviews of this kind (scr, rapid_review, lcspr, national_review, sar, dhr, learning_review).") var kind: String?
        @Option(help: "Only recommendations in this status (open, in_progress, implemented, assured, not_implemented, superseded).")
        var status: String?
        @Option(help: "Only this theme (code).") var theme: String?
        @Flag(help: "Only overdue rows.") var overdue = false

        func run() async throws {
            guard let format = ReportFormat(rawValue: format) else { throw ValidationError("--format: \(ReportFormat.unknownValueMessage(format))") }
            let asAt = try report.day()
            let filters = ComplianceFilters(
                review: review, board: board, partner: partner, kind: kind, status: status, theme: theme, overdue: overdue ? true : nil)
            do {
                _ = try filters.filter()
            } catch let invalid as RegisterDomain.ValidationError {
                throw ValidationError(invalid.errors.map { "--\($0.field): \($0.message)" }.joined(separator: "; "))
            }
            let configuration = try database.configuration()
            let logger = commandLogger()
            let handle = try report.sink()
            defer { try? handle.close() }
            let rows = try await withServices(configuration, logger: logger) { services, _ in
                let export = try await services.reports.compliance(
                    filters, format: format, asAt: asAt, via: .cli, by: .system("cli-export", logger: logger))
                try await export.write { piece in try handle.write(contentsOf: piece) }
                return export.rows
            }
            if let output = report.output { print("wrote \(rows) rows to \(output)") }
        }
    }

    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Figures for the yearly report (JSON): per review and per partner, and recommendations closed without outcome or impact evidence.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var report: ReportOptions
        @Option(help: "Only this board (id).") var board: String?

        func run() async throws {
            let boardID = try board.map { raw in
                guard let id = UUID(uuidString: raw) else { throw ValidationError("--board must be a board's id") }
                return id
            }
            let asAt = try report.day()
            let configuration = try database.configuration()
            let logger = commandLogger()
            let summary = try await withServices(configuration, logger: logger) { services, _ in
                try await services.reports.summary(boardID: boardID, asAt: asAt, via: .cli, by: .system("cli-export", logger: logger))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let handle = try report.sink()
            defer { try? handle.close() }
            try handle.write(contentsOf: try encoder.encode(summary) + Data("\n".utf8))
        }
    }

    struct Pack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evidence-pack",
            abstract: "A review's evidence pack (ZIP): the compliance report, every accepted evidence file and a manifest of SHA-256s.",
            discussion: "The manifest holds the audit chain's head and the checkpoint taken at export (signed when AUDIT_SIGNING_KEY_FILE is set). The export is recorded in the audit trail.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The review (id or reference, such as COV-SCR-2016-01).") var review: String
        @Option(name: .customLong("as-at"), help: "The register as it stood at the end of this day (UK time), YYYY-MM-DD.") var asAt: String?
        @Option(name: .shortAndLong, help: "The ZIP file to write (it is replaced).") var output: String

        func run() async throws {
            let day = try ReportOptions.parse(asAt.map { ["--as-at", $0] } ?? []).day()
            let configuration = try database.configuration()
            let logger = commandLogger()
            let temporary = try TemporaryFolder()
            defer { temporary.remove() }
            let folder = temporary.url
            let review = self.review
            do {
                let zip = try await withServices(configuration, logger: logger) { services, _ in
                    try await services.reports.evidencePack(review: review, asAt: day, in: folder, via: .cli, by: .system("cli-export", logger: logger))
                }
                let destination = URL(fileURLWithPath: output)
                try? FileManager.default.removeItem(at: destination)
                try FileManager.default.moveItem(at: zip, to: destination)
                print("wrote the evidence pack of \(review) to \(output)")
            } catch DomainError.notFound {
                throw CommandFailure(message: "no review has the id or reference '\(review)'" + (day.map { " at the end of \($0.day)" } ?? ""))
            }
        }
    }
}
