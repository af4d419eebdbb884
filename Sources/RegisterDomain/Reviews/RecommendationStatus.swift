/// Where a recommendation is, from open to assured (or explicitly not implemented).
public enum RecommendationStatus: String, Lifecycle {
    case open
    case inProgress = "in_progress"
    case implemented
    case assured
    case notImplemented = "not_implemented"
    case superseded

    public static let vocabularyName = "recommendation status"
    public static let entityName = "recommendation"

    public var next: [RecommendationStatus] {
        switch self {
        case .open: [.inProgress, .implemented, .notImplemented, .superseded]
        case .inProgress: [.implemented, .notImplemented, .superseded]
        case .implemented: [.assured, .inProgress]
        case .assured: [.inProgress]
        case .notImplemented: [.open]
        case .superseded: []
        }
    }

    public func needsReason(to target: RecommendationStatus) -> Bool {
        switch (self, target) {
        case (_, .notImplemented), (_, .superseded): true
        // Reopening work that was reported done, assured or refused.
        case (.implemented, .inProgress), (.assured, .inProgress), (.notImplemented, .open): true
        default: false
        }
    }

    /// States in which the recommendation is finished with, so it can no longer be overdue.
    public var isClosed: Bool {
        switch self {
        case .open, .inProgress: false
        case .implemented, .assured, .notImplemented, .superseded: true
        }
    }
}
