import Foundation
import RegisterDomain

/// Reads one line of an export, byte for byte, in exactly the form `AuditEvent.jsonLine()` writes:
///
///     {"seq":N,"sealed_at":"…","prev_hash":"<64 hex>","chain_hash":"<64 hex>","payload":"<JSON string>"}
///
/// Anything else is refused, even when a JSON reader would accept it (spaces, other key orders,
/// repeated or extra keys, upper-case hex, escapes the export never writes such as `\/`, `\u0041`
/// or `\u001F`): a verifier and the tool a person reads the file with must never disagree about
/// what a line says. The payload's string escapes are undone into a buffer that is kept from line
/// to line, preceded by the 0x00 of its leaf hash, so that a line costs no allocation.
///
/// The escapes are those of Foundation's `JSONEncoder` (with `.withoutEscapingSlashes`) for a
/// string: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other characters below U+0020 as `\u00xx` in
/// lower case, everything else (DEL and all non-ASCII included) as its UTF-8 bytes. A test holds the
/// exporter to this for every Unicode scalar.
struct ExportLineReader: ~Copyable {
    /// What a line says; `sealedAt` points into the line, which must outlive its use.
    struct Line {
        var seq: Int64
        var sealedAt: UnsafeRawBufferPointer
        var prevHash: Hash32
        var chainHash: Hash32
        var content: Hash32
    }

    /// Why a line is not in the exact format, and where (0-based byte offset in the line).
    struct Refusal: Error {
        var seq: Int64?
        var offset: Int
        var reason: String
    }

    /// 0x00 followed by the payload being read.
    private var leaf: UnsafeMutableRawBufferPointer

    init() {
        leaf = .allocate(byteCount: 64 << 10, alignment: 16)
    }

    deinit { leaf.deallocate() }

