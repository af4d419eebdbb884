import Crypto
import Foundation
import RegisterDomain
import RegisterReports
import Testing

/// The verifier reads export lines with its own parser: it must take back exactly what
/// `AuditEvent.jsonLine()` writes, and nothing else, whatever a JSON reader would accept.
@Suite("Export lines: exactly the exporter's format")
struct ExportLineTests {
    let payloads = [
        #"{"op": "INSERT", "key": "1", "new": {"title": "One"}, "table": "reviews"}"#,
        "{\"op\": \"UPDATE\", \"key\": \"2\", \"new\": {\"title\": \"Two / A\tB\"}, \"table\": \"reviews\"}",  // a real tab
        #"{"op": "DELETE", "key": "3", "old": {"title": "Three"}, "table": "reviews"}"#,
    ]

    /// The export lines, without their newlines.
    func lines(_ events: [AuditEvent]) throws -> [String] {
        try events.map { String(decoding: try $0.jsonLine().dropLast(), as: UTF8.self) }
    }

    func file(_ lines: [String], newlineAtEnd: Bool = true) throws -> URL {
        try file(Data((lines.joined(separator: "\n") + (newlineAtEnd ? "\n" : "")).utf8))
    }

    func file(_ data: Data) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl")
        try data.write(to: url)
        return url
    }

    /// Verifies the file; nil when it verifies.
    func verify(_ url: URL) -> ChainProblem? {
        problem { _ = try ExportVerifier.verify(file: url, checkpoint: nil) }
    }

    @Test("every Unicode scalar, alone and all together, comes back byte for byte")
    func everyScalar() throws {
        var all = String.UnicodeScalarView()
        for value in 0...0x10FFFF { if let scalar = Unicode.Scalar(value) { all.append(scalar) } }
        // Each ASCII character and a few others on a line of its own, then everything at once.
        var texts = (0..<0x80).map { String(Unicode.Scalar($0)!) }
        texts += ["\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}", "\u{2028}", "e\u{301}", String(all)]
        let events = makeChain(texts)
        let report = try ExportVerifier.verify(file: try write(events), checkpoint: try checkpoint(of: events, signedBy: nil))
        #expect(report.events == Int64(texts.count))
    }

    @Test("a payload longer than the read buffer, and a last line without its newline, verify")
    func longLines() throws {
        let big = String(repeating: #"{"text": "\"quoted\" — ü\n"}"#, count: 250_000)  // about 6 MB escaped
        let events = makeChain(["short", big, "after"])
        #expect(verify(try file(try lines(events), newlineAtEnd: false)) == nil)
        #expect(verify(try write(events)) == nil)
    }

    /// Line 2 rewritten; the verifier must refuse it as not in the exact format.
    func refused(_ change: (String) -> String, _ why: Comment) throws {
        var text = try lines(makeChain(payloads))
        let changed = change(text[1])
        #expect(changed != text[1], "the change did nothing: \(why)")
        text[1] = changed
        let p = verify(try file(text))
        #expect(p?.line == 2, why)
        #expect(p?.message.contains("exact format") == true, "\(why): \(p?.description ?? "accepted")")
    }

    @Test("lines a JSON reader would take as the same event are refused: spacing, order, case, numbers, extra keys")
    func nonCanonicalLayout() throws {
        try refused({ $0.replacingOccurrences(of: #"{"seq":2"#, with: #"{"seq": 2"#) }, "a space after a colon")
        try refused({ " " + $0 }, "a space before the line")
        try refused({ $0 + " " }, "a space after the line")
        try refused({ $0 + "\r" }, "a CRLF line end")
        try refused({ $0.replacingOccurrences(of: #"{"seq":2"#, with: #"{"seq":02"#) }, "a leading zero")
        try refused({ $0.replacingOccurrences(of: #"{"seq":2"#, with: #"{"seq":2.0"#) }, "a fraction")
        try refused({ $0.replacingOccurrences(of: #"{"seq":2"#, with: #"{"seq":2e0"#) }, "an exponent")
        try refused({ $0.replacingOccurrences(of: #"{"seq":2"#, with: #"{"seq":+2"#) }, "a plus sign")
        try refused(
            { line in
                let parts = line.components(separatedBy: #","prev_hash":"#)
                let sealed = parts[0].components(separatedBy: #","sealed_at":"#)
                return sealed[0] + #","prev_hash":"# + parts[1].replacingOccurrences(of: #","payload":"#, with: #","sealed_at":\#(sealed[1]),"payload":"#)
            }, "keys in another order")
        try refused({ String($0.dropLast()) + #","extra":1}"# }, "an extra key")
        try refused({ String($0.dropLast()) + #","seq":2}"# }, "a repeated key")
        try refused({ $0 + "{}" }, "text after the object")
        try refused({ String($0.dropLast()) }, "no closing brace")
    }

    @Test("hashes in upper case are refused")
    func upperCaseHex() throws {
        let events = makeChain(payloads)
        try refused({ $0.replacingOccurrences(of: events[0].chainHash.hex, with: events[0].chainHash.hex.uppercased()) }, "prev_hash in upper case")
        try refused({ $0.replacingOccurrences(of: events[1].chainHash.hex, with: events[1].chainHash.hex.uppercased()) }, "chain_hash in upper case")
    }

    @Test("escapes the exporter never writes are refused, even when they mean the same text")
    func foreignEscapes() throws {
        // Payload 2 holds a slash, a tab, quotes and letters; each is written another valid JSON way.
        try refused({ $0.replacingOccurrences(of: "Two / A", with: #"Two \/ A"#) }, #"\/ for a slash"#)
        try refused({ $0.replacingOccurrences(of: "Two", with: #"\u0054wo"#) }, #"\u0054 for T"#)
        try refused({ $0.replacingOccurrences(of: #"A\tB"#, with: #"A\u0009B"#) }, #"\u0009 for a tab"#)
        try refused({ $0.replacingOccurrences(of: #"A\tB"#, with: "A\tB") }, "a raw tab")
        try refused({ $0.replacingOccurrences(of: #"{\"op\""#, with: #"{\u0022op\""#) }, #"\u0022 for a quote"#)
        try refused({ $0.replacingOccurrences(of: #"\"key\""#, with: #"\"k\u0065y\""#) }, "an escaped letter")
        try refused({ $0.replacingOccurrences(of: #"A\tB"#, with: #"A\q"#) }, "an escape JSON does not have")
    }

    @Test("control characters are written in lower case only, and only without a short form")
    func controlEscapes() throws {
        let events = makeChain(["\u{1F}\u{0}\u{B}", "x\u{1F}y", "z"])
        var text = try lines(events)
        #expect(text[1].contains(#"x\u001fy"#))
        #expect(verify(try file(text)) == nil)
        text[1] = text[1].replacingOccurrences(of: #"x\u001fy"#, with: #"x\u001Fy"#)
        let p = verify(try file(text))
        #expect(p?.line == 2)
        #expect(p?.message.contains("exact format") == true)
    }

    @Test("non-ASCII text is raw UTF-8: \\u escapes, surrogate pairs and malformed bytes are refused")
    func utf8() throws {
        let events = makeChain(["a", "é 😀 z", "b"])
        var text = try lines(events)
        #expect(verify(try file(text)) == nil)
        for (replacement, why) in [(#"\u00e9 😀 z"#, "an escaped é"), (#"é \ud83d\ude00 z"#, "an escaped surrogate pair")] {
            var changed = text
            changed[1] = text[1].replacingOccurrences(of: "é 😀 z", with: replacement)
            let p = verify(try file(changed))
            #expect(p?.line == 2, "\(why)")
            #expect(p?.message.contains("exact format") == true, "\(why)")
        }
        // Bytes that are not UTF-8 at all: overlong "/", a lone continuation byte, an encoded surrogate, past U+10FFFF.
        text = try lines(events)
        let marker = Array("é".utf8)
        for bad: [UInt8] in [[0xC0, 0xAF], [0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            var bytes = Array((text.joined(separator: "\n") + "\n").utf8)
            let at = (0..<(bytes.count - 1)).first { bytes[$0] == marker[0] && bytes[$0 + 1] == marker[1] }!
            bytes.replaceSubrange(at..<(at + 2), with: bad)
            let p = verify(try file(Data(bytes)))
            #expect(p?.line == 2, "\(bad)")
            #expect(p?.message.contains("UTF-8") == true, "\(bad): \(p?.description ?? "accepted")")
        }
    }

    @Test("an empty line, and a seal time not in the register's form, are named")
    func emptyLineAndSealTime() throws {
        var text = try lines(makeChain(payloads))
        text.insert("", at: 1)
        let p = verify(try file(text))
        #expect(p?.line == 2)
        #expect(p?.message.contains("empty") == true)

        var events = makeChain(payloads)
        events[1].sealedAt = "2026-01-02 03:04:05.000001Z"
        let q = verify(try write(events))
        #expect(q?.line == 2)
        #expect(q?.message.contains("not a seal time") == true)
    }

    @Test("the database's events and the file's lines go through the same checks")
    func sameChecks() throws {
        let events = makeChain(payloads)
        var verifier = ChainVerifier()
        for e in events { try verifier.check(e) }
        let report = try ExportVerifier.verify(file: try write(events), checkpoint: nil)
        #expect(report.headHash == verifier.head.hex)
        #expect(report.merkleRoot == verifier.merkle.root.hex)
        #expect(verifier.lastSealedAt == events.last!.sealedAt)
    }
}
