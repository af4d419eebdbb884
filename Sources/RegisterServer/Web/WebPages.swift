import Foundation
import HTTPTypes
import Hummingbird
import RegisterDomain
import RegisterServices

/// The web pages: server-rendered HTML over the same services as the JSON API.
struct WebPages {
    let services: RegisterServices
    let cookies: Cookies
    let views: Views

    func addRoutes(to router: Router<RegisterRequestContext>) {
        let kit = PageKit(views: views, services: services, cookies: cookies)
        router.get(RouterPath(views.stylesheetPath)) { _, _ in views.stylesheetResponse() }
        router.get(RouterPath(views.scriptPath)) { _, _ in views.scriptResponse() }
        SignInPages(kit: kit, accounts: services.accounts, cookies: cookies).addRoutes(to: router)

        let pages = router.group()
            .add(middleware: Authenticator(accounts: services.accounts, cookies: cookies))
            .add(middleware: RequireSignInMiddleware())
            .group(context: SignedInContext.self)
        SignInPages(kit: kit, accounts: services.accounts, cookies: cookies).addSignedInRoutes(to: pages)
        HomePage(kit: kit).addRoutes(to: pages)
        ReviewPages(kit: kit).addRoutes(to: pages)
        RecommendationPages(kit: kit).addRoutes(to: pages)
        EvidencePages(kit: kit).addRoutes(to: pages)
        RequestPages(kit: kit).addRoutes(to: pages)
        DocumentPages(kit: kit).addRoutes(to: pages)
        AdminPages(kit: kit).addRoutes(to: pages)
        AccountPages(kit: kit).addRoutes(to: pages)
        ReminderPages(kit: kit).addRoutes(to: pages)
        PartnerPages(kit: kit).addRoutes(to: pages)
        ReportPages(kit: kit).addRoutes(to: pages)
        AuditPages(kit: kit).addRoutes(to: pages)
        LearningPages(kit: kit).addRoutes(to: pages)
        MonitoringPages(kit: kit).addRoutes(to: pages)
        ImportPages(kit: kit).addRoutes(to: pages)
    }

    /// The HTML page for an error: the same status the API would answer, in words.
    static func errorPage(views: Views) -> @Sendable (Request, HTTPResponse.Status, Problem) -> Response {
        { request, status, problem in
            if status == .unauthorized {
                let back = request.method == .get ? SignInTarget.safe(request.uri.description) : nil
                return .redirect(to: "/sign-in" + (back.map { "?next=" + Form.percentEncode($0) } ?? ""), type: .normal)
            }
            let (heading, message): (String, String) =
                switch status {
                case .notFound: ("Page not found", "If you typed the web address, check it is correct. If you followed a link, the record may have been removed, or it may not be one you can see.")
                case .forbidden: (problem.title, problem.detail)
                case .internalServerError: ("Sorry, there is a problem with the service", "Nothing was changed. Try again later.")
                default: (problem.title, problem.detail)
                }
            var values: [String: Any] = ["heading": heading, "message": message]
            if status == .internalServerError { values["requestID"] = problem.requestID }
            return views.page("error", values, chrome: Chrome(title: heading), status: status)
        }
    }
}

/// What every page handler shares: the layout around it, the banner after an action, and reading
/// a submitted form with its CSRF token checked.
struct PageKit: Sendable {
    let views: Views
    let services: RegisterServices
    /// The banner after an action travels in the `lr_flash` cookie (`__Host-lr_flash` when Secure).
    let cookies: Cookies

    /// The primary navigation, by what the person may do.
    func navigation(_ actor: Actor) -> [(label: String, path: String)] {
        var items: [(String, String)] = [("Home", "/")]
        if actor.may(.readReviews) { items.append(("Reviews", "/reviews")) }
        if actor.may(.decideEvidence) { items.append(("Evidence queue", "/evidence")) }
        if actor.may(.askForInformation) || actor.may(.answerRequests) { items.append(("Information requests", "/information-requests")) }
        if actor.may(.readReports) { items.append(("Reports", "/reports")) }
        if actor.may(.readAudit) { items.append(("Audit trail", "/audit")) }
        if actor.may(.readReports) { items.append(("Learning", "/learning")) }
        if actor.may(.readReports) { items.append(("Monitoring", "/monitoring-bodies")) }
        if actor.may(.manageUsers) { items.append(("Administration", "/admin")) }
        items.append(("My account", "/account"))
        return items
    }

