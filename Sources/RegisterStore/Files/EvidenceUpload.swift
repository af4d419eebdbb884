import Crypto
import Foundation
import NIOCore
import PostgresNIO
import RegisterDomain
import Synchronization

/// The files of one evidence submission as they arrive.
///
/// Each file is streamed to a private temporary file: its first bytes decide its type (refused
/// unless a document or image whose content matches its name) and its SHA-256 is computed as the
/// bytes pass, so memory holds a few kilobytes however large the file. Nothing touches the database
/// while the client is still sending: a slow connection holds no database connection and no
/// transaction open. `EvidenceStore.submit` then stores the received files in one short transaction.
public final class EvidenceUpload {
    let folder: TemporaryFolder
    /// Most bytes of files one submission may carry (MAX_UPLOAD_BYTES).
    public let maxBytes: Int64
    /// How slowly the upload may arrive before it is ended.
    public let pace: UploadPace
    var totalBytes: Int64 = 0
    private(set) var received: [ReceivedFile] = []
    private let personSlot: PersonSlot?
    private let slot: Slot
    /// Most files one submission may carry.
    public static let maxFiles = 20
    /// Most uploads one server receives at once: each may hold MAX_UPLOAD_BYTES in the temporary
    /// folder until it is stored. One more is refused (503, try again) rather than fill the disk.
    public static let maxInProgress = 16
    /// Most uploads one person sends at once, to every server on the database together
    /// (`PersonSlot`), so that nobody takes the places alone. One more is refused (429, try again
    /// once one has finished).
    public static let maxPerPerson = 3

    /// `personal` is the place of whoever sends it (`PersonSlot.take`); an upload made for no one
    /// (demo data) has no personal limit. `places` are the running service's (its `EvidenceStore`
    /// holds them); an upload made on its own (demo data, tests) has a set of its own.
    init(maxBytes: Int64, pace: UploadPace = .standard, personal: PersonSlot? = nil, places: UploadPlaces = UploadPlaces(limit: maxInProgress)) throws {
        self.personSlot = personal
        self.slot = try Slot(places)
        self.folder = try TemporaryFolder()
        self.maxBytes = maxBytes
        self.pace = pace
    }

    /// Begins an upload sent by `person` (nil: by nobody, with no personal limit): their place
    /// first, then one of this server's.
    static func begin(
        maxBytes: Int64, pace: UploadPace, person: UUID?, places: UploadPlaces, database: Database, context: WriteContext
    ) async throws -> EvidenceUpload {
        var personal: PersonSlot?
        if let person { personal = try await PersonSlot.take(person, database: database, context: context) }
        return try EvidenceUpload(maxBytes: maxBytes, pace: pace, personal: personal, places: places)
    }

    /// One of a person's `maxPerPerson` places, held for as long as the upload exists: a row of
    /// `auth.upload_places` (migration 24), so that the limit holds across every server on the
    /// database. While it is held the row's expiry is moved on, every `renewal`, by `lease`; a
    /// server that dies leaves rows that expire within `lease`, and the next claim sweeps them.
    final class PersonSlot: Sendable {
        let id: UUID
        let person: UUID
        private let database: Database
        private let context: WriteContext
        private let keeper: Task<Void, Never>

        static let lease = Duration.seconds(30)
        static let renewal = Duration.seconds(10)
        /// Places this server is giving back (`deinit` starts the deletion), by person and place.
        /// The person's next claim here waits for them, so someone sending one upload after
        /// another is never refused because of their own last one.
        static let givingBack = Mutex<[UUID: [UUID: Task<Void, Never>]]>([:])

