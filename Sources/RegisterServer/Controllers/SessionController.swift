import Foundation
import HTTPTypes
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Sign-in and sign-out, the signed-in person, and their API tokens.
struct SessionController {
    let accounts: AccountService
    let cookies: SessionCookie

    struct SignIn: Decodable {
        var email: String
        var password: String
    }

    struct TokenRequest: Decodable {
        var name: String
        /// How many days the token works: 90 unless asked otherwise, at most 365.
        var expiresInDays: Int?

        enum CodingKeys: String, CodingKey {
            case name
            case expiresInDays = "expires_in_days"
        }
    }

    /// The token, shown only in this one response.
    struct CreatedToken: Encodable {
        var token: APIToken
        var secret: String

        func encode(to encoder: any Encoder) throws {
            try token.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(secret, forKey: .secret)
        }
        enum CodingKeys: String, CodingKey { case secret = "token" }
    }

    func addPublicRoutes(to group: RouterGroup<RegisterRequestContext>) {
        group.post("session") { request, context in
            let body = try await JSON.decode(SignIn.self, from: request, context: context, fields: ["email", "password"])
            // Throttled (429) and busy (503) sign-ins are thrown as problems with Retry-After.
            guard let signedIn = try await accounts.signIn(email: body.email, password: body.password, from: context.signInSource)
            else { throw RequestProblem.badCredentials }
            var headers = HTTPFields()
            headers[.setCookie] = cookies.start(signedIn)
            return try JSON.response(signedIn.user, status: .created, headers: headers)
        }
    }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.delete("session") { _, context in
            if let session = context.sessionToken {
                try await accounts.signOut(session: SecretToken(text: session), by: context.actor)
            }
            var headers = HTTPFields()
            headers[.setCookie] = cookies.end()
            return Response(status: .noContent, headers: headers)
        }
        group.get("me") { _, context in try JSON.response(context.user) }
        // Changing one's own password ends one's other sessions (all of them, when called with a token).
        group.put("me/password") { request, context in
            try await accounts.changePassword(
                try await JSON.decode(PasswordChange.self, from: request, context: context, fields: PasswordChange.fieldNames),
                keeping: context.sessionToken.map { SecretToken(text: $0) }, by: context.actor)
            return Response(status: .noContent)
        }
        group.get("tokens") { _, context in
            try JSON.response(["items": try await accounts.tokens(by: context.actor)])
        }
        group.post("tokens") { request, context in
            let body = try await JSON.decode(TokenRequest.self, from: request, context: context, fields: ["name", "expires_in_days"])
            let (token, secret) = try await accounts.createToken(named: body.name, days: body.expiresInDays, by: context.actor)
            return try JSON.response(CreatedToken(token: token, secret: secret.text), status: .created)
        }
        group.delete("tokens/:token") { _, context in
            try await accounts.revokeToken(try context.parameters.id("token", entity: "token"), by: context.actor)
            return Response(status: .noContent)
        }
    }
}

/// The session cookie: `HttpOnly`, `SameSite=Lax`; `__Host-lr_session`, `Secure`, unless the
/// register listens on loopback only (see `Cookies`).
struct SessionCookie: Sendable {
    let cookies: Cookies

    func start(_ signedIn: AccountService.SignedIn) -> String {
        cookies.set(Cookies.session, signedIn.session.text, maxAge: signedIn.lifetimeSeconds)
    }

    func end() -> String { cookies.set(Cookies.session, "", maxAge: 0) }
}

extension RegisterRequestContext {
    /// Where this request's sign-in comes from, for the throttle, the log and the trail.
    var signInSource: AccountService.SignInSource {
        AccountService.SignInSource(clientAddress: clientAddress, requestID: requestID, clientRequestID: clientRequestID, logger: logger)
    }
}
