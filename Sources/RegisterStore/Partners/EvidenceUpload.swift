import Crypto
import Foundation
import NIOCore
import PostgresNIO
import RegisterDomain

/// The files of one evidence submission as they arrive, written into the submission's transaction.
///
/// Each file is streamed: its first bytes decide its type (refused unless a document or image
/// whose content matches its name), the SHA-256 is computed as bytes pass, and the bytes go to
/// the database in chunks, so memory holds at most one chunk per upload however large the file.
public final class EvidenceUpload {
    let connection: PostgresConnection
    let logger: Logger
    let evidenceID: UUID
    /// Most bytes of files one submission may carry (MAX_UPLOAD_BYTES).
    public let maxBytes: Int64
    var totalBytes: Int64 = 0
    public private(set) var files: [EvidenceFile] = []
    /// Most files one submission may carry.
    public static let maxFiles = 20

    init(connection: PostgresConnection, logger: Logger, evidenceID: UUID, maxBytes: Int64) {
        self.connection = connection
        self.logger = logger
        self.evidenceID = evidenceID
        self.maxBytes = maxBytes
    }

    /// Starts the next file. `name` is the name the partner's computer gave it (any folder part is dropped).
    public func beginFile(named rawName: String) throws -> EvidenceFileWriter {
        guard files.count < Self.maxFiles else {
            throw ValidationError(field: "files", message: "one submission may carry at most \(Self.maxFiles) files; send the rest as another submission")
        }
        let name = Self.baseName(rawName)
        var v = Validator()
        v.text(name, field: "files[\(files.count)].name", max: 255)
        try v.check()
        return EvidenceFileWriter(upload: self, name: name, position: files.count + 1)
    }

    func finished(_ file: EvidenceFile) { files.append(file) }

    /// "C:\\Users\\me\\report.pdf" → "report.pdf".
    static func baseName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? raw
        return last.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// One file of an upload, being written.
public final class EvidenceFileWriter {
    private let upload: EvidenceUpload
    private let name: String
    private let position: Int
    private let id = UUID.v7()
    private var hasher = SHA256()
    private var size: Int64 = 0
    private var type: FileType?
    private var pending = ByteBuffer()
    private var chunks = 0
    /// Bytes sent to the database per row.
    static let chunkBytes = 256 * 1024

    init(upload: EvidenceUpload, name: String, position: Int) {
        self.upload = upload
        self.name = name
        self.position = position
    }

    /// Takes the next bytes of the file.
    public func write(_ bytes: ByteBuffer) async throws {
        size += Int64(bytes.readableBytes)
        upload.totalBytes += Int64(bytes.readableBytes)
        if upload.totalBytes > upload.maxBytes { throw DomainError.tooLarge(limitBytes: upload.maxBytes) }
        bytes.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        var bytes = bytes
        pending.writeBuffer(&bytes)
        if type == nil, pending.readableBytes >= FileType.prefixLength { try detect() }
        if type != nil, pending.readableBytes >= Self.chunkBytes { try await flush() }
    }

    /// Ends the file: checks it, writes what is left and records its name, type, size and SHA-256.
    public func finish() async throws -> EvidenceFile {
        guard size > 0 else {
            throw ValidationError(field: "files[\(position - 1)]", message: "'\(name)' is empty; attach the file itself")
        }
        if type == nil { try detect() }
        try await flush()
        let digest = Data(hasher.finalize())
        let file = EvidenceFile(
            id: id, name: name, mediaType: type!.mediaType, sizeBytes: size, sha256: digest.map { String(format: "%02x", $0) }.joined())
        try await upload.connection.run(
            """
            INSERT INTO register.evidence_files (id, evidence_id, position, name, media_type, size_bytes, sha256)
            VALUES (\(id), \(upload.evidenceID), \(position), \(name), \(file.mediaType), \(size), \(ByteBuffer(bytes: digest)))
            """, logger: upload.logger)
        upload.finished(file)
        return file
    }

    private func detect() throws {
        let prefix = pending.getBytes(at: pending.readerIndex, length: min(pending.readableBytes, FileType.prefixLength)) ?? []
        type = try FileType.detect(name: name, prefix: prefix)
    }

    private func flush() async throws {
        while pending.readableBytes > 0 {
            let chunk = pending.readSlice(length: min(pending.readableBytes, Self.chunkBytes))!
            try await upload.connection.run(
                "INSERT INTO files.chunks (file_id, seq, data) VALUES (\(id), \(chunks), \(chunk))", logger: upload.logger)
            chunks += 1
        }
        pending.discardReadBytes()
    }
}
