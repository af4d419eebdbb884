import Foundation

/// The same lesson made again: recommendations of different reviews that say much the same thing
/// (each alike with at least one other of the group, by the learning view's similarity).
public struct RecurringLesson: Encodable, Sendable, Equatable {
    /// The group's first recorded member: a stable handle for paging.
    public var id: UUID
    /// Reviews that made the recommendation.
    public var reviews: Int
    /// Year of the earliest and latest of those reviews (decision, else notification, publication or recording).
    public var firstYear: Int
    public var lastYear: Int
    /// Themes carried by at least two of the reviews (themselves or through a finding a member answers).
    public var themes: [LessonTheme]
    /// Oldest review first.
    public var members: [LessonMember]

    public init(id: UUID, reviews: Int, firstYear: Int, lastYear: Int, themes: [LessonTheme], members: [LessonMember]) {
        self.id = id
        self.reviews = reviews
        self.firstYear = firstYear
        self.lastYear = lastYear
        self.themes = themes
        self.members = members
    }

    enum CodingKeys: String, CodingKey {
        case id, reviews
        case firstYear = "first_year"
        case lastYear = "last_year"
        case themes, members
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(reviews, forKey: .reviews)
        try c.encode(firstYear, forKey: .firstYear)
        try c.encode(lastYear, forKey: .lastYear)
        try c.encode(themes, forKey: .themes)
        try c.encode(members, forKey: .members)
    }
}

/// A learning theme shared by a recurring lesson's reviews.
public struct LessonTheme: Encodable, Sendable, Equatable {
    public var code: String
    public var label: String

    public init(code: String, label: String) {
        self.code = code
        self.label = label
    }
}

/// One recommendation of a recurring lesson.
public struct LessonMember: Encodable, Sendable, Equatable {
    public var id: UUID
    public var reviewID: UUID
    public var reviewReference: String
    public var year: Int
    public var number: String
    public var text: String
    public var status: RecommendationStatus

    public init(id: UUID, reviewID: UUID, reviewReference: String, year: Int, number: String, text: String, status: RecommendationStatus) {
        self.id = id
        self.reviewID = reviewID
        self.reviewReference = reviewReference
        self.year = year
        self.number = number
        self.text = text
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case id
        case reviewID = "review_id"
        case reviewReference = "review_reference"
        case year, number, text, status
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(reviewID, forKey: .reviewID)
        try c.encode(reviewReference, forKey: .reviewReference)
        try c.encode(year, forKey: .year)
        try c.encode(number, forKey: .number)
        try c.encode(text, forKey: .text)
        try c.encode(status, forKey: .status)
    }
}

/// Two recommendations of different reviews alike enough to be the same lesson, with each one's
/// review and year (what ordering the groups needs before their details are read).
public struct LessonPair: Sendable, Equatable {
    public struct End: Sendable, Equatable, Hashable {
        public var id: UUID
        public var reviewID: UUID
        public var year: Int
        public init(id: UUID, reviewID: UUID, year: Int) {
            self.id = id
            self.reviewID = reviewID
            self.year = year
        }
    }
    public var a: End
    public var b: End

    public init(_ a: End, _ b: End) {
        self.a = a
        self.b = b
    }
}

/// Grouping alike pairs into recurring lessons.
public enum RecurringLessons {
    /// A group before its details are read: its members, in the order of the list.
    public struct Group: Sendable, Equatable {
        public var id: UUID { members.map(\.id).min { $0.uuidString < $1.uuidString }! }
        public var members: [LessonPair.End]
        public var reviews: Int { Set(members.map(\.reviewID)).count }
        public var lastYear: Int { members.map(\.year).max()! }
    }

    /// Connected groups over the pairs (a recommendation alike with one member joins the group), the
    /// most recurring first: most reviews, then most recent, then the first recorded member.
    public static func groups(_ pairs: [LessonPair]) -> [Group] {
        var parent: [UUID: UUID] = [:]
        var ends: [UUID: LessonPair.End] = [:]
        func root(_ id: UUID) -> UUID {
            var id = id
            while let up = parent[id], up != id {
                parent[id] = parent[up]
                id = up
            }
            return id
        }
        for pair in pairs {
            for end in [pair.a, pair.b] where parent[end.id] == nil {
                parent[end.id] = end.id
                ends[end.id] = end
            }
            let (x, y) = (root(pair.a.id), root(pair.b.id))
            let (low, high) = x.uuidString < y.uuidString ? (x, y) : (y, x)
            if low != high { parent[high] = low }
        }
        var members: [UUID: [LessonPair.End]] = [:]
        for (id, end) in ends { members[root(id), default: []].append(end) }
        let groups = members.values.map { group in
            Group(members: group.sorted { ($0.year, $0.id.uuidString) < ($1.year, $1.id.uuidString) })
        }
        return groups.filter { $0.reviews >= 2 }.sorted {
            ($0.reviews, $0.lastYear) != ($1.reviews, $1.lastYear)
                ? ($0.reviews, $0.lastYear) > ($1.reviews, $1.lastYear) : $0.id.uuidString < $1.id.uuidString
        }
    }
}

/// A recommendation just recorded, with the recommendations of other reviews it resembles (already
/// in the register, so earlier): the answer to recording one. Encodes as the recommendation's own
/// fields followed by `similar_earlier`; reads like the recommendation (`recorded.id`, `recorded.details`).
@dynamicMemberLookup
public struct RecordedRecommendation: Encodable, Sendable {
    public var recommendation: Recommendation
    public var similarEarlier: [SimilarRecommendation]

    public init(recommendation: Recommendation, similarEarlier: [SimilarRecommendation]) {
        self.recommendation = recommendation
        self.similarEarlier = similarEarlier
    }

    public subscript<T>(dynamicMember path: KeyPath<Recommendation, T>) -> T { recommendation[keyPath: path] }

    enum CodingKeys: String, CodingKey {
        case similarEarlier = "similar_earlier"
    }

    public func encode(to encoder: any Encoder) throws {
        try recommendation.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(similarEarlier, forKey: .similarEarlier)
    }
}