        /// Takes one of `person`'s places, or throws `tooManyAtOnce` (429) when all are taken.
        static func take(_ person: UUID, database: Database, context: WriteContext) async throws -> PersonSlot {
            for earlier in givingBack.withLock({ Array(($0[person] ?? [:]).values) }) { await earlier.value }
            let id = UUID.v7()
            let taken = try await database.write(context) { c in
                // One claim per person at a time, on every server: the count below then sees every
                // place taken before it (READ COMMITTED takes a new snapshot for each statement).
                try await c.run("SELECT pg_advisory_xact_lock(hashtextextended(\("upload places " + person.uuidString.lowercased()), 0))", logger: context.logger)
                try await c.run("DELETE FROM auth.upload_places WHERE user_id = \(person) AND expires_at < now()", logger: context.logger)
                return try await Rows.first(
                    c.query(
                        """
                        INSERT INTO auth.upload_places (id, user_id, expires_at)
                        SELECT \(id), \(person), now() + make_interval(secs => \(Self.seconds(lease)))
                        WHERE (SELECT count(*) FROM auth.upload_places WHERE user_id = \(person)) < \(EvidenceUpload.maxPerPerson)
                        RETURNING id
                        """, logger: context.logger)
                ) { try $0.get("id", as: UUID.self) } != nil
            }
            guard taken else {
                throw DomainError.tooManyAtOnce(
                    "You are already sending \(EvidenceUpload.maxPerPerson) uploads, as many as one person may at once. Nothing was stored; send this one again when one of them has finished.",
                    retryAfterSeconds: 10)
            }
            return PersonSlot(id: id, person: person, database: database, context: context)
        }

        private init(id: UUID, person: UUID, database: Database, context: WriteContext) {
            (self.id, self.person, self.database, self.context) = (id, person, database, context)
            self.keeper = Task {
                while (try? await Task.sleep(for: Self.renewal)) != nil {
                    _ = try? await database.write(context) { c in
                        try await c.run(
                            "UPDATE auth.upload_places SET expires_at = now() + make_interval(secs => \(Self.seconds(Self.lease))) WHERE id = \(id)",
                            logger: context.logger)
                    }
                }
            }
        }

        /// Gives the place back (the upload has ended, however it ended). A give-back that fails
        /// (the database unreachable) leaves the row to expire.
        deinit {
            keeper.cancel()
            let (database, context, id, person) = (database, context, id, person)
            Self.givingBack.withLock { pending in
                pending[person, default: [:]][id] = Task {
                    _ = try? await database.write(context) { c in
                        try await c.run("DELETE FROM auth.upload_places WHERE id = \(id)", logger: context.logger)
                    }
                    Self.givingBack.withLock { pending in
                        pending[person]?[id] = nil
                        if pending[person]?.isEmpty == true { pending[person] = nil }
                    }
                }
            }
        }

        static func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) }
    }

    /// The places uploads take on one server: at most `limit` at once.
    final class UploadPlaces: Sendable {
        let limit: Int
        let taken = Mutex(0)

        init(limit: Int) { self.limit = limit }
    }

    /// One of the server's places, held for as long as the upload exists.
    final class Slot {
        /// Set only once the place is taken. An object whose every stored property is set runs its
        /// `deinit` even when its initialiser then throws: without this, each refusal would give back a
        /// place it never took, and the limit would creep up.
        private let places: UploadPlaces

        init(_ places: UploadPlaces) throws {
            let taken = places.taken.withLock { count -> Bool in
                guard count < places.limit else { return false }
                count += 1
                return true
            }
            guard taken else {
                throw DomainError.busy("The register is receiving as many uploads as it takes at once (\(places.limit)). Nothing was stored; send the evidence again in a minute.")
            }
            self.places = places
        }

        deinit { places.taken.withLock { $0 -= 1 } }
    }

    /// Starts the next file. `name` is the name the partner's computer gave it (any folder part is dropped).
    public func beginFile(named rawName: String) throws -> EvidenceFileWriter {
        guard received.count < Self.maxFiles else {
            throw ValidationError(field: "files", message: "one submission may carry at most \(Self.maxFiles) files; send the rest as another submission")
        }
        let name = Self.baseName(rawName)
        var v = Validator()
        v.text(name, field: "files[\(received.count)].name", max: 255)
        try v.check()
        let position = received.count + 1
        return try EvidenceFileWriter(upload: self, name: name, position: position, at: folder.url.appendingPathComponent("file-\(position)"))
    }

    func finished(_ file: ReceivedFile) { received.append(file) }

    /// Removes the received files (also done when the upload is released).
    func discard() { folder.remove() }

    /// "C:\\Users\\me\\report.pdf" → "report.pdf".
    static func baseName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? raw
        return last.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A file received whole: what will be recorded of it, and where its bytes wait.
struct ReceivedFile {
    var file: EvidenceFile
    var position: Int
    var url: URL
    var sha256: Data

