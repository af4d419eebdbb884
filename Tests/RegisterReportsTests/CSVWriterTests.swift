import Foundation
import RegisterDomain
import Testing

@testable import RegisterReports

/// The CSV rule on bytes, and the compliance snapshot's records: what the largest export is made of.
@Suite("CSV and the compliance snapshot")
struct CSVWriterTests {
    @Test("a cell is copied as it is unless it must be quoted or neutralised, and a quoted cell doubles its quotes")
    func cells() {
        let cases: [(String, String)] = [
            ("", ""),
            ("plain", "plain"),
            ("Café — naïve 👩🏽‍⚕️", "Café — naïve 👩🏽‍⚕️"),
            ("a,b", "\"a,b\""),
            ("say \"no\"", "\"say \"\"no\"\"\""),
            ("line one\nline two", "\"line one\nline two\""),
            ("line one\r\nline two", "\"line one\r\nline two\""),
            (" padded", "\" padded\""),
            ("padded ", "\"padded \""),
            ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
            ("+44 20", "'+44 20"),
            ("-1", "'-1"),
            ("@cmd", "'@cmd"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        ]
        for (raw, expected) in cases {
            #expect(CSV.cell(raw) == expected, "\(raw.debugDescription)")
        }
    }

    @Test("a line is its cells with commas, ended by CRLF; a file starts with the byte-order mark")
    func lines() {
        let file = CSV.file([["Review", "Text"], ["SCR-1", "a, b"]])
        #expect(Array(file.utf8.prefix(3)) == CSV.byteOrderMark)
        #expect(file == "\u{FEFF}Review,Text\r\nSCR-1,\"a, b\"\r\n")
    }

    @Test("dates and moments are written as the formatters the reports used before wrote them")
    func datesAndMoments() {
        #expect(ComplianceReport.ukDate(Day(year: 2026, month: 3, day: 1)!) == "01/03/2026")
        #expect(ComplianceReport.ukDate(Day(year: 999, month: 12, day: 31)!) == "31/12/0999")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let moments = [0, 1_775_138_700.25, 951_782_400, 4_102_444_799.999, -86_401, 1_700_000_000.5]
            .map(Date.init(timeIntervalSince1970:))
        for moment in moments {
            #expect(ComplianceReport.utc(moment) == formatter.string(from: moment), "\(moment.timeIntervalSince1970)")
        }
        for value in [0, 7, -3, 10, 12_345, Int.max, Int.min + 1] {
            var out: [UInt8] = []
            CSV.appendInteger(value, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }

    static let full = ComplianceRow(
        reviewReference: "COV-SCR-2016-01", reviewTitle: "Child Q — \"a, b\"", reviewKind: .scr, recommendationNumber: "4a",
        recommendationText: "=cmd|' /C calc'!A0\r\nSecond line", scope: .local, recommendationStatus: .assured, partner: "Northvale Police",
        role: .lead, leadOfficer: " Head of Service ", action: "Audit the protocol.", originalDueDate: Day(year: 2026, month: 1, day: 31),
        currentDueDate: Day(year: 2026, month: 2, day: 28), status: .accepted, overdueDays: 31, latestEvidenceKind: .outcome,
        latestEvidenceVerdict: .accepted, latestEvidenceDate: Day(year: 2026, month: 3, day: 1),
        latestEvidenceReceivedAt: Date(timeIntervalSince1970: 1_775_138_700.123456),
        latestEvidenceSHA256: [String(repeating: "a", count: 64), String(repeating: "b", count: 64)], assuredOn: Day(year: 2026, month: 3, day: 20),
        closedOn: Day(year: 2026, month: 3, day: 21), latestUpdateDate: Day(year: 2026, month: 2, day: 2), latestUpdateRAG: .amber,
        latestUpdateText: "On track by the end of Q4", delayReason: "Awaiting the regional group", delayExpectedDate: Day(year: 2026, month: 6, day: 30))

    static let bare = ComplianceRow(
        reviewReference: "R", reviewTitle: "", reviewKind: .lcspr, recommendationNumber: "1", recommendationText: "", scope: .national,
        recommendationStatus: .open, partner: nil, role: nil, leadOfficer: nil, action: nil, originalDueDate: nil, currentDueDate: nil,
        status: nil, overdueDays: 0, latestEvidenceKind: nil, latestEvidenceVerdict: nil, latestEvidenceDate: nil, latestEvidenceReceivedAt: nil,
        latestEvidenceSHA256: [], assuredOn: nil, closedOn: nil)

    @Test("a compliance row is written as the spreadsheet reads it, every column in the heading's order")
    func complianceLine() {
        var writer = CSVComplianceWriter()
        var out: [UInt8] = []
        writer.begin(into: &out)
        writer.row(Self.full, into: &out)
        writer.row(Self.bare, into: &out)
        writer.end(into: &out)
        let text = String(decoding: out, as: UTF8.self)
        let lines = text.dropFirst().components(separatedBy: "\r\n")
        #expect(lines[0].split(separator: ",").count == ComplianceReport.columns.count)
        #expect(
            lines[1] == "COV-SCR-2016-01,\"Child Q — \"\"a, b\"\"\",scr,4a,\"'=cmd|' /C calc'!A0")
        #expect(
            lines[2] == "Second line\",local,assured,Northvale Police,lead,\" Head of Service \",Audit the protocol.,31/01/2026,28/02/2026,"
                + "accepted,31,outcome,accepted,01/03/2026,2026-04-02T14:05:00Z,\(String(repeating: "a", count: 64)) \(String(repeating: "b", count: 64)),"
                + "20/03/2026,21/03/2026,02/02/2026,Amber,On track by the end of Q4,Awaiting the regional group,30/06/2026")
        #expect(lines[3] == "R,,lcspr,1,,national,open,,,,,,,,0,,,,,,,,,,,,")
        #expect(lines[3].filter { $0 == "," }.count == ComplianceReport.columns.count - 1)
        #expect(lines[4] == "")
    }

    @Test("a snapshot record reads back as the row it was written from, and a damaged one is refused")
    func snapshotRecords() throws {
        var out: [UInt8] = []
        SnapshotRecord.append(Self.full, to: &out)
        let first = out.count
        SnapshotRecord.append(Self.bare, to: &out)
        try out.withUnsafeBytes { bytes in
            let length = try #require(SnapshotRecord.length(in: bytes, at: 0))
            #expect(length == first - 4)
            #expect(try SnapshotRecord.read(UnsafeRawBufferPointer(rebasing: bytes[4..<4 + length])) == Self.full)
            let second = try #require(SnapshotRecord.length(in: bytes, at: first))
            #expect(try SnapshotRecord.read(UnsafeRawBufferPointer(rebasing: bytes[first + 4..<first + 4 + second])) == Self.bare)
            #expect(throws: SnapshotRecord.Damaged.self) {
                try SnapshotRecord.read(UnsafeRawBufferPointer(rebasing: bytes[4..<4 + length - 1]))
            }
        }
    }
}
