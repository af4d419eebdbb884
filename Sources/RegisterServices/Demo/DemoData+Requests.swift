import Foundation
import NIOCore
import RegisterDomain
import RegisterStore

extension DemoData {
    /// Further-information requests (one open, one answered with a small file, one overdue) and the
    /// published report attached to the Coventry review as a document.
    static func requestsAndDocuments(_ r: Registry, _ w: WriteContext, users: [String: User]) async throws {
        let coordinator = w.with(actor: users["coordinator@example.org"]!)
        let healthUser = users["health-partner@example.org"]!
        let police = users["partner@example.org"]!.partnerID!
        let health = healthUser.partnerID!
        let today = Day.today()
        let reviews = try await r.reviews.list(ReviewFilter(), page: PageRequest(limit: 200), today: today).items
        let babyM = reviews.first { $0.details.reference == "NV-LCSPR-2025-02" }!
        let coventry = reviews.first { $0.details.reference == "COV-SCR-2016-01" }!
        let recommendation = try await r.recommendations.list(RecommendationFilter(reviewID: babyM.id), page: PageRequest(limit: 10), today: today).items
            .first { $0.details.number == "1" }!

        // Open: a briefing for the board, due in a month.
        _ = try await r.informationRequests.create(
            InformationRequestDetails(
                partnerID: police, kind: .briefing,
                question: "Please brief the board on how the notification-sharing protocol is working: how many notifications were shared within 48 hours since it was signed, and what stops the rest.",
                onBehalfOf: "Northvale Safeguarding Children Partnership Board (invented)", dueDate: today.adding(days: 30),
                recommendationID: recommendation.id),
            today: today, context: coordinator)
        // Overdue: information asked for by a date already past, still open.
        _ = try await r.informationRequests.create(
            InformationRequestDetails(
                partnerID: police, kind: .information,
                question: "How many officers have completed the refreshed training on notifying health visitors of incidents involving infants?",
                dueDate: today.adding(days: -14), reviewID: babyM.id),
            today: today, context: coordinator)
        // Answered, with a small file.
        let answered = try await r.informationRequests.create(
            InformationRequestDetails(
                partnerID: health, kind: .information,
                question: "Please send the number of notifications health visiting teams received each month since January 2026.",
                onBehalfOf: "Northvale Safeguarding Children Partnership Board (invented)", dueDate: today.adding(days: 10),
                recommendationID: recommendation.id),
            today: today, context: coordinator)
        _ = try await r.informationRequests.answer(
            answered.id, maxBytes: 1 << 20, today: today, context: w.with(actor: healthUser)
        ) { upload in
            let file = try upload.beginFile(named: "notifications-by-month.csv")
            try await file.write(ByteBuffer(bytes: Array("month,notifications\n2026-01,41\n2026-02,38\n2026-03,45\n".utf8)))
            _ = try await file.finish()
            return AnswerSubmission(text: "The figures by month are attached. March was higher because two teams merged their caseloads.")
        }

        // The Coventry review's published report, as a document of the review.
        _ = try await r.reviewDocuments.add(to: coventry.id, maxBytes: 1 << 20, context: coordinator) { upload in
            let file = try upload.beginFile(named: "coventry-scr-2016-published-report.pdf")
            try await file.write(ByteBuffer(bytes: pdf("Coventry LSCB serious case review, July 2016 (demo stand-in for the published report)")))
            _ = try await file.finish()
            return DocumentSubmission(kind: .publishedReport, title: "Serious case review: child sexual exploitation, published report (11 July 2016)")
        }
    }
}
