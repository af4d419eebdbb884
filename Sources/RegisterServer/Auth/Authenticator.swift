import Foundation
import Hummingbird
import HummingbirdBcrypt
import NIOPosix
import RegisterDomain
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
    static let cookieName = "lr_session"

    let accounts: AccountStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let authorization = request.headers[.authorization] {
            // A bearer token that is wrong is refused outright rather than treated as anonymous.
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                let user = try await accounts.userForToken(SecretToken(text: String(parts[1]).trimmingCharacters(in: .whitespaces)))
            else { throw RequestProblem.unauthenticated }
            context.user = user
        } else if let cookie = request.cookies[Self.cookieName]?.value, !cookie.isEmpty {
            if let user = try await accounts.userForSession(SecretToken(text: cookie)) {
                context.user = user
                context.sessionToken = cookie
            }
        }
        return try await next(request, context)
    }
}

/// Password hashing with bcrypt (cost 12), off the request threads because it is slow on purpose.
enum Passwords {
    static let cost: UInt8 = 12

    static func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A cost-12 hash to compare against when the e-mail is unknown, so timing does not reveal which
    /// accounts exist. Fixed text, so that no request ever has to compute it on the request threads.
    static let decoy = "$2b$12$4bFVsjZKWZjBhLFpC7qWOuihafLf/rAsbn7Yj1ed8ZrK.n7dhSXSu"

    /// A readable random password for accounts created without one, shown once.
    static func generate() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        let groups = (0..<4).map { _ in String((0..<5).map { _ in alphabet.randomElement(using: &generator)! }) }
        return groups.joined(separator: "-")
    }
}
