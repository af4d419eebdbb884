import Foundation
import Logging
import PostgresNIO
import RegisterDomain
import RegisterStore
import RegisterTestSupport
import Testing

let today = Day(iso: "2026-04-01")!

func context(_ actor: String = "tests", request: String = UUID().uuidString) -> WriteContext {
    WriteContext(actor: .system(actor), requestID: request, logger: TestDatabase.logger)
}

/// A board and a review to hang things from.
func seedReview(_ database: Database, reference: String = "CSPR-2024-03", kind: ReviewKind = .lcspr, themes: [String] = []) async throws -> (Board, Review) {
    let board = try await BoardStore(database: database).create(
        BoardDetails(code: "b-" + UUID().uuidString.prefix(8).lowercased(), name: "Board", kind: .childrenPartnership), context: context())
    let review = try await ReviewStore(database: database).create(
        ReviewDetails(reference: reference, title: "Review \(reference)", kind: kind, boardID: board.id, regime: kind.regimes[0], themes: themes),
        context: context())
    return (board, review)
}

@Suite("Writes: one transaction each, with the audit context set")
struct WriteTests {
    @Test("every write transaction carries app.actor and app.request_id, transaction-local")
    func auditContext() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let seen = try await database.write(context("user:abc", request: "req-42")) { c in
                    let rows = try await c.query(
                        "SELECT current_setting('app.actor', true), current_setting('app.request_id', true)", logger: TestDatabase.logger
                    ).collect()
                    return try rows[0].decode((String, String).self)
                }
                #expect(seen.0 == "system:user:abc")
                #expect(seen.1 == "req-42")
                // Outside the transaction, on the same pool, the settings are gone.
                let after = try await database.read { c in
                    try await c.query("SELECT coalesce(current_setting('app.actor', true), '')", logger: TestDatabase.logger).collect()[0].decode(String.self)
                }
                #expect(after == "")
            }
        }
    }

    @Test("a write that fails half-way leaves nothing behind")
    func allOrNothing() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (_, review) = try await seedReview(database)
                let store = RecommendationStore(database: database)
                // The recommendation row is inserted first; the finding link then fails.
                await #expect(throws: ValidationError.self) {
                    try await store.create(
                        in: review.id, RecommendationDetails(number: "1", text: "Do better", scope: .local, findingIDs: [UUID()]),
                        today: today, context: context())
                }
                #expect(try await store.all(of: review.id, today: today).isEmpty)
            }
        }
    }

    @Test("a duplicate reference is a conflict naming the field")
    func duplicateReference() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (board, _) = try await seedReview(database, reference: "SAR-2025-01", kind: .sar)
                await #expect(throws: DomainError.duplicate(field: "reference", value: "SAR-2025-01")) {
                    try await ReviewStore(database: database).create(
                        ReviewDetails(reference: "SAR-2025-01", title: "Again", kind: .sar, boardID: board.id, regime: .careAct2014), context: context())
                }
            }
        }
    }

    @Test("an unknown theme or board is refused as a field error, not a crash")
    func foreignKeys() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (board, _) = try await seedReview(database)
                let store = ReviewStore(database: database)
                await #expect(throws: ValidationError(field: "board_id", message: "board_id does not name an existing record of this review or register")) {
                    try await store.create(ReviewDetails(reference: "R-2", title: "T", kind: .scr, boardID: UUID(), regime: .wt2015), context: context())
                }
                do {
                    _ = try await store.create(
                        ReviewDetails(reference: "R-3", title: "T", kind: .scr, boardID: board.id, regime: .wt2015, themes: ["neglect", "made_up"]),
                        context: context())
                    Issue.record("stored an unknown theme")
                } catch let error as ValidationError {
                    #expect(error.errors.first?.field == "themes")
                    #expect(error.errors.first?.message.contains("made_up") == true)
                }
            }
        }
    }

    @Test("a stale version is refused with the current one; a missing record is not found")
    func optimisticLocking() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (_, review) = try await seedReview(database)
                let store = ReviewStore(database: database)
                var details = review.details
                details.title = "Renamed"
                let updated = try await store.update(review.id, expectedVersion: 1, to: details, context: context())
                #expect(updated.version == 2)
                #expect(updated.details.title == "Renamed")
                await #expect(throws: DomainError.versionMismatch(current: 2)) {
                    try await store.update(review.id, expectedVersion: 1, to: details, context: context())
                }
                await #expect(throws: DomainError.notFound("review")) {
                    try await store.update(UUID(), expectedVersion: 1, to: details, context: context())
                }
            }
        }
    }

    @Test("transitions are recorded with their reason and the refused ones change nothing")
    func transitions() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (_, review) = try await seedReview(database)
                let store = ReviewStore(database: database)
                await #expect(throws: DomainError.self) {
                    try await store.transition(review.id, expectedVersion: nil, TransitionRequest(to: .published), today: today, context: context())
                }
                _ = try await store.transition(review.id, expectedVersion: 1, TransitionRequest(to: .commissioned), today: today, context: context())
                _ = try await store.transition(review.id, expectedVersion: nil, TransitionRequest(to: .inProgress), today: today, context: context())
                let hidden = try await store.transition(
                    review.id, expectedVersion: nil, TransitionRequest(to: .notPublishedWithReason, reason: "Protects a surviving sibling"),
                    today: today, context: context("coordinator"))
                #expect(hidden.state == ReviewState(status: .notPublishedWithReason, statusReason: "Protects a surviving sibling"))
                let log = try await database.read { c in
                    try await c.query(
                        "SELECT to_status, reason, actor FROM register.review_transitions WHERE review_id = \(review.id) ORDER BY id",
                        logger: TestDatabase.logger
                    ).collect().map { try $0.decode((String, String?, String).self) }
                }
                #expect(log.map(\.0) == ["commissioned", "in_progress", "not_published_with_reason"])
                #expect(log.last?.1 == "Protects a surviving sibling")
                #expect(log.last?.2 == "system:coordinator")
            }
        }
    }
}

