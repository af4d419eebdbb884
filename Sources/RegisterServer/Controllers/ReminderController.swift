import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices

/// `/api/v1/me/reminders`: the signed-in person's reminder e-mail settings, as the
/// "Reminder e-mails" page sets them.
struct ReminderController {
    let reminders: ReminderService

    /// What a person may set: how often; clock warnings (left out: on) cannot be off for a coordinator.
    struct Change: Decodable {
        var frequency: ReminderFrequency
        var clockWarnings: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case frequency
            case clockWarnings = "clock_warnings"
        }
    }

    /// The settings as the API shows them.
    struct Settings: Encodable {
        var frequency: ReminderFrequency
        var clockWarnings: Bool
        var version: Int

        enum CodingKeys: String, CodingKey {
            case frequency
            case clockWarnings = "clock_warnings"
            case version
        }

        init(_ p: ReminderPreferences) {
            self.frequency = p.frequency
            self.clockWarnings = p.clockWarnings
            self.version = p.version
        }
    }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("me/reminders") { _, context in
            let current = try await reminders.preferences(by: context.actor)
            return try JSON.response(Settings(current), etag: current.version)
        }
        group.put("me/reminders") { request, context in
            let current = try await reminders.preferences(by: context.actor)
            let expected = try ETag.expectedVersion(request, current: current.version)
            let saved = try await reminders.setPreferences(
                try await Self.read(request, context: context), expectedVersion: expected, by: context.actor)
            return try JSON.response(Settings(saved), etag: saved.version)
        }
    }

    static func read(_ request: Request, context: SignedInContext) async throws -> ReminderPreferences {
        let change = try await JSON.decode(Change.self, from: request, context: context, fields: Set(Change.CodingKeys.allCases.map(\.rawValue)))
        return ReminderPreferences(frequency: change.frequency, clockWarnings: change.clockWarnings ?? true)
    }
}
