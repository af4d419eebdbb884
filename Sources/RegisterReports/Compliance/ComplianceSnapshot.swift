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
public struct ComplianceSnapshot: Sendable {
    let folder: TemporaryFolder
    let file: URL
    /// Lines in the report.
    public let rows: Int

    /// Reads the report's rows into a new private file.
    public static func take(_ store: ReportStore, filter: ReportFilter, asAt: AsAt?, today: Day) async throws -> ComplianceSnapshot {
        let folder = try TemporaryFolder()
        let file = folder.url.appendingPathComponent("rows")
        let handle = try TemporaryFolder.privateFile(file)
        defer { try? handle.close() }
        var pending: [UInt8] = []
        pending.reserveCapacity(Self.chunkSize + 8 * 1024)
        var rows = 0
        try await store.compliance(filter, asAt: asAt, today: today) { row in
            SnapshotRecord.append(row, to: &pending)
            rows += 1
            if pending.count >= Self.chunkSize {
                try handle.write(contentsOf: pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: pending)
        return ComplianceSnapshot(folder: folder, file: file, rows: rows)
    }

    /// Hands every row to `row`, in report order. Touches no database.
    public func replay(_ row: (ComplianceRow) async throws -> Void) async throws {
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
