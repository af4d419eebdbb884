import Foundation
import HTTPTypes
import RegisterDomain
@testable import RegisterServer
import RegisterStore
import RegisterTestSupport
import Testing

/// The API's JSON is written by `JSONStreamEncoder`; before it, Foundation's `JSONEncoder` with the
/// API's settings (`JSON.encoder`) wrote it. Clients must get the very same bytes, so each test
/// encodes with both and requires equal output.
@Suite("JSON writer: the same bytes as Foundation's encoder")
struct JSONWriterTests {
    /// Both encoders' output, as text (for readable failures).
    private func both(_ value: some Encodable) throws -> (foundation: String, writer: String) {
        (String(decoding: try JSON.encoder.encode(value), as: UTF8.self), String(decoding: try JSONStreamEncoder.encode(value), as: UTF8.self))
    }

    private func expectSame(_ value: some Encodable, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (foundation, writer) = try both(value)
        #expect(writer == foundation, comment, sourceLocation: sourceLocation)
    }

    /// Text a person might type, and text nobody should but the API must survive.
    static let awkward: [String] = [
        "", "plain", "Say \"no\" to C:\\temp\\x", "a/b and </script>", "line one\nline two\r\n\ttabbed",
        "\u{0}\u{1}\u{7}\u{8}\u{B}\u{C}\u{E}\u{1F}\u{7F}", "Café, naïve, Straße, Ærøskøbing", "日本語のテキスト",
        "emoji 👩🏽‍⚕️ and flag 🇬🇧 and 🙂", "e\u{301} combining", "\u{2028}\u{2029} separators", "\u{FEFF}bom", "=SUM(A1)", "😀",
    ]

