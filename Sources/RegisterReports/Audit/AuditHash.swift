import Crypto
import Foundation
import RegisterDomain

/// The hashes of the audit chain, exactly as the database's seal computes them (Schema/0002_audit.sql).
///
///     content_hash = SHA-256(0x00 ‖ payload as UTF-8)                  (an RFC 6962 leaf)
///     chain_hash   = SHA-256(0x02 ‖ prev_hash ‖ seq as 8-byte big-endian ‖ sealed_at as UTF-8 ‖ content_hash)
///     prev_hash of the first event = SHA-256("learning-register/audit/v1/genesis")
public enum AuditHash {
    public static let genesis = Data(SHA256.hash(data: Data("learning-register/audit/v1/genesis".utf8)))

    public static func content(payload: String) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: Data(payload.utf8))
        return Data(hasher.finalize())
    }

    public static func chain(prev: Data, seq: Int64, sealedAt: String, content: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x02])
        hasher.update(data: prev)
        withUnsafeBytes(of: seq.bigEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Data(sealedAt.utf8))
        hasher.update(data: content)
        return Data(hasher.finalize())
    }

    /// An RFC 6962 interior node: SHA-256(0x01 ‖ left ‖ right).
    public static func node(_ left: Data, _ right: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Data(hasher.finalize())
    }
}

/// The RFC 6962 Merkle tree head over leaf hashes, built as they arrive in constant memory per level.
public struct MerkleRoot: Sendable {
    // Perfect subtrees still open, largest first: (hash, number of leaves).
    private var stack: [(Data, Int)] = []
    public private(set) var count = 0

    public init() {}

    public mutating func append(leaf: Data) {
        count += 1
        stack.append((leaf, 1))
        while stack.count >= 2, stack[stack.count - 1].1 == stack[stack.count - 2].1 {
            let right = stack.removeLast(), left = stack.removeLast()
            stack.append((AuditHash.node(left.0, right.0), left.1 + right.1))
        }
    }

    /// The tree head of the leaves so far (SHA-256 of nothing for an empty tree).
    public var root: Data {
        guard var (hash, _) = stack.last else { return Data(SHA256.hash(data: Data())) }
        // RFC 6962 splits at the largest power of two: the open subtrees fold from the right.
        for (left, _) in stack.dropLast().reversed() { hash = AuditHash.node(left, hash) }
        return hash
    }
}
