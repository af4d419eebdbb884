import Foundation

/// A UUID as text and back, without Foundation's `uuidString` and `UUID(uuidString:)`, which on
/// Linux go through `snprintf` and `sscanf` (and an upper-casing copy): on every request, for the
/// id in its path, the register's id for it and the actor's audit name, they were a visible share
/// of a one-review read's processor time (BENCHMARKS.md, "API reads").
extension UUID {
    /// The canonical lower-case form, `01a24ba3-72ce-72fa-8dfa-4e682bcc7961`: the same text as
    /// `uuidString.lowercased()`.
    public var lowercasedText: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var at = 0
                for (i, byte) in bytes.enumerated() {
                    if i == 4 || i == 6 || i == 8 || i == 10 {
                        out[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    out[at] = Hex.digits[Int(byte >> 4)]
                    out[at + 1] = Hex.digits[Int(byte & 0x0F)]
                    at += 2
                }
                return at
            }
        }
    }

    /// Parses the canonical form `8-4-4-4-12` in either case: nil for anything else (a little
    /// stricter than `UUID(uuidString:)`, whose scanner takes a space for a digit).
    public init?(text: some StringProtocol) {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed: Bool = withUnsafeMutableBytes(of: &bytes) { out in
            var utf8 = text.utf8.makeIterator()
            for i in 0..<16 {
                if i == 4 || i == 6 || i == 8 || i == 10 {
                    guard utf8.next() == UInt8(ascii: "-") else { return false }
                }
                guard let high = utf8.next().flatMap(Hex.value(of:)), let low = utf8.next().flatMap(Hex.value(of:)) else { return false }
                out[i] = high << 4 | low
            }
            return utf8.next() == nil
        }
        guard parsed else { return nil }
        self.init(uuid: bytes)
    }
}
