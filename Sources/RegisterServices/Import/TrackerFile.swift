import CSV
import Foundation
import RegisterDomain
import XMLCoder
import ZIPFoundation

/// Reads a tracker file into sheets of cells, with the row numbers a person sees in their spreadsheet.
///
/// CSV through yaslab's CSV.swift (quoted fields, doubled quotes, new lines inside quotes, CRLF); Excel
/// workbooks through ZIPFoundation and XMLCoder (workbook, sheets, shared strings and styles).
public enum TrackerFile {
    /// The kinds of file read, by extension.
    public enum Kind: String, Sendable {
        case csv, xlsx

        public init?(fileName: String) {
            self.init(rawValue: (fileName as NSString).pathExtension.lowercased())
        }
    }

    /// A file that cannot be read as a tracker, in words a coordinator understands.
    public struct Unreadable: Error, Equatable, Sendable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    /// The sheets of a file: a CSV file is one sheet named after the file.
    public static func sheets(_ bytes: [UInt8], fileName: String) throws -> [TrackerSheet] {
        switch Kind(fileName: fileName) {
        case .csv: return [try csv(bytes, name: (fileName as NSString).deletingPathExtension)]
        case .xlsx: return try XLSXWorkbook(bytes: bytes).sheets()
        case nil: throw Unreadable("the register reads trackers saved as .csv or .xlsx; save the spreadsheet as one of those")
        }
    }

    /// One CSV file: UTF-8 with or without a byte-order mark (Windows-1252 when it is not UTF-8, as
    /// older Excel saves it).
    public static func csv(_ bytes: [UInt8], name: String) throws -> TrackerSheet {
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
        guard let text = String(bytes: body, encoding: .utf8) ?? String(bytes: body, encoding: .windowsCP1252) else {
            throw Unreadable("the CSV file is not text the register can read; save it as CSV UTF-8")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: false, trimFields: false)
        } catch {
            throw Unreadable("the CSV file could not be read: \(error)")
        }
        var rows: [TrackerRow] = []
        var number = 0
        while let fields = reader.next() {
            number += 1
            rows.append(TrackerRow(number: number, cells: fields.map { TrackerCell($0) }))
        }
        if let error = reader.error { throw Unreadable("the CSV file could not be read after row \(number): \(error)") }
        return TrackerSheet(name: name, rows: rows)
    }
}

/// An Excel workbook (.xlsx): a zip of XML parts.
struct XLSXWorkbook {
    let archive: Archive

    init(bytes: [UInt8]) throws {
        do {
            archive = try Archive(data: Data(bytes), accessMode: .read)
        } catch {
            throw TrackerFile.Unreadable("the file is not an Excel workbook (.xlsx); open it in Excel and save it again as .xlsx")
        }
    }

    /// The most one part of a workbook may unpack to. A sheet of 10,000 tracker rows is a few
    /// megabytes of XML; a small file that unpacks to gigabytes (a "zip bomb") is stopped here,
    /// counting the bytes as they come rather than believing the size the file declares.
    static let largestPart = 64 * 1024 * 1024

    private func part(_ path: String) throws -> Data? {
        guard let entry = archive[path] else { return nil }
        let tooLarge = TrackerFile.Unreadable(
            "part \(path) of the workbook unpacks to more than \(Self.largestPart / 1024 / 1024) MB; save the sheet on its own or as CSV")
        guard entry.uncompressedSize <= Self.largestPart else { throw tooLarge }
        var data = Data()
        _ = try archive.extract(entry, skipCRC32: true) { piece in
            guard data.count + piece.count <= Self.largestPart else { throw tooLarge }
            data.append(piece)
        }
        return data
    }

    private func decode<T: Decodable>(_ type: T.Type, _ path: String) throws -> T? {
        guard let data = try part(path) else { return nil }
        let decoder = XMLDecoder()
        decoder.shouldProcessNamespaces = false
        decoder.trimValueWhitespaces = false
        do {
            return try decoder.decode(T.self, from: data)
        } catch {
            throw TrackerFile.Unreadable("part \(path) of the workbook could not be read (\(error)); open it in Excel and save it again")
        }
    }

