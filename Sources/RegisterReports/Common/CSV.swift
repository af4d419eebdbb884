import Foundation
import RegisterDomain

/// The register's one way of writing CSV for spreadsheets (RFC 4180): UTF-8 with a byte-order mark
/// (so Excel reads it as UTF-8), CRLF line ends, and every cell a spreadsheet could take for a
/// formula neutralised. The compliance report, the period report and the information requests all
/// write through it.
///
/// It works on UTF-8 bytes, appended to a buffer the caller keeps: a cell is scanned once for the
/// few ASCII bytes that matter (`,` `"` CR LF, a leading formula sign, a space at either end) and
/// copied as it is when none is there, which is nearly always. UTF-8 never uses an ASCII byte inside
/// a multi-byte character, so looking at bytes is exact.
public enum CSV {
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    public static let lineEnd: [UInt8] = [0x0D, 0x0A]

    /// Appends one line: the cells, comma-separated, then CRLF.
    public static func appendLine(_ cells: [String], to out: inout [UInt8]) {
        for (index, cell) in cells.enumerated() {
            if index > 0 { out.append(comma) }
            appendCell(cell, to: &out)
        }
        out.append(contentsOf: lineEnd)
    }

    /// Appends a cell, neutralised against formula injection and quoted when it needs to be.
    public static func appendCell(_ raw: String, to out: inout [UInt8]) {
        var raw = raw
        raw.withUTF8 { appendCell(bytes: $0, to: &out) }
    }

    /// Appends a cell given as UTF-8 bytes (see `appendCell(_:to:)`).
    public static func appendCell(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard let first = bytes.first else { return }
        // Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return before one) as a formula.
        let formula = first == equals || first == plus || first == minus || first == at || first == tab || first == cr
        var quote = first == space || bytes[bytes.count - 1] == space
        var quotes = 0
        for byte in bytes where byte <= quoteMark || byte == comma {
            switch byte {
            case quoteMark: quotes += 1; quote = true
            case comma, cr, lf: quote = true
            default: break
            }
        }
        if !quote {
            if formula { out.append(apostrophe) }
            out.append(contentsOf: bytes)
            return
        }
        out.reserveCapacity(out.count + bytes.count + quotes + 3)
        out.append(quoteMark)
        if formula { out.append(apostrophe) }
        if quotes == 0 {
            out.append(contentsOf: bytes)
        } else {
            for byte in bytes {
                out.append(byte)
                if byte == quoteMark { out.append(quoteMark) }
            }
        }
        out.append(quoteMark)
    }

    /// A cell as text (for callers that build strings); the same rule as `appendCell`.
    public static func cell(_ raw: String) -> String {
        var out: [UInt8] = []
        appendCell(raw, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A whole file: the byte-order mark, then one line per row.
    public static func file(_ lines: [[String]]) -> String {
        var out = byteOrderMark
        for line in lines { appendLine(line, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends "31/03/2026": the day as UK spreadsheets read it.
    public static func appendUKDate(_ day: Day, to out: inout [UInt8]) {
        appendDigits(day.day, count: 2, to: &out)
        out.append(slash)
        appendDigits(day.month, count: 2, to: &out)
        out.append(slash)
        appendDigits(day.year, count: 4, to: &out)
    }

    /// Appends "2026-03-31T09:15:00Z": the moment in UTC, to the second (as `ISO8601DateFormatter`
    /// writes it with `.withInternetDateTime`).
    public static func appendUTC(_ date: Date, to out: inout [UInt8]) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (dayNumber, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let day = Day(daysSinceEpoch: dayNumber)
        appendDigits(day.year, count: 4, to: &out)
        out.append(minus)
        appendDigits(day.month, count: 2, to: &out)
        out.append(minus)
        appendDigits(day.day, count: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(second / 3600, count: 2, to: &out)
        out.append(colon)
        appendDigits(second / 60 % 60, count: 2, to: &out)
        out.append(colon)
        appendDigits(second % 60, count: 2, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// Appends a whole number in decimal.
    public static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(minus) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = zero + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }

    /// Appends a number of at least `count` digits, zero-padded.
    static func appendDigits(_ value: Int, count: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        if rest >= divisor * 10 {
            appendInteger(value, to: &out)
            return
        }
        while divisor > 0 {
            out.append(zero + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    static let comma = UInt8(ascii: ","), quoteMark = UInt8(ascii: "\""), apostrophe = UInt8(ascii: "'")
    static let equals = UInt8(ascii: "="), plus = UInt8(ascii: "+"), minus = UInt8(ascii: "-"), at = UInt8(ascii: "@")
    static let tab = UInt8(ascii: "\t"), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
    static let slash = UInt8(ascii: "/"), colon = UInt8(ascii: ":"), zero = UInt8(ascii: "0")
}
