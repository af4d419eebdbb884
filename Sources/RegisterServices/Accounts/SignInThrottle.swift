import Crypto
import Foundation

/// How repeated failed sign-ins are slowed, then refused (429 with `Retry-After`), per account and
/// per client address.
///
/// Failures are counted over a sliding window (an hour). A subject's first few failures in the window
/// cost nothing; after each further one the next attempt waits a while that doubles each time, from
/// one second up to `longestWait` (five minutes) and never longer — so guessing a password is slowed
/// to a crawl, while nobody can shut a real person out for more than a few minutes at a time. An
/// account is its e-mail address as given, whether an account has it or not, so the answers do not
/// reveal which accounts exist. A sign-in that works clears its account's failures, not its address's
/// (one good account must not reset a guesser's address). An address may fail more often than an
/// account, as many people can share one (an office behind one router).
public struct SignInThrottle: Sendable, Equatable {
    /// Seconds over which failures are counted.
    public var window: Int
    public var freeFailuresPerAccount: Int
    public var freeFailuresPerAddress: Int
    /// The longest a subject is ever made to wait, in seconds.
    public var longestWait: Int

    public init(window: Int = 3600, freeFailuresPerAccount: Int = 5, freeFailuresPerAddress: Int = 100, longestWait: Int = 300) {
        self.window = window
        self.freeFailuresPerAccount = freeFailuresPerAccount
        self.freeFailuresPerAddress = freeFailuresPerAddress
        self.longestWait = longestWait
    }

    public static let standard = SignInThrottle()

    /// What is counted: an account, or an address.
    public enum Scope: String, Sendable {
        case account, address
    }

    /// A subject's failures in the window, and how long ago the last one was.
    public struct Failures: Sendable, Equatable {
        public var count: Int
        public var secondsSinceLast: Double

        public init(count: Int, secondsSinceLast: Double) {
            self.count = count
            self.secondsSinceLast = secondsSinceLast
        }
    }

    /// How many more whole seconds a subject with these failures must wait; nil when it may try now.
    public func retryAfter(_ failures: Failures, scope: Scope) -> Int? {
        let free = scope == .account ? freeFailuresPerAccount : freeFailuresPerAddress
        guard failures.count > free else { return nil }
        let doublings = min(failures.count - free - 1, 20)
        let wait = min(1 << doublings, longestWait)
        let remaining = Double(wait) - failures.secondsSinceLast
        return remaining > 0 ? Int(remaining.rounded(.up)) : nil
    }

    /// The key a subject's failures are kept under: a SHA-256, so the table holds no e-mail address
    /// or client address in clear.
    public static func subject(_ scope: Scope, _ value: String) -> Data {
        Data(SHA256.hash(data: Data("learning-register sign-in \(scope.rawValue)\u{0}\(value)".utf8)))
    }
}

/// Why a sign-in was refused before its password was even checked.
public enum SignInRefusal: Error, Equatable, Sendable {
    /// Too many recent failures for this account or from this address: wait, then try again (429).
    case throttled(retryAfterSeconds: Int)
}