    func sheets() throws -> [TrackerSheet] {
        guard let workbook = try decode(XLSX.Workbook.self, "xl/workbook.xml") else {
            throw TrackerFile.Unreadable("the workbook has no xl/workbook.xml; open it in Excel and save it again as .xlsx")
        }
        let relationships = try decode(XLSX.Relationships.self, "xl/_rels/workbook.xml.rels")?.relationship ?? []
        let strings = try decode(XLSX.SharedStrings.self, "xl/sharedStrings.xml")?.si?.map(\.text) ?? []
        let styles = try decode(XLSX.StyleSheet.self, "xl/styles.xml")
        let dateStyles = XLSX.dateStyles(styles)
        return try (workbook.sheets.sheet ?? []).map { entry in
            let target = relationships.first { $0.id == entry.relationshipID }?.target ?? ""
            let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            guard let worksheet = try decode(XLSX.Worksheet.self, path) else {
                throw TrackerFile.Unreadable("sheet \(entry.name) is missing from the workbook")
            }
            return XLSX.sheet(worksheet, name: entry.name, strings: strings, dateStyles: dateStyles)
        }
    }
}

/// The parts of SpreadsheetML the register reads, as XMLCoder decodes them.
enum XLSX {
    struct Workbook: Decodable {
        struct Sheets: Decodable { var sheet: [Sheet]? }
        struct Sheet: Decodable {
            var name: String
            var relationshipID: String
            enum CodingKeys: String, CodingKey {
                case name
                case relationshipID = "r:id"
            }
        }
        var sheets: Sheets
    }

    struct Relationships: Decodable {
        struct Relationship: Decodable {
            var id: String
            var target: String
            enum CodingKeys: String, CodingKey {
                case id = "Id"
                case target = "Target"
            }
        }
        var relationship: [Relationship]?
        enum CodingKeys: String, CodingKey { case relationship = "Relationship" }
    }

    /// Text that may carry attributes (`<t xml:space="preserve">`).
    struct Text: Decodable {
        var value: String
        enum CodingKeys: String, CodingKey { case value = "" }
        init(from decoder: any Decoder) throws {
            if let keyed = try? decoder.container(keyedBy: CodingKeys.self), let text = try? keyed.decode(String.self, forKey: .value) {
                value = text
            } else {
                value = (try? decoder.singleValueContainer().decode(String.self)) ?? ""
            }
        }
    }

    /// A string item: plain (`<t>`) or rich text in runs (`<r><t>`).
    struct StringItem: Decodable {
        struct Run: Decodable { var t: Text? }
        var t: Text?
        var r: [Run]?
        var text: String { t?.value ?? (r ?? []).map { $0.t?.value ?? "" }.joined() }
    }

    struct SharedStrings: Decodable { var si: [StringItem]? }

    struct StyleSheet: Decodable {
        struct NumberFormats: Decodable { var numFmt: [NumberFormat]? }
        struct NumberFormat: Decodable {
            var numFmtId: Int
            var formatCode: String
        }
        struct CellFormats: Decodable { var xf: [CellFormat]? }
        struct CellFormat: Decodable { var numFmtId: Int? }
        var numFmts: NumberFormats?
        var cellXfs: CellFormats?
    }

    struct Worksheet: Decodable {
        struct Columns: Decodable { var col: [Column]? }
        struct Column: Decodable {
            var min: Int
            var max: Int
            var hidden: String?
        }
        struct SheetData: Decodable { var row: [Row]? }
        struct Row: Decodable {
            var r: Int?
            var c: [Cell]?
        }
        struct Cell: Decodable {
            var r: String?
            var t: String?
            var s: Int?
            var v: Text?
            var `is`: StringItem?
        }
        struct MergeCells: Decodable { var mergeCell: [MergeCell]? }
        struct MergeCell: Decodable { var ref: String }
        var cols: Columns?
        var sheetData: SheetData?
        var mergeCells: MergeCells?
    }

    /// Built-in number formats that show dates (ECMA-376 part 1, 18.8.30).
    static let builtInDateFormats: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    /// The cell styles (indexes into cellXfs) whose number format shows a date.
    static func dateStyles(_ styles: StyleSheet?) -> Set<Int> {
        var dateFormats = builtInDateFormats
        for format in styles?.numFmts?.numFmt ?? [] where isDateFormat(format.formatCode) { dateFormats.insert(format.numFmtId) }
        var out = Set<Int>()
        for (index, xf) in (styles?.cellXfs?.xf ?? []).enumerated() where dateFormats.contains(xf.numFmtId ?? 0) { out.insert(index) }
        return out
    }

