import RegisterDomain
import Testing

@Suite("Lifecycles")
struct LifecycleTests {
    @Test("a review moves forward from notification to closure")
    func reviewHappyPath() throws {
        var status = ReviewStatus.notified
        for next in [ReviewStatus.rapidReview, .commissioned, .inProgress, .published, .monitoring, .closed] {
            #expect(try status.transition(to: next, reason: nil) == nil)
            status = next
        }
    }

    @Test("a refused move names the states that may follow")
    func refusalNamesAllowed() {
        #expect(throws: DomainError.transitionNotAllowed(entity: "review", from: "notified", to: "published", allowed: ["rapid_review", "commissioned", "closed"])) {
            try ReviewStatus.notified.transition(to: .published, reason: nil)
        }
        #expect(throws: DomainError.transitionNotAllowed(entity: "recommendation", from: "superseded", to: "open", allowed: [])) {
            try RecommendationStatus.superseded.transition(to: .open, reason: nil)
        }
    }

    @Test("negative moves need a reason", arguments: [
        (ReviewStatus.inProgress, ReviewStatus.notPublishedWithReason),
        (.notified, .closed),
        (.rapidReview, .closed),
        (.closed, .monitoring),
    ])
    func reviewReasons(from: ReviewStatus, to: ReviewStatus) throws {
        #expect(throws: DomainError.reasonRequired(entity: "review", to: to.rawValue)) { try from.transition(to: to, reason: nil) }
        #expect(throws: DomainError.reasonRequired(entity: "review", to: to.rawValue)) { try from.transition(to: to, reason: "   ") }
        #expect(try from.transition(to: to, reason: "  parallel criminal proceedings ") == "parallel criminal proceedings")
    }

    @Test("recommendations: not implemented, superseded and reopening need a reason", arguments: [
        (RecommendationStatus.open, RecommendationStatus.notImplemented),
        (.inProgress, .superseded),
        (.implemented, .inProgress),
        (.assured, .inProgress),
        (.notImplemented, .open),
    ])
    func recommendationReasons(from: RecommendationStatus, to: RecommendationStatus) throws {
        #expect(throws: DomainError.reasonRequired(entity: "recommendation", to: to.rawValue)) { try from.transition(to: to, reason: nil) }
        #expect(try from.transition(to: to, reason: "because") == "because")
    }

    @Test("positive moves need no reason")
    func noReasonNeeded() throws {
        #expect(try RecommendationStatus.open.transition(to: .inProgress, reason: nil) == nil)
        #expect(try RecommendationStatus.implemented.transition(to: .assured, reason: nil) == nil)
        #expect(try ReviewStatus.inProgress.transition(to: .published, reason: nil) == nil)
    }

    @Test("sources other than reviews start in progress and live a shorter life: monitoring, closed, reopened with a reason")
    func sourcesLife() throws {
        for kind in ReviewKind.otherSources {
            #expect(ReviewStatus.initial(for: kind) == .inProgress)
            #expect(ReviewStatus.inProgress.next(for: kind) == [.monitoring, .closed])
            #expect(throws: DomainError.self) { try ReviewStatus.inProgress.transition(to: .published, reason: nil, kind: kind) }
            #expect(throws: DomainError.reasonRequired(entity: "review", to: "monitoring")) {
                try ReviewStatus.closed.transition(to: .monitoring, reason: nil, kind: kind)
            }
            #expect(try ReviewStatus.closed.transition(to: .monitoring, reason: "New concerns", kind: kind) == "New concerns")
        }
        for kind in ReviewKind.reviews {
            #expect(ReviewStatus.initial(for: kind) == .notified)
            #expect(ReviewStatus.inProgress.next(for: kind) == ReviewStatus.inProgress.next)
        }
        #expect(Set(ReviewKind.reviews).isDisjoint(with: ReviewKind.otherSources))
        #expect(ReviewKind.otherSources.allSatisfy { $0.regimes == [.local] })
    }
}
