import Foundation
@testable import RegisterDomain
import Testing

@Suite("Evidence files and rules")
struct EvidenceRulesTests {
    static let pdf = Array("%PDF-1.4\n1 0 obj\n".utf8)
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
    static let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0]

    @Test("documents and images are recognised by their content")
    func accepted() throws {
        #expect(try FileType.detect(name: "protocol.PDF", prefix: Self.pdf) == .pdf)
        #expect(try FileType.detect(name: "chart.png", prefix: Self.png) == .png)
        #expect(try FileType.detect(name: "photo.jpg", prefix: [0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(try FileType.detect(name: "report.docx", prefix: Self.zip) == .docx)
        #expect(try FileType.detect(name: "audit.csv", prefix: Array("a,b\nrésumé,2\n".utf8)) == .csv)
        #expect(try FileType.detect(name: "legacy.doc", prefix: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) == .doc)
        let odt = Self.zip + [UInt8](repeating: 0, count: 22) + Array("mimetypeapplication/vnd.oasis.opendocument.text".utf8)
        #expect(try FileType.detect(name: "minutes.odt", prefix: odt) == .odt)
        #expect(FileType.pdf.mediaType == "application/pdf")
    }

    @Test("a file whose content does not match its name is refused, whatever it is called")
    func mismatched() {
        let exe = Array("MZ\u{90}\u{0}".utf8)
        for (name, bytes) in [
            ("report.pdf", exe), ("chart.png", Self.pdf), ("notes.txt", [0x00, 0x01, 0x02]), ("page.html", Array("<html>".utf8)),
            ("image.svg", Array("<svg/>".utf8)), ("macro.docm", Self.zip), ("noextension", Self.pdf), ("report.odt", Self.zip),
            ("empty.txt", []),
        ] {
            #expect(throws: DomainError.self, "\(name)") { try FileType.detect(name: name, prefix: bytes) }
        }
    }

    @Test("UTF-8 cut in the middle of a character at the end of the prefix still counts as text")
    func textPrefix() {
        let bytes = Array("abc é".utf8)
        #expect(FileType.isText(Array(bytes.dropLast())))
        #expect(!FileType.isText([0x61, 0xFF, 0x62]))
    }

    @Test("a return needs a reason; a pending verdict is not a decision")
    func decisions() throws {
        #expect(throws: ValidationError.self) { try Decision(verdict: .returned, reason: "  ").validate() }
        #expect(throws: ValidationError.self) { try Decision(verdict: .pending).validate() }
        #expect(try Decision(verdict: .returned, reason: " add dates ").validate() == "add dates")
        #expect(try Decision(verdict: .accepted).validate() == nil)
    }

    @Test("evidence fields: every problem listed, future dates refused, unknown fields named")
    func submission() throws {
        let today = Day(iso: "2026-06-01")!
        let ok = try EvidenceSubmission.parse(["summary": "Audit", "kind": "outcome", "effective_date": "2026-05-31"], today: today)
        #expect(ok.kind == .outcome)
        do {
            _ = try EvidenceSubmission.parse(["kind": "proof", "effective_date": "2026-07-01", "extra": "x"], today: today)
            Issue.record("should have failed")
        } catch let error as ValidationError {
            #expect(Set(error.errors.map(\.field)) == ["summary", "kind", "effective_date", "extra"])
        }
    }

    @Test("assignment lifecycle: evidence moves it, verdicts settle it, reopening needs a reason")
    func lifecycle() throws {
        #expect(AssignmentStatus.afterVerdict(.accepted, otherPending: false) == .accepted)
        #expect(AssignmentStatus.afterVerdict(.returned, otherPending: false) == .returned)
        #expect(AssignmentStatus.afterVerdict(.accepted, otherPending: true) == .evidenceSubmitted)
        #expect(throws: DomainError.self) { try AssignmentStatus.accepted.transition(to: .inProgress, reason: nil) }
        #expect(try AssignmentStatus.accepted.transition(to: .inProgress, reason: "new concerns") == "new concerns")
        #expect(throws: DomainError.self) { try AssignmentStatus.assigned.transition(to: .accepted, reason: nil) }
    }

    @Test("a due-date change needs its reason; the partner changes only by reassignment")
    func dueDateChange() throws {
        let partner = UUID()
        let current = AssignmentDetails(partnerID: partner, role: .lead, action: "Do it", dueDate: Day(iso: "2026-03-31")!)
        var later = current
        later.dueDate = Day(iso: "2026-06-30")!
        #expect(throws: ValidationError.self) { try later.validateChange(from: current) }
        later.dueDateReason = "System upgrade delayed"
        try later.validateChange(from: current)
        var moved = current
        moved.partnerID = UUID()
        #expect(throws: ValidationError.self) { try moved.validateChange(from: current) }
    }
}
