import Crypto
import Foundation
import NIOCore
import PostgresNIO
import RegisterDomain
@testable import RegisterStore
import RegisterTestSupport
import Testing

/// Evidence files on their way in: private temporary files, checked and hashed as they arrive.
@Suite("Receiving evidence files", .serialized)
struct UploadStagingTests {
    private func mode(_ url: URL) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber).intValue
    }

    @Test("temporary folders are 0700 and their files 0600; a file is never made over something already there")
    func privateFiles() throws {
        let folder = try TemporaryFolder()
        #expect(try mode(folder.url) == 0o700)
        let file = folder.url.appendingPathComponent("a")
        let handle = try TemporaryFolder.privateFile(file)
        try handle.write(contentsOf: Data("x".utf8))
        try handle.close()
        #expect(try mode(file) == 0o600)
        // Neither an existing file nor a link planted in a file's place is followed or reused.
        #expect(throws: (any Error).self) { try TemporaryFolder.privateFile(file) }
        let link = folder.url.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: folder.url.appendingPathComponent("target"))
        #expect(throws: (any Error).self) { try TemporaryFolder.privateFile(link) }
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("target").path))
    }

    @Test("folders a killed server left behind are swept when a day old, others are left alone")
    func sweep() throws {
        let old = try TemporaryFolder()
        let fresh = try TemporaryFolder()
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -2 * 24 * 3600)], ofItemAtPath: old.url.path)
        #expect(TemporaryFolder.sweep() >= 1)
        #expect(!FileManager.default.fileExists(atPath: old.url.path))
        #expect(FileManager.default.fileExists(atPath: fresh.url.path))
    }

    @Test("files of every size around the type check and the chunk size arrive byte for byte with their SHA-256", arguments: [
        1, 4095, 4096, 4097, 256 * 1024, 600 * 1024 + 7,
    ])
    func bytesAndDigest(size: Int) async throws {
        let upload = try EvidenceUpload(maxBytes: 1 << 24)
        var bytes = Array("%PDF-1.4\n".utf8)
        while bytes.count < size { bytes.append(UInt8(truncatingIfNeeded: bytes.count &* 31)) }
        bytes = Array(bytes.prefix(max(size, 1)))
        let writer = try upload.beginFile(named: "C:\\Users\\me\\report.pdf")
        // In odd pieces, as a network delivers them.
        var offset = 0
        var piece = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            try await writer.write(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
            piece = piece * 3 + 1
        }
        if size < 5 {
            // Too short to be a PDF by its content.
            await #expect(throws: DomainError.self) { _ = try await writer.finish() }
            return
        }
        let file = try await writer.finish()
        let received = try #require(upload.received.first)
        #expect(file.name == "report.pdf" && file.mediaType == "application/pdf" && file.sizeBytes == Int64(bytes.count))
        #expect(file.sha256 == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
        #expect(try Data(contentsOf: received.url) == Data(bytes))
        #expect(try mode(received.url) == 0o600)
        let folder = upload.folder.url
        upload.discard()
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test("a refused file or a released upload leaves no temporary folder")
    func nothingLeftBehind() async throws {
        var folder: URL?
        do {
            let upload = try EvidenceUpload(maxBytes: 1 << 20)
            folder = upload.folder.url
            let writer = try upload.beginFile(named: "photo.png")
            await #expect(throws: DomainError.self) { try await writer.write(ByteBuffer(bytes: Array(repeating: 0x41, count: 5000))) }
        }
        #expect(folder != nil && !FileManager.default.fileExists(atPath: folder!.path))
        do {
            let upload = try EvidenceUpload(maxBytes: 10)
            folder = upload.folder.url
            let writer = try upload.beginFile(named: "a.txt")
            await #expect(throws: DomainError.tooLarge(limitBytes: 10)) { try await writer.write(ByteBuffer(string: "more than ten bytes")) }
        }
        #expect(!FileManager.default.fileExists(atPath: folder!.path))
    }

    /// How a staged file is changed after it was received and hashed, before it is stored.
    enum Tampering: String, CaseIterable, Sendable {
        case sameLength, longer, shorter

        func apply(to url: URL) throws {
            var bytes = try Data(contentsOf: url)
            switch self {
            case .sameLength: bytes[bytes.count - 2] ^= 0xFF
            case .longer: bytes.append(contentsOf: Data(" appended".utf8))
            case .shorter: bytes.removeLast(3)
            }
            try bytes.write(to: url)
        }
    }

    @Test("a staged file changed between receipt and storing is refused, and nothing of the submission is stored", arguments: Tampering.allCases)
    func changedBeforeStoring(_ tampering: Tampering) async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (_, review) = try await seedReview(database)
                let recommendation = try await RecommendationStore(database: database).create(
                    in: review.id, RecommendationDetails(number: "1", text: "Share information.", scope: .local), today: today, context: context())
                let partner = try await PartnerStore(database: database).create(PartnerDetails(name: "Staging Police", sector: .police), context: context())
                let user = try await AccountStore(database: database).createUser(
                    NewUser(email: "staging@example.org", name: "Staging partner", role: .partner, partnerID: partner.id),
                    bcrypt: "$2b$12$" + String(repeating: "a", count: 53), context: context())
                let assignments = AssignmentStore(database: database)
                let assignment = try await assignments.create(
                    for: recommendation.id, AssignmentDetails(partnerID: partner.id, role: .lead, action: "Audit sharing.", dueDate: Day(iso: "2026-12-31")!),
                    today: today, context: context())
                let partnerContext = WriteContext(actor: Principal(user: user), requestID: "tampered", logger: TestDatabase.logger)
                var pdf = Array("%PDF-1.4\n".utf8)
                // Larger than one stored chunk, so some chunks are written before the change is found.
                while pdf.count < ReceivedFile.chunkBytes + 4097 { pdf.append(UInt8(truncatingIfNeeded: pdf.count &* 13)) }
                let bytes = pdf
                var staged: URL?
                await #expect(throws: ReceivedFileChanged.self) {
                    _ = try await EvidenceStore(database: database).submit(
                        to: assignment.id, idempotencyKey: "tampered-\(tampering)", maxBytes: 1 << 24, today: today, context: partnerContext
                    ) { upload in
                        let writer = try upload.beginFile(named: "audit.pdf")
                        try await writer.write(ByteBuffer(bytes: bytes))
                        _ = try await writer.finish()
                        let received = try #require(upload.received.first)
                        staged = received.url
                        // Received and hashed; then changed on disk before the transaction reads it.
                        try tampering.apply(to: received.url)
                        return EvidenceSubmission(summary: "Audit", kind: .outcome, effectiveDate: today)
                    }
                }
                // Nothing of the submission is stored: no evidence row, no file row, no chunk, no
                // status change; and the staged file is gone.
                #expect(try await EvidenceStore(database: database).list(EvidenceFilter(assignmentID: assignment.id), page: PageRequest()).items.isEmpty)
                let counts = try await database.read { c in
                    try await c.query(
                        "SELECT (SELECT count(*) FROM register.evidence_files)::int, (SELECT count(*) FROM files.chunks)::int",
                        logger: TestDatabase.logger
                    ).collect()[0].decode((Int, Int).self)
                }
                #expect(counts == (0, 0))
                #expect(try await assignments.get(assignment.id, today: today).state.status == assignment.state.status)
                #expect(staged != nil && !FileManager.default.fileExists(atPath: staged!.path))
                // The same file, untouched, is stored whole under the same key: the refusal kept nothing.
                let (evidence, replayed) = try await EvidenceStore(database: database).submit(
                    to: assignment.id, idempotencyKey: "tampered-\(tampering)", maxBytes: 1 << 24, today: today, context: partnerContext
                ) { upload in
                    let writer = try upload.beginFile(named: "audit.pdf")
                    try await writer.write(ByteBuffer(bytes: bytes))
                    _ = try await writer.finish()
                    return EvidenceSubmission(summary: "Audit", kind: .outcome, effectiveDate: today)
                }
                #expect(!replayed && evidence.files.map(\.sha256) == [SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()])
            }
        }
    }

    @Test("a server receives at most maxInProgress uploads at once; one more is told to come back")
    func slots() throws {
        // A set of places of its own, as the server's would be: other tests in this process upload meanwhile.
        let places = EvidenceUpload.UploadPlaces(limit: EvidenceUpload.maxInProgress)
        var held = try (0..<EvidenceUpload.maxInProgress).map { _ in try EvidenceUpload(maxBytes: 1, places: places) }
        #expect(throws: DomainError.self) { _ = try EvidenceUpload(maxBytes: 1, places: places) }
        do {
            _ = try EvidenceUpload(maxBytes: 1, places: places)
        } catch DomainError.busy(let message) {
            #expect(message.contains("send the evidence again"))
        }
        // A refusal gives back no place it never took, and places come back when uploads end.
        #expect(places.taken.withLock { $0 } == EvidenceUpload.maxInProgress)
        let folders = held.map(\.folder.url)
        held.removeAll()
        #expect(folders.allSatisfy { !FileManager.default.fileExists(atPath: $0.path) })
        #expect(places.taken.withLock { $0 } == 0)
        _ = try EvidenceUpload(maxBytes: 1, places: places)
    }
}
