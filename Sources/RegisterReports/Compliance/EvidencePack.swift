import Crypto
import Foundation
import Logging
import NIOCore
import RegisterDomain
import RegisterStore
import ZIPFoundation

/// A review's evidence pack: one ZIP holding the compliance report (CSV), every accepted evidence
/// file, the review's documents (published report, briefing notes, response…), and `manifest.json` listing each file's SHA-256, the moment the pack describes, and the
/// audit chain's head with the checkpoint taken at export. Taking it is itself an audit event.
///
/// Files are written to a private temporary folder one at a time and the archive is built from
/// there, so memory stays flat however large the evidence is.
public struct EvidencePack: Sendable {
    let reports: ReportStore
    let evidence: EvidenceStore
    let documents: ReviewDocumentStore
    let trail: AuditTrail

    public init(reports: ReportStore, evidence: EvidenceStore, documents: ReviewDocumentStore, trail: AuditTrail) {
        self.reports = reports
        self.evidence = evidence
        self.documents = documents
        self.trail = trail
    }

    /// What the pack says about itself.
    struct Manifest: Encodable {
        struct Entry: Encodable {
            var path: String
            var sha256: String
            var sizeBytes: Int64
            var mediaType: String
            var evidenceID: UUID?
            var recommendationNumber: String?
            var partner: String?
            var kind: EvidenceKind?
            var acceptedAt: Date?
            /// For a document of the review: its id, kind, title, and withdrawal reason if withdrawn.
            var documentID: UUID?
            var documentKind: DocumentKind?
            var title: String?
            var withdrawnReason: String?

            enum CodingKeys: String, CodingKey {
                case path, sha256
                case sizeBytes = "size_bytes"
                case mediaType = "media_type"
                case evidenceID = "evidence_id"
                case recommendationNumber = "recommendation_number"
                case partner, kind
                case acceptedAt = "accepted_at"
                case documentID = "document_id"
                case documentKind = "document_kind"
                case title
                case withdrawnReason = "withdrawn_reason"
            }
        }
        struct Audit: Encodable {
            var headSeq: Int64
            var chainHash: String
            var checkpoint: Checkpoint
            enum CodingKeys: String, CodingKey {
                case headSeq = "head_seq"
                case chainHash = "chain_hash"
                case checkpoint
            }
        }
        var format = "learning-register/evidence-pack/v1"
        var review: PackedReview
        var asAt: String
        var generatedAt: Date
        var files: [Entry]
        var audit: Audit

        enum CodingKeys: String, CodingKey {
            case format, review
            case asAt = "as_at"
            case generatedAt = "generated_at"
            case files, audit
        }
    }

