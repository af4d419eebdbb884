import Foundation
import RegisterDomain
import Testing

@Suite("UUIDs as text, without Foundation's formatting and scanning")
struct UUIDTextTests {
    @Test("the text is Foundation's, lower-cased, and parses back, in either case")
    func roundTrip() {
        for _ in 0..<2_000 {
            let id = UUID()
            #expect(id.lowercasedText == id.uuidString.lowercased())
            #expect(UUID(text: id.lowercasedText) == id)
            #expect(UUID(text: id.uuidString) == id)
            #expect(UUID(text: id.uuidString[...]) == id)
        }
        let zero = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        #expect(zero.lowercasedText == "00000000-0000-0000-0000-000000000000")
        #expect(UUID(text: "FFFFFFFF-ffff-FfFf-ffff-ffffffffffff")?.lowercasedText == "ffffffff-ffff-ffff-ffff-ffffffffffff")
    }

    @Test("anything but the canonical form is refused (stricter than UUID(uuidString:), whose scanner takes a space for a digit)")
    func refused() {
        let good = "01a24ba3-72ce-72fa-8dfa-4e682bcc7961"
        let bad = [
            "", "01a24ba3", good + "0", String(good.dropLast()), good.replacingOccurrences(of: "-", with: ""),
            "01a24ba3-72ce-72fa-8dfa-4e682bcc796g", "01a24ba3+72ce-72fa-8dfa-4e682bcc7961", "01a24ba372ce-72fa-8dfa-4e682bcc7961-",
            " 01a24ba3-72ce-72fa-8dfa-4e682bcc796", "01a24ba3-72ce-72fa-8dfa-4e682bcc796é", "{01a24ba3-72ce-72fa-8dfa-4e682bcc7961}",
        ]
        #expect(UUID(text: good) != nil)
        for text in bad {
            #expect(UUID(text: text) == nil, "accepted \(text)")
        }
    }
}