    mutating func read(_ line: UnsafeRawBufferPointer) throws(Refusal) -> Line {
        // The payload, unescaped, is never longer than the line.
        if leaf.count < line.count + 1 {
            leaf.deallocate()
            leaf = .allocate(byteCount: max(line.count + 1, leaf.count * 2), alignment: 16)
        }
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self), line.count > 0 else {
            throw Refusal(seq: nil, offset: 0, reason: "the line is empty")
        }
        var cursor = Cursor(base: base, end: line.count)
        try cursor.expect(#"{"seq":"#, seq: nil)
        let seq = try cursor.integer()
        try cursor.expect(#","sealed_at":""#, seq: seq)
        let sealedStart = cursor.at
        try cursor.plainString(seq: seq)
        let sealedAt = UnsafeRawBufferPointer(start: base + sealedStart, count: cursor.at - sealedStart)
        cursor.at += 1  // the closing quote
        try cursor.expect(#","prev_hash":""#, seq: seq)
        let prevHash = try cursor.hash(seq: seq, name: "prev_hash")
        try cursor.expect(#"","chain_hash":""#, seq: seq)
        let chainHash = try cursor.hash(seq: seq, name: "chain_hash")
        try cursor.expect(#"","payload":""#, seq: seq)
        let leafBase = leaf.baseAddress!.assumingMemoryBound(to: UInt8.self)
        leafBase[0] = 0x00
        let length = try cursor.unescape(into: leafBase + 1, seq: seq)
        try cursor.expect("}", seq: seq)
        if cursor.at != cursor.end {
            throw Refusal(seq: seq, offset: cursor.at, reason: "there is more after the end of the event")
        }
        let content = AuditHash.content(prefixedPayload: UnsafeRawBufferPointer(start: leaf.baseAddress, count: 1 + length))
        return Line(seq: seq, sealedAt: sealedAt, prevHash: prevHash, chainHash: chainHash, content: content)
    }
}

/// The reading position in one line.
private struct Cursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    var at = 0

    init(base: UnsafePointer<UInt8>, end: Int) {
        self.base = base
        self.end = end
    }

    private func refuse(_ seq: Int64?, _ reason: String, at offset: Int? = nil) -> ExportLineReader.Refusal {
        ExportLineReader.Refusal(seq: seq, offset: offset ?? at, reason: reason)
    }

    mutating func expect(_ literal: StaticString, seq: Int64?) throws(ExportLineReader.Refusal) {
        let count = literal.utf8CodeUnitCount
        guard end - at >= count, memcmp(base + at, literal.utf8Start, count) == 0 else {
            throw refuse(seq, "expected \(literal)")
        }
        at += count
    }

    /// An Int64 as Swift prints it: an optional minus, no leading zero, no plus, no fraction or exponent.
    mutating func integer() throws(ExportLineReader.Refusal) -> Int64 {
        let negative = at < end && base[at] == UInt8(ascii: "-")
        if negative { at += 1 }
        let start = at
        var value: Int64 = 0
        while at < end, base[at] &- 48 < 10 {
            let digit = Int64(base[at] &- 48)
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            if o1 || o2 { throw refuse(nil, "seq is out of range", at: start) }
            value = next
            at += 1
        }
        if at == start || (base[start] == UInt8(ascii: "0") && (at - start > 1 || negative)) {
            throw refuse(nil, "seq is not a whole number written plainly (no leading zero, sign, fraction or exponent)", at: start)
        }
        return value
    }

    /// Up to (not past) the closing quote of a string the exporter writes without escapes.
    mutating func plainString(seq: Int64) throws(ExportLineReader.Refusal) {
        while true {
            guard at < end else { throw refuse(seq, "the string is not closed") }
            let byte = base[at]
            if byte == UInt8(ascii: "\"") { return }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { throw refuse(seq, "sealed_at holds a character the export never writes there") }
            if byte < 0x80 {
                at += 1
            } else {
                try utf8Sequence(seq: seq, copyTo: nil)
            }
        }
    }

    /// 64 lower-case hexadecimal digits.
    mutating func hash(seq: Int64, name: String) throws(ExportLineReader.Refusal) -> Hash32 {
        guard end - at >= 64 else { throw refuse(seq, "\(name) is not 64 lower-case hexadecimal digits") }
        var bad = false
        let digits = base + at
        let hash = Hash32 { bytes in
            for i in 0..<32 {
                let high = Cursor.hexValue(digits[2 * i]), low = Cursor.hexValue(digits[2 * i + 1])
                bad = bad || high > 15 || low > 15
                bytes[i] = high << 4 | (low & 0x0F)
            }
        }
        if bad { throw refuse(seq, "\(name) is not 64 lower-case hexadecimal digits") }
        at += 64
        return hash
    }

    /// 0…15, or 255 for anything but 0-9 a-f.
    @inline(__always) private static func hexValue(_ c: UInt8) -> UInt8 {
        let digit = c &- 48
        if digit < 10 { return digit }
        let letter = c &- 97
        return letter < 6 ? letter + 10 : 255
    }

    /// The body of a JSON string, unescaped into `out`, up to and past its closing quote; returns
    /// the number of bytes written.
    mutating func unescape(into out: UnsafeMutablePointer<UInt8>, seq: Int64) throws(ExportLineReader.Refusal) -> Int {
        var written = 0
        while at < end {
            let byte = base[at]
            // Plain ASCII, the common case.
            if byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                out[written] = byte
                written += 1
                at += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                at += 1
                return written
            }
            if byte == UInt8(ascii: "\\") {
                guard at + 1 < end else { break }
                let decoded: UInt8
                switch base[at + 1] {
                case UInt8(ascii: "\""): decoded = 0x22
                case UInt8(ascii: "\\"): decoded = 0x5C
                case UInt8(ascii: "b"): decoded = 0x08
                case UInt8(ascii: "f"): decoded = 0x0C
                case UInt8(ascii: "n"): decoded = 0x0A
                case UInt8(ascii: "r"): decoded = 0x0D
                case UInt8(ascii: "t"): decoded = 0x09
                case UInt8(ascii: "u"):
                    // \u00xx, lower case, only for the control characters without a short escape.
                    guard end - at >= 6, base[at + 2] == UInt8(ascii: "0"), base[at + 3] == UInt8(ascii: "0"),
                        base[at + 4] == UInt8(ascii: "0") || base[at + 4] == UInt8(ascii: "1")
                    else { throw refuse(seq, "the payload has a \\u escape the export never writes") }
                    let low = Cursor.hexValue(base[at + 5])
                    let value = (base[at + 4] &- 48) << 4 | low
                    // Not 0x08, 0x09, 0x0A, 0x0C or 0x0D, which have short escapes.
                    guard low < 16, (0x3700 as UInt32) >> value & 1 == 0 else {
                        throw refuse(seq, "the payload has a \\u escape the export never writes")
                    }
                    out[written] = value
                    written += 1
                    at += 6
                    continue
                default:
                    throw refuse(seq, "the payload has an escape the export never writes")
                }
                out[written] = decoded
                written += 1
                at += 2
                continue
            }
            if byte < 0x20 { throw refuse(seq, "the payload holds a control character the export always escapes") }
            try utf8Sequence(seq: seq, copyTo: out + written)
            written += Cursor.sequenceLength(byte)
        }
        throw refuse(seq, "the payload is not closed")
    }

    @inline(__always) private static func sequenceLength(_ lead: UInt8) -> Int {
        lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    /// One well-formed UTF-8 sequence of two to four bytes (Unicode, table 3-7: no overlong form,
    /// no surrogate, nothing past U+10FFFF), copied to `out` when given.
    mutating func utf8Sequence(seq: Int64, copyTo out: UnsafeMutablePointer<UInt8>?) throws(ExportLineReader.Refusal) {
        let lead = base[at]
        let count: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // the range of the second byte
        switch lead {
        case 0xC2...0xDF: count = 2
        case 0xE0: count = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED: count = 3; high = 0x9F
        case 0xF0: count = 4; low = 0x90
        case 0xF1...0xF3: count = 4
        case 0xF4: count = 4; high = 0x8F
        default: throw refuse(seq, "the line is not valid UTF-8")
        }
        guard end - at >= count, base[at + 1] >= low, base[at + 1] <= high else { throw refuse(seq, "the line is not valid UTF-8") }
        for i in 2..<count where base[at + i] & 0xC0 != 0x80 { throw refuse(seq, "the line is not valid UTF-8") }
        if let out { out.update(from: base + at, count: count) }
        at += count
    }
}
