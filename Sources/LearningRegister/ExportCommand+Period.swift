import ArgumentParser
import Foundation
import RegisterDomain
import RegisterReports
import RegisterServices

extension ExportCommand {
    /// `learning-register export period --body ID --quarter 2026-Q3`: a monitoring body's progress
    /// report for a period, through the same service function as the API and the pages.
    struct PeriodReportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "period",
            abstract: "A monitoring body's progress report for a quarter (or any period): status and RAG at its start and end, what arrived in it.",
            discussion: "Both ends are rebuilt from the audit trail. CSV opens in Excel with UK dates and formulas neutralised; HTML prints as the meeting's paper. The export is recorded in the audit trail.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The monitoring body (id).") var body: String
        @Option(help: "A calendar quarter, such as 2026-Q3 (1 July to 30 September 2026).") var quarter: String?
        @Option(help: "Or the period's first day, YYYY-MM-DD.") var start: String?
        @Option(help: "And its last day, YYYY-MM-DD.") var end: String?
        @Option(help: "csv, json or html.") var format: String = "csv"
        @Option(name: .shortAndLong, help: "File to write (it is replaced); standard output when left out.") var output: String?

        func run() async throws {
            guard let format = ReportFormat(rawValue: format) else { throw ValidationError("--format: \(ReportFormat.unknownValueMessage(format))") }
            guard let bodyID = UUID(uuidString: body) else { throw ValidationError("--body must be a monitoring body's id") }
            func day(_ raw: String?, _ flag: String) throws -> Day? {
                guard let raw else { return nil }
                guard let day = Day(iso: raw) else { throw ValidationError("--\(flag) '\(raw)' is not a date such as 2026-07-01") }
                return day
            }
            let period: ReportingPeriod
            do {
                period = try ReportingPeriod.parse(quarter: quarter, start: try day(start, "start"), end: try day(end, "end"))
            } catch let invalid as RegisterDomain.ValidationError {
                throw ValidationError(invalid.errors.map { "--\($0.field): \($0.message)" }.joined(separator: "; "))
            }
            let configuration = try database.configuration()
            let logger = commandLogger()
            let report = try await withServices(configuration, logger: logger) { services, _ in
                try await services.monitoring.periodReport(bodyID, period: period, format: format, via: .cli, by: .system("cli-export", logger: logger))
            }
            let text = PeriodReportWriter.write(report, format: format)
            let options = try ReportOptions.parse(output.map { ["--output", $0] } ?? [])
            let handle = try options.sink()
            defer { try? handle.close() }
            try handle.write(contentsOf: Data(text.utf8))
            if let output { print("wrote the report of \(report.bodyName) for \(PeriodReportWriter.periodWords(report.period)) to \(output)") }
        }
    }
}
