import Crypto
import Foundation
import RegisterDomain

/// A statement that the chain at `seq` had `chainHash` and Merkle root `merkleRoot`, signed with Ed25519.
///
/// A checkpoint kept outside the register (with the auditor, in a report) makes a cut-off tail
/// detectable, and a signed one makes a rewritten history detectable: whoever rewrites must also
/// forge the signature.
public struct Checkpoint: Codable, Sendable, Equatable {
    public var seq: Int64
    public var chainHash: String
    public var merkleRoot: String
    /// UTC, as sealed_at.
    public var createdAt: String
    /// Base64 of the 32-byte Ed25519 public key; nil for an unsigned checkpoint.
    public var publicKey: String?
    /// Base64 of the 64-byte Ed25519 signature over `signedText`.
    public var signature: String?

    enum CodingKeys: String, CodingKey {
        case seq
        case chainHash = "chain_hash"
        case merkleRoot = "merkle_root"
        case createdAt = "created_at"
        case publicKey = "public_key"
        case signature
    }

    public init(seq: Int64, chainHash: Data, merkleRoot: Data, createdAt: String) {
        self.seq = seq
        self.chainHash = chainHash.hex
        self.merkleRoot = merkleRoot.hex
        self.createdAt = createdAt
    }

    /// What is signed, as UTF-8: five lines, no trailing newline.
    ///
    ///     learning-register/audit/v1/checkpoint
    ///     <seq>
    ///     <chain_hash hex>
    ///     <merkle_root hex>
    ///     <created_at>
    public var signedText: String {
        ["learning-register/audit/v1/checkpoint", String(seq), chainHash, merkleRoot, createdAt].joined(separator: "\n")
    }

    public mutating func sign(with key: Curve25519.Signing.PrivateKey) throws {
        publicKey = key.publicKey.rawRepresentation.base64EncodedString()
        signature = try key.signature(for: Data(signedText.utf8)).base64EncodedString()
    }

    /// Whether the signature is valid for `pinned` (or, without a pinned key, for the key the checkpoint names).
    public func hasValidSignature(pinned: Curve25519.Signing.PublicKey? = nil) -> Bool {
        guard let signature, let signatureBytes = Data(base64Encoded: signature) else { return false }
        let key: Curve25519.Signing.PublicKey
        if let pinned {
            key = pinned
        } else {
            guard let named = publicKey.flatMap({ Data(base64Encoded: $0) }), let parsed = try? Curve25519.Signing.PublicKey(rawRepresentation: named) else {
                return false
            }
            key = parsed
        }
        return key.isValidSignature(signatureBytes, for: Data(signedText.utf8))
    }
}

/// The Ed25519 key that signs checkpoints, kept in a file outside the database (`AUDIT_SIGNING_KEY_FILE`):
/// the base64 of the 32-byte private key, on one line.
public enum SigningKeyFile {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func read(_ path: String) throws -> Curve25519.Signing.PrivateKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Invalid(description: "cannot read the audit signing key file \(path)")
        }
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw Invalid(description: "\(path) does not hold a base64 Ed25519 private key (make one with `learning-register audit keygen`)")
        }
        return key
    }

    /// Writes a new key readable by its owner only; returns it.
    public static func create(_ path: String) throws -> Curve25519.Signing.PrivateKey {
        let key = Curve25519.Signing.PrivateKey()
        guard FileManager.default.createFile(
            atPath: path, contents: Data((key.rawRepresentation.base64EncodedString() + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw Invalid(description: "cannot write \(path)") }
        return key
    }

    public static func publicKey(base64: String) throws -> Curve25519.Signing.PublicKey {
        guard let raw = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { throw Invalid(description: "the public key is not the base64 of a 32-byte Ed25519 key") }
        return key
    }
}