    static let times: [Date] = [
        Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_774_915_200), Date(timeIntervalSince1970: 1_774_915_200.999_999),
        Date(timeIntervalSince1970: 1_774_915_199.5), Date(timeIntervalSince1970: 951_782_400.25),  // 29 Feb 2000
        Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: -86_400 * 365.25 * 30), Date(timeIntervalSince1970: 4_102_444_799.999_9),
    ]

    private func assignment(text: String, officer: String?, delay: AssignmentDelay?, at: Date) -> Assignment {
        Assignment(
            id: UUID(), version: 3, createdAt: at, updatedAt: at.addingTimeInterval(0.123_456),
            details: AssignmentDetails(partnerID: UUID(), role: .lead, action: text, leadOfficer: officer, dueDate: Day(iso: "2026-03-31")!),
            state: AssignmentState(
                recommendationID: UUID(), reviewID: UUID(), reviewReference: "LCSPR-\(text.prefix(3))", recommendationNumber: "4b",
                partnerName: "Northvale Police \(text)", status: .inProgress, originalDueDate: Day(iso: "0999-01-02")!, overdue: officer == nil,
                assignedBy: "coordinator@example.org", delay: delay))
    }

    @Test("strings: quotes, backslashes, slashes, control characters, non-ASCII, emoji")
    func strings() throws {
        for text in Self.awkward {
            try expectSame(text, "\(Array(text.unicodeScalars))")
            try expectSame(["key \(text)": text], "as a key: \(Array(text.unicodeScalars))")
        }
        // Every control character and a sweep of scalars, one string each.
        for scalar in (0...0x2FF).compactMap(Unicode.Scalar.init) {
            try expectSame("<\(Character(scalar))>", "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test("numbers, booleans, null, dates, days and UUIDs")
    func scalars() throws {
        try expectSame([0, 1, -1, 42, Int.max, Int.min])
        try expectSame([Int8.min, Int8.max])
        try expectSame([UInt64.max])
        try expectSame([0.0, -0.0, 1.0, 1.5, 0.1, 1e21, 1e-7, 123_456_789.125, -2.5e-300, Double.greatestFiniteMagnitude])
        try expectSame([Float(0.1), Float(3)])
        try expectSame([true, false])
        try expectSame([String?.none, "x", nil])
        try expectSame(Self.times)
        try expectSame([Day(iso: "2026-03-31")!, Day(iso: "0001-01-01")!, Day(iso: "9999-12-31")!])
        try expectSame([UUID(), UUID(uuidString: "00000000-0000-0000-0000-000000000000")!, UUID.v7()])
        try expectSame("top-level string")
        try expectSame(7)
        try expectSame(Date(timeIntervalSince1970: 1_774_915_200))
    }

    @Test("a thousand instants with microseconds, as PostgreSQL gives them")
    func manyDates() throws {
        var generator = SystemRandomNumberGenerator()
        let times = (0..<1000).map { _ in
            Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000_000_000...4_000_000_000_000_000, using: &generator)) / 1_000_000)
        }
        try expectSame(times)
    }

    @Test("records: an assignment with and without a delay, nil optionals, and the work list's page")
    func records() throws {
        let at = Date(timeIntervalSince1970: 1_774_915_200.654_321)
        let delay = AssignmentDelay(reason: "Waiting for \"the\" audit\n(see notes)", expectedDate: Day(iso: "2026-06-30")!, recordedBy: "Ann 🙂", recordedAt: at)
        let items = Self.awkward.enumerated().map { n, text in
            assignment(text: text.isEmpty ? "x" : text, officer: n % 2 == 0 ? nil : text, delay: n % 3 == 0 ? delay : nil, at: at.addingTimeInterval(Double(n) * 3.7))
        }
        for item in items { try expectSame(item) }
        try expectSame(Page(items: items, nextCursor: "0190f1a2-1111-7000-8000-000000000001"))
        try expectSame(Page(items: [Assignment](), nextCursor: nil))
        try expectSame(["items": items])
    }

    @Test("a review, a recommendation, a progress update, a problem")
    func otherResponses() throws {
        let at = Date(timeIntervalSince1970: 1_774_915_200.5)
        let review = Review(
            id: UUID(), version: 1, createdAt: at, updatedAt: at,
            details: ReviewDetails(
                reference: "LCSPR-2026-01", title: "Child \"G\" / Ærø", kind: .lcspr, boardID: UUID(), regime: .wt2023,
                subjects: nil, summary: "Line\nbreak", themes: ["neglect", "information_sharing", "ü"], notifiedOn: Day(iso: "2026-01-05")!,
                publicationURL: "https://example.org/a/b?c=d&e=f"),
            state: ReviewState(status: .inProgress, statusReason: nil, onlineUntil: nil))
        try expectSame(review)
        let recommendation = Recommendation(
            id: UUID(), version: 2, createdAt: at, updatedAt: at,
            details: RecommendationDetails(number: "4b", text: "Share \\ information\t now", scope: .local, addressee: nil, targetDate: nil, findingIDs: [UUID(), UUID()]),
            state: RecommendationState(reviewID: UUID(), status: .open, closureNote: nil, closedOn: nil, overdue: true))
        try expectSame(recommendation)
        try expectSame(Page(items: [recommendation, recommendation], nextCursor: nil))
        let update = ProgressUpdate(
            id: UUID(), assignmentID: UUID(), happenedOn: Day(iso: "2026-02-01")!, text: "Drafting 📄", rag: .amber, forecastDate: Day(iso: "2026-04-01")!,
            ragReason: "Staff \"away\"", authorID: nil, createdAt: at, from: Provenance(partnerID: UUID(), partnerName: "Other Health", visibleToPartner: true))
        try expectSame(update)
        try expectSame(["items": [update, update]])
        let problem = Problem(
            "validation", status: .unprocessableContent, title: "Check the fields", detail: "2 fields need \"attention\"", requestID: "r-1",
            errors: [FieldError(field: "themes[2]", message: "too long: é"), FieldError(field: "title", message: "required")], allowedNext: nil, currentVersion: 4)
        try expectSame(problem)
    }

    @Test("nested arrays and objects, keys out of order and written twice, empty containers")
    func nesting() throws {
        let value = JSONValue.object([
            "z": .array([.array([]), .array([.number(1), .null, .object([:])]), .string("s")]),
            "a": .object(["b_c": .bool(true), "b": .number(2.5), "B": .string("upper"), "é": .null, "_": .number(-3)]),
            "a_b": .array([.object(["y": .string("1"), "x": .string("2")])]),
        ])
        try expectSame(value)
        try expectSame([[1, 2], [], [3]])
        try expectSame([String: [String: Int]]())
        try expectSame(["b": ["y": 1, "x": 2], "a": [:]])
        try expectSame(TwiceWritten())
        try expectSame(NothingWritten.Holder())
    }

    /// The writer keeps the order it worked out for an object and reuses it for the next object
    /// whose keys are the same strings: objects alike, objects with the same number of keys but
    /// other keys (literal, short and built at run time), the same keys built afresh, and more
    /// kinds of object than it keeps orders for, one after another in one answer.
    @Test("objects alike and unlike in one answer: each in its own key order")
    func keptOrders() throws {
        try expectSame(Array(repeating: TwiceWritten(), count: 5))
        var objects: [[String: Int]] = []
        for n in 0..<40 {
            let long = "a key long enough to be stored apart \(n % 3)"
            objects.append([long: n, "\(long) too": -n, "short \(n % 11)": 1])
            objects.append(["zz": n, "a": 1, "m": 2])
        }
        try expectSame(objects)
        var kinds: [[String: Int]] = []
        for round in 0..<3 {
            for kind in 0..<12 { kinds.append(["k\(kind)-b": round, "k\(kind)-a": kind, "k\(kind)-c": 0]) }
        }
        try expectSame(kinds)
        let at = Date(timeIntervalSince1970: 1_774_915_200)
        try expectSame([
            JSONValue.object(["b": .number(1), "a": .number(2)]),
            try JSONValue.from(encodable: assignment(text: "x", officer: nil, delay: nil, at: at)),
            JSONValue.object(["b": .number(3), "a": .number(4)]),
        ])
        try expectSame((0..<3).map { assignment(text: "line \($0)", officer: $0 == 1 ? nil : "Officer", delay: nil, at: at) })
    }

    /// Writes one key twice and its keys out of order: the last value wins, keys come sorted.
    struct TwiceWritten: Encodable {
        enum Keys: String, CodingKey { case b, a, c }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode("first", forKey: .b)
            try c.encode(1, forKey: .a)
            var again = encoder.container(keyedBy: Keys.self)
            try again.encode("second", forKey: .b)
            try again.encodeNil(forKey: .c)
        }
    }

    /// A field whose value encodes nothing at all: Foundation writes `{}`.
    enum NothingWritten {
        struct Empty: Encodable { func encode(to encoder: any Encoder) throws {} }
        struct Holder: Encodable {
            var empty = Empty()
            var list = [Empty(), Empty()]
        }
    }

    @Test("what the API answers on the three benchmarked reads is what Foundation would write")
    func apiAnswers() async throws {
        try await withAPI { api in
            // setup
            let world = try await PartnerWorld.make(api)
            let delayed = try await api.call(
                .put, "/api/v1/assignments/\(world.own.assignment)/delay", as: .partner,
                json: #"{"reason":"Waiting \"for\" the audit\n/ é 🙂","expected_date":"2027-06-30"}"#, headers: [.ifMatch: "*"])
            try #require(delayed.status == .ok, "\(delayed.text)")
            // act
            let answers = [
                try await api.call(.get, "/api/v1/reviews/\(world.own.review)"),
                try await api.call(.get, "/api/v1/recommendations?overdue=true"),
                try await api.call(.get, "/api/v1/recommendations"),
                try await api.call(.get, "/api/v1/assignments?mine=true", as: .partner),
                try await api.call(.get, "/api/v1/assignments/\(world.own.assignment)", as: .partner),
                try await api.call(.get, "/api/v1/reviews/not-an-id"),
            ]
            // check: parsed and written again by Foundation, each answer is byte for byte the same
            for answer in answers {
                let parsed = try JSON.decoder.decode(JSONValue.self, from: answer.body)
                #expect(String(decoding: try JSON.encoder.encode(parsed), as: UTF8.self) == answer.text)
            }
            #expect(answers[3].items.count == 1)
        }
    }
}
