import Crypto
import Foundation
import NIOCore
import PostgresNIO
import RegisterDomain

/// Reads a stored file's pieces (`files.chunks`, 256 KiB each) for a download or an evidence pack.
///
/// Pieces are read a few at a time, each batch over a pooled connection leased for that one query
/// and given back before the bytes go on. A download that waits on a slow client therefore holds no
/// database connection while it waits (only the batch in memory, at most `piecesPerLease` pieces):
/// however many such downloads are open, the rest of the register keeps its connections. A piece
/// is never changed once stored (the database refuses it), so reading a file in several short reads
/// gives the same bytes as one long one.
public struct StoredFileReader: Sendable {
    let database: Database
    /// Pieces read per connection lease: 1 MiB.
    static let piecesPerLease = 4

    public init(database: Database) { self.database = database }

    /// The file's pieces in order, as stored.
    public func pieces(of fileID: UUID, logger: Logger, to write: (ByteBuffer) async throws -> Void) async throws {
        var next = 0
        while true {
            let from = next
            let batch = try await database.read(logger: logger) { c in
                try await Rows.all(
                    c.query(
                        """
                        SELECT seq, data FROM files.chunks WHERE file_id = \(fileID) AND seq >= \(from)
                        ORDER BY seq LIMIT \(Self.piecesPerLease)
                        """, logger: logger)
                ) { (try $0.get("seq", as: Int.self), try $0.get("data", as: ByteBuffer.self)) }
            }
            for (seq, data) in batch {
                guard seq == next else { throw StoredFileMismatch(fileID: fileID, problem: "piece \(next) is missing") }
                try await write(data)
                next += 1
            }
            if batch.count < Self.piecesPerLease { return }
        }
    }

    /// The file's bytes, re-hashed as they go and checked against the size and SHA-256 recorded when
    /// it arrived. The last piece is held back until the whole file is known to match: a client never
    /// receives a complete file that differs from the one recorded. On a difference this throws
    /// `StoredFileMismatch` before the last piece is written, so the download ends short, with an error.
    public func verified(_ file: EvidenceFile, logger: Logger, to write: (ByteBuffer) async throws -> Void) async throws {
        var hasher = SHA256()
        var size: Int64 = 0
        var held: ByteBuffer?
        try await pieces(of: file.id, logger: logger) { piece in
            size += Int64(piece.readableBytes)
            guard size <= file.sizeBytes else {
                throw StoredFileMismatch(fileID: file.id, problem: "its pieces hold more than the \(file.sizeBytes) bytes recorded")
            }
            piece.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            if let held { try await write(held) }
            held = piece
        }
        guard size == file.sizeBytes else {
            throw StoredFileMismatch(fileID: file.id, problem: "its pieces hold \(size) bytes where \(file.sizeBytes) were recorded")
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard digest == file.sha256 else {
            throw StoredFileMismatch(fileID: file.id, problem: "its SHA-256 is \(digest) where \(file.sha256) was recorded")
        }
        if let held { try await write(held) }
    }
}

/// A stored file's bytes are not those recorded when it arrived: changed outside the register (the
/// database refuses any change to a stored piece). Whatever was being sent is stopped.
public struct StoredFileMismatch: Error, CustomStringConvertible {
    public var fileID: UUID
    public var problem: String
    public var description: String { "stored evidence file \(fileID) does not match what was recorded: \(problem)" }
}
