import Foundation
import RegisterDomain
import RegisterStore

extension DemoData {
    /// A recurring lesson (issue 13, point 7): two earlier invented Northvale reviews, of 2018 and 2021,
    /// made much the same information-sharing recommendation as the Baby M review of 2025, so the
    /// recurring lessons page shows "the same lesson in 3 reviews, from 2018 to 2025".
    static func lessons(_ r: Registry, _ w: WriteContext) async throws {
        guard let board = try await r.boards.list(PageRequest(limit: 200)).items.first(where: { $0.details.code == "northvale-scp" }) else { return }
        let earlier: [(String, String, String, String, String)] = [
            ("NV-SCR-2018-03", "Serious case review: Child K (invented example)", "2018-02-14", "2019-03-20",
             "Police and health partners agree a protocol for sharing police domestic incident notifications with health visitors and GPs within 48 hours."),
            ("NV-LCSPR-2021-01", "Local child safeguarding practice review: Sibling group B (invented example)", "2021-05-10", "2022-01-31",
             "Partners agree a protocol so that police domestic incident notifications reach health visitors within 48 hours."),
        ]
        for (reference, title, decided, target, text) in earlier {
            let review = try await r.reviews.create(
                ReviewDetails(
                    reference: reference, title: title, kind: reference.contains("SCR") ? .scr : .lcspr, boardID: board.id,
                    regime: reference.contains("SCR") ? .wt2015 : .wt2018, subjects: "Invented", themes: ["information_sharing", "domestic_abuse"],
                    decisionOn: Day(iso: decided)!),
                context: w)
            let recommendation = try await r.recommendations.create(
                in: review.id,
                RecommendationDetails(number: "1", text: text, scope: .local, addressee: "Police, health and the council", targetDate: Day(iso: target)!),
                today: Day(iso: decided)!, context: w)
            _ = try await r.recommendations.transition(
                recommendation.id, expectedVersion: nil, TransitionRequest(to: .implemented), today: Day(iso: target)!, context: w)
        }
    }
}