@Suite("Lists and filters")
struct ListTests {
    @Test("cursor pagination neither repeats nor skips while rows are added")
    func stablePages() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (board, first) = try await seedReview(database, reference: "P-00")
                let store = ReviewStore(database: database)
                var ids = [first.id]
                for n in 1..<7 {
                    ids.append(try await store.create(
                        ReviewDetails(reference: "P-0\(n)", title: "T", kind: .scr, boardID: board.id, regime: .wt2015), context: context()).id)
                }
                var seen: [UUID] = []
                var cursor: UUID?
                repeat {
                    let page = try await store.list(ReviewFilter(), page: PageRequest(after: cursor, limit: 3), today: today)
                    seen += page.items.map(\.id)
                    cursor = page.nextCursor.flatMap(UUID.init(uuidString:))
                    // Someone records another review between two pages.
                    if seen.count == 3 {
                        ids.append(try await store.create(
                            ReviewDetails(reference: "P-99", title: "T", kind: .scr, boardID: board.id, regime: .wt2015), context: context()).id)
                    }
                } while cursor != nil
                #expect(seen == ids)
            }
        }
    }

    @Test("recommendations filter by status, overdue, target-date range, theme and text")
    func recommendationFilters() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (_, review) = try await seedReview(database, themes: ["neglect"])
                let (_, other) = try await seedReview(database, reference: "OTHER-1")
                let store = RecommendationStore(database: database)
                let late = try await store.create(
                    in: review.id, RecommendationDetails(number: "1", text: "Share police notifications with health visitors", scope: .local, targetDate: Day(iso: "2026-03-31")),
                    today: today, context: context())
                let future = try await store.create(
                    in: review.id, RecommendationDetails(number: "2", text: "Train staff", scope: .national, targetDate: Day(iso: "2026-06-30")),
                    today: today, context: context())
                let done = try await store.create(
                    in: other.id, RecommendationDetails(number: "1", text: "Audit files", scope: .local, targetDate: Day(iso: "2026-01-31")),
                    today: today, context: context())
                _ = try await store.transition(done.id, expectedVersion: nil, TransitionRequest(to: .implemented), today: today, context: context())

                func ids(_ filter: RecommendationFilter) async throws -> Set<UUID> {
                    Set(try await store.list(filter, page: PageRequest(), today: today).items.map(\.id))
                }
                #expect(try await ids(RecommendationFilter(overdue: true)) == [late.id])
                #expect(try await ids(RecommendationFilter(overdue: false)) == [future.id, done.id])
                #expect(try await ids(RecommendationFilter(status: .implemented)) == [done.id])
                #expect(try await ids(RecommendationFilter(dueAfter: Day(iso: "2026-02-01"), dueBefore: Day(iso: "2026-03-31"))) == [late.id])
                #expect(try await ids(RecommendationFilter(theme: "neglect")) == [late.id, future.id])
                #expect(try await ids(RecommendationFilter(scope: .national)) == [future.id])
                #expect(try await ids(RecommendationFilter(text: "notification")) == [late.id])
                #expect(try await store.get(late.id, today: today).state.overdue)
                #expect(try await store.get(done.id, today: today).state.closedOn == today)
                // Report order reads like the report: 1 before 2 before 10.
                _ = try await store.create(in: review.id, RecommendationDetails(number: "10", text: "Tenth", scope: .local), today: today, context: context())
                _ = try await store.create(in: review.id, RecommendationDetails(number: "4b", text: "Four b", scope: .local), today: today, context: context())
                #expect(try await store.all(of: review.id, today: today).map(\.details.number) == ["1", "2", "4b", "10"])
            }
        }
    }

    @Test("reviews filter by kind, status, board, theme, text and overdue work")
    func reviewFilters() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (boardA, cse) = try await seedReview(database, reference: "COV-1", kind: .scr, themes: ["child_sexual_exploitation"])
                let (_, sar) = try await seedReview(database, reference: "WM-1", kind: .sar, themes: ["housing"])
                let store = ReviewStore(database: database)
                _ = try await RecommendationStore(database: database).create(
                    in: sar.id, RecommendationDetails(number: "1", text: "x", scope: .local, targetDate: Day(iso: "2026-01-01")), today: today, context: context())
                _ = try await store.transition(sar.id, expectedVersion: nil, TransitionRequest(to: .commissioned), today: today, context: context())
                func refs(_ filter: ReviewFilter) async throws -> [String] {
                    try await store.list(filter, page: PageRequest(), today: today).items.map(\.details.reference)
                }
                #expect(try await refs(ReviewFilter(kind: .sar)) == ["WM-1"])
                #expect(try await refs(ReviewFilter(status: .notified)) == ["COV-1"])
                #expect(try await refs(ReviewFilter(boardID: boardA.id)) == ["COV-1"])
                #expect(try await refs(ReviewFilter(theme: "housing")) == ["WM-1"])
                #expect(try await refs(ReviewFilter(overdue: true)) == ["WM-1"])
                #expect(try await refs(ReviewFilter(text: "cov-1")) == ["COV-1"])
                #expect(cse.state.status == .notified)
            }
        }
    }

    @Test("questions and findings keep their order and can be reordered")
    func ordering() async throws {
        try await TestDatabase.with { db in
            try await db.withDatabase { database in
                let (_, review) = try await seedReview(database)
                let items = ReviewItemStore(database: database)
                let q1 = try await items.addQuestion(to: review.id, CoreQuestionDetails(text: "What can we learn?"), context: context())
                let q2 = try await items.addQuestion(to: review.id, CoreQuestionDetails(text: "Why did it happen?"), context: context())
                let q3 = try await items.addQuestion(to: review.id, CoreQuestionDetails(text: "Could it happen now?"), context: context())
                #expect(try await items.questions(of: review.id).map(\.state.position) == [1, 2, 3])
                let reordered = try await items.reorderQuestions(of: review.id, Ordering(ids: [q3.id, q1.id, q2.id]), context: context())
                #expect(reordered.map(\.id) == [q3.id, q1.id, q2.id])
                #expect(reordered.map(\.state.position) == [1, 2, 3])
                await #expect(throws: ValidationError.self) {
                    try await items.reorderQuestions(of: review.id, Ordering(ids: [q1.id, q2.id]), context: context())
                }
                let finding = try await items.addFinding(
                    to: review.id, FindingDetails(text: "Nobody saw the father", themes: ["professional_curiosity"], questionIDs: [q2.id]), context: context())
                #expect(finding.details.questionIDs == [q2.id])
                // A question of another review cannot be linked.
                let (_, other) = try await seedReview(database, reference: "OTHER-2")
                let foreign = try await items.addQuestion(to: other.id, CoreQuestionDetails(text: "Elsewhere?"), context: context())
                await #expect(throws: ValidationError.self) {
                    try await items.addFinding(to: review.id, FindingDetails(text: "x", questionIDs: [foreign.id]), context: context())
                }
                #expect(try await items.findings(of: review.id).count == 1)
            }
        }
    }
}
