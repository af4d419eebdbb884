import Foundation
import RegisterDomain
@testable import RegisterStore
import Testing

/// Each person sends at most a few uploads at once (issue 12, point 5).
@Suite("upload places")
struct UploadPlacesTests {
    @Test("a person holds at most maxPerPerson places; a refusal gives back nothing it never took, and each place comes back when its upload ends")
    func perPerson() throws {
        let person = UUID()
        func held() -> Int? { EvidenceUpload.PersonSlot.inProgress.withLock { $0[person] } }
        var places = try (0..<EvidenceUpload.maxPerPerson).map { _ in try EvidenceUpload.PersonSlot(person) }
        for _ in 0..<5 {
            #expect(throws: DomainError.self) { _ = try EvidenceUpload.PersonSlot(person) }
        }
        #expect(held() == EvidenceUpload.maxPerPerson, "refusals changed the count")
        // Someone else is not affected.
        #expect(throws: Never.self) { _ = try EvidenceUpload.PersonSlot(UUID()) }
        places.removeLast()
        #expect(held() == EvidenceUpload.maxPerPerson - 1)
        places.append(try EvidenceUpload.PersonSlot(person))
        places.removeAll()
        #expect(held() == nil)
    }
}
