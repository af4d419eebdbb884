import HummingbirdBcrypt
import NIOPosix

/// Password hashing with bcrypt (cost 12), off the request threads because it is slow on purpose.
public enum Passwords {
    public static let cost: UInt8 = 12

    public static func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A cost-12 hash to compare against when the e-mail is unknown, so timing does not reveal which
    /// accounts exist. Fixed text, so that no request ever has to compute it on the request threads.
    public static let decoy = "$2b$12$4bFVsjZKWZjBhLFpC7qWOuihafLf/rAsbn7Yj1ed8ZrK.n7dhSXSu"

    /// A readable random password for accounts created without one, shown once.
    public static func generate() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        let groups = (0..<4).map { _ in String((0..<5).map { _ in alphabet.randomElement(using: &generator)! }) }
        return groups.joined(separator: "-")
    }
}
