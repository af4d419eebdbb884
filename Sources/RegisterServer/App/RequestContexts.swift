import Foundation
import Hummingbird
import Logging
import NIOCore
import RegisterDomain
import RegisterServices
import Synchronization

/// The context of every request: the register's own id for it (sent back as `X-Request-Id`), the
/// client's id if it sent one, where it came from and, once authentication has run, the signed-in person.
public struct RegisterRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The person the session cookie or bearer token belongs to.
    public var user: User?
    /// The session token when the person signed in with a cookie (so sign-out can end it).
    public var sessionToken: String?
    /// The register's own id for the request: in problems, logs and the audit trail. Always made here,
    /// never taken from the client, so no client can make its requests pass for others'.
    public var requestID: String
    /// The client's own `X-Request-Id` when it sent a well-formed one: kept beside `requestID`.
    public var clientRequestID: String?
    /// The address of the connection's other end (a proxy, when there is one in front).
    public let peerAddress: String?
    /// The client's address (see `ClientAddress.resolve`), set by `ClientAddressMiddleware`.
    public var clientAddress: IPAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = RequestIDs.next()
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// The context of routes that need a signed-in person: `user` is never missing here.
public struct SignedInContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let user: User
    public let sessionToken: String?
    public let requestID: String
    public let clientRequestID: String?

    public init(context: RegisterRequestContext) throws {
        guard let user = context.user else { throw RequestProblem.unauthenticated }
        self.coreContext = context.coreContext
        self.user = user
        self.sessionToken = context.sessionToken
        self.requestID = context.requestID
        self.clientRequestID = context.clientRequestID
    }

    /// Who is acting: the first argument of every action.
    public var actor: Actor { Actor(user: user, requestID: requestID, clientRequestID: clientRequestID, logger: logger) }
}

/// The register's own ids for requests: random-looking UUIDs (version 4 in form), unique within the
/// process by a counter and across processes by a random seed taken at start. Not secrets (they are
/// sent back in `X-Request-Id` and shown in problems), so there is no need to ask the kernel for
/// fresh randomness on every request, as `UUID()` does.
enum RequestIDs {
    private static let seed: (UInt64, UInt64) = {
        var random = SystemRandomNumberGenerator()
        return (random.next(), random.next())
    }()
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        // SplitMix64's finaliser, a bijection: distinct counts give distinct halves, of which the
        // version and variant take 6 bits, so two ids of one process are equal with a chance of
        // about 2^-122, as two random UUIDs are.
        func mixed(_ x: UInt64) -> UInt64 {
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let high = (mixed(seed.0 &+ n) & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (mixed(seed.1 ^ (n &* 0x9E37_79B9_7F4A_7C15)) & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let bytes = withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0) }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])).lowercasedText
    }
}
