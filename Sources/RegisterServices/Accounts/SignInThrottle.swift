import Crypto
import Foundation
import RegisterStore
import Synchronization

/// How repeated failed sign-ins are slowed, then refused (429 with `Retry-After`), per account and
/// per client address.
///
/// An account is counted twice: as tried from one client address (a network: an IPv4 address, an
/// IPv6 /64), where a few failures start the waits, and from everywhere together, where the waits
/// start only at 100 failures an hour (the most OWASP ASVS 2.2.1 allows). So someone guessing from
/// their own address cannot make the account's owner, signing in from theirs, wait at all; only a
/// flood from many addresses at once slows the account for everybody, and only while it lasts.
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
    /// Free failures of one account from one client address.
    public var freeFailuresPerAccount: Int
    /// Free failures of one account from every address together.
    public var freeFailuresPerAccountEverywhere: Int
    public var freeFailuresPerAddress: Int
    /// The first wait, in seconds, after the free failures; each further failure doubles it.
    public var firstWait: Int
    /// The longest a subject is ever made to wait, in seconds.
    public var longestWait: Int

    public init(
        window: Int = 3600, freeFailuresPerAccount: Int = 5, freeFailuresPerAccountEverywhere: Int = 100, freeFailuresPerAddress: Int = 100,
        firstWait: Int = 1, longestWait: Int = 300
    ) {
        self.firstWait = firstWait
        self.window = window
        self.freeFailuresPerAccount = freeFailuresPerAccount
        self.freeFailuresPerAccountEverywhere = freeFailuresPerAccountEverywhere
        self.freeFailuresPerAddress = freeFailuresPerAddress
        self.longestWait = longestWait
    }

    public static let standard = SignInThrottle()

    /// What is counted: an account from one address, an account from everywhere, or an address.
    public enum Scope: String, Sendable {
        case account, accountEverywhere = "account everywhere", address
    }

    /// A subject's failures in the window, and how long ago the last one was (as the store counts them).
    public typealias Failures = AccountStore.FailureTally

    /// How many more whole seconds a subject with these failures must wait; nil when it may try now.
    public func retryAfter(_ failures: Failures, scope: Scope) -> Int? {
        let free =
            switch scope {
            case .account: freeFailuresPerAccount
            case .accountEverywhere: freeFailuresPerAccountEverywhere
            case .address: freeFailuresPerAddress
            }
        guard failures.count > free else { return nil }
        let doublings = min(failures.count - free - 1, 20)
        let wait = min(firstWait << doublings, longestWait)
        let remaining = Double(wait) - failures.secondsSinceLast
        return remaining > 0 ? Int(remaining.rounded(.up)) : nil
    }

    /// The key a subject's failures are kept under: a SHA-256, so the table holds no e-mail address
    /// or client address in clear.
    public static func subject(_ scope: Scope, _ value: String) -> Data {
        Data(SHA256.hash(data: Data("learning-register sign-in \(scope.rawValue)\u{0}\(value)".utf8)))
    }
}

/// The accounts whose password is being checked on this server right now. The failures counted
/// are read before a check and recorded after it, so without this many guesses sent at once would
/// all pass the count; one check per account at a time closes that gap (a double click waits a second).
public final class SignInsUnderway: Sendable {
    private let accounts = Mutex<Set<Data>>([])

    public init() {}

    /// Takes the account's turn; false when one of its checks is already underway.
    func begin(_ account: Data) -> Bool { accounts.withLock { $0.insert(account).inserted } }
    func end(_ account: Data) { _ = accounts.withLock { $0.remove(account) } }
}

/// Why a sign-in was refused before its password was even checked.
public enum SignInRefusal: Error, Equatable, Sendable {
    /// Too many recent failures for this account or from this address: wait, then try again (429).
    case throttled(retryAfterSeconds: Int)
}
