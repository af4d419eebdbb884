import Foundation
import RegisterDomain

/// How a snapshot keeps a row on disk: a record of its fields in a fixed order, each as plain bytes
/// (text as its UTF-8 with a length before it, a day as its day number, a moment as the bits of its
/// seconds), behind the record's own length. Only `ComplianceSnapshot` writes and reads these files,
/// within one export, so the format needs no version: it is read back by the same program that wrote
/// it, moments later. It replaced JSON Lines, whose encoding and decoding took more of the processor
/// than writing the CSV itself.
enum SnapshotRecord {
    /// Appends `row` as one record: its length (4 bytes), then its fields.
    static func append(_ row: ComplianceRow, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        // The buffer moves into the writer and back, never copied.
        var w = Writer(out: [])
        swap(&w.out, &out)
        w.text(row.reviewReference)
        w.text(row.reviewTitle)
        w.text(row.reviewKind.rawValue)
        w.text(row.recommendationNumber)
        w.text(row.recommendationText)
        w.text(row.scope.rawValue)
        w.text(row.recommendationStatus.rawValue)
        w.text(row.partner)
        w.text(row.role?.rawValue)
        w.text(row.leadOfficer)
        w.text(row.action)
        w.day(row.originalDueDate)
        w.day(row.currentDueDate)
        w.text(row.status?.rawValue)
        w.integer(row.overdueDays)
        w.text(row.latestEvidenceKind?.rawValue)
        w.text(row.latestEvidenceVerdict?.rawValue)
        w.day(row.latestEvidenceDate)
        w.moment(row.latestEvidenceReceivedAt)
        w.integer(row.latestEvidenceSHA256.count)
        for hash in row.latestEvidenceSHA256 { w.text(hash) }
        w.day(row.assuredOn)
        w.day(row.closedOn)
        w.day(row.latestUpdateDate)
        w.text(row.latestUpdateRAG?.rawValue)
        w.text(row.latestUpdateText)
        w.text(row.delayReason)
        w.day(row.delayExpectedDate)
        swap(&w.out, &out)
        let length = UInt32(out.count - start - 4)
        withUnsafeBytes(of: length.littleEndian) { bytes in
            for (offset, byte) in bytes.enumerated() { out[start + offset] = byte }
        }
    }

    /// The length of the record starting at `start`, if its length is all there.
    static func length(in bytes: UnsafeRawBufferPointer, at start: Int) -> Int? {
        guard bytes.count - start >= 4 else { return nil }
        return Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
    }

    /// Reads the record whose fields are `bytes` (its length already taken off).
    static func read(_ bytes: UnsafeRawBufferPointer) throws -> ComplianceRow {
        var r = Reader(bytes: bytes)
        let row = ComplianceRow(
            reviewReference: try r.text(), reviewTitle: try r.text(), reviewKind: try r.value(), recommendationNumber: try r.text(),
            recommendationText: try r.text(), scope: try r.value(), recommendationStatus: try r.value(), partner: try r.optionalText(),
            role: try r.optionalValue(), leadOfficer: try r.optionalText(), action: try r.optionalText(), originalDueDate: try r.day(),
            currentDueDate: try r.day(), status: try r.optionalValue(), overdueDays: try r.integer(), latestEvidenceKind: try r.optionalValue(),
            latestEvidenceVerdict: try r.optionalValue(), latestEvidenceDate: try r.day(), latestEvidenceReceivedAt: try r.moment(),
            latestEvidenceSHA256: try (0..<r.integer()).map { _ in try r.text() }, assuredOn: try r.day(), closedOn: try r.day(),
            latestUpdateDate: try r.day(), latestUpdateRAG: try r.optionalValue(), latestUpdateText: try r.optionalText(),
            delayReason: try r.optionalText(), delayExpectedDate: try r.day())
        guard r.at == bytes.count else { throw Damaged() }
        return row
    }

    /// A record that does not read back as it was written: the file was changed or cut short.
    struct Damaged: Error {}

    struct Writer {
        var out: [UInt8]

        mutating func text(_ value: String?) {
            guard var value else {
                out.append(0)
                return
            }
            out.append(1)
            value.withUTF8 { utf8 in
                fixed(UInt32(utf8.count))
                out.append(contentsOf: utf8)
            }
        }

        mutating func day(_ value: Day?) { integer(value.map(\.daysSinceEpoch) ?? Int(Int32.min)) }

        mutating func moment(_ value: Date?) {
            guard let value else {
                out.append(0)
                return
            }
            out.append(1)
            fixed(value.timeIntervalSince1970.bitPattern)
        }

        mutating func integer(_ value: Int) { fixed(Int64(value)) }

        mutating func fixed<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var at = 0

        mutating func optionalText() throws -> String? {
            let present = try fixed(UInt8.self)
            guard present == 1 else {
                if present == 0 { return nil }
                throw Damaged()
            }
            let count = Int(try fixed(UInt32.self))
            guard bytes.count - at >= count else { throw Damaged() }
            defer { at += count }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<at + count]), as: UTF8.self)
        }

        mutating func text() throws -> String {
            guard let text = try optionalText() else { throw Damaged() }
            return text
        }

        mutating func optionalValue<T: RawRepresentable>() throws -> T? where T.RawValue == String {
            guard let raw = try optionalText() else { return nil }
            guard let value = T(rawValue: raw) else { throw Damaged() }
            return value
        }

        mutating func value<T: RawRepresentable>() throws -> T where T.RawValue == String {
            guard let value: T = try optionalValue() else { throw Damaged() }
            return value
        }

        mutating func day() throws -> Day? {
            let number = try integer()
            return number == Int(Int32.min) ? nil : Day(daysSinceEpoch: number)
        }

        mutating func moment() throws -> Date? {
            guard try fixed(UInt8.self) == 1 else { return nil }
            return Date(timeIntervalSince1970: Double(bitPattern: try fixed(UInt64.self)))
        }

        mutating func integer() throws -> Int { Int(try fixed(Int64.self)) }

        mutating func fixed<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let size = MemoryLayout<T>.size
            guard bytes.count - at >= size else { throw Damaged() }
            defer { at += size }
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: T.self))
        }
    }
}
