/// Where a review is in its life, from notification to closure.
public enum ReviewStatus: String, Lifecycle {
    case notified
    case rapidReview = "rapid_review"
    case commissioned
    case inProgress = "in_progress"
    case published
    case notPublishedWithReason = "not_published_with_reason"
    case monitoring
    case closed

    public static let vocabularyName = "review status"
    public static let entityName = "review"

    public var next: [ReviewStatus] {
        switch self {
        // A notification can lead to a rapid review, straight to a commissioned review (adult and
        // domestic homicide reviews have no rapid review), or to a recorded decision not to review.
        case .notified: [.rapidReview, .commissioned, .closed]
        case .rapidReview: [.commissioned, .closed]
        case .commissioned: [.inProgress]
        case .inProgress: [.published, .notPublishedWithReason]
        case .published: [.monitoring]
        // Publication can follow later, for example after parallel criminal proceedings end.
        case .notPublishedWithReason: [.published, .monitoring]
        case .monitoring: [.closed]
        case .closed: [.monitoring]
        }
    }

    public func needsReason(to target: ReviewStatus) -> Bool {
        switch (self, target) {
        case (_, .notPublishedWithReason): true
        // Closing before any review was commissioned is a decision not to review.
        case (.notified, .closed), (.rapidReview, .closed): true
        // Reopening a closed review.
        case (.closed, _): true
        default: false
        }
    }
}
