import Foundation
import RegisterDomain
import Testing

@Suite("Validation of what coordinators record")
struct ValidationTests {
    let board = UUID()

    func review(_ change: (inout ReviewDetails) -> Void = { _ in }) -> ReviewDetails {
        var details = ReviewDetails(reference: "CSPR-2024-03", title: "Child G", kind: .lcspr, boardID: board, regime: .wt2023)
        change(&details)
        return details
    }

    func fields(_ details: ReviewDetails) -> [String] {
        do {
            try details.validate()
            return []
        } catch let error as ValidationError {
            return error.errors.map(\.field)
        } catch {
            return ["unexpected"]
        }
    }

    @Test("a complete review passes")
    func valid() throws {
        try review().validate()
    }

    @Test("every problem is reported at once")
    func collectsAll() {
        let bad = review {
            $0.title = String(repeating: "x", count: 301)
            $0.reference = "bad reference!"
            $0.regime = .careAct2014
            $0.notifiedOn = Day(iso: "2024-01-01")
            $0.incidentKnownOn = Day(iso: "2024-02-01")
            $0.publicationURL = "javascript:alert(1)"
        }
        #expect(Set(fields(bad)) == ["title", "reference", "regime", "notified_on", "publication_url"])
    }

    @Test("a kind must be held under a matching regime")
    func kindAndRegime() {
        #expect(fields(review { $0.kind = .sar; $0.regime = .wt2018 }) == ["regime"])
        #expect(fields(review { $0.kind = .sar; $0.regime = .careAct2014 }).isEmpty)
        #expect(fields(review { $0.kind = .scr; $0.regime = .wt2015 }).isEmpty)
        #expect(fields(review { $0.kind = .dhr; $0.regime = .dhr2024 }).isEmpty)
    }

    @Test("empty and whitespace-only text is refused")
    func emptyText() {
        #expect(fields(review { $0.title = "   " }) == ["title"])
        #expect(throws: ValidationError.self) { try RecommendationDetails(number: "", text: "x", scope: .local).validate() }
        #expect(throws: ValidationError.self) { try CoreQuestionDetails(text: "\n").validate() }
    }

    @Test("unknown vocabulary values list what is allowed")
    func unknownEnum() {
        struct Holder: Decodable { var kind: ReviewKind }
        do {
            _ = try JSONDecoder().decode(Holder.self, from: Data(#"{"kind":"SCR"}"#.utf8))
            Issue.record("decoded an unknown kind")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription == "'SCR' is not a review kind; use one of: scr, rapid_review, lcspr, national_review, sar, dhr, learning_review, improvement_plan, inspection_action_plan, thematic_audit, scrutiny_inquiry")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a new order must list every item exactly once")
    func ordering() throws {
        let a = UUID(), b = UUID(), c = UUID()
        try Ordering(ids: [b, a, c]).validate(against: [a, b, c])
        #expect(throws: ValidationError.self) { try Ordering(ids: [a, b]).validate(against: [a, b, c]) }
        #expect(throws: ValidationError.self) { try Ordering(ids: [a, b, c, UUID()]).validate(against: [a, b, c]) }
        #expect(throws: ValidationError.self) { try Ordering(ids: [a, a, b, c]).validate(against: [a, b, c]) }
    }

    @Test("accounts need an address, a name and a long enough password")
    func newUser() {
        #expect(throws: ValidationError.self) { try NewUser(email: "not-an-address", name: "A", role: .admin).validate() }
        #expect(throws: ValidationError.self) { try NewUser(email: "a@b.org", name: "A", role: .admin, password: "short").validate() }
        #expect(NewUser(email: " Ann@Example.ORG ", name: "A", role: .admin).normalisedEmail == "ann@example.org")
    }

    @Test("version 7 ids sort by creation time")
    func uuidOrder() {
        let first = UUID.v7(now: Date(timeIntervalSince1970: 1_000))
        let second = UUID.v7(now: Date(timeIntervalSince1970: 1_001))
        #expect(first.uuidString < second.uuidString)
        #expect(first.uuidString.dropFirst(14).first == "7")
    }
}
