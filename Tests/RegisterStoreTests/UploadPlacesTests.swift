import Foundation
import Logging
import PostgresNIO
import RegisterDomain
@testable import RegisterStore
import RegisterTestSupport
import Testing

/// Each person sends at most a few uploads at once (issue 12, point 5), counted in the database so
/// that the limit holds across several servers (issue 16, point 5).
@Suite("upload places")
struct UploadPlacesTests {
    static func held(_ person: UUID, in database: Database) async throws -> Int {
        try await database.read { c in
            try await Rows.first(c.query("SELECT count(*)::int AS n FROM auth.upload_places WHERE user_id = \(person)", logger: TestDatabase.logger)) {
                try $0.get("n", as: Int.self)
            } ?? 0
        }
    }

    /// Waits (a few seconds at most) until `person` holds `count` places: a place is given back by a
    /// task started as its upload ends.
    static func waitUntil(_ person: UUID, holds count: Int, in database: Database) async throws -> Int {
        var now = try await held(person, in: database)
        for _ in 0..<50 where now != count {
            try await Task.sleep(for: .milliseconds(100))
            now = try await held(person, in: database)
        }
        return now
    }

    static func user(_ name: String, in database: Database) async throws -> UUID {
        try await AccountStore(database: database).createUser(
            NewUser(email: "\(name)@example.org", name: name, role: .admin), bcrypt: "$2b$12$" + String(repeating: "a", count: 53), context: context()
        ).id
    }

    @Test("a person holds at most maxPerPerson places across two servers on one database; a refusal takes nothing, and each place comes back when its upload ends")
    func perPerson() async throws {
        try await TestDatabase.with { db in
            // Two pools on one database, as two servers have.
            try await db.withDatabase { first in
                try await db.withDatabase { second in
                    let person = try await Self.user("places", in: first)
                    let someone = try await Self.user("someone", in: first)
                    var places = [
                        try await EvidenceUpload.PersonSlot.take(person, database: first, context: context()),
                        try await EvidenceUpload.PersonSlot.take(person, database: second, context: context()),
                    ]
                    places += try await EvidenceUpload.PersonSlot.all(of: person, in: first, count: EvidenceUpload.maxPerPerson - 2)
                    for server in [first, second, first] {
                        await #expect(throws: DomainError.self) { _ = try await EvidenceUpload.PersonSlot.take(person, database: server, context: context()) }
                    }
                    #expect(try await Self.held(person, in: second) == EvidenceUpload.maxPerPerson, "refusals changed the count")
                    // Someone else is not affected.
                    _ = try await EvidenceUpload.PersonSlot.take(someone, database: second, context: context())
                    places.removeLast()
                    #expect(try await Self.waitUntil(person, holds: EvidenceUpload.maxPerPerson - 1, in: first) == EvidenceUpload.maxPerPerson - 1)
                    places.append(try await EvidenceUpload.PersonSlot.take(person, database: second, context: context()))
                    places.removeAll()
                    #expect(try await Self.waitUntil(person, holds: 0, in: first) == 0)
                    #expect(try await Self.waitUntil(someone, holds: 0, in: first) == 0)
                }
            }
        }
    }

    @Test("the places of a server that died mid-upload expire: they hold nobody up once their lease has run out")
    func deadServer() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let person = try await Self.user("places", in: database)
                // Three places a server took and never gave back, their lease run out a moment ago.
                try await database.read { c in
                    for _ in 0..<EvidenceUpload.maxPerPerson {
                        try await c.query(
                            """
                            INSERT INTO auth.upload_places (id, user_id, taken_at, expires_at)
                            VALUES (\(UUID()), \(person), now() - interval '2 minutes', now() - interval '1 second')
                            """, logger: TestDatabase.logger)
                    }
                }
                let place = try await EvidenceUpload.PersonSlot.take(person, database: database, context: context())
                #expect(try await Self.held(person, in: database) == 1, "the expired places were not swept")
                withExtendedLifetime(place) {}
            }
        }
    }
}

extension EvidenceUpload.PersonSlot {
    /// `count` (all, unless given) of `person`'s places, taken at once, as uploads underway would hold them.
    static func all(of person: UUID, in database: Database, count: Int = EvidenceUpload.maxPerPerson) async throws -> [EvidenceUpload.PersonSlot] {
        var places: [EvidenceUpload.PersonSlot] = []
        let context = WriteContext(actor: .system("tests"), requestID: UUID().uuidString, logger: TestDatabase.logger)
        for _ in 0..<count { places.append(try await take(person, database: database, context: context)) }
        return places
    }
}
