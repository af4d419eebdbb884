import Foundation
import RegisterDomain
import RegisterReports
import RegisterStore

/// Reviews: record, list and filter, edit, move through their lifecycle; their statutory clocks and pauses.
public struct ReviewService: Sendable {
    let store: ReviewStore
    let clocks: ClockStore
    let history: HistoryReader
    let access: Access
    let clock: RegisterClock

    /// Reviews the actor may see, filtered; a partner sees those their organisation works on.
    public func list(_ filter: ReviewFilter, page: PageRequest, asAt: AsAt? = nil, by actor: Actor) async throws -> Page<Review> {
        var filter = filter
        filter.reach = try actor.reach(.readReviews)
        return try await store.list(filter, page: page, today: clock.today(), asAt: asAt)
    }

    public func get(_ id: UUID, asAt: AsAt? = nil, by actor: Actor) async throws -> Review {
        try await access.read(.review(id), .readReviews, by: actor)
        return try await store.get(id, asAt: asAt)
    }

    public func record(_ details: @autoclosure () async throws -> ReviewDetails, by actor: Actor) async throws -> Review {
        try actor.require(.editReviews)
        let review = try await store.create(try await details(), context: actor.write)
        actor.logger.info("review recorded", metadata: ["review": "\(review.id)"])
        return review
    }

    /// Replaces the review's details, refused when it changed since `expectedVersion` was read.
    public func update(_ id: UUID, expectedVersion: Int, to details: @autoclosure () async throws -> ReviewDetails, by actor: Actor) async throws -> Review {
        try await access.write(.review(id), .editReviews, visibleThrough: .readReviews, by: actor)
        return try await store.update(id, expectedVersion: expectedVersion, to: try await details(), context: actor.write)
    }

    public func move(
        _ id: UUID, expectedVersion: Int?, _ move: @autoclosure () async throws -> TransitionRequest<ReviewStatus>, by actor: Actor
    ) async throws -> Review {
        try await access.write(.review(id), .editReviews, visibleThrough: .readReviews, by: actor)
        let move = try await move()
        let review = try await store.transition(id, expectedVersion: expectedVersion, move, today: clock.today(), context: actor.write)
        actor.logger.info("review moved", metadata: ["review": "\(id)", "to": "\(move.to.rawValue)"])
        return review
    }

    /// Reviews that follow from this one, as far as the actor may see them.
    public func followOns(of id: UUID, by actor: Actor) async throws -> [Review] {
        try await access.read(.review(id), .readReviews, by: actor)
        // A partner sees reviews through their own assignments, not through their parents.
        guard try actor.reach(.readReviews) == .everything else { return [] }
        return try await store.followOns(of: id)
    }

    /// The review's changes, field by field.
    public func history(_ id: UUID, by actor: Actor) async throws -> [HistoryEntry] {
        try actor.require(.readHistory, hiding: "review")
        _ = try await store.get(id)
        return try await history.entries(table: "reviews", id: id)
    }

    /// The statutory clocks that apply to the review, judged today or at the end of `asAt`'s day.
    public func clocks(of id: UUID, asAt: AsAt? = nil, by actor: Actor) async throws -> [StatutoryClock] {
        try await access.read(.review(id), .readReviews, by: actor)
        return try await clocks.clocks(of: id, today: asAt?.day ?? clock.today(), asAt: asAt)
    }

    public func pauses(of id: UUID, by actor: Actor) async throws -> [ClockPause] {
        try await access.read(.review(id), .readReviews, by: actor)
        return try await clocks.pauses(of: id)
    }

    public func pauseClock(of id: UUID, _ pause: @autoclosure () async throws -> ClockPauseRequest, by actor: Actor) async throws -> ClockPause {
        try await access.write(.review(id), .editReviews, visibleThrough: .readReviews, by: actor)
        let paused = try await clocks.pause(id, try await pause(), context: actor.write)
        actor.logger.info("statutory clock paused", metadata: ["review": "\(id)", "clock": "\(paused.clock)", "pause": "\(paused.id)"])
        return paused
    }

    public func endPause(_ pauseID: UUID, of id: UUID, _ end: @autoclosure () async throws -> ClockPauseEnd, by actor: Actor) async throws -> ClockPause {
        try await access.write(.review(id), .editReviews, visibleThrough: .readReviews, by: actor)
        let ended = try await clocks.endPause(pauseID, of: id, try await end(), context: actor.write)
        actor.logger.info("statutory clock pause ended", metadata: ["review": "\(id)", "pause": "\(pauseID)"])
        return ended
    }
}

/// A review's core questions and findings.
public struct ReviewItemService: Sendable {
    let store: ReviewItemStore
    let access: Access

    public func questions(of reviewID: UUID, by actor: Actor) async throws -> [CoreQuestion] {
        try await access.read(.review(reviewID), .readReviews, by: actor)
        return try await store.questions(of: reviewID)
    }

    public func question(_ id: UUID, of reviewID: UUID, by actor: Actor) async throws -> CoreQuestion {
        try await access.read(.review(reviewID), .readReviews, by: actor)
        return try await store.question(id, of: reviewID)
    }

    public func addQuestion(to reviewID: UUID, _ details: @autoclosure () async throws -> CoreQuestionDetails, by actor: Actor) async throws -> CoreQuestion {
        try await editable(reviewID, actor)
        return try await store.addQuestion(to: reviewID, try await details(), context: actor.write)
    }

    public func updateQuestion(
        _ id: UUID, of reviewID: UUID, expectedVersion: Int, to details: @autoclosure () async throws -> CoreQuestionDetails, by actor: Actor
    ) async throws -> CoreQuestion {
        try await editable(reviewID, actor)
        return try await store.updateQuestion(id, of: reviewID, expectedVersion: expectedVersion, to: try await details(), context: actor.write)
    }

