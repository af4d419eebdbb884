import Crypto
import Foundation

/// A random secret handed to a person once (session cookie, API token); only its SHA-256 is stored.
public struct SecretToken: Sendable, Equatable {
    /// The text the person holds, e.g. `lr_3q2…`.
    public let text: String

    public init(text: String) { self.text = text }

    /// 32 random bytes, base64url without padding, with a prefix that says what it is.
    public static func generate(prefix: String) -> SecretToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return SecretToken(text: prefix + encoded)
    }

    /// What the database keeps.
    public var digest: Data { Data(SHA256.hash(data: Data(text.utf8))) }
}
