import PostgresNIO
import RegisterDomain

/// A learning theme of the taxonomy.
public struct Theme: Codable, Sendable, Equatable {
    public var code: String
    public var label: String
    public var active: Bool
}

/// The editable taxonomy of learning themes.
public struct ThemeStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public func all() async throws -> [Theme] {
        try await database.read { c in
            try await Rows.all(c.query("SELECT code, label, active FROM register.themes ORDER BY label", logger: database.logger)) {
                Theme(code: try $0.get("code"), label: try $0.get("label"), active: try $0.get("active"))
            }
        }
    }
}
