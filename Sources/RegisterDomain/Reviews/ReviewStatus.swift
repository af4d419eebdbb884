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

extension ReviewStatus {
    /// Where a newly recorded source of this kind starts: a review at its notification, another
    /// source (a plan, an audit, an inquiry) already being delivered.
    public static func initial(for kind: ReviewKind) -> ReviewStatus {
        kind.isReview ? .notified : .inProgress
    }

    /// The states allowed to follow this one for a source of `kind`. Sources other than reviews are
    /// never notified, commissioned or published as reviews are: they are delivered, monitored and
    /// closed (and reopened, with a reason).
    public func next(for kind: ReviewKind) -> [ReviewStatus] {
        if kind.isReview { return next }
        switch self {
        case .inProgress: return [.monitoring, .closed]
        case .monitoring: return [.closed]
        case .closed: return [.monitoring]
        default: return []
        }
    }

    /// Checks a move for a source of `kind`, returning the trimmed reason (see `Lifecycle.transition`).
    public func transition(to target: ReviewStatus, reason: String?, kind: ReviewKind) throws -> String? {
        guard next(for: kind).contains(target) else {
            throw DomainError.transitionNotAllowed(
                entity: kind.isReview ? Self.entityName : "source", from: rawValue, to: target.rawValue,
                allowed: next(for: kind).map(\.rawValue))
        }
        return try self.reason(to: target, given: reason)
    }
}

