import Crypto
import Foundation
import RegisterDomain

/// What is wrong with a chain, at the first place it goes wrong.
public struct ChainProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line of the export file (1-based), when verifying a file.
    public var line: Int?
    public var seq: Int64?
    public var message: String

    public init(line: Int?, seq: Int64?, message: String) {
        self.line = line
        self.seq = seq
        self.message = message
    }

    public var description: String {
        var place: [String] = []
        if let line { place.append("line \(line)") }
        if let seq { place.append("seq \(seq)") }
        return (place.isEmpty ? "" : place.joined(separator: ", ") + ": ") + message
    }
}

/// Checks events one at a time, in constant memory: numbering, linking, hashes and seal times,
/// and builds the Merkle root as it goes. The same code checks an export file and the database.
public struct ChainVerifier: Sendable {
    public private(set) var count: Int64 = 0
    public private(set) var head: Data = AuditHash.genesis
    public private(set) var lastSealedAt = ""
    public private(set) var merkle = MerkleRoot()
    /// The Merkle root and chain hash when the chain reached the checkpoint's seq.
    private var atCheckpoint: (chain: Data, root: Data)?
    private let checkpointSeq: Int64?
    /// Checkpoints recorded earlier that the chain must still agree with, by seq.
    private let recorded: [Int64: (chain: Data, root: Data)]

    public init(checkpointSeq: Int64? = nil, recorded: [Int64: (chain: Data, root: Data)] = [:]) {
        self.checkpointSeq = checkpointSeq
        self.recorded = recorded
    }

    /// Checks the next event; throws the first problem, naming `line` when given.
    public mutating func check(_ event: AuditEvent, line: Int? = nil) throws {
        func problem(_ message: String) -> ChainProblem { ChainProblem(line: line, seq: event.seq, message: message) }
        let expected = count + 1
        if event.seq != expected {
            throw problem(
                event.seq > expected
                    ? "expected seq \(expected) but found \(event.seq): \(event.seq - expected) event(s) are missing before it"
                    : "expected seq \(expected) but found \(event.seq): events are repeated or out of order")
        }
        if event.prevHash != head {
            throw problem("prev_hash does not match the chain_hash of the event before it: the chain is broken here")
        }
        if event.sealedAt.utf8.count != 27 || event.sealedAt < lastSealedAt {
            throw problem("sealed_at \(event.sealedAt) is before the previous seal (\(lastSealedAt)) or not a seal time")
        }
        let content = AuditHash.content(payload: event.payload)
        let chain = AuditHash.chain(prev: head, seq: event.seq, sealedAt: event.sealedAt, content: content)
        if chain != event.chainHash {
            throw problem("chain_hash does not match the event's payload and seal time: the event was altered")
        }
        count = event.seq
        head = chain
        lastSealedAt = event.sealedAt
        merkle.append(leaf: content)
        if event.seq == checkpointSeq { atCheckpoint = (chain, merkle.root) }
        if let expected = recorded[event.seq], expected.chain != chain || expected.root != merkle.root {
            throw problem("the chain differs from the checkpoint recorded at this seq: the history was rewritten")
        }
    }

    /// After the last event: checks the chain against a checkpoint, if given.
    public func finish(against checkpoint: Checkpoint?, pinnedKey: Curve25519.Signing.PublicKey? = nil, requireSignature: Bool = false) throws {
        guard let checkpoint else { return }
        if count < checkpoint.seq {
            throw ChainProblem(
                line: nil, seq: count == 0 ? nil : count,
                message: "the chain ends at seq \(count) but the checkpoint covers seq \(checkpoint.seq): events were cut off the end")
        }
        guard let reached = atCheckpoint else {
            throw ChainProblem(line: nil, seq: checkpoint.seq, message: "the checkpoint's seq was never reached")
        }
        if reached.chain.hex != checkpoint.chainHash.lowercased() || reached.root.hex != checkpoint.merkleRoot.lowercased() {
            throw ChainProblem(
                line: nil, seq: checkpoint.seq,
                message: "the chain differs from the checkpoint at seq \(checkpoint.seq): the history was rewritten")
        }
        if checkpoint.signature != nil || requireSignature || pinnedKey != nil {
            if !checkpoint.hasValidSignature(pinned: pinnedKey) {
                throw ChainProblem(
                    line: nil, seq: checkpoint.seq,
                    message: pinnedKey == nil
                        ? "the checkpoint's signature is not valid" : "the checkpoint is not signed by the register's key")
            }
        }
    }
}

/// Verifies an export file line by line, reading it in chunks so any size fits in memory.
public enum ExportVerifier {
    public struct Report: Sendable, Equatable {
        public var events: Int64
        public var headHash: String
        public var merkleRoot: String
    }

    public static func verify(
        file url: URL, checkpoint: Checkpoint?, pinnedKey: Curve25519.Signing.PublicKey? = nil
    ) throws -> Report {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw ChainProblem(line: nil, seq: nil, message: "cannot open \(url.path)")
        }
        defer { try? handle.close() }
        var verifier = ChainVerifier(checkpointSeq: checkpoint?.seq)
        let decoder = JSONDecoder()
        var lineNumber = 0
        var pending = Data()
        func consume(_ line: Data) throws {
            lineNumber += 1
            guard !line.isEmpty else { throw ChainProblem(line: lineNumber, seq: nil, message: "empty line") }
            let event: AuditEvent
            do {
                event = try decoder.decode(AuditEvent.self, from: line)
            } catch {
                throw ChainProblem(line: lineNumber, seq: nil, message: "not an audit event line (\(error))")
            }
            // Byte for byte as the register writes it: no extra or repeated fields whose reading
            // could differ between this verifier and the tool a person uses to look at the file.
            var exact = line
            exact.append(0x0A)
            if (try? event.jsonLine()) != exact {
                throw ChainProblem(line: lineNumber, seq: event.seq, message: "the line is not in the export's exact format (extra, repeated or reordered fields)")
            }
            try verifier.check(event, line: lineNumber)
        }
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            pending.append(chunk)
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                try consume(pending[start..<newline])
                start = pending.index(after: newline)
            }
            pending = Data(pending[start...])
        }
        if !pending.isEmpty { try consume(pending) }
        try verifier.finish(against: checkpoint, pinnedKey: pinnedKey)
        return Report(events: verifier.count, headHash: verifier.head.hex, merkleRoot: verifier.merkle.root.hex)
    }
}
