import Crypto
import Foundation
import RegisterDomain

/// The hashes of the audit chain, exactly as the database's seal computes them (Schema/0002_audit.sql).
///
///     content_hash = SHA-256(0x00 ‖ payload as UTF-8)                  (an RFC 6962 leaf)
///     chain_hash   = SHA-256(0x02 ‖ prev_hash ‖ seq as 8-byte big-endian ‖ sealed_at as UTF-8 ‖ content_hash)
///     prev_hash of the first event = SHA-256("learning-register/audit/v1/genesis")
///
/// The `Data` functions are for callers; the verifier uses the byte-level ones, which allocate nothing.
public enum AuditHash {
    public static let genesis = Data(SHA256.hash(data: Data("learning-register/audit/v1/genesis".utf8)))
    static let genesisHash = Hash32(SHA256.hash(data: Data("learning-register/audit/v1/genesis".utf8)))

    public static func content(payload: String) -> Data {
        content(payload: payload).data
    }

    public static func chain(prev: Data, seq: Int64, sealedAt: String, content: Data) -> Data {
        guard let prev = Hash32(prev), let content = Hash32(content) else {
            // Not a SHA-256 value: hash the bytes as given, as the definition says.
            var hasher = SHA256()
            hasher.update(data: [0x02])
            hasher.update(data: prev)
            withUnsafeBytes(of: seq.bigEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Data(sealedAt.utf8))
            hasher.update(data: content)
            return Data(hasher.finalize())
        }
        var sealedAt = sealedAt
        return sealedAt.withUTF8 { chain(prev: prev, seq: seq, sealedAt: UnsafeRawBufferPointer($0), content: content) }.data
    }

    /// An RFC 6962 interior node: SHA-256(0x01 ‖ left ‖ right).
    public static func node(_ left: Data, _ right: Data) -> Data {
        guard let l = Hash32(left), let r = Hash32(right) else {
            var hasher = SHA256()
            hasher.update(data: [0x01])
            hasher.update(data: left)
            hasher.update(data: right)
            return Data(hasher.finalize())
        }
        return node(l, r).data
    }

    static func content(payload: String) -> Hash32 {
        var payload = payload
        return payload.withUTF8 { utf8 in
            var hasher = SHA256()
            withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(utf8))
            return Hash32(hasher.finalize())
        }
    }

    /// `content_hash` of a payload already preceded by its 0x00 prefix byte: `leaf[0] == 0`.
    static func content(prefixedPayload leaf: UnsafeRawBufferPointer) -> Hash32 {
        Hash32(SHA256.hash(data: leaf))
    }

    static func chain(prev: Hash32, seq: Int64, sealedAt: UnsafeRawBufferPointer, content: Hash32) -> Hash32 {
        let count = 1 + 32 + 8 + sealedAt.count + 32
        return withUnsafeTemporaryAllocation(byteCount: count, alignment: 8) { buffer in
            buffer[0] = 0x02
            prev.copy(to: buffer.baseAddress! + 1)
            withUnsafeBytes(of: seq.bigEndian) { (buffer.baseAddress! + 33).copyMemory(from: $0.baseAddress!, byteCount: 8) }
            if let base = sealedAt.baseAddress { (buffer.baseAddress! + 41).copyMemory(from: base, byteCount: sealedAt.count) }
            content.copy(to: buffer.baseAddress! + 41 + sealedAt.count)
            return Hash32(SHA256.hash(data: UnsafeRawBufferPointer(buffer)))
        }
    }

    static func node(_ left: Hash32, _ right: Hash32) -> Hash32 {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = 0x01
            left.copy(to: buffer.baseAddress! + 1)
            right.copy(to: buffer.baseAddress! + 33)
            return Hash32(SHA256.hash(data: UnsafeRawBufferPointer(buffer)))
        }
    }
}

/// A SHA-256 value held inline, so that checking a chain allocates nothing per event.
struct Hash32: Equatable, Sendable {
    /// The 32 bytes in order, as four words in memory order.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init() {}

    init(_ digest: SHA256.Digest) {
        digest.withUnsafeBytes { source in
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(32))) }
        }
    }

    /// Nil unless `data` holds exactly 32 bytes.
    init?(_ data: Data) {
        guard data.count == 32 else { return nil }
        withUnsafeMutableBytes(of: &words) { _ = data.copyBytes(to: $0) }
    }

    /// Lets `fill` write the 32 bytes.
    init(filling fill: (UnsafeMutableRawBufferPointer) -> Void) {
        withUnsafeMutableBytes(of: &words, fill)
    }

    func copy(to destination: UnsafeMutableRawPointer) {
        withUnsafeBytes(of: words) { destination.copyMemory(from: $0.baseAddress!, byteCount: 32) }
    }

    var data: Data { withUnsafeBytes(of: words) { Data($0) } }

    static func == (a: Hash32, b: Hash32) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }
}

/// The RFC 6962 Merkle tree head over leaf hashes, built as they arrive in constant memory per level.
public struct MerkleRoot: Sendable {
    // Perfect subtrees still open, largest first: (hash, number of leaves).
    private var stack: [(Hash32, Int)] = []
    public private(set) var count = 0

    public init() { stack.reserveCapacity(64) }

    /// `leaf` is a content hash: 32 bytes.
    public mutating func append(leaf: Data) {
        guard let hash = Hash32(leaf) else { preconditionFailure("a Merkle leaf is a SHA-256 value (32 bytes), not \(leaf.count) bytes") }
        append(hash)
    }

    mutating func append(_ leaf: Hash32) {
        count += 1
        stack.append((leaf, 1))
        while stack.count >= 2, stack[stack.count - 1].1 == stack[stack.count - 2].1 {
            let right = stack.removeLast(), left = stack.removeLast()
            stack.append((AuditHash.node(left.0, right.0), left.1 + right.1))
        }
    }

    /// The tree head of the leaves so far (SHA-256 of nothing for an empty tree).
    public var root: Data {
        rootHash?.data ?? Data(SHA256.hash(data: Data()))
    }

    /// Nil for an empty tree.
    var rootHash: Hash32? {
        guard var (hash, _) = stack.last else { return nil }
        // RFC 6962 splits at the largest power of two: the open subtrees fold from the right.
        for (left, _) in stack.dropLast().reversed() { hash = AuditHash.node(left, hash) }
        return hash
    }
}