    /// Renders a page in the layout, showing (and clearing) the banner the last action left.
    func page(
        _ template: String, _ values: [String: Any], title: String, request: Request, context: SignedInContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let user = context.user
        let organisation = try await services.accounts.organisationName(of: user) ?? "the partnership (\(user.role.rawValue))"
        let flash = cookies.value(Cookies.flash, in: request)?.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
        let chrome = Chrome(
            title: title, person: user.name, organisation: organisation,
            csrfToken: context.sessionToken.map(CSRF.token(forSession:)), navigation: navigation(context.actor),
            currentPath: request.uri.path, banner: flash)
        var values = values
        values["csrf"] = chrome.csrfToken ?? ""
        values["formKey"] = UUID().uuidString.lowercased()
        var response = views.page(template, values, chrome: chrome, status: status)
        if flash != nil { response.headers.append(HTTPField(name: .setCookie, value: cookies.set(Cookies.flash, "", maxAge: 0))) }
        return response
    }

    /// A submitted form, refused unless it carries this session's CSRF token.
    func form(_ request: Request, context: SignedInContext) async throws -> Form {
        let form = try await Form.read(request, context: context)
        guard let session = context.sessionToken, CSRF.matches(form["csrf_token"], CSRF.token(forSession: session)) else {
            throw RequestProblem.missingFormToken
        }
        return form
    }

    /// Runs a page form's action once per rendered form: the form's one-time key is claimed first,
    /// so the same form sent twice (a double click) leads where the first went and changes nothing more.
    func once(_ form: Form, context: SignedInContext, _ action: () async throws -> Response) async throws -> Response {
        guard let key = form["form_key"].flatMap(UUID.init(uuidString:)) else { return try await action() }
        let forms = services.forms
        let actor = context.actor
        switch try await forms.claim(key, by: actor) {
        case .repeated(let outcome):
            return redirect(outcome ?? "/", banner: "That form was sent twice: it was acted on once")
        case .first:
            do {
                let response = try await action()
                // Where it led: a redirect, or the page the upload script is told to open.
                if let location = response.headers[.location] ?? response.headers[.xLocation],
                    response.status == .seeOther || response.status == .noContent
                {
                    try await forms.settle(key, leadingTo: location, by: actor)
                } else {
                    try await forms.release(key, by: actor)
                }
                return response
            } catch {
                try? await forms.release(key, by: actor)
                throw error
            }
        }
    }

    /// After an action: back to a page (303, so reloading does not send the form again) with a banner.
    /// A form sent by the upload script (which cannot stop a browser following a redirect, and so
    /// would use up the banner) gets 204 with the page in `X-Location` instead, and goes there itself.
    func redirect(_ path: String, banner: String?, request: Request? = nil) -> Response {
        var response = Response.redirect(to: path, type: .normal)
        if request?.headers[.uploadScript] == "1" {
            response.status = .noContent
            response.headers[.location] = nil
            response.headers[.xLocation] = path
        }
        if let banner {
            response.headers.append(
                HTTPField(name: .setCookie, value: cookies.set(Cookies.flash, Form.percentEncode(banner), maxAge: 60)))
        }
        return response
    }
}

extension HTTPField.Name {
    /// Sent by `upload.js` with a form it sends itself.
    static let uploadScript = Self("X-Upload-Script")!
    static let xLocation = Self("X-Location")!
}

extension Dictionary where Key == String, Value == Any {
    /// Adds another set of template values (the later wins).
    func merging(_ other: [String: Any]) -> [String: Any] { merging(other) { $1 } }
}
