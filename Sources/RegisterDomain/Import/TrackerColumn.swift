import Foundation

/// A column of a recommendation tracker that the register understands.
///
/// Trackers differ between partnerships: each column has the names seen in real multi-agency action
/// plans, so that most sheets map themselves; a person confirms or changes the mapping.
public enum TrackerColumn: String, CaseIterable, Sendable, Codable {
    case reviewReference = "review_reference"
    case reviewTitle = "review_title"
    case recommendationNumber = "recommendation_number"
    case recommendationText = "recommendation_text"
    case action
    case leadAgency = "lead_agency"
    case leadOfficer = "lead_officer"
    case targetDate = "target_date"
    case revisedDate = "revised_date"
    case status
    case latestUpdate = "latest_update"
    case evidence
    case dateCompleted = "date_completed"

    /// What a coordinator reads on the mapping page.
    public var label: String {
        switch self {
        case .reviewReference: "Review reference"
        case .reviewTitle: "Review title"
        case .recommendationNumber: "Recommendation number"
        case .recommendationText: "Recommendation"
        case .action: "Action"
        case .leadAgency: "Lead agency"
        case .leadOfficer: "Lead officer"
        case .targetDate: "Target date"
        case .revisedDate: "Revised date"
        case .status: "RAG or status"
        case .latestUpdate: "Latest update"
        case .evidence: "Evidence"
        case .dateCompleted: "Date completed"
        }
    }

    /// Header names seen in trackers, compared after `TrackerColumn.key(_:)`.
    public var synonyms: [String] {
        switch self {
        case .reviewReference:
            ["review reference", "review ref", "review id", "reference", "ref", "review", "case reference", "case ref", "review number",
             "scr", "lcspr", "sar", "dhr", "case review"]
        case .reviewTitle: ["review title", "review name", "title", "case name", "name of review", "case"]
        case .recommendationNumber:
            ["recommendation number", "recommendation no", "rec no", "rec number", "rec", "recommendation ref", "no", "number", "rec ref"]
        case .recommendationText: ["recommendation", "recommendation text", "recommendations", "finding recommendation", "learning point"]
        case .action: ["action", "actions", "action to be taken", "smart action", "actions required", "agreed action", "what will be done"]
        case .leadAgency: ["lead agency", "agency", "owner", "lead organisation", "organisation", "responsible agency", "lead partner", "partner", "agency responsible"]
        case .leadOfficer: ["lead officer", "named lead", "officer", "lead", "responsible officer", "lead person", "named officer", "accountable officer"]
        case .targetDate: ["target date", "due by", "timescale", "due date", "deadline", "target", "completion date target", "by when", "timescales"]
        case .revisedDate: ["revised date", "revised", "revised target date", "revised timescale", "new target date", "revised due date", "extended to"]
        case .status: ["rag", "rag status", "status", "rag rating", "progress status", "current status", "red amber green", "rag (red/amber/green/blue)"]
        case .latestUpdate: ["latest update", "update", "progress update", "progress", "updates", "comments", "progress to date", "latest position", "current position"]
        case .evidence: ["evidence", "evidence of completion", "evidence of impact", "evidence link", "evidence provided"]
        case .dateCompleted: ["date completed", "completed", "completion date", "date closed", "closed on", "completed on", "date signed off"]
        }
    }

    /// A header as compared with the synonyms: lower case, letters and digits only, single spaces.
    public static func key(_ header: String) -> String {
        var out = ""
        var space = false
        for scalar in header.lowercased().unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) || scalar == "/" || scalar == "(" || scalar == ")" {
                if space, !out.isEmpty { out.append(" ") }
                space = false
                out.unicodeScalars.append(scalar)
            } else {
                space = true
            }
        }
        // "Rec. No." and "Rec No" are the same header; brackets only matter inside a synonym.
        return out.replacingOccurrences(of: "(", with: "").replacingOccurrences(of: ")", with: "")
    }

    /// The column a header names, if any synonym matches it exactly.
    public static func recognise(_ header: String) -> TrackerColumn? {
        let k = key(header)
        guard !k.isEmpty else { return nil }
        return allCases.first { column in column.synonyms.contains { key($0) == k } }
    }
}