    /// A custom format shows a date when, outside quoted text and [colour] sections, it has a day or year.
    static func isDateFormat(_ code: String) -> Bool {
        var plain = ""
        var quoted = false
        var bracket = false
        for ch in code.lowercased() {
            switch ch {
            case "\"": quoted.toggle()
            case "[" where !quoted: bracket = true
            case "]" where !quoted: bracket = false
            default: if !quoted && !bracket { plain.append(ch) }
            }
        }
        return plain.contains("d") || plain.contains("y")
    }

    /// What Excel shows, with a date format, for a serial that is no day: nil for a negative one.
    static func shownWithoutDay(_ serial: Double) -> String? {
        if serial >= 60 && serial < 61 { return "29/02/1900" }
        if serial >= 0 && serial < 1 { return "00/01/1900" }
        return nil
    }

    /// "C14" → (column 2, row 14).
    static func reference(_ ref: String) -> (column: Int, row: Int)? {
        let letters = ref.prefix { $0.isLetter }
        guard let column = ColumnMapping.index(letter: String(letters)), let row = Int(ref.dropFirst(letters.count)) else { return nil }
        return (column, row)
    }

    static func sheet(_ worksheet: Worksheet, name: String, strings: [String], dateStyles: Set<Int>) -> TrackerSheet {
        var rows: [TrackerRow] = []
        var previous = 0
        for row in worksheet.sheetData?.row ?? [] {
            let number = row.r ?? previous + 1
            previous = number
            var cells: [TrackerCell] = []
            var nextColumn = 0
            for cell in row.c ?? [] {
                let column = cell.r.flatMap { reference($0)?.column } ?? nextColumn
                nextColumn = column + 1
                let raw = cell.v?.value ?? ""
                let value: TrackerCell
                switch cell.t {
                case "s": value = TrackerCell(Int(raw).flatMap { $0 < strings.count ? strings[$0] : nil } ?? "")
                case "inlineStr": value = TrackerCell(cell.is?.text ?? "")
                case "str", "e": value = TrackerCell(raw)
                case "b": value = TrackerCell(raw == "1" ? "TRUE" : "FALSE")
                default:
                    if let s = cell.s, dateStyles.contains(s), let serial = Double(raw) {
                        let day = TrackerDate.excelSerial(serial)
                        // A serial with no day is left as the text Excel shows for it, which is then read as
                        // impossible: 60 is the 29 February 1900 Excel invents, 0 and a time alone show as
                        // 00/01/1900. A negative serial (Excel shows #####) stays a number, read as no date.
                        value = TrackerCell(day != nil ? raw : Self.shownWithoutDay(serial) ?? raw, day: day)
                    } else {
                        value = TrackerCell(raw)
                    }
                }
                while cells.count < column { cells.append(TrackerCell("")) }
                if column < cells.count { cells[column] = value } else { cells.append(value) }
            }
            rows.append(TrackerRow(number: number, cells: cells))
        }
        // A merged cell keeps its value in its top-left cell: spread it over the range, so a header
        // merged over two columns names both.
        for merge in worksheet.mergeCells?.mergeCell ?? [] {
            let ends = merge.ref.split(separator: ":").map(String.init)
            guard ends.count == 2, let from = reference(ends[0]), let to = reference(ends[1]),
                let source = rows.firstIndex(where: { $0.number == from.row }), from.column < rows[source].cells.count
            else { continue }
            let value = rows[source].cells[from.column]
            for index in rows.indices where (from.row...to.row).contains(rows[index].number) {
                for column in from.column...to.column {
                    while rows[index].cells.count <= column { rows[index].cells.append(TrackerCell("")) }
                    if rows[index].cells[column].text.isEmpty { rows[index].cells[column] = value }
                }
            }
        }
        var hidden: [Int] = []
        for col in worksheet.cols?.col ?? [] where col.hidden == "1" || col.hidden == "true" {
            hidden += Array((col.min - 1)...(col.max - 1))
        }
        return TrackerSheet(name: name, rows: rows, hiddenColumns: hidden)
    }
}
