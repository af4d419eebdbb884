import Foundation
import Hummingbird
import Logging
import NIOCore
import RegisterDomain
import RegisterServices

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
        self.requestID = UUID().uuidString.lowercased()
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
