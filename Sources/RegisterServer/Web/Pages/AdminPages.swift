import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices
import RegisterStore

/// The admin's pages (`/admin`): accounts, partner organisations and boards.
///
/// Every action is the service function the JSON API and the command line call; the pages only read
/// the form (inside the action, after the policy) and show the result. The pages of the area first
/// ask the service's policy (`require`), so anyone else meets the same 403 page the API would give.
struct AdminPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("admin") { request, context in try await overview(request, context) }
        addUserRoutes(to: group)
        addPartnerRoutes(to: group)
        addBoardRoutes(to: group)
    }

    private func overview(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let accounts = try await services.accounts.entries(by: context.actor)
        try context.actor.require(.managePartners)
        let partners = try await services.partners.all(by: context.actor)
        let boards = try await services.boards.list(PageRequest(limit: 200), by: context.actor)
        let undelivered = try await services.reminders.undelivered(limit: 50, by: context.actor).map { r -> [String: Any] in
            ["name": r.name, "email": r.email, "day": UKDate.long(r.day), "attempts": r.attempts, "error": r.lastError]
        }
        let values: [String: Any] = [
            "undelivered": undelivered, "hasUndelivered": !undelivered.isEmpty,
            "cards": [
                ["title": "Users", "count": accounts.filter(\.user.active).count, "href": "/admin/users",
                 "what": "active accounts", "more": "\(accounts.filter { !$0.user.active }.count) deactivated"],
                ["title": "Partner organisations", "count": partners.filter { $0.details.active ?? true }.count, "href": "/admin/partners",
                 "what": "active organisations", "more": "\(partners.filter { !($0.details.active ?? true) }.count) inactive"],
                ["title": "Boards", "count": boards.items.count, "href": "/admin/boards",
                 "what": "boards and partnerships", "more": "settings such as the assurance rule"],
            ] as [[String: Any]]
        ]
        return try await kit.page("admin", values, title: "Administration", request: request, context: context)
    }

    // MARK: Users

    private func addUserRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("admin/users") { request, context in
            let entries = try await services.accounts.entries(by: context.actor)
            let rows = entries.map { entry -> [String: Any] in
                [
                    "href": Self.userPath(entry.user.id), "name": entry.user.name, "email": entry.user.email,
                    "role": AdminWords.role(entry.user.role), "organisation": Self.organisation(entry),
                    "tag": Self.status(entry),
                ]
            }
            return try await kit.page("admin-users", ["users": rows, "count": rows.count], title: "Users", request: request, context: context)
        }
        group.get("admin/users/new") { request, context in
            try context.actor.require(.manageUsers)
            return try await newUserForm(typed: nil, errors: [], request: request, context: context)
        }
        group.post("admin/users/new") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                do {
                    let created = try await services.accounts.create(try Self.readNewUser(form), by: context.actor)
                    try await settle(form, leadingTo: Self.userPath(created.user.id), context: context)
                    return try await passwordShown(
                        heading: "Account created", user: created.user, password: created.generatedPassword,
                        lead: "\(created.user.name) can now sign in with \(created.user.email).", request: request, context: context)
                } catch let invalid as ValidationError {
                    return try await newUserForm(typed: form, errors: Self.pageErrors(invalid), request: request, context: context)
                } catch DomainError.duplicate {
                    let taken = FieldError(field: "email", message: "An account with this email address already exists")
                    return try await newUserForm(typed: form, errors: [taken], request: request, context: context)
                }
            }
        }
        group.get("admin/users/:user") { request, context in
            try await userPage(try userID(context), request: request, context: context)
        }
        group.post("admin/users/:user/role") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try userID(context)
                do {
                    let user = try await services.accounts.changeRole(id, try Self.readRole(form), by: context.actor)
                    return kit.redirect(Self.userPath(id), banner: "\(user.name) is now \(AdminWords.role(user.role).lowercased())")
                } catch let invalid as ValidationError {
                    return try await userPage(id, errors: Self.pageErrors(invalid), typed: form, request: request, context: context)
                } catch DomainError.conflict(let detail) {
                    return try await userPage(id, errors: [FieldError(field: "role", message: detail)], typed: form, request: request, context: context)
                }
            }
        }
        group.get("admin/users/:user/deactivate") { request, context in
            let id = try userID(context)
            let user = try await services.accounts.user(id, by: context.actor)
            let sessions = try await services.accounts.liveSessions(of: id, by: context.actor)
            let tokens = try await services.accounts.tokens(of: id, by: context.actor).filter { $0.isLive() }.count
            let values: [String: Any] = [
                "caption": user.name, "heading": "Are you sure you want to deactivate this account?",
                "back": Self.userPath(id), "action": Self.userPath(id) + "/deactivate", "button": "Deactivate account", "warningButton": true,
                "warning": "\(user.name) will be signed out at once and will not be able to sign in. "
                    + (sessions == 0 ? "They are not signed in anywhere now. " : "\(AdminWords.count(sessions, "session")) will end. ")
                    + (tokens == 0
                        ? "They have no API tokens in use."
                        : "\(AdminWords.count(tokens, "API token")) will be revoked; revoked tokens cannot be restored."),
                "inset": "You can reactivate the account later. They will then sign in with the password they had.",
            ]
            return try await kit.page("admin-check", values, title: "Deactivate \(user.name)", request: request, context: context)
        }
        group.post("admin/users/:user/deactivate") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try userID(context)
                do {
                    let change = try await services.accounts.deactivate(id, by: context.actor)
                    return kit.redirect(
                        Self.userPath(id),
                        banner: "\(change.user.name)'s account is deactivated: \(AdminWords.count(change.sessionsEnded, "session")) ended, "
                            + "\(AdminWords.count(change.tokensRevoked, "API token")) revoked")
                } catch DomainError.conflict(let detail) {
                    return try await userPage(id, errors: [FieldError(field: "account-actions", message: detail)], request: request, context: context)
                }
            }
        }
        group.post("admin/users/:user/reactivate") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try userID(context)
                let user = try await services.accounts.reactivate(id, by: context.actor)
                return kit.redirect(Self.userPath(id), banner: "\(user.name)'s account is active again: they can sign in")
            }
        }
        group.get("admin/users/:user/reset-password") { request, context in
            let id = try userID(context)
            let user = try await services.accounts.user(id, by: context.actor)
            return try await resetForm(user, typed: nil, errors: [], request: request, context: context)
        }
        group.post("admin/users/:user/reset-password") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let id = try userID(context)
                do {
                    let reset = try await services.accounts.resetPassword(id, try Self.readReset(form), by: context.actor)
                    let ended = "\(AdminWords.count(reset.sessionsEnded, "session")) ended"
                    guard let generated = reset.generatedPassword else {
                        return kit.redirect(Self.userPath(id), banner: "\(reset.user.name)'s password is changed: \(ended)")
                    }
                    try await settle(form, leadingTo: Self.userPath(id), context: context)
                    return try await passwordShown(
                        heading: "Password reset", user: reset.user, password: generated,
                        lead: "\(reset.user.name) has been signed out (\(ended)).", request: request, context: context)
                } catch let invalid as ValidationError {
                    let user = try await services.accounts.user(id, by: context.actor)
                    return try await resetForm(user, typed: form, errors: Self.pageErrors(invalid), request: request, context: context)
                } catch DomainError.conflict(let detail) {
                    return try await userPage(id, errors: [FieldError(field: "account-actions", message: detail)], request: request, context: context)
                }
            }
        }
    }

    /// The version a form was read at.
    static func version(_ form: Form) -> Int { Int(form["version"] ?? "") ?? 0 }

    /// Settles a form's one-time key on a page that answers the form itself (it shows a password or
    /// token once, so it is no page to redirect to): the same form sent again is then sent to `path`
    /// instead of acting twice.
    func settle(_ form: Form, leadingTo path: String, context: SignedInContext) async throws {
        guard let key = form["form_key"].flatMap(UUID.init(uuidString:)) else { return }
        try await services.forms.settle(key, leadingTo: path, by: context.actor)
    }

    private func userID(_ context: SignedInContext) throws -> UUID { try context.parameters.id("user", entity: "user") }
    static func userPath(_ id: UUID) -> String { "/admin/users/\(id.uuidString.lowercased())" }

    private static func organisation(_ entry: AccountEntry) -> String {
        guard let name = entry.organisation else { return "The partnership" }
        return entry.organisationActive == false ? "\(name) (inactive)" : name
    }

    private static func status(_ entry: AccountEntry) -> [String: Any] {
        if !entry.user.active { return Tag.values("Deactivated", colour: "grey") }
        if entry.organisationActive == false { return Tag.values("Organisation inactive", colour: "orange") }
        return Tag.values("Active", colour: "green")
    }

    private static let roleChoices: [(value: String, label: String)] = [
        (Role.coordinator.rawValue, "Coordinator: records reviews, assigns work to partners and decides their evidence"),
        (Role.partner.rawValue, "Partner organisation user: sees and works on their own organisation's assignments only"),
        (Role.auditor.rawValue, "Auditor: reads everything, the reports and the audit trail, and changes nothing"),
        (Role.admin.rawValue, "Admin: everything a coordinator may, plus accounts, partner organisations and boards"),
    ]

    private static let passwordChoices: [(value: String, label: String)] = [
        ("generate", "Generate a one-time password (shown once, on the next page)"),
        ("set", "Set a password myself"),
    ]

    private func partnerField(selected: String?, context: SignedInContext) async throws -> Field {
        let partners = try await services.partners.choices(by: context.actor).map {
            (value: $0.id.uuidString.lowercased(), label: $0.details.name)
        }
        return Field(
            name: "partner_id", label: "Partner organisation", hint: "Only for partner organisation users: the organisation they work for",
            control: .select([(value: "", label: "Not a partner organisation user")] + partners)
        ).with(selected)
    }

    private func newUserForm(typed: Form?, errors: [FieldError], request: Request, context: SignedInContext) async throws -> Response {
        let fields: [Field] = [
            Field(name: "email", label: "Email address", hint: "They sign in with it", control: .input(type: "email", width: nil), autocomplete: "off")
                .with(typed?.typed("email")),
            Field.text("name", "Full name").with(typed?.typed("name")),
            Field(name: "role", label: "Role", control: .radios(Self.roleChoices)).with(typed?.typed("role")),
            try await partnerField(selected: typed?.typed("partner_id"), context: context),
            Field(name: "password_choice", label: "Password", control: .radios(Self.passwordChoices)).with(typed?.typed("password_choice") ?? "generate"),
            Field(
                name: "password", label: "Password to set", hint: "Only if you set one yourself: at least 12 characters. Give it to them safely.",
                control: .input(type: "password", width: nil), autocomplete: "new-password"),
        ]
        let values = FormView(fields: fields, errors: errors).values.merging([
            "heading": "Create a user", "action": "/admin/users/new", "button": "Create user", "back": "/admin/users",
        ])
        return try await kit.page(
            "admin-form", values, title: "Create a user", request: request, context: context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// The page that shows a password once: the answer to the form itself, never a page one can come back to.
    private func passwordShown(
        heading: String, user: User, password: String?, lead: String, request: Request, context: SignedInContext
    ) async throws -> Response {
        let values: [String: Any] = [
            "heading": heading, "lead": lead, "name": user.name, "password": password ?? "", "userHref": Self.userPath(user.id),
        ]
        return try await kit.page("admin-password", values, title: heading, request: request, context: context)
    }

    private func userPage(
        _ id: UUID, errors: [FieldError] = [], typed: Form? = nil, request: Request, context: SignedInContext
    ) async throws -> Response {
        let user = try await services.accounts.user(id, by: context.actor)
        let entry = try await services.accounts.entries(by: context.actor).first { $0.user.id == id }
        let sessions = try await services.accounts.liveSessions(of: id, by: context.actor)
        let tokens = try await services.accounts.tokens(of: id, by: context.actor).filter { $0.isLive() }.count
        let isSelf = context.user.id == id
        var rows: [[String: Any]] = [
            ["key": "Email address", "value": user.email],
            ["key": "Role", "value": AdminWords.role(user.role)],
            ["key": "Organisation", "value": entry.map(Self.organisation) ?? "The partnership"],
            ["key": "Account created", "value": UKDate.time(user.createdAt)],
            ["key": "Signed in now", "value": AdminWords.count(sessions, "session")],
            ["key": "API tokens in use", "value": AdminWords.count(tokens, "token")],
        ]
        if let changed = entry?.passwordChangedAt { rows.insert(["key": "Password last set", "value": UKDate.time(changed)], at: 4) }
        let roleForm = FormView(
            fields: [
                Field(name: "role", label: "Role", control: .radios(Self.roleChoices)).with(typed?.typed("role") ?? user.role.rawValue),
                try await partnerField(selected: typed?.typed("partner_id") ?? user.partnerID?.uuidString.lowercased(), context: context),
            ], errors: errors)
        var values: [String: Any] = [
            "name": user.name, "href": Self.userPath(id), "rows": rows, "tag": Self.status(entry ?? AccountEntry(user: user)),
            "active": user.active, "isSelf": isSelf, "roleFields": roleForm.values["fields"]!,
        ]
        values["errors"] = errors.map { ["field": $0.field, "message": $0.message] }
        values["hasErrors"] = !errors.isEmpty
        values["actionsError"] = errors.first { $0.field == "account-actions" }?.message ?? ""
        return try await kit.page(
            "admin-user", values, title: user.name, request: request, context: context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    private func resetForm(_ user: User, typed: Form?, errors: [FieldError], request: Request, context: SignedInContext) async throws -> Response {
        let fields: [Field] = [
            Field(name: "password_choice", label: "New password", control: .radios(Self.passwordChoices)).with(typed?.typed("password_choice") ?? "generate"),
            Field(
                name: "password", label: "Password to set", hint: "Only if you set one yourself: at least 12 characters. Give it to them safely.",
                control: .input(type: "password", width: nil), autocomplete: "new-password"),
        ]
        let values = FormView(fields: fields, errors: errors).values.merging([
            "caption": user.name, "heading": "Reset the password", "action": Self.userPath(user.id) + "/reset-password",
            "button": "Reset password", "back": Self.userPath(user.id),
            "warning": "\(user.name) will be signed out everywhere and will need the new password to sign in again. Their API tokens keep working.",
        ])
        return try await kit.page(
            "admin-form", values, title: "Reset the password of \(user.name)", request: request, context: context,
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    // MARK: Reading the user forms (each throws every problem at once, with the page's field names)

    static func readNewUser(_ form: Form) throws -> NewUser {
        var reader = FormReader(form)
        let email = reader.required("email", "Enter their email address")
        let name = reader.required("name", "Enter their full name")
        let role = reader.choice("role", Role.self, message: "Choose their role")
        let partnerID = readPartner(form, role: role, into: &reader)
        let password = readPassword(form, into: &reader)
        try reader.check()
        let new = NewUser(email: email, name: name, role: role!, partnerID: partnerID, password: password)
        do {
            try new.validate()
        } catch let invalid as ValidationError {
            throw ValidationError(invalid.errors.map { error in
                error.field == "email" ? FieldError(field: "email", message: "Enter an email address in the right form, like name@example.org") : error
            })
        }
        return new
    }

    static func readRole(_ form: Form) throws -> RoleChange {
        var reader = FormReader(form)
        let role = reader.choice("role", Role.self, message: "Choose their role")
        let partnerID = readPartner(form, role: role, into: &reader)
        try reader.check()
        return RoleChange(role: role!, partnerID: partnerID)
    }

    static func readReset(_ form: Form) throws -> PasswordReset {
        var reader = FormReader(form)
        let password = readPassword(form, into: &reader)
        try reader.check()
        return PasswordReset(password: password)
    }

    /// The organisation, required for a partner user and left out for anyone else.
    private static func readPartner(_ form: Form, role: Role?, into reader: inout FormReader) -> UUID? {
        guard role == .partner else { return nil }
        guard let raw = form["partner_id"] else {
            reader.fail("partner_id", "Choose the partner organisation a partner organisation user works for")
            return nil
        }
        guard let id = UUID(uuidString: raw) else {
            reader.fail("partner_id", "Choose a partner organisation from the list")
            return nil
        }
        return id
    }

    /// Nil to have one generated; the typed one, checked as every password is, when chosen.
    private static func readPassword(_ form: Form, into reader: inout FormReader) -> String? {
        switch form["password_choice"] {
        case "generate": return nil
        case "set":
            let password = form.typed("password")
            if password.isEmpty {
                reader.fail("password", "Enter the password to set, or choose to generate one")
            } else {
                var v = Validator()
                PasswordRules.check(password, field: "password", into: &v)
                for error in v.errors { reader.fail("password", AdminWords.passwordProblem(error.message)) }
            }
            return password
        default:
            reader.fail("password_choice", "Choose whether to generate a password or set one")
            return nil
        }
    }

    /// The service's field problems, in the words of the page where they differ from the API's.
    static func pageErrors(_ invalid: ValidationError) -> [FieldError] {
        invalid.errors.map { error in
            switch error.field {
            case "password", "new_password": FieldError(field: error.field, message: AdminWords.passwordProblem(error.message))
            case "partner_id" where error.message.contains("inactive"):
                FieldError(field: error.field, message: "That partner organisation is inactive: reactivate it first, or choose another")
            case "partner_id" where error.message.contains("only partner users"):
                FieldError(field: error.field, message: "Only partner organisation users belong to an organisation: choose “Not a partner organisation user”")
            case "partner_id": FieldError(field: error.field, message: "Choose the partner organisation a partner organisation user works for")
            default: error
            }
        }
    }

    // MARK: Partner organisations

    private func addPartnerRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("admin/partners") { request, context in
            try context.actor.require(.managePartners)
            let partners = try await services.partners.all(by: context.actor)
            let people = Dictionary(grouping: try await services.accounts.entries(by: context.actor).filter { $0.user.partnerID != nil }) {
                $0.user.partnerID!
            }
            let rows = partners.map { partner -> [String: Any] in
                let members = people[partner.id] ?? []
                return [
                    "href": Self.partnerPath(partner.id), "name": partner.details.name, "sector": AdminWords.holder(partner.details),
                    "people": "\(members.filter(\.user.active).count) active of \(members.count)",
                    "tag": (partner.details.active ?? true) ? Tag.values("Active", colour: "green") : Tag.values("Inactive", colour: "grey"),
                ]
            }
            return try await kit.page("admin-partners", ["partners": rows, "hasPartners": !rows.isEmpty], title: "Partner organisations", request: request, context: context)
        }
        group.get("admin/partners/new") { request, context in
            try context.actor.require(.managePartners)
            return try await partnerForm(nil, typed: nil, errors: [], request: request, context: context)
        }
        group.post("admin/partners/new") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                do {
                    let partner = try await services.partners.record(try Self.readPartner(form, active: true), by: context.actor)
                    return kit.redirect(Self.partnerPath(partner.id), banner: "\(partner.details.name) added")
                } catch let invalid as ValidationError {
                    return try await partnerForm(nil, typed: form, errors: invalid.errors, request: request, context: context)
                } catch DomainError.duplicate(let field, _) {
                    let taken = Self.duplicateHolder(field, form)
                    return try await partnerForm(nil, typed: form, errors: [taken], request: request, context: context)
                }
            }
        }
        group.get("admin/partners/:partner") { request, context in
            try await partnerPage(try partnerID(context), request: request, context: context)
        }
        group.get("admin/partners/:partner/edit") { request, context in
            let partner = try await services.partners.get(try partnerID(context), by: context.actor)
            try context.actor.require(.managePartners)
            return try await partnerForm(partner, typed: nil, errors: [], request: request, context: context)
        }
        group.post("admin/partners/:partner/edit") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let current = try await services.partners.get(try partnerID(context), by: context.actor)
                do {
                    let partner = try await services.partners.update(
                        current.id, expectedVersion: Self.version(form), to: try Self.readPartner(form, active: current.details.active),
                        by: context.actor)
                    return kit.redirect(Self.partnerPath(partner.id), banner: "Changes saved")
                } catch let invalid as ValidationError {
                    return try await partnerForm(current, typed: form, errors: invalid.errors, request: request, context: context)
                } catch DomainError.duplicate(let field, _) {
                    let taken = Self.duplicateHolder(field, form)
                    return try await partnerForm(current, typed: form, errors: [taken], request: request, context: context)
                } catch DomainError.versionMismatch {
                    let now = try await services.partners.get(current.id, by: context.actor)
                    return try await partnerForm(now, typed: form, errors: [Self.changedMeanwhile], request: request, context: context)
                }
            }
        }
        group.get("admin/partners/:partner/deactivate") { request, context in
            let partner = try await services.partners.get(try partnerID(context), by: context.actor)
            let members = try await services.accounts.entries(partner: partner.id, by: context.actor).filter(\.user.active)
            let values: [String: Any] = [
                "caption": partner.details.name, "heading": "Are you sure you want to deactivate this organisation?",
                "back": Self.partnerPath(partner.id), "action": Self.partnerPath(partner.id) + "/deactivate",
                "button": "Deactivate organisation", "warningButton": true, "version": partner.version,
                "warning": "While it is inactive, its \(AdminWords.count(members.count, "active user")) will not be able to sign in "
                    + "or use their API tokens, and it will be given no new work.",
                "inset": "Its assignments, evidence and history stay. Reactivating it lets its people sign in again.",
            ]
            return try await kit.page("admin-check", values, title: "Deactivate \(partner.details.name)", request: request, context: context)
        }
        for (path, active) in [("deactivate", false), ("reactivate", true)] {
            group.post("admin/partners/:partner/\(path)") { request, context in
                let form = try await kit.form(request, context: context)
                return try await kit.once(form, context: context) {
                    let current = try await services.partners.get(try partnerID(context), by: context.actor)
                    var details = current.details
                    details.active = active
                    do {
                        let partner = try await services.partners.update(
                            current.id, expectedVersion: Self.version(form), to: details, by: context.actor)
                        return kit.redirect(
                            Self.partnerPath(partner.id),
                            banner: active ? "\(partner.details.name) is active again: its people can sign in" : "\(partner.details.name) is deactivated: its people cannot sign in")
                    } catch DomainError.versionMismatch {
                        return try await partnerPage(current.id, errors: [Self.changedMeanwhile], request: request, context: context)
                    }
                }
            }
        }
    }

    private func partnerID(_ context: SignedInContext) throws -> UUID { try context.parameters.id("partner", entity: "partner") }
    static func partnerPath(_ id: UUID) -> String { "/admin/partners/\(id.uuidString.lowercased())" }

    private static func duplicateHolder(_ field: String, _ form: Form) -> FieldError {
        field == "kind"
            ? FieldError(field: "sector", message: "This partnership already has a business unit: add a subgroup, or change the existing business unit")
            : FieldError(field: "name", message: "A partner organisation is already called \(form.typed("name")): choose another name")
    }

    private static let changedMeanwhile = FieldError(
        field: "name", message: "Someone changed this organisation since you opened the page: check what it says now and try again")

    /// The "Kind" choice: an organisation's sector, or one of the partnership's own kinds of holder.
    private static func holderChoices() -> [(value: String, label: String)] {
        Sector.allCases.filter { $0 != .partnership }.map { ($0.rawValue, AdminWords.sector($0)) }
            + [HolderKind.businessUnit, .subgroup].map { ($0.rawValue, AdminWords.holder($0)) }
    }

    static func readPartner(_ form: Form, active: Bool?) throws -> PartnerDetails {
        var reader = FormReader(form)
        let name = reader.required("name", "Enter the name")
        let choice = form["sector"]
        let kind = choice.flatMap(HolderKind.init(rawValue:)).flatMap { $0.isPartnership ? $0 : nil }
        var sector: Sector? = .partnership
        if kind == nil { sector = reader.choice("sector", Sector.self, message: "Choose the kind of organisation, or the partnership's business unit or a subgroup") }
        var board: UUID?
        if kind != nil { board = reader.uuid("board", message: "Choose the partnership it belongs to") }
        try reader.check()
        return PartnerDetails(
            name: name, sector: sector!, active: active, kind: kind ?? .organisation, boardID: board,
            remit: form["remit"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 })
    }

    private func partnerForm(_ partner: Partner?, typed: Form?, errors: [FieldError], request: Request, context: SignedInContext) async throws -> Response {
        let boards = try await services.boards.list(PageRequest(limit: 200), by: context.actor).items
        let holderValue = partner.map { $0.details.kind.isPartnership ? $0.details.kind.rawValue : $0.details.sector.rawValue }
        let fields = [
            Field.text("name", "Name", hint: "For example, Northvale Police, or Task and finish group: longer-term needs")
                .with(typed?.typed("name") ?? partner?.details.name),
            Field(
                name: "sector", label: "Kind of organisation",
                hint: "The partnership itself can hold actions too: its business unit, or a named subgroup such as a task-and-finish group",
                control: .select([(value: "", label: "Choose one")] + Self.holderChoices())
            ).with(typed?.typed("sector") ?? holderValue),
            Field(
                name: "board", label: "Partnership (for its business unit or a subgroup)",
                hint: "Leave as it is for a partner organisation",
                control: .select([(value: "", label: "Not part of the partnership")] + boards.map { ($0.id.uuidString.lowercased(), $0.details.name) })
            ).with(typed?.typed("board") ?? partner?.details.boardID?.uuidString.lowercased()),
            Field.textarea("remit", "Remit (optional)", hint: "What a subgroup is for", rows: 3)
                .with(typed?.typed("remit") ?? partner?.details.remit),
        ]
        var values = FormView(fields: fields, errors: errors).values.merging([
            "heading": partner == nil ? "Add a partner organisation" : "Change \(partner!.details.name)",
            "action": partner.map { Self.partnerPath($0.id) + "/edit" } ?? "/admin/partners/new",
            "button": partner == nil ? "Add organisation" : "Save changes",
            "back": partner.map { Self.partnerPath($0.id) } ?? "/admin/partners",
        ])
        if let partner { values["version"] = partner.version }
        return try await kit.page(
            "admin-form", values, title: values["heading"] as! String, request: request, context: context,
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    private func partnerPage(_ id: UUID, errors: [FieldError] = [], request: Request, context: SignedInContext) async throws -> Response {
        let partner = try await services.partners.get(id, by: context.actor)
        let members = try await services.accounts.entries(partner: id, by: context.actor)
        let active = partner.details.active ?? true
        let values: [String: Any] = [
            "name": partner.details.name, "href": Self.partnerPath(id), "version": partner.version, "active": active,
            "tag": active ? Tag.values("Active", colour: "green") : Tag.values("Inactive", colour: "grey"),
            "rows": [
                ["key": "Name", "value": partner.details.name],
                ["key": "Kind of organisation", "value": AdminWords.holder(partner.details)],
            ] + (partner.details.remit.map { [["key": "Remit", "value": $0]] } ?? []) + [
                ["key": "Added", "value": UKDate.time(partner.createdAt)],
            ] as [[String: Any]],
            "people": members.map { entry -> [String: Any] in
                ["href": Self.userPath(entry.user.id), "name": entry.user.name, "email": entry.user.email, "tag": Self.status(entry)]
            },
            "errors": errors.map { ["field": $0.field, "message": $0.message] }, "hasErrors": !errors.isEmpty,
        ]
        return try await kit.page(
            "admin-partner", values, title: partner.details.name, request: request, context: context,
            status: errors.isEmpty ? .ok : .conflict)
    }

    // MARK: Boards

    private func addBoardRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("admin/boards") { request, context in
            try context.actor.require(.manageBoards)
            var boards: [Board] = []
            var page = PageRequest(limit: 200)
            while true {
                let next = try await services.boards.list(page, by: context.actor)
                boards += next.items
                guard let cursor = next.nextCursor, let after = UUID(uuidString: cursor) else { break }
                page = PageRequest(after: after, limit: 200)
            }
            let rows = boards.sorted { $0.details.name.localizedCaseInsensitiveCompare($1.details.name) == .orderedAscending }.map { board -> [String: Any] in
                [
                    "href": Self.boardPath(board.id), "name": board.details.name, "code": board.details.code,
                    "kind": AdminWords.boardKind(board.details.kind), "area": board.details.area ?? "",
                    "rule": (board.details.assuranceNeedsOutcome ?? true) ? "Outcome or impact" : "Any accepted evidence",
                    "tag": (board.details.active ?? true) ? Tag.values("Active", colour: "green") : Tag.values("Inactive", colour: "grey"),
                ]
            }
            return try await kit.page("admin-boards", ["boards": rows, "hasBoards": !rows.isEmpty], title: "Boards", request: request, context: context)
        }
        group.get("admin/boards/new") { request, context in
            try context.actor.require(.manageBoards)
            return try await boardForm(nil, typed: nil, errors: [], request: request, context: context)
        }
        group.post("admin/boards/new") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                do {
                    let board = try await services.boards.record(try Self.readBoard(form, code: nil), by: context.actor)
                    return kit.redirect("/admin/boards", banner: "\(board.details.name) added")
                } catch let invalid as ValidationError {
                    return try await boardForm(nil, typed: form, errors: invalid.errors, request: request, context: context)
                } catch DomainError.duplicate {
                    let taken = FieldError(field: "code", message: "Another board already has the code \(form.typed("code")): choose another")
                    return try await boardForm(nil, typed: form, errors: [taken], request: request, context: context)
                }
            }
        }
        group.get("admin/boards/:board") { request, context in
            let board = try await services.boards.get(try boardID(context), by: context.actor)
            try context.actor.require(.manageBoards)
            return try await boardForm(board, typed: nil, errors: [], request: request, context: context)
        }
        group.post("admin/boards/:board") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let current = try await services.boards.get(try boardID(context), by: context.actor)
                do {
                    let board = try await services.boards.update(
                        current.id, expectedVersion: Self.version(form), to: try Self.readBoard(form, code: current.details.code),
                        by: context.actor)
                    return kit.redirect("/admin/boards", banner: "Settings of \(board.details.name) saved")
                } catch let invalid as ValidationError {
                    return try await boardForm(current, typed: form, errors: invalid.errors, request: request, context: context)
                } catch DomainError.versionMismatch {
                    let now = try await services.boards.get(current.id, by: context.actor)
                    let changed = FieldError(field: "name", message: "Someone changed this board since you opened the page: check what it says now and try again")
                    return try await boardForm(now, typed: nil, errors: [changed], request: request, context: context)
                }
            }
        }
    }

    private func boardID(_ context: SignedInContext) throws -> UUID { try context.parameters.id("board", entity: "board") }
    static func boardPath(_ id: UUID) -> String { "/admin/boards/\(id.uuidString.lowercased())" }

    private static let ruleChoices: [(value: String, label: String)] = [
        ("outcome", "Accepted evidence of outcome or impact from every lead partner (recommended)"),
        ("any", "Accepted evidence of any kind from every lead partner"),
    ]

    /// A board's details from its form; `code` is kept as it is once the board exists.
    static func readBoard(_ form: Form, code: String?) throws -> BoardDetails {
        var reader = FormReader(form)
        let code = code ?? reader.required("code", "Enter a short code, like northvale-scp")
        let name = reader.required("name", "Enter the board's name")
        let kind = reader.choice("kind", BoardKind.self, message: "Choose the kind of board")
        var active = true
        switch form["active"] {
        case "true": active = true
        case "false": active = false
        default: reader.fail("active", "Choose whether the board is active")
        }
        var needsOutcome = true
        switch form["assurance"] {
        case "outcome": needsOutcome = true
        case "any": needsOutcome = false
        default: reader.fail("assurance", "Choose what assures a recommendation")
        }
        var dueWithin: Int?
        let dueText = form.typed("reminder_due_within_days")
        if !dueText.isEmpty {
            if let days = Int(dueText), (1...90).contains(days) { dueWithin = days } else {
                reader.fail("reminder_due_within_days", "Enter a whole number of days from 1 to 90")
            }
        }
        try reader.check()
        return BoardDetails(
            code: code, name: name, kind: kind!, area: form["area"], active: active, assuranceNeedsOutcome: needsOutcome,
            reminderDueWithinDays: dueWithin)
    }

    private func boardForm(_ board: Board?, typed: Form?, errors: [FieldError], request: Request, context: SignedInContext) async throws -> Response {
        var fields: [Field] = []
        if board == nil {
            fields.append(Field.text("code", "Code", hint: "A short handle of lower-case letters, digits and hyphens, like northvale-scp", width: 20).with(typed?.typed("code")))
        }
        fields += [
            Field.text("name", "Name").with(typed?.typed("name") ?? board?.details.name),
            Field(
                name: "kind", label: "Kind of board",
                control: .select([(value: "", label: "Choose one")] + BoardKind.allCases.map { ($0.rawValue, AdminWords.boardKind($0)) })
            ).with(typed?.typed("kind") ?? board?.details.kind.rawValue),
            Field.text("area", "Area", hint: "The local authority area or areas it covers (optional)").with(typed?.typed("area") ?? board?.details.area),
            Field(name: "active", label: "Status", control: .radios([("true", "Active"), ("false", "Inactive")]))
                .with(typed?.typed("active") ?? String(board?.details.active ?? true)),
            Field(
                name: "assurance", label: "What assures a recommendation",
                hint: "Output alone (a policy written, a training run) is the commonest way a recommendation is closed without anything changing.",
                control: .radios(Self.ruleChoices)
            ).with(typed?.typed("assurance") ?? ((board?.details.assuranceNeedsOutcome ?? true) ? "outcome" : "any")),
            Field.text(
                "reminder_due_within_days", "Reminders look ahead (days)",
                hint: "Partners' e-mail reminders list their actions due within this many days. Leave empty for \(ReminderRules.defaultDueWithinDays).",
                width: 3
            ).with(typed?.typed("reminder_due_within_days") ?? board?.details.reminderDueWithinDays.map(String.init)),
        ]
        var values = FormView(fields: fields, errors: errors).values.merging([
            "heading": board.map { "Settings of \($0.details.name)" } ?? "Add a board",
            "action": board.map { Self.boardPath($0.id) } ?? "/admin/boards/new",
            "button": board == nil ? "Add board" : "Save settings",
            "back": "/admin/boards",
        ])
        if let board {
            values["version"] = board.version
            values["caption"] = "Code: \(board.details.code)"
            values["inset"] = "Changing what assures a recommendation re-checks the recommendations of this board's reviews at once: "
                + "those the new rule is met for become assured, and assured ones it is no longer met for go back to in progress."
        }
        return try await kit.page(
            "admin-form", values, title: values["heading"] as! String, request: request, context: context,
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }
}

