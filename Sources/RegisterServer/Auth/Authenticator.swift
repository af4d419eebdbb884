import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Gives each request its id: the caller's `X-Request-Id` when it is a sensible one (a proxy's), else a new one.
/// Runs first, so problems, logs and the audit trail all carry the same id.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = RegisterRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let given = request.headers[.requestID], (1...100).contains(given.count),
            given.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        {
            context.requestID = given
        }
        context.logger[metadataKey: "request_id"] = "\(context.requestID)"
        return try await next(request, context)
    }
}

/// Finds the signed-in person from a bearer token or the session cookie.
struct Authenticator: RouterMiddleware {
    typealias Context = RegisterRequestContext
    let accounts: AccountService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let authorization = request.headers[.authorization] {
            // A bearer token that is wrong is refused outright rather than treated as anonymous.
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                let user = try await accounts.user(token: SecretToken(text: String(parts[1]).trimmingCharacters(in: .whitespaces)))
            else { throw RequestProblem.unauthenticated }
            context.user = user
        } else if let cookie = request.cookies[SessionCookie.name]?.value, !cookie.isEmpty {
            if let user = try await accounts.user(session: SecretToken(text: cookie)) {
                context.user = user
                context.sessionToken = cookie
            }
        }
        return try await next(request, context)
    }
}
