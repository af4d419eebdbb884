import Foundation
import HTTPTypes
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// Signing in and out in a browser, on the same sessions as the API.
struct SignInPages {
    let kit: PageKit
    let accounts: AccountService
    let cookies: Cookies

    private static let fields = [
        Field(name: "email", label: "Email address", control: .input(type: "email", width: nil), autocomplete: "username"),
        Field(name: "password", label: "Password", control: .input(type: "password", width: nil), autocomplete: "current-password"),
    ]

    func addRoutes(to router: Router<RegisterRequestContext>) {
        router.get("sign-in") { request, context in
            show(next: SignInTarget.safe(request.uri.queryParameters["next"].map(String.init)), email: "", errors: [], status: .ok)
        }
        router.post("sign-in") { request, context in
            let form = try await Form.read(request, context: context)
            guard let expected = cookies.value(Cookies.signIn, in: request), CSRF.matches(form["csrf_token"], expected) else {
                throw RequestProblem.missingFormToken
            }
            let next = SignInTarget.safe(form["next"])
            var reader = FormReader(form)
            let email = reader.required("email", "Enter your email address")
            let password = form.typed("password")
            if password.isEmpty { reader.fail("password", "Enter your password") }
            guard reader.errors.isEmpty else { return show(next: next, email: form.typed("email"), errors: reader.errors, status: .unprocessableContent) }
            let signedIn: AccountService.SignedIn?
            do {
                signedIn = try await accounts.signIn(email: email, password: password, from: context.signInSource)
            } catch SignInRefusal.throttled(let seconds) {
                // The form comes back with what was typed, and the wait in words (429, Retry-After).
                var response = show(
                    next: next, email: form.typed("email"),
                    errors: [FieldError(field: "email", message: "Too many sign-ins have failed. Wait \(Self.duration(seconds)), then try again")],
                    status: .tooManyRequests)
                response.headers[.retryAfter] = String(seconds)
                return response
            } catch let busy as PasswordWorkBusy {
                var response = show(
                    next: next, email: form.typed("email"),
                    errors: [FieldError(field: "email", message: "The register is busy. Wait a moment, then try again")],
                    status: .serviceUnavailable)
                response.headers[.retryAfter] = String(busy.retryAfterSeconds)
                return response
            }
            guard let signedIn else {
                return show(
                    next: next, email: form.typed("email"),
                    errors: [FieldError(field: "email", message: "The email address or password is wrong")], status: .unauthorized)
            }
            var response = Response.redirect(to: next ?? "/", type: .normal)
            response.headers.append(HTTPField(name: .setCookie, value: SessionCookie(cookies: cookies).start(signedIn)))
            response.headers.append(HTTPField(name: .setCookie, value: cookies.set(Cookies.signIn, "", maxAge: 0, sameSite: "Strict", path: "/sign-in")))
            return response
        }
    }

    func addSignedInRoutes(to group: RouterGroup<SignedInContext>) {
        group.post("sign-out") { request, context in
            _ = try await kit.form(request, context: context)
            if let session = context.sessionToken {
                try await accounts.signOut(session: SecretToken(text: session), by: context.actor)
            }
            var response = Response.redirect(to: "/sign-in", type: .normal)
            response.headers.append(HTTPField(name: .setCookie, value: SessionCookie(cookies: cookies).end()))
            return response
        }
    }

    /// The sign-in form, with a fresh token in a cookie and the form (double submit: no session yet).
    private func show(next: String?, email: String, errors: [FieldError], status: HTTPResponse.Status) -> Response {
        let token = CSRF.random()
        var view = FormView(fields: [Self.fields[0].with(email), Self.fields[1]], errors: errors).values
        view["csrf"] = token
        if let next { view["next"] = next }
        var response = kit.views.page("sign-in", view, chrome: Chrome(title: "Sign in"), status: status)
        response.headers.append(
            HTTPField(name: .setCookie, value: cookies.set(Cookies.signIn, token, maxAge: 3600, sameSite: "Strict", path: "/sign-in")))
        return response
    }

    /// "37 seconds", "1 minute", "5 minutes": a wait in words, rounded up to whole minutes past one.
    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return seconds == 1 ? "1 second" : "\(seconds) seconds" }
        let minutes = (seconds + 59) / 60
        return minutes == 1 ? "1 minute" : "\(minutes) minutes"
    }
}