/// The words the admin pages use for the register's codes.
enum AdminWords {
    static func role(_ role: Role) -> String {
        switch role {
        case .admin: "Admin"
        case .coordinator: "Coordinator"
        case .partner: "Partner organisation user"
        case .auditor: "Auditor"
        }
    }

    static func sector(_ sector: Sector) -> String {
        switch sector {
        case .police: "Police"
        case .health: "Health"
        case .localAuthority: "Local authority"
        case .education: "Education"
        case .probation: "Probation"
        case .voluntary: "Voluntary sector"
        case .other: "Other"
        case .partnership: "The partnership"
        }
    }

    static func holder(_ kind: HolderKind) -> String {
        switch kind {
        case .organisation: "Partner organisation"
        case .businessUnit: "The partnership's business unit"
        case .subgroup: "A subgroup of the partnership (for example a task-and-finish group)"
        }
    }

    /// A holder's kind in a few words: the sector of an organisation, or which part of the partnership.
    static func holder(_ details: PartnerDetails) -> String {
        details.kind.isPartnership ? holder(details.kind) : sector(details.sector)
    }

    static func boardKind(_ kind: BoardKind) -> String {
        switch kind {
        case .childrenPartnership: "Safeguarding children partnership"
        case .adultsBoard: "Safeguarding adults board"
        case .communitySafetyPartnership: "Community safety partnership"
        case .lscb: "Local safeguarding children board (before 2019)"
        }
    }

    /// "1 session", "2 sessions", "no sessions".
    static func count(_ n: Int, _ thing: String) -> String {
        n == 0 ? "no \(thing)s" : n == 1 ? "1 \(thing)" : "\(n) \(thing)s"
    }

    /// A password rule broken, in the pages' words.
    static func passwordProblem(_ message: String) -> String {
        if message.contains("at least") { return "The password must be at least \(PasswordRules.minimumCharacters) characters" }
        if message.contains("at most") { return "The password is too long: use at most \(PasswordRules.maximumBytes) letters, digits or symbols" }
        if message.contains("control") { return "The password must not contain control characters" }
        if message.contains("differ") { return "The new password must be different from your current one" }
        return message
    }
}
