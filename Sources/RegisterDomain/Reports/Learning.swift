import Foundation

/// How often a learning theme came up in one year.
public struct ThemeCount: Encodable, Sendable, Equatable {
    public var theme: String
    public var label: String
    public var year: Int
    /// Reviews carrying the theme themselves or through one of their findings.
    public var reviews: Int
    public var findings: Int
    /// Recommendations answering a finding with the theme, or made by a review with it.
    public var recommendations: Int

    public init(theme: String, label: String, year: Int, reviews: Int, findings: Int, recommendations: Int) {
        self.theme = theme
        self.label = label
        self.year = year
        self.reviews = reviews
        self.findings = findings
        self.recommendations = recommendations
    }
}

/// One hit of a search across reviews, findings and recommendations.
public struct SearchHit: Encodable, Sendable, Equatable {
    public enum Kind: String, Encodable, Sendable { case review, finding, recommendation }
    public var type: Kind
    public var id: UUID
    public var reviewID: UUID
    public var reviewReference: String
    public var heading: String
    public var rank: Double
    /// HTML-escaped text around the matches, each match inside `<mark>…</mark>`.
    public var snippet: String

    public init(type: Kind, id: UUID, reviewID: UUID, reviewReference: String, heading: String, rank: Double, snippet: String) {
        self.type = type
        self.id = id
        self.reviewID = reviewID
        self.reviewReference = reviewReference
        self.heading = heading
        self.rank = rank
        self.snippet = snippet
    }

    enum CodingKeys: String, CodingKey {
        case type, id
        case reviewID = "review_id"
        case reviewReference = "review_reference"
        case heading, rank, snippet
    }
}

/// A recommendation of another review that says much the same thing.
public struct SimilarRecommendation: Encodable, Sendable, Equatable {
    public var id: UUID
    public var reviewID: UUID
    public var reviewReference: String
    public var number: String
    public var text: String
    public var status: RecommendationStatus
    /// Shared word stems over all word stems of the two (Jaccard), 0…1.
    public var score: Double
    public var sharedTerms: [String]

    public init(id: UUID, reviewID: UUID, reviewReference: String, number: String, text: String, status: RecommendationStatus, score: Double, sharedTerms: [String]) {
        self.id = id
        self.reviewID = reviewID
        self.reviewReference = reviewReference
        self.number = number
        self.text = text
        self.status = status
        self.score = score
        self.sharedTerms = sharedTerms
    }

    enum CodingKeys: String, CodingKey {
        case id
        case reviewID = "review_id"
        case reviewReference = "review_reference"
        case number, text, status, score
        case sharedTerms = "shared_terms"
    }
}
