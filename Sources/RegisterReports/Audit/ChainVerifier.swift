import Crypto
import Foundation
import RegisterDomain

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
    public private(set) var merkle = MerkleRoot()
    private var headHash = AuditHash.genesisHash
    private var lastSeal = SealTime.beforeAll
    /// The Merkle root and chain hash when the chain reached the checkpoint's seq.
    private var atCheckpoint: (chain: Hash32, root: Hash32)?
    private let checkpointSeq: Int64?
    /// Checkpoints recorded earlier that the chain must still agree with, by seq.
    private let recorded: [Int64: (chain: Data, root: Data)]

    public init(checkpointSeq: Int64? = nil, recorded: [Int64: (chain: Data, root: Data)] = [:]) {
        self.checkpointSeq = checkpointSeq
        self.recorded = recorded
    }

    /// The chain_hash of the last event checked (the genesis value before the first).
    public var head: Data { headHash.data }
    /// The seal time of the last event checked ("" before the first).
    public var lastSealedAt: String { lastSeal.text }

    /// Checks the next event; throws the first problem, naming `line` when given.
    public mutating func check(_ event: AuditEvent, line: Int? = nil) throws {
        var sealedAt = event.sealedAt
        try sealedAt.withUTF8 { sealed in
            try check(
                seq: event.seq, sealedAt: UnsafeRawBufferPointer(sealed), prevHash: Hash32(event.prevHash), chainHash: Hash32(event.chainHash),
                content: AuditHash.content(payload: event.payload), line: line)
        }
    }

    /// The check itself, on bytes: `content` is the event's content_hash; a hash that is not 32
    /// bytes long is nil (and never matches).
    mutating func check(
        seq: Int64, sealedAt: UnsafeRawBufferPointer, prevHash: Hash32?, chainHash: Hash32?, content: Hash32, line: Int?
    ) throws {
        func problem(_ message: String) -> ChainProblem { ChainProblem(line: line, seq: seq, message: message) }
        let expected = count + 1
        if seq != expected {
            throw problem(
                seq > expected
                    ? "expected seq \(expected) but found \(seq): \(seq - expected) event(s) are missing before it"
                    : "expected seq \(expected) but found \(seq): events are repeated or out of order")
        }
        if prevHash != headHash {
            throw problem("prev_hash does not match the chain_hash of the event before it: the chain is broken here")
        }
        guard let seal = SealTime(sealedAt) else {
            throw problem("sealed_at \(String(decoding: sealedAt, as: UTF8.self)) is not a seal time (UTC with microseconds, as 2026-01-02T03:04:05.123456Z)")
        }
        if seal < lastSeal {
            throw problem("sealed_at \(seal.text) is before the previous seal (\(lastSeal.text))")
        }
        let chain = AuditHash.chain(prev: headHash, seq: seq, sealedAt: sealedAt, content: content)
        if chain != chainHash {
            throw problem("chain_hash does not match the event's payload and seal time: the event was altered")
        }
        count = seq
        headHash = chain
        lastSeal = seal
        merkle.append(content)
        if seq == checkpointSeq { atCheckpoint = (chain, merkle.rootHash!) }
        if !recorded.isEmpty, let expected = recorded[seq], expected.chain != chain.data || expected.root != merkle.root {
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
        if reached.chain.data.hex != checkpoint.chainHash.lowercased() || reached.root.data.hex != checkpoint.merkleRoot.lowercased() {
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

/// A seal time, `2026-01-02T03:04:05.123456Z` (the form the database's CHECK allows), held inline
/// and ordered as its text.
struct SealTime: Comparable, Sendable {
    /// The 27 bytes and 5 zero bytes, as four big-endian words: word order is text order.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Before every seal time.
    static let beforeAll = SealTime()

    private init() {}

    /// Nil unless `text` is a seal time.
    init?(_ text: UnsafeRawBufferPointer) {
        guard text.count == 27 else { return nil }
        let shape = "dddd-dd-ddTdd:dd:dd.ddddddZ".utf8
        var i = 0
        for expected in shape {
            let byte = text[i]
            if expected == UInt8(ascii: "d") ? byte &- 48 > 9 : byte != expected { return nil }
            i += 1
        }
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: text) }
        words = (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), UInt64(bigEndian: words.2), UInt64(bigEndian: words.3))
    }

    var text: String {
        var bytes = (words.0.bigEndian, words.1.bigEndian, words.2.bigEndian, words.3.bigEndian)
        return withUnsafeBytes(of: &bytes) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    static func < (a: SealTime, b: SealTime) -> Bool {
        (a.words.0, a.words.1, a.words.2, a.words.3) < (b.words.0, b.words.1, b.words.2, b.words.3)
    }

    static func == (a: SealTime, b: SealTime) -> Bool {
        (a.words.0, a.words.1, a.words.2, a.words.3) == (b.words.0, b.words.1, b.words.2, b.words.3)
    }
}

/// Verifies an export file line by line, reading it in chunks so any size fits in memory: the
/// buffer grows only for a line longer than it.
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
        var reader = ExportLineReader()
        var lineNumber = 0
        func consume(_ line: UnsafeRawBufferPointer) throws {
            lineNumber += 1
            let event: ExportLineReader.Line
            do throws(ExportLineReader.Refusal) {
                event = try reader.read(line)
            } catch {
                throw ChainProblem(
                    line: lineNumber, seq: error.seq,
                    message: "the line is not in the export's exact format: \(error.reason) (at byte \(error.offset + 1))")
            }
            try verifier.check(
                seq: event.seq, sealedAt: event.sealedAt, prevHash: event.prevHash, chainHash: event.chainHash, content: event.content,
                line: lineNumber)
        }
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
        defer { buffer.deallocate() }
        // Unread bytes are buffer[start..<end].
        var start = 0, end = 0
        let descriptor = handle.fileDescriptor
        while true {
            let got = read(descriptor, buffer.baseAddress! + end, buffer.count - end)
            if got < 0 {
                if errno == EINTR { continue }
                throw ChainProblem(line: nil, seq: nil, message: "cannot read \(url.path): \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            end += got
            while start < end, let newline = memchr(buffer.baseAddress! + start, 0x0A, end - start) {
                let lineEnd = newline - buffer.baseAddress!
                try consume(UnsafeRawBufferPointer(rebasing: buffer[start..<lineEnd]))
                start = lineEnd + 1
            }
            if start > 0 {
                // Keep the unfinished line, at the front.
                if end > start { memmove(buffer.baseAddress!, buffer.baseAddress! + start, end - start) }
                end -= start
                start = 0
            } else if end == buffer.count {
                // A line longer than the buffer.
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
                buffer.deallocate()
                buffer = larger
            }
        }
        // A last line without its newline.
        if end > start { try consume(UnsafeRawBufferPointer(rebasing: buffer[start..<end])) }
        try verifier.finish(against: checkpoint, pinnedKey: pinnedKey)
        return Report(events: verifier.count, headHash: verifier.head.hex, merkleRoot: verifier.merkle.root.hex)
    }
}
