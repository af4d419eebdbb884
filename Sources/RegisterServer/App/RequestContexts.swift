import Foundation
import Hummingbird
import Logging
import RegisterDomain
import RegisterServices

/// The context of every request: its id (also sent back as `X-Request-Id`) and, once
/// authentication has run, the signed-in person.
public struct RegisterRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The person the session cookie or bearer token belongs to.
    public var user: User?
    /// The session token when the person signed in with a cookie (so sign-out can end it).
    public var sessionToken: String?
    public var requestID: String

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = UUID().uuidString.lowercased()
    }
}

/// The context of routes that need a signed-in person: `user` is never missing here.
public struct SignedInContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let user: User
    public let sessionToken: String?
    public let requestID: String

    public init(context: RegisterRequestContext) throws {
        guard let user = context.user else { throw RequestProblem.unauthenticated }
        self.coreContext = context.coreContext
        self.user = user
        self.sessionToken = context.sessionToken
        self.requestID = context.requestID
    }

    /// Who is acting: the first argument of every action.
    public var actor: Actor { Actor(user: user, requestID: requestID, logger: logger) }
}
