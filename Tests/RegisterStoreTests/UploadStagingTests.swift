import Crypto
import Foundation
import NIOCore
import RegisterDomain
@testable import RegisterStore
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

    @Test("a server receives at most maxInProgress uploads at once; one more is told to come back")
    func slots() throws {
        var held: [EvidenceUpload] = []
        var refusal: DomainError?
        // Other tests running in this process may hold a few places: fill what is left.
        while refusal == nil, held.count <= EvidenceUpload.maxInProgress {
            do { held.append(try EvidenceUpload(maxBytes: 1)) } catch let error as DomainError { refusal = error }
        }
        #expect(held.count <= EvidenceUpload.maxInProgress && held.count > 0)
        guard case .busy(let message) = refusal else { Issue.record("no refusal once full: \(String(describing: refusal))"); return }
        #expect(message.contains("send the evidence again"))
        // Places are given back when uploads end.
        let folders = held.map(\.folder.url)
        held.removeAll()
        #expect(folders.allSatisfy { !FileManager.default.fileExists(atPath: $0.path) })
        #expect(EvidenceUpload.Slot.inProgress.withLock { $0 } < EvidenceUpload.maxInProgress)
    }
}
