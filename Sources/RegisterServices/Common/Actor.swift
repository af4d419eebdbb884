import Foundation
import Logging
import RegisterDomain
import RegisterStore

/// Who is acting and in which request: the first argument of every action.
///
/// A person signed in to the web pages or the API, or an operator at the command line (`system`),
/// who may do everything an admin may.
public struct Actor: Sendable {
    /// The person, or nil for the command line.
    public let user: User?
    public let principal: Principal
    public let requestID: String
    /// The client's own `X-Request-Id`, recorded in the trail beside `requestID` (never instead of it).
    public let clientRequestID: String?
    /// The request's logger, carried into the queries it makes.
    public let logger: Logger

    public init(user: User, requestID: String, clientRequestID: String? = nil, logger: Logger) {
        self.user = user
        self.principal = Principal(user: user)
        self.requestID = requestID
        self.clientRequestID = clientRequestID
        self.logger = logger
    }

    /// An operator at the command line; `what` names the command in the audit trail (`system:cli-export`).
    public static func system(_ what: String, logger: Logger) -> Actor {
        Actor(principal: .system(what), requestID: "cli-" + UUID().uuidString.lowercased(), logger: logger)
    }

    private init(principal: Principal, requestID: String, logger: Logger) {
        self.user = nil
        self.principal = principal
        self.requestID = requestID
        self.clientRequestID = nil
        self.logger = logger
    }

    /// The audit context of a write made by this actor.
    public var write: WriteContext { WriteContext(actor: principal, requestID: requestID, clientRequestID: clientRequestID, logger: logger) }

    /// How far the actor may perform `action`, refusing when not at all: 404 when `entity` names
    /// what is being read (so its existence does not leak), else 403.
    public func reach(_ action: Action, hiding entity: String? = nil) throws -> Reach {
        guard let reach = Policy.reach(principal.role, partner: principal.partnerID, action) else {
            if let entity { throw DomainError.notFound(entity) }
            throw DomainError.forbidden("a \(principal.role.rawValue) may not do this")
        }
        return reach
    }

    /// Refuses unless the role allows `action` (see `reach`).
    public func require(_ action: Action, hiding entity: String? = nil) throws {
        _ = try reach(action, hiding: entity)
    }

    /// Whether the role allows `action` at all: for showing or hiding a page's links and forms.
    public func may(_ action: Action) -> Bool {
        Policy.allows(principal.role, partner: principal.partnerID, action)
    }
}

/// The register's sense of "now": the real clock in service, a fixed one in tests.
public struct RegisterClock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = RegisterClock { Date() }

    /// A clock stopped at `date`.
    public static func fixed(_ date: Date) -> RegisterClock { RegisterClock { date } }

    /// Today in the UK: the day "overdue" and statutory clocks are judged against.
    public func today() -> Day { Day.today(now: now()) }
}
