import Crypto
import Foundation
import RegisterDomain
import RegisterStore

/// What checking the chain in the database found.
public struct ChainReport: Encodable, Sendable, Equatable {
    public var events: Int64
    public var headSeq: Int64
    public var headHash: String
    public var merkleRoot: String
    /// Events of committed changes not yet sealed into the chain when checked (0 once each write's seal has run).
    public var unsealed: Int64
    public var ok: Bool
    /// The first problem, in words, when not ok.
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case events
        case headSeq = "head_seq"
        case headHash = "head_hash"
        case merkleRoot = "merkle_root"
        case unsealed, ok, problem
    }
}

/// The audit trail's operations shared by the API and the command line: verify, checkpoint, export.
public struct AuditTrail: Sendable {
    public let store: AuditStore
    /// Signs checkpoints; without it checkpoints are written unsigned (and say so).
    public let signingKey: Curve25519.Signing.PrivateKey?

    public init(store: AuditStore, signingKey: Curve25519.Signing.PrivateKey?) {
        self.store = store
        self.signingKey = signingKey
    }

    /// Recomputes every hash from the first event, and checks the chain against every checkpoint
    /// recorded in the database.
    public func verify(upTo last: Int64? = nil) async throws -> (ChainReport, ChainVerifier) {
        let head = try await store.head()
        // Every checkpoint recorded so far must still hold: a history rewritten and re-hashed from
        // the start in the database itself is caught here.
        var recorded: [Int64: (chain: Data, root: Data)] = [:]
        var after: Int64?
        while true {
            let page = try await store.checkpoints(after: after, limit: 1000)
            for c in page { recorded[c.seq] = (c.chainHash, c.merkleRoot) }
            guard page.count == 1000 else { break }
            after = page.last?.seq
        }
        var verifier = ChainVerifier(recorded: recorded)
        var problem: String?
        do {
            try await store.scan(upTo: last ?? head.seq) { page in
                for event in page { try verifier.check(event) }
            }
            let target = last ?? head.seq
            if verifier.count != target {
                problem = "the chain holds \(verifier.count) events but its last event is numbered \(target)"
            } else if last == nil, let latest = recorded.keys.max(), latest > verifier.count {
                problem = "a checkpoint was recorded at seq \(latest) but the chain ends at seq \(verifier.count): events were removed from its end"
            }
        } catch let chain as ChainProblem {
            problem = chain.description
        }
        let report = ChainReport(
            events: verifier.count, headSeq: head.seq, headHash: head.chainHash.hex, merkleRoot: verifier.merkle.root.hex,
            unsealed: head.unsealed, ok: problem == nil, problem: problem)
        return (report, verifier)
    }

    /// Verifies the chain up to its head, then records and returns a (signed) checkpoint of it.
    public func checkpoint(context: WriteContext) async throws -> Checkpoint {
        let (report, verifier) = try await verify()
        guard report.ok else { throw ChainProblem(line: nil, seq: nil, message: report.problem ?? "the chain does not verify") }
        var checkpoint = Checkpoint(seq: verifier.count, chainHash: verifier.head, merkleRoot: verifier.merkle.root, createdAt: Self.now())
        if let signingKey { try checkpoint.sign(with: signingKey) }
        if checkpoint.seq > 0 {
            try await store.addCheckpoint(
                StoredCheckpoint(
                    seq: checkpoint.seq, chainHash: verifier.head, merkleRoot: verifier.merkle.root, createdAt: checkpoint.createdAt,
                    publicKey: checkpoint.publicKey.flatMap { Data(base64Encoded: $0) },
                    signature: checkpoint.signature.flatMap { Data(base64Encoded: $0) }),
                context: context)
        }
        return checkpoint
    }

    /// Starts an export: records who exported (an event of its own), then takes the checkpoint
    /// that bounds what `exportEvents` will stream.
    public func beginExport(via channel: ExportChannel, context: WriteContext) async throws -> Checkpoint {
        try await ExportRecord(.audit, format: "jsonl", via: channel).record(in: store, context: context)
        return try await checkpoint(context: context)
    }

    /// Streams events 1…`last` as JSON Lines, a page at a time: each page is read on a pooled
    /// connection held only for that query, then written while no connection is held, so a slow
    /// client keeps none. Sealed events never change and `last` bounds the export, so the pages
    /// add up to exactly the chain the checkpoint describes, however long the download takes.
    public func exportEvents(upTo last: Int64, write: (Data) async throws -> Void) async throws {
        guard last > 0 else { return }
        try await store.scan(upTo: last) { page in
            var chunk = Data()
            for event in page { chunk.append(try event.jsonLine()) }
            try await write(chunk)
        }
    }

    /// The stored checkpoints, as auditors keep them.
    public func checkpoints(after: Int64?, limit: Int) async throws -> [Checkpoint] {
        try await store.checkpoints(after: after, limit: limit).map { stored in
            var checkpoint = Checkpoint(seq: stored.seq, chainHash: stored.chainHash, merkleRoot: stored.merkleRoot, createdAt: stored.createdAt)
            checkpoint.publicKey = stored.publicKey?.base64EncodedString()
            checkpoint.signature = stored.signature?.base64EncodedString()
            return checkpoint
        }
    }

    static func now() -> String { AsAt.sealTimeText(Date()) }
}
