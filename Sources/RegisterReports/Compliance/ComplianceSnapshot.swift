import Foundation
import RegisterDomain
import RegisterStore

/// The compliance report's rows, taken from PostgreSQL by one statement into a private temporary
/// file, then replayed from the file as often as a writer needs.
///
/// Why a file and not the database's result stream: a download goes as fast as the client reads,
/// and a client that reads slowly (or not at all) must not hold one of the pool's few connections
/// meanwhile. Reading into a file holds a connection only as long as PostgreSQL takes to produce
/// the rows (local disk is far faster than any client), and the file is one consistent snapshot:
/// one statement sees the register at one moment, as at a past day or live. Batches by key would
/// re-run the report's joins (or the audit trail's rebuild of a past day) once per batch and, live,
/// could mix moments; an exported snapshot would need its exporting transaction, and so its
/// connection, kept open for the whole download.
///
/// Memory stays flat: rows pass one at a time to the file and back. The file is removed when the
/// snapshot is no longer referenced (a finished, refused or abandoned download).
///
/// A report written in one pass (CSV, JSON) is written into the file as the rows arrive, while
/// PostgreSQL is still producing the next ones, and sent from it as it is (`written`). The printable
/// report needs two passes (its totals come first), so its file keeps the rows themselves, as
/// `SnapshotRecord`s, to be replayed (`take`).
public struct ComplianceSnapshot: Sendable {
    let folder: TemporaryFolder
    let file: URL
    /// Lines in the report.
    public let rows: Int
    /// Whether the file holds the report itself, already written, rather than its rows.
    public let isWritten: Bool

    /// Reads the report's rows into a new private file, to be replayed.
    public static func take(_ store: ReportStore, filter: ReportFilter, asAt: AsAt?, today: Day) async throws -> ComplianceSnapshot {
        try await fill(store, filter: filter, asAt: asAt, today: today, isWritten: false) { row, out in SnapshotRecord.append(row, to: &out) }
    }

    /// Writes the report with `writer` into a new private file, to be sent as it is.
    public static func written(
        _ store: ReportStore, filter: ReportFilter, asAt: AsAt?, today: Day, writer: some ComplianceWriter
    ) async throws -> ComplianceSnapshot {
        var writer = writer
        var head: [UInt8] = []
        writer.begin(into: &head)
        return try await fill(store, filter: filter, asAt: asAt, today: today, isWritten: true, head: head, tail: { writer.end(into: &$0) }) { row, out in
            writer.row(row, into: &out)
        }
    }

    private static func fill(
        _ store: ReportStore, filter: ReportFilter, asAt: AsAt?, today: Day, isWritten: Bool, head: [UInt8] = [],
        tail: (inout [UInt8]) -> Void = { _ in }, append: (ComplianceRow, inout [UInt8]) -> Void
    ) async throws -> ComplianceSnapshot {
        let folder = try TemporaryFolder()
        let file = folder.url.appendingPathComponent(isWritten ? "report" : "rows")
        let handle = try TemporaryFolder.privateFile(file)
        defer { try? handle.close() }
        var pending = head
        pending.reserveCapacity(Self.chunkSize + 8 * 1024)
        var rows = 0
        try await store.compliance(filter, asAt: asAt, today: today) { row in
            append(row, &pending)
            rows += 1
            if pending.count >= Self.chunkSize {
                try handle.write(contentsOf: pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        tail(&pending)
        try handle.write(contentsOf: pending)
        return ComplianceSnapshot(folder: folder, file: file, rows: rows, isWritten: isWritten)
    }

    /// Hands the written report to `emit` in pieces of 64 KiB. Touches no database.
    public func send(_ emit: ([UInt8]) async throws -> Void) async throws {
        precondition(isWritten, "a snapshot of rows is replayed, not sent")
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        while let data = try handle.read(upToCount: Self.chunkSize), !data.isEmpty {
            try await emit(Array(data))
        }
    }

    /// Hands every row to `row`, in report order. Touches no database.
    public func replay(_ row: (ComplianceRow) async throws -> Void) async throws {
        precondition(!isWritten, "a written report is sent, not replayed")
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        var ended = false
        while !ended {
            if let data = try handle.read(upToCount: Self.chunkSize), !data.isEmpty {
                buffer.append(contentsOf: data)
            } else {
                ended = true
            }
            // Every whole record in the buffer, then keep the part of the next one.
            var rows: [ComplianceRow] = []
            let used = try buffer.withUnsafeBytes { bytes in
                var start = 0
                while let length = SnapshotRecord.length(in: bytes, at: start), bytes.count - start - 4 >= length {
                    rows.append(try SnapshotRecord.read(UnsafeRawBufferPointer(rebasing: bytes[start + 4..<start + 4 + length])))
                    start += 4 + length
                }
                return start
            }
            buffer.removeSubrange(0..<used)
            for r in rows { try await row(r) }
        }
        guard buffer.isEmpty else { throw SnapshotRecord.Damaged() }
    }

    /// Removes the file now, rather than when the last reference goes.
    public func discard() { folder.remove() }

    static let chunkSize = 64 * 1024
}