/// Which spreadsheet column holds which tracker column.
public struct ColumnMapping: Sendable, Equatable, Codable {
    /// Zero-based spreadsheet column index → tracker column.
    public var columns: [Int: TrackerColumn]

    public init(columns: [Int: TrackerColumn]) { self.columns = columns }

    /// The mapping recognised from the headers: the first header that names a column takes it.
    public static func recognised(headers: [String]) -> ColumnMapping {
        var columns: [Int: TrackerColumn] = [:]
        var taken = Set<TrackerColumn>()
        for (index, header) in headers.enumerated() {
            guard let column = TrackerColumn.recognise(header), !taken.contains(column) else { continue }
            columns[index] = column
            taken.insert(column)
        }
        return ColumnMapping(columns: columns)
    }

    /// The recognised mapping changed by a person's choices: `choices` maps a header (as written,
    /// compared by `TrackerColumn.key`) or a column letter ("C") to a column's name or `ignore`.
    public static func chosen(headers: [String], choices: [String: String]) throws -> ColumnMapping {
        var mapping = recognised(headers: headers)
        var v = Validator()
        for (given, target) in choices.sorted(by: { $0.key < $1.key }) {
            let index = headers.firstIndex { TrackerColumn.key($0) == TrackerColumn.key(given) } ?? ColumnMapping.index(letter: given)
            guard let index else {
                v.fail("mapping", "the file has no column headed \"\(given)\"")
                continue
            }
            let name = target.trimmingCharacters(in: .whitespaces).lowercased()
            if name == "ignore" || name.isEmpty {
                mapping.columns[index] = nil
            } else if let column = TrackerColumn(rawValue: name) ?? TrackerColumn.recognise(name) {
                // A column is held by one spreadsheet column: choosing it again moves it.
                for (other, held) in mapping.columns where held == column { mapping.columns[other] = nil }
                mapping.columns[index] = column
            } else {
                v.fail("mapping", "\"\(target)\" is not a tracker column; use one of \(TrackerColumn.allCases.map(\.rawValue).joined(separator: ", ")) or ignore")
            }
        }
        try v.check()
        return mapping
    }

    /// Parses `Header=column` pairs separated by commas, semicolons or new lines (the `--mapping` option).
    public static func choices(parsing text: String) throws -> [String: String] {
        var choices: [String: String] = [:]
        for pair in text.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\n" }) {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError(field: "mapping", message: "write the mapping as Header=column pairs, such as \"Owner=lead_agency, Due by=target_date\"")
            }
            choices[parts[0]] = parts[1]
        }
        return choices
    }

    /// The spreadsheet index of a column letter: A → 0, AB → 27.
    public static func index(letter: String) -> Int? {
        let letters = letter.uppercased()
        guard (1...3).contains(letters.count), letters.allSatisfy({ $0 >= "A" && $0 <= "Z" }) else { return nil }
        return letters.unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
    }

    /// The letter of a zero-based column index: 0 → A, 27 → AB.
    public static func letter(_ index: Int) -> String {
        var n = index + 1
        var out = ""
        while n > 0 {
            let r = (n - 1) % 26
            out = String(UnicodeScalar(UInt8(65 + r))) + out
            n = (n - 1) / 26
        }
        return out
    }

    /// The spreadsheet column holding `column`, if mapped.
    public func index(of column: TrackerColumn) -> Int? {
        columns.first { $0.value == column }?.key
    }

    /// Columns the register needs that no spreadsheet column holds.
    public var missing: [TrackerColumn] {
        [.reviewReference, .recommendationNumber].filter { index(of: $0) == nil }
    }
}
