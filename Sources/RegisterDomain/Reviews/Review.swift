import Foundation

/// What a coordinator records about a review.
public struct ReviewDetails: Draft, Equatable {
    /// Unique human reference, for example `CSPR-2024-03`.
    public var reference: String
    public var title: String
    public var kind: ReviewKind
    public var boardID: UUID
    public var regime: Regime
    /// Pseudonyms only ("Child G, H, I, J, K"); never a real name.
    public var subjects: String?
    public var summary: String?
    /// Theme codes from the register's taxonomy.
    public var themes: [String]?
    public var incidentKnownOn: Day?
    public var notifiedOn: Day?
    public var rapidReviewDueOn: Day?
    public var rapidReviewCompletedOn: Day?
    public var decisionOn: Day?
    public var publishedOn: Day?
    public var publicationURL: String?
    public var closedOn: Day?
    public var leadReviewer: String?
    /// The review this one follows from (a rapid review converted into a local review).
    public var parentReviewID: UUID?
    /// Why publication is late (parallel criminal proceedings, say), with the day it is now expected.
    public var publicationDelayReason: String?
    public var publicationExpectedOn: Day?
    /// The day the published report was taken off the partnership's website.
    public var takenDownOn: Day?

    public init(
        reference: String, title: String, kind: ReviewKind, boardID: UUID, regime: Regime,
        subjects: String? = nil, summary: String? = nil, themes: [String]? = nil,
        incidentKnownOn: Day? = nil, notifiedOn: Day? = nil, rapidReviewDueOn: Day? = nil,
        rapidReviewCompletedOn: Day? = nil, decisionOn: Day? = nil, publishedOn: Day? = nil,
        publicationURL: String? = nil, closedOn: Day? = nil, leadReviewer: String? = nil,
        parentReviewID: UUID? = nil, publicationDelayReason: String? = nil, publicationExpectedOn: Day? = nil,
        takenDownOn: Day? = nil
    ) {
        self.reference = reference
        self.title = title
        self.kind = kind
        self.boardID = boardID
        self.regime = regime
        self.subjects = subjects
        self.summary = summary
        self.themes = themes
        self.incidentKnownOn = incidentKnownOn
        self.notifiedOn = notifiedOn
        self.rapidReviewDueOn = rapidReviewDueOn
        self.rapidReviewCompletedOn = rapidReviewCompletedOn
        self.decisionOn = decisionOn
        self.publishedOn = publishedOn
        self.publicationURL = publicationURL
        self.closedOn = closedOn
        self.leadReviewer = leadReviewer
        self.parentReviewID = parentReviewID
        self.publicationDelayReason = publicationDelayReason
        self.publicationExpectedOn = publicationExpectedOn
        self.takenDownOn = takenDownOn
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case reference, title, kind
        case boardID = "board_id"
        case regime, subjects, summary, themes
        case incidentKnownOn = "incident_known_on"
        case notifiedOn = "notified_on"
        case rapidReviewDueOn = "rapid_review_due_on"
        case rapidReviewCompletedOn = "rapid_review_completed_on"
        case decisionOn = "decision_on"
        case publishedOn = "published_on"
        case publicationURL = "publication_url"
        case closedOn = "closed_on"
        case leadReviewer = "lead_reviewer"
        case parentReviewID = "parent_review_id"
        case publicationDelayReason = "publication_delay_reason"
        case publicationExpectedOn = "publication_expected_on"
        case takenDownOn = "taken_down_on"
    }

    public static let fieldNames = names(CodingKeys.self)

    public func validate() throws {
        var v = Validator()
        v.text(reference, field: "reference", max: 40)
        if !reference.isEmpty, reference.range(of: "^[A-Za-z0-9][A-Za-z0-9/._-]*\\z", options: .regularExpression) == nil {
            v.fail("reference", "reference may hold only letters, digits, '-', '_', '.' and '/', for example CSPR-2024-03")
        }
        v.text(title, field: "title", max: 300)
        if !kind.regimes.contains(regime) {
            v.fail("regime", "a \(kind.rawValue) review is held under \(kind.regimes.map(\.rawValue).joined(separator: " or ")), not \(regime.rawValue)")
        }
        v.optionalText(subjects, field: "subjects", max: 500)
        v.optionalText(summary, field: "summary", max: 20_000)
        v.codes(themes ?? [], field: "themes")
        for (day, field) in [
            (incidentKnownOn, "incident_known_on"), (notifiedOn, "notified_on"), (rapidReviewDueOn, "rapid_review_due_on"),
            (rapidReviewCompletedOn, "rapid_review_completed_on"), (decisionOn, "decision_on"), (publishedOn, "published_on"),
            (closedOn, "closed_on"), (publicationExpectedOn, "publication_expected_on"), (takenDownOn, "taken_down_on"),
        ] {
            v.plausible(day, field: field)
        }
        v.order(incidentKnownOn, "incident_known_on", notifiedOn, "notified_on")
        v.order(notifiedOn, "notified_on", rapidReviewCompletedOn, "rapid_review_completed_on")
        v.order(decisionOn, "decision_on", publishedOn, "published_on")
        v.order(notifiedOn, "notified_on", closedOn, "closed_on")
        v.url(publicationURL, field: "publication_url")
        v.optionalText(leadReviewer, field: "lead_reviewer", max: 200)
        v.optionalText(publicationDelayReason, field: "publication_delay_reason", max: 5000)
        let delayReason = publicationDelayReason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !delayReason.isEmpty, publicationExpectedOn == nil {
            v.fail("publication_expected_on", "a delayed publication needs the day it is now expected")
        }
        if delayReason.isEmpty, publicationExpectedOn != nil {
            v.fail("publication_delay_reason", "say why publication is delayed, or leave the expected day out")
        }
        if takenDownOn != nil, publishedOn == nil {
            v.fail("taken_down_on", "only a published report can be taken down: give published_on first")
        }
        v.order(publishedOn, "published_on", takenDownOn, "taken_down_on")
        try v.check()
    }
}

/// The lifecycle part of a review, changed only through transitions.
public struct ReviewState: Encodable, Sendable, Equatable {
    public var status: ReviewStatus
    /// Why it stands where it does, when the status needs a reason (not published, reopened).
    public var statusReason: String?
    /// The first day a published report may come down, recorded at publication from the rule of its
    /// regime and kind (none when no rule applies).
    public var onlineUntil: Day?

    public init(status: ReviewStatus, statusReason: String? = nil, onlineUntil: Day? = nil) {
        self.status = status
        self.statusReason = statusReason
        self.onlineUntil = onlineUntil
    }

    enum CodingKeys: String, CodingKey {
        case status
        case statusReason = "status_reason"
        case onlineUntil = "online_until"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(statusReason, forKey: .statusReason)
        try c.encode(onlineUntil, forKey: .onlineUntil)
    }
}

/// A serious case review, rapid review, local or national practice review, adults review or domestic
/// homicide review — or another source of recommendations: an improvement plan, an inspection's
/// action plan, a thematic audit, a scrutiny inquiry (`ReviewKind.isReview` tells them apart).
public typealias Review = Record<ReviewDetails, ReviewState>