    /// Bytes sent to the database per row of `files.chunks`.
    static let chunkBytes = 256 * 1024

    /// Writes the file into the submission's transaction: its bytes in chunks, re-hashed on the way
    /// (what is stored must be what arrived), then the row the audit trail records.
    func store(evidenceID: UUID, on c: DatabaseConnection, logger: Logger) async throws {
        try await storePieces(on: c, logger: logger)
        try await c.run(
            """
            INSERT INTO register.evidence_files (id, evidence_id, position, name, media_type, size_bytes, sha256)
            VALUES (\(file.id), \(evidenceID), \(position), \(file.name), \(file.mediaType), \(file.sizeBytes), \(ByteBuffer(bytes: sha256)))
            """, logger: logger)
    }

    /// The file's bytes into the sealed store (`files.chunks`), re-hashed on the way. Every kind of
    /// stored file (evidence, an answer's, a review's document) goes through here; the caller then
    /// writes its own row, which seals the file (migration 17 keeps the one list of such tables).
    func storePieces(on c: DatabaseConnection, logger: Logger) async throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        var seq = 0
        while let data = try handle.read(upToCount: Self.chunkBytes), !data.isEmpty {
            hasher.update(data: data)
            try await c.run("INSERT INTO files.chunks (file_id, seq, data) VALUES (\(file.id), \(seq), \(ByteBuffer(bytes: data)))", logger: logger)
            seq += 1
        }
        guard Data(hasher.finalize()) == sha256 else {
            logger.error("a received evidence file changed in the temporary folder before it was stored", metadata: ["file": "\(url.path)"])
            throw ReceivedFileChanged(name: file.name)
        }
    }
}

/// A received file's bytes differ from those hashed as they arrived: something changed it in the
/// temporary folder. Nothing is stored; the server answers with its own error (500), not the client's.
struct ReceivedFileChanged: Error, CustomStringConvertible {
    var name: String
    var description: String { "the received file '\(name)' changed before it was stored" }
}

/// One file of an upload, being received.
public final class EvidenceFileWriter {
    private let upload: EvidenceUpload
    private let name: String
    private let position: Int
    private let url: URL
    private let handle: FileHandle
    private let id = UUID.v7()
    private var hasher = SHA256()
    private var size: Int64 = 0
    private var type: FileType?
    /// The first bytes, kept until there are enough to tell the file's type.
    private var prefix = ByteBuffer()

    init(upload: EvidenceUpload, name: String, position: Int, at url: URL) throws {
        self.upload = upload
        self.name = name
        self.position = position
        self.url = url
        self.handle = try TemporaryFolder.privateFile(url)
    }

    /// Takes the next bytes of the file.
    public func write(_ bytes: ByteBuffer) async throws {
        size += Int64(bytes.readableBytes)
        upload.totalBytes += Int64(bytes.readableBytes)
        if upload.totalBytes > upload.maxBytes { throw DomainError.tooLarge(limitBytes: upload.maxBytes) }
        bytes.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        if type == nil {
            var bytes = bytes
            prefix.writeBuffer(&bytes)
            if prefix.readableBytes >= FileType.prefixLength { try detect() }
        } else {
            try handle.write(contentsOf: bytes.readableBytesView)
        }
    }

    /// Ends the file: checks it and keeps its name, type, size and SHA-256 for the submission.
    public func finish() async throws -> EvidenceFile {
        guard size > 0 else {
            throw ValidationError(field: "files[\(position - 1)]", message: "'\(name)' is empty; attach the file itself")
        }
        if type == nil { try detect() }
        try handle.close()  // also closed when the writer goes, if it never gets here
        let digest = Data(hasher.finalize())
        let file = EvidenceFile(
            id: id, name: name, mediaType: type!.mediaType, sizeBytes: size, sha256: digest.map { String(format: "%02x", $0) }.joined())
        upload.finished(ReceivedFile(file: file, position: position, url: url, sha256: digest))
        return file
    }

    /// Decides the type from the first bytes, then writes them out.
    private func detect() throws {
        let first = prefix.getBytes(at: prefix.readerIndex, length: min(prefix.readableBytes, FileType.prefixLength)) ?? []
        type = try FileType.detect(name: name, prefix: first)
        try handle.write(contentsOf: prefix.readableBytesView)
        prefix = ByteBuffer()
    }
}
