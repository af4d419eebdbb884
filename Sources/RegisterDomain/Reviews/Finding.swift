import Foundation

/// What a review found: the text, its learning themes and the core questions it answers.
public struct FindingDetails: Draft, Equatable {
    public var text: String
    public var themes: [String]?
    /// Core questions of the same review that this finding answers.
    public var questionIDs: [UUID]?

    public init(text: String, themes: [String]? = nil, questionIDs: [UUID]? = nil) {
        self.text = text
        self.themes = themes
        self.questionIDs = questionIDs
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case text, themes
        case questionIDs = "question_ids"
    }

    public static let fieldNames = names(CodingKeys.self)

    public func validate() throws {
        var v = Validator()
        v.text(text, field: "text", max: 10_000)
        v.codes(themes ?? [], field: "themes")
        v.unique(questionIDs ?? [], field: "question_ids")
        try v.check()
    }
}

/// One finding of a review, in order.
public typealias Finding = Record<FindingDetails, Placement>

/// A new order for a review's questions or findings: every existing id, each once.
public struct Ordering: Codable, Sendable, Equatable {
    public var ids: [UUID]

    public init(ids: [UUID]) { self.ids = ids }

    /// Checks that `ids` is exactly a rearrangement of `existing`.
    public func validate(against existing: [UUID]) throws {
        var v = Validator()
        v.unique(ids, field: "ids")
        let given = Set(ids), known = Set(existing)
        let unknown = given.subtracting(known), missing = known.subtracting(given)
        if !unknown.isEmpty {
            v.fail("ids", "ids lists \(unknown.count) item(s) that do not belong to this review: \(unknown.map(\.uuidString).sorted().joined(separator: ", "))")
        }
        if !missing.isEmpty {
            v.fail("ids", "ids must list every item of the review; \(missing.count) missing: \(missing.map(\.uuidString).sorted().joined(separator: ", "))")
        }
        try v.check()
    }
}
