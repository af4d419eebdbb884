import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices

/// "Reminder e-mails" (`/account/reminders`): the signed-in person chooses daily, weekly or no
/// digests. The link at the foot of every digest comes here. Coordinators keep statutory-clock
/// warnings whatever they choose (the service and the database both refuse to switch them off).
struct ReminderPages {
    let kit: PageKit
    var services: RegisterServices { kit.services }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("account/reminders") { request, context in
            let current = try await services.reminders.preferences(by: context.actor)
            return try await form(current, typed: nil, errors: [], request: request, context: context)
        }
        group.post("account/reminders") { request, context in
            let form = try await kit.form(request, context: context)
            return try await kit.once(form, context: context) {
                let current = try await services.reminders.preferences(by: context.actor)
                do {
                    let saved = try await services.reminders.setPreferences(
                        try Self.read(form), expectedVersion: Int(form["version"] ?? ""), by: context.actor)
                    return kit.redirect("/account", banner: "Reminder e-mails: \(Self.words(saved.frequency).lowercased())")
                } catch let invalid as ValidationError {
                    return try await self.form(current, typed: form, errors: invalid.errors, request: request, context: context)
                } catch DomainError.versionMismatch {
                    let changed = FieldError(field: "frequency", message: "Your reminder settings changed since you opened the page: check them and try again")
                    return try await self.form(current, typed: nil, errors: [changed], request: request, context: context)
                }
            }
        }
    }

    private func form(
        _ current: ReminderPreferences, typed: Form?, errors: [FieldError], request: Request, context: SignedInContext
    ) async throws -> Response {
        let fields = [
            Field(
                name: "frequency", label: "How often do you want reminder e-mails?",
                hint: "A digest lists what is due, overdue or waiting, with links into the register. It never includes case details.",
                control: .radios(ReminderFrequency.allCases.map { ($0.rawValue, Self.words($0)) })
            ).with(typed?.typed("frequency") ?? current.frequency.rawValue)
        ]
        var values = FormView(fields: fields, errors: errors).values.merging([
            "heading": "Reminder e-mails", "action": "/account/reminders", "button": "Save reminder settings", "back": "/account",
            "version": String(current.version),
        ]) { $1 }
        if context.user.role == .coordinator {
            values["inset"] = "As a coordinator you always get warnings of statutory deadlines due within 5 working days or missed, "
                + "on any day they arise, whatever you choose here."
        }
        return try await kit.page(
            "admin-form", values, title: "Reminder e-mails", request: request, context: context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    static func read(_ form: Form) throws -> ReminderPreferences {
        var reader = FormReader(form)
        let frequency = ReminderFrequency(rawValue: form.typed("frequency"))
        if frequency == nil { reader.fail("frequency", "Choose how often you want reminder e-mails") }
        try reader.check()
        // Statutory-clock warnings go to coordinators only, who cannot switch them off.
        return ReminderPreferences(frequency: frequency!, clockWarnings: true)
    }

    static func words(_ frequency: ReminderFrequency) -> String {
        switch frequency {
        case .daily: "Daily, on the mornings there is something to chase"
        case .weekly: "Weekly, on Mondays"
        case .none: "None"
        }
    }
}
