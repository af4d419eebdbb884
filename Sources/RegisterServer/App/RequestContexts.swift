import Foundation
import Hummingbird
import Logging
import RegisterDomain

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

    /// Who is acting, for the audit trail.
    public var principal: Principal { Principal(user: user) }

    /// Refuses the request unless the person's role allows `action`.
    ///
    /// Reading something one may not see answers 404, so a record's existence does not leak.
    public func require(_ action: Action, hiding entity: String? = nil) throws {
        _ = try reach(action, hiding: entity)
    }

    /// How far the person may perform `action` (everything, or their own organisation's work),
    /// refusing the request when not at all: 404 when `entity` names what is being read, else 403.
    public func reach(_ action: Action, hiding entity: String? = nil) throws -> Reach {
        guard let reach = Policy.reach(user.role, partner: user.partnerID, action) else {
            if let entity { throw DomainError.notFound(entity) }
            throw DomainError.forbidden("a \(user.role.rawValue) may not do this")
        }
        return reach
    }
}
