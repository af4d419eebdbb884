import Foundation
import RegisterDomain

/// An import's report as plain text, for the command line.
public enum ImportReport {
    public static func text(_ outcome: ImportOutcome) -> String {
        let plan = outcome.plan
        var out = "\(outcome.file.name) (sha256 \(outcome.file.sha256))\n"
        out += "Sheet \(plan.sheet)" + (outcome.sheets.count > 1 ? " of \(outcome.sheets.joined(separator: ", "))" : "") + "; headers on row \(plan.headerRow)\n"
        out += "Columns:\n"
        for (index, column) in plan.columns.enumerated() where !column.header.isEmpty || column.column != nil {
            out += "  \(ColumnMapping.letter(index)) \"\(column.header)\" → \(column.column?.label.lowercased() ?? "not imported")\n"
        }
        out += "Rows:\n"
        for row in plan.rows {
            out += "  row \(row.row): \(row.outcome.rawValue) — \(row.summary)\n"
        }
        if !plan.problems.isEmpty {
            out += "Problems (\(plan.problems.count)):\n"
            for problem in plan.problems { out += "  \(problem.description)\n" }
        }
        if !plan.unknownPartners.isEmpty {
            out += "Lead agencies the register does not know: \(plan.unknownPartners.joined(separator: ", ")) (add them, correct the names, or import with --create-partners)\n"
        }
        if !plan.notes.isEmpty {
            out += "Notes:\n"
            for note in plan.notes { out += "  \(note.description)\n" }
        }
        let counts = "\(plan.created) rows to create, \(plan.updated) to update, \(plan.unchanged) unchanged"
        if !plan.canImport {
            out += "Nothing imported: correct the problems and import again (all rows or none). \(counts).\n"
        } else if outcome.dryRun {
            out += "Dry run, nothing written: \(counts).\n"
        } else if let run = outcome.run {
            out += "Imported (import \(run.id?.uuidString.lowercased() ?? "")): \(plan.created) rows created, \(plan.updated) updated, \(plan.unchanged) unchanged.\n"
        } else {
            out += "Nothing to change: every row is already in the register.\n"
        }
        return out
    }
}
