import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// "My account" (`/account`), for everyone: who they are, changing their own password, and their
/// API tokens (make one, shown once; revoke one). The same service functions as the JSON API's
/// `PUT /api/v1/me/password` and `/api/v1/tokens`.
struct AccountPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("account") { request, context in try await accountPage(request, context) }
        group.get("account/password") { request, context in
            try context.actor.require(.manageOwnAccount)
            return try await passwordForm(errors: [], request: request, context: context)
        }
        group.post("account/password") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                do {
                    let ended = try await services.accounts.changePassword(
                        try Self.readPasswordChange(form), keeping: context.sessionToken.map { SecretToken(text: $0) }, by: context.actor)
                    let elsewhere = ended == 0 ? "you were signed in nowhere else" : "you have been signed out everywhere else (\(AdminWords.count(ended, "session")))"
                    return kit.redirect("/account", banner: "Your password is changed: \(elsewhere)")
                } catch let invalid as ValidationError {
                    return try await passwordForm(errors: Self.pageErrors(invalid), request: request, context: context)
                }
            }
        }
        group.post("account/tokens") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                do {
                    let (name, days) = try Self.readToken(form)
                    let (token, secret) = try await services.accounts.createToken(named: name, days: days, by: context.actor)
                    // The token is shown in this answer only: the same form sent again goes to the account page.
                    if let key = form["form_key"].flatMap(UUID.init(uuidString:)) {
                        try await services.forms.settle(key, leadingTo: "/account", by: context.actor)
                    }
                    let values: [String: Any] = [
                        "name": token.name, "secret": secret.text, "expires": UKDate.long(Day.today(now: token.expiresAt)),
                    ]
                    return try await kit.page("account-token", values, title: "API token created", request: request, context: context)
                } catch let invalid as ValidationError {
                    return try await accountPage(request, context, errors: invalid.errors, typed: form)
                }
            }
        }
        group.post("account/tokens/:token/revoke") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try context.parameters.id("token", entity: "token")
                let name = try await services.accounts.tokens(by: context.actor).first { $0.id == id }?.name
                try await services.accounts.revokeToken(id, by: context.actor)
                return kit.redirect("/account#tokens", banner: "The API token “\(name ?? "")” is revoked: it no longer works")
            }
        }
    }

    private func accountPage(
        _ request: Request, _ context: SignedInContext, errors: [FieldError] = [], typed: Form? = nil
    ) async throws -> Response {
        let user = context.user
        let organisation = try await services.accounts.organisationName(of: user) ?? "The partnership"
        let now = Date()
        let tokens = try await services.accounts.tokens(by: context.actor).reversed().map { token -> [String: Any] in
            let tag: [String: Any] =
                token.revokedAt != nil
                ? Tag.values("Revoked", colour: "grey")
                : token.expiresAt <= now ? Tag.values("Expired", colour: "grey") : Tag.values("Active", colour: "green")
            return [
                "id": token.id.uuidString.lowercased(), "name": token.name, "created": UKDate.time(token.createdAt),
                "expires": UKDate.long(Day.today(now: token.expiresAt)), "lastUsed": token.lastUsedAt.map(UKDate.time) ?? "Never",
                "tag": tag, "live": token.isLive(at: now),
            ]
        }
        let tokenForm = FormView(
            fields: [
                Field.text("name", "Name of the token", hint: "What it is for, like “nightly export”").with(typed?.typed("name")),
                Field.text(
                    "expires_in_days", "Days it works",
                    hint: "From 1 to \(TokenLifetime.maximumDays). Leave empty for \(TokenLifetime.defaultDays) days.", width: 10
                ).with(typed?.typed("expires_in_days")),
            ], errors: errors)
        var values = tokenForm.values
        values.merge([
            "name": user.name, "tokens": tokens, "hasTokens": !tokens.isEmpty,
            "rows": [
                ["key": "Name", "value": user.name],
                ["key": "Email address", "value": user.email],
                ["key": "Role", "value": AdminWords.role(user.role)],
                ["key": "Organisation", "value": organisation],
            ] as [[String: Any]],
        ]) { $1 }
        return try await kit.page(
            "account", values, title: "My account", request: request, context: context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    private func passwordForm(errors: [FieldError], request: Request, context: SignedInContext) async throws -> Response {
        // Passwords are never drawn back into the form.
        let fields = [
            Field(name: "current_password", label: "Current password", control: .input(type: "password", width: nil), autocomplete: "current-password"),
            Field(
                name: "new_password", label: "New password",
                hint: "At least \(PasswordRules.minimumCharacters) characters. A few unrelated words make a strong password that is easy to remember.",
                control: .input(type: "password", width: nil), autocomplete: "new-password"),
            Field(name: "confirm_password", label: "Confirm new password", control: .input(type: "password", width: nil), autocomplete: "new-password"),
        ]
        let values = FormView(fields: fields, errors: errors).values.merging([
            "heading": "Change your password", "action": "/account/password", "button": "Change password", "back": "/account",
            "inset": "You will stay signed in here, and be signed out everywhere else.",
        ])
        return try await kit.page(
            "admin-form", values, title: "Change your password", request: request, context: context,
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    // MARK: Reading the forms

    static func readPasswordChange(_ form: Form) throws -> PasswordChange {
        var reader = FormReader(form)
        let current = form.typed("current_password")
        let new = form.typed("new_password")
        let confirm = form.typed("confirm_password")
        if current.isEmpty { reader.fail("current_password", "Enter your current password") }
        if new.isEmpty {
            reader.fail("new_password", "Enter a new password")
        } else {
            var v = Validator()
            PasswordRules.check(new, field: "new_password", into: &v)
            if let first = v.errors.first { reader.fail("new_password", AdminWords.passwordProblem(first.message)) }
            if confirm.isEmpty {
                reader.fail("confirm_password", "Enter the new password again")
            } else if confirm != new {
                reader.fail("confirm_password", "The new passwords do not match: enter the same one twice")
            }
        }
        try reader.check()
        return PasswordChange(currentPassword: current, newPassword: new)
    }

    static func readToken(_ form: Form) throws -> (name: String, days: Int?) {
        var reader = FormReader(form)
        let name = reader.required("name", "Enter a name for the token, saying what it is for")
        var days: Int?
        if let raw = form["expires_in_days"] {
            if let value = Int(raw), (1...TokenLifetime.maximumDays).contains(value) {
                days = value
            } else {
                reader.fail("expires_in_days", "Enter the number of days as a whole number from 1 to \(TokenLifetime.maximumDays)")
            }
        }
        try reader.check()
        return (name, days)
    }

    static func pageErrors(_ invalid: ValidationError) -> [FieldError] {
        invalid.errors.map { error in
            switch error.field {
            case "current_password": FieldError(field: "current_password", message: "Your current password is wrong")
            case "new_password": FieldError(field: "new_password", message: AdminWords.passwordProblem(error.message))
            default: error
            }
        }
    }
}
