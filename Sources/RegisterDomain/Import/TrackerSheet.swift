import Foundation

/// One cell of a spreadsheet as read: its text, and the day when the file stored a date.
public struct TrackerCell: Sendable, Equatable {
    public var text: String
    /// Set for a cell the spreadsheet stored as a date (an Excel serial number with a date format).
    public var day: Day?

    public init(_ text: String, day: Day? = nil) {
        self.text = text
        self.day = day
    }
}

/// A spreadsheet row with the number a person sees beside it in their spreadsheet program.
public struct TrackerRow: Sendable, Equatable {
    public var number: Int
    public var cells: [TrackerCell]

    public init(number: Int, cells: [TrackerCell]) {
        self.number = number
        self.cells = cells
    }

    public func text(_ index: Int) -> String {
        index < cells.count ? cells[index].text.trimmingCharacters(in: .whitespacesAndNewlines) : ""
    }

    public var isBlank: Bool { cells.allSatisfy { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } }
}

/// One sheet of a workbook (a CSV file is one sheet named after the file).
public struct TrackerSheet: Sendable, Equatable {
    public var name: String
    public var rows: [TrackerRow]
    /// Zero-based indexes of columns the workbook hides: still read, and the report says so.
    public var hiddenColumns: [Int]

    public init(name: String, rows: [TrackerRow], hiddenColumns: [Int] = []) {
        self.name = name
        self.rows = rows
        self.hiddenColumns = hiddenColumns
    }

    /// The header row: the first of the first ten rows naming at least two tracker columns (the
    /// most, when several do), with a group label above merged across columns added where a cell's
    /// own text names nothing ("Dates" over "Target" and "Revised").
    public func header() -> (row: Int, headers: [String])? {
        var best: (position: Int, count: Int)?
        for (position, row) in rows.prefix(10).enumerated() where !row.isBlank {
            let count = Set(row.cells.compactMap { TrackerColumn.recognise($0.text) }).count
            if count >= 2, count > (best?.count ?? 0) { best = (position, count) }
        }
        guard let best else { return nil }
        let row = rows[best.position]
        let above = best.position > 0 ? rows[best.position - 1] : nil
        let headers = row.cells.enumerated().map { index, cell -> String in
            let own = cell.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if TrackerColumn.recognise(own) != nil { return own }
            if let group = above?.text(index), !group.isEmpty {
                for joined in ["\(own) \(group)", "\(group) \(own)"] where TrackerColumn.recognise(joined) != nil { return joined }
            }
            return own
        }
        return (row.number, headers)
    }
}
