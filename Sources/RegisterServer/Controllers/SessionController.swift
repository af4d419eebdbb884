import Foundation
import HTTPTypes
import Hummingbird
import RegisterDomain
import RegisterStore

/// Sign-in and sign-out, the signed-in person, and their API tokens.
struct SessionController {
    let accounts: AccountStore
    let configuration: AppConfiguration

    struct SignIn: Decodable {
        var email: String
        var password: String
    }

    struct TokenRequest: Decodable {
        var name: String
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
        group.post("session") { request, context in try await signIn(request, context) }
    }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.delete("session") { request, context in try await signOut(context) }
        group.get("me") { _, context in try JSON.response(context.user) }
        group.get("tokens") { _, context in
            try JSON.response(["items": try await accounts.tokens(of: context.user)])
        }
        group.post("tokens") { request, context in
            let body = try await JSON.decode(TokenRequest.self, from: request, context: context, fields: ["name"])
            let (token, secret) = try await accounts.createToken(for: context.user, name: body.name, context: context.write)
            return try JSON.response(CreatedToken(token: token, secret: secret.text), status: .created)
        }
        group.delete("tokens/:token") { _, context in
            let id = try context.parameters.id("token", entity: "token")
            try await accounts.revokeToken(id, of: context.user, context: context.write)
            return Response(status: .noContent)
        }
    }

    private func signIn(_ request: Request, _ context: RegisterRequestContext) async throws -> Response {
        let body = try await JSON.decode(SignIn.self, from: request, context: context, fields: ["email", "password"])
        let plausible = !Validator.hasControlCharacters(body.email) && body.email.count <= 254 && body.password.utf8.count <= 72
            && !Validator.hasControlCharacters(body.password)
        let found = plausible ? try await accounts.credentials(email: body.email) : nil
        let matches = try await Passwords.verify(body.password, hash: found?.bcrypt ?? Passwords.decoy)
        guard let found, matches else { throw RequestProblem.badCredentials }
        let write = WriteContext(actor: Principal(user: found.user), requestID: context.requestID, logger: context.logger)
        let token = try await accounts.startSession(
            for: found.user, lasting: TimeInterval(configuration.sessionHours * 3600), context: write)
        var headers = HTTPFields()
        headers[.setCookie] = cookie(value: token.text, maxAge: configuration.sessionHours * 3600)
        context.logger.info("signed in", metadata: ["user": "\(found.user.id)"])
        return try JSON.response(found.user, status: .created, headers: headers)
    }

    private func signOut(_ context: SignedInContext) async throws -> Response {
        if let session = context.sessionToken {
            try await accounts.endSession(SecretToken(text: session), context: context.write)
        }
        var headers = HTTPFields()
        headers[.setCookie] = cookie(value: "", maxAge: 0)
        return Response(status: .noContent, headers: headers)
    }

    private func cookie(value: String, maxAge: Int) -> String {
        "\(Authenticator.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (configuration.secureCookies ? "; Secure" : "")
    }
}

extension SignedInContext {
    /// The audit context of a write made in this request.
    var write: WriteContext { WriteContext(actor: principal, requestID: requestID, logger: logger) }

    /// Today in the UK, the day "overdue" is judged against.
    var today: Day { Day.today() }
}
