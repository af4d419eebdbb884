import Foundation
import HTTPTypes
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Gives each request the register's own id, and keeps the caller's `X-Request-Id` (a proxy's, a
/// script's) beside it when it is a sensible one: printable ASCII without spaces, at most 128
/// characters. Runs first, so problems, logs and the audit trail all carry the register's id; the
/// client's is logged as `client_request_id`, recorded beside it in the trail and sent back as
/// `X-Client-Request-Id`.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = RegisterRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.logger[metadataKey: "request_id"] = "\(context.requestID)"
        if let given = request.headers[.requestID], Self.acceptable(given) {
            context.clientRequestID = given
            context.logger[metadataKey: "client_request_id"] = "\(given)"
        }
        // The stores' reads log through it too (statements, a timed-out read's warning).
        var response = try await Database.$requestLogger.withValue(context.logger) { try await next(request, context) }
        if let given = context.clientRequestID { response.headers[.clientRequestID] = given }
        return response
    }

    static func acceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}

/// Works out the client's address once per request (the peer, or through a trusted proxy the
/// address it names), for sign-in throttling and the trail.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = RegisterRequestContext
    let trustedProxies: [IPNetwork]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = ClientAddress.resolve(
            peer: context.peerAddress, forwardedFor: request.headers[values: .xForwardedFor], trusting: trustedProxies)
        return try await next(request, context)
    }
}

/// Finds the signed-in person from a bearer token or the session cookie (by the cookie's name in
/// this mode only: `__Host-lr_session` when cookies are Secure, so a plain `lr_session` planted by
/// another site or over plain HTTP is never read).
struct Authenticator: RouterMiddleware {
    typealias Context = RegisterRequestContext
    let accounts: AccountService
    let cookies: Cookies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let authorization = request.headers[.authorization] {
            // A bearer token that is wrong is refused outright rather than treated as anonymous.
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                let user = try await accounts.user(token: SecretToken(text: String(parts[1]).trimmingCharacters(in: .whitespaces)))
            else { throw RequestProblem.unauthenticated }
            context.user = user
        } else if let cookie = cookies.value(Cookies.session, in: request), !cookie.isEmpty {
            if let user = try await accounts.user(session: SecretToken(text: cookie)) {
                context.user = user
                context.sessionToken = cookie
            }
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let clientRequestID = Self("X-Client-Request-Id")!
    static let xForwardedFor = Self("X-Forwarded-For")!
}
