import Foundation
import RegisterDomain
import Testing

@Suite("Calendar days")
struct DayTests {
    @Test("impossible dates are refused", arguments: ["2026-02-30", "2025-02-29", "2026-13-01", "2026-04-31", "2026-1-05", "26-01-05", "2026-01-05T00:00", "", "２０２６-01-01"])
    func refusesImpossible(_ text: String) {
        #expect(Day(iso: text) == nil)
    }

    @Test("real dates parse and print back the same")
    func roundTrips() throws {
        for text in ["2024-02-29", "2000-02-29", "1999-12-31", "2026-03-31", "1970-01-01"] {
            let day = try #require(Day(iso: text))
            #expect(day.description == text)
            #expect(Day(daysSinceEpoch: day.daysSinceEpoch) == day)
        }
        #expect(Day(iso: "1970-01-02")!.daysSinceEpoch == 1)
        #expect(Day(iso: "2000-01-01")!.daysSinceEpoch == 10_957)
        #expect(Day(iso: "1900-02-29") == nil)
    }

    @Test("JSON decoding names the bad date")
    func decodingError() {
        struct Holder: Decodable { var on: Day }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Holder.self, from: Data(#"{"on":"2026-02-30"}"#.utf8))
        }
        do {
            _ = try JSONDecoder().decode(Holder.self, from: Data(#"{"on":"2026-02-30"}"#.utf8))
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription.contains("'2026-02-30' is not a real date"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("today is read on UK time")
    func todayInLondon() {
        // 23:30 UTC on 30 June 2026 is already 1 July in London (British Summer Time).
        let instant = Date(timeIntervalSince1970: 1_782_862_200)
        #expect(Day.today(in: .london, now: instant) == Day(iso: "2026-07-01"))
        #expect(Day.today(in: TimeZone(identifier: "UTC")!, now: instant) == Day(iso: "2026-06-30"))
    }
}