    /// Builds the pack in `folder` (which must exist and be private) and returns the ZIP's location.
    public func build(
        reviewID: UUID?, reference: String?, asAt: AsAt?, today: Day, via: ExportChannel, context: WriteContext, in folder: URL
    ) async throws -> URL {
        let review = try await reports.review(id: reviewID, reference: reference, asAt: asAt)
        // Who took which pack, recorded first; the checkpoint after it covers that event too.
        try await ExportRecord(.evidencePack(reviewID: review.id, reference: review.reference), format: "zip", via: via, asAt: asAt?.day)
            .record(in: trail.store, context: context)
        let checkpoint = try await trail.checkpoint(context: context)
        let generatedAt = Date()

        var entries: [Manifest.Entry] = []
        let csvURL = folder.appendingPathComponent("compliance.csv")
        let csv = try TemporaryFolder.privateFile(csvURL)
        var csvHash = SHA256()
        var csvSize: Int64 = 0
        var writer = ComplianceReport.writer(.csv, heading: ReportHeading(asAt: asAt?.day, generatedAt: generatedAt, filters: []))
        var pending: [UInt8] = []
        func emit() throws {
            csvHash.update(data: pending)
            csvSize += Int64(pending.count)
            try csv.write(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        }
        writer.begin(into: &pending)
        try await reports.compliance(ReportFilter(reviewID: review.id), asAt: asAt, today: today) { row in
            writer.row(row, into: &pending)
            if pending.count >= 64 * 1024 { try emit() }
        }
        writer.end(into: &pending)
        try emit()
        try csv.close()
        entries.append(Manifest.Entry(path: "compliance.csv", sha256: Self.hex(csvHash.finalize()), sizeBytes: csvSize, mediaType: "text/csv; charset=utf-8"))

        var paths: [(String, URL)] = [("compliance.csv", csvURL)]
        var used = Set<String>()
        for (index, file) in try await reports.acceptedFiles(of: review.id, asAt: asAt).enumerated() {
            var path = "evidence/recommendation-\(Self.safe(file.recommendationNumber))/\(Self.safe(file.partner))/\(Self.safe(file.name))"
            if used.contains(path) { path = "evidence/recommendation-\(Self.safe(file.recommendationNumber))/\(Self.safe(file.partner))/\(index + 1)-\(Self.safe(file.name))" }
            used.insert(path)
            let local = folder.appendingPathComponent("file-\(index)")
            let handle = try TemporaryFolder.privateFile(local)
            var hash = SHA256()
            try await evidence.streamFile(file.fileID, logger: context.logger) { chunk in
                let data = Data(buffer: chunk)
                hash.update(data: data)
                try handle.write(contentsOf: data)
            }
            try handle.close()
            // The bytes must still be what the trail recorded when they arrived.
            let digest = Self.hex(hash.finalize())
            guard digest == file.sha256 else {
                throw DomainError.conflict(
                    "Evidence file \(file.fileID) ('\(file.name)') no longer matches the SHA-256 recorded when it arrived: its stored bytes were changed outside the register. No pack was made; tell the system owner.")
            }
            entries.append(
                Manifest.Entry(
                    path: path, sha256: file.sha256, sizeBytes: file.sizeBytes, mediaType: file.mediaType, evidenceID: file.evidenceID,
                    recommendationNumber: file.recommendationNumber, partner: file.partner, kind: file.kind, acceptedAt: file.acceptedAt))
            paths.append((path, local))
        }

        for (index, document) in try await documents.documents(of: review.id, asAt: asAt).enumerated() {
            var path = "documents/\(document.kind.rawValue)/\(Self.safe(document.file.name))"
            if used.contains(path) { path = "documents/\(document.kind.rawValue)/\(index + 1)-\(Self.safe(document.file.name))" }
            used.insert(path)
            let local = folder.appendingPathComponent("document-\(index)")
            let handle = try TemporaryFolder.privateFile(local)
            var hash = SHA256()
            try await evidence.streamFile(document.file.id, logger: context.logger) { chunk in
                let data = Data(buffer: chunk)
                hash.update(data: data)
                try handle.write(contentsOf: data)
            }
            try handle.close()
            guard Self.hex(hash.finalize()) == document.file.sha256 else {
                throw DomainError.conflict(
                    "Document \(document.id) ('\(document.file.name)') no longer matches the SHA-256 recorded when it arrived: its stored bytes were changed outside the register. No pack was made; tell the system owner.")
            }
            entries.append(
                Manifest.Entry(
                    path: path, sha256: document.file.sha256, sizeBytes: document.file.sizeBytes, mediaType: document.file.mediaType,
                    documentID: document.id, documentKind: document.kind, title: document.title, withdrawnReason: document.withdrawnReason))
            paths.append((path, local))
        }

        let manifest = Manifest(
            review: review, asAt: asAt.map { "\($0.day) (end of day, Europe/London)" } ?? "now", generatedAt: generatedAt, files: entries,
            audit: Manifest.Audit(headSeq: checkpoint.seq, chainHash: checkpoint.chainHash, checkpoint: checkpoint))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let manifestURL = folder.appendingPathComponent("manifest.json")
        try encoder.encode(manifest).write(to: manifestURL)
        paths.append(("manifest.json", manifestURL))

        let zipURL = folder.appendingPathComponent("evidence-pack.zip")
        let archive = try Archive(url: zipURL, accessMode: .create)
        for (path, url) in paths {
            try archive.addEntry(with: path, fileURL: url, compressionMethod: .deflate)
            if url != zipURL { try? FileManager.default.removeItem(at: url) }
        }
        return zipURL
    }

    /// A name safe as one path segment inside the ZIP: no separators, no leading dots, nothing odd.
    public static func safe(_ text: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._- ()")
        var out = String(text.map { allowed.contains($0) ? $0 : "_" })
        while out.hasPrefix(".") { out.removeFirst() }
        out = out.trimmingCharacters(in: .whitespaces)
        return out.isEmpty ? "_" : String(out.prefix(120))
    }

    static func hex(_ digest: SHA256.Digest) -> String { Data(digest).hex }
}