    public func reorderQuestions(of reviewID: UUID, _ ordering: @autoclosure () async throws -> Ordering, by actor: Actor) async throws -> [CoreQuestion] {
        try await editable(reviewID, actor)
        return try await store.reorderQuestions(of: reviewID, try await ordering(), context: actor.write)
    }

    public func findings(of reviewID: UUID, by actor: Actor) async throws -> [Finding] {
        try await access.read(.review(reviewID), .readReviews, by: actor)
        return try await store.findings(of: reviewID)
    }

    public func finding(_ id: UUID, of reviewID: UUID, by actor: Actor) async throws -> Finding {
        try await access.read(.review(reviewID), .readReviews, by: actor)
        return try await store.finding(id, of: reviewID)
    }

    public func addFinding(to reviewID: UUID, _ details: @autoclosure () async throws -> FindingDetails, by actor: Actor) async throws -> Finding {
        try await editable(reviewID, actor)
        return try await store.addFinding(to: reviewID, try await details(), context: actor.write)
    }

    public func updateFinding(
        _ id: UUID, of reviewID: UUID, expectedVersion: Int, to details: @autoclosure () async throws -> FindingDetails, by actor: Actor
    ) async throws -> Finding {
        try await editable(reviewID, actor)
        return try await store.updateFinding(id, of: reviewID, expectedVersion: expectedVersion, to: try await details(), context: actor.write)
    }

    public func reorderFindings(of reviewID: UUID, _ ordering: @autoclosure () async throws -> Ordering, by actor: Actor) async throws -> [Finding] {
        try await editable(reviewID, actor)
        return try await store.reorderFindings(of: reviewID, try await ordering(), context: actor.write)
    }

    /// Someone who may not read the review learns nothing; someone who may read but not edit is told so.
    private func editable(_ reviewID: UUID, _ actor: Actor) async throws {
        try await access.write(.review(reviewID), .editReviews, visibleThrough: .readReviews, by: actor)
    }
}

/// Recommendations: add to a review, list across reviews, edit, move through their lifecycle.
public struct RecommendationService: Sendable {
    let store: RecommendationStore
    let learning: LearningStore
    let history: HistoryReader
    let access: Access
    let clock: RegisterClock

    public func all(of reviewID: UUID, by actor: Actor) async throws -> [Recommendation] {
        let reach = try await access.read(.review(reviewID), .readReviews, by: actor)
        return try await store.all(of: reviewID, today: clock.today(), reach: reach)
    }

    public func list(_ filter: RecommendationFilter, page: PageRequest, asAt: AsAt? = nil, by actor: Actor) async throws -> Page<Recommendation> {
        var filter = filter
        filter.reach = try actor.reach(.readReviews)
        return try await store.list(filter, page: page, today: clock.today(), asAt: asAt)
    }

    /// A recommendation; its `overdue` counts only the late work the actor may see.
    public func get(_ id: UUID, asAt: AsAt? = nil, by actor: Actor) async throws -> Recommendation {
        let reach = try await access.read(.recommendation(id), .readReviews, by: actor)
        return try await store.get(id, today: clock.today(), asAt: asAt, reach: reach)
    }

    /// Records a recommendation; the answer names the recommendations of other reviews it resembles
    /// when the actor may read the learning view (the same policy as `similar`).
    public func add(to reviewID: UUID, _ details: @autoclosure () async throws -> RecommendationDetails, by actor: Actor) async throws -> RecordedRecommendation {
        try await access.write(.review(reviewID), .editReviews, visibleThrough: .readReviews, by: actor)
        var recorded = try await store.record(in: reviewID, try await details(), today: clock.today(), context: actor.write)
        if !actor.may(.readReports) { recorded.similarEarlier = [] }
        return recorded
    }

    public func update(
        _ id: UUID, expectedVersion: Int, to details: @autoclosure () async throws -> RecommendationDetails, by actor: Actor
    ) async throws -> Recommendation {
        try await access.write(.recommendation(id), .editReviews, visibleThrough: .readReviews, by: actor)
        return try await store.update(id, expectedVersion: expectedVersion, to: try await details(), today: clock.today(), context: actor.write)
    }

    public func move(
        _ id: UUID, expectedVersion: Int?, _ move: @autoclosure () async throws -> TransitionRequest<RecommendationStatus>, by actor: Actor
    ) async throws -> Recommendation {
        try await access.write(.recommendation(id), .editReviews, visibleThrough: .readReviews, by: actor)
        return try await store.transition(id, expectedVersion: expectedVersion, try await move(), today: clock.today(), context: actor.write)
    }

    public func history(_ id: UUID, by actor: Actor) async throws -> [HistoryEntry] {
        try actor.require(.readHistory, hiding: "recommendation")
        _ = try await store.get(id, today: clock.today())
        return try await history.entries(table: "recommendations", id: id)
    }

    /// The recommendations of other reviews this one resembled when it was recorded or last reworded
    /// (what recording it answered with).
    public func resembles(_ id: UUID, by actor: Actor) async throws -> [SimilarRecommendation] {
        try actor.require(.readReports, hiding: "recommendation")
        return try await learning.alike(to: id)
    }

    /// Recommendations of other reviews that say the same thing (the learning view).
    public func similar(to id: UUID, limit: Int, by actor: Actor) async throws -> [SimilarRecommendation] {
        try actor.require(.readReports, hiding: "recommendation")
        return try await learning.similar(to: id, limit: limit)
    }
}
