import Crypto
import Foundation
import RegisterDomain
import RegisterReports
import Testing

/// Builds a valid chain the way the database's seal does.
func makeChain(_ payloads: [String], start: String = "2026-01-02T03:04:05.000000Z") -> [AuditEvent] {
    makeChain(payloads, sealedAt: payloads.indices.map { String(start.prefix(20)) + String(format: "%06dZ", $0) })
}

/// Builds a chain linked and hashed as the database's seal does, with the given seal times, in
/// whatever order they come: only the seal-time rule can tell times that go backwards.
func makeChain(_ payloads: [String], sealedAt times: [String]) -> [AuditEvent] {
    var prev = AuditHash.genesis
    var events: [AuditEvent] = []
    for (index, (payload, sealedAt)) in zip(payloads, times).enumerated() {
        let seq = Int64(index + 1)
        let chain = AuditHash.chain(prev: prev, seq: seq, sealedAt: sealedAt, content: AuditHash.content(payload: payload))
        events.append(AuditEvent(seq: seq, sealedAt: sealedAt, prevHash: prev, chainHash: chain, payload: payload))
        prev = chain
    }
    return events
}

func write(_ events: [AuditEvent]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl")
    var data = Data()
    for event in events { data.append(try event.jsonLine()) }
    try data.write(to: url)
    return url
}

func checkpoint(of events: [AuditEvent], signedBy key: Curve25519.Signing.PrivateKey?) throws -> Checkpoint {
    var merkle = MerkleRoot()
    for e in events { merkle.append(leaf: AuditHash.content(payload: e.payload)) }
    var cp = Checkpoint(seq: events.last!.seq, chainHash: events.last!.chainHash, merkleRoot: merkle.root, createdAt: "2026-01-03T00:00:00.000000Z")
    if let key { try cp.sign(with: key) }
    return cp
}

func problem(_ body: () throws -> Void) -> ChainProblem? {
    do {
        try body()
        return nil
    } catch let p as ChainProblem {
        return p
    } catch {
        return ChainProblem(line: nil, seq: nil, message: "unexpected \(error)")
    }
}

@Suite("Offline verification of an audit export")
struct ExportVerificationTests {
    let payloads = (1...12).map { #"{"table":"reviews","op":"UPDATE","key":"\#($0)","new":{"title":"Review \#($0)"}}"# }
    let key = Curve25519.Signing.PrivateKey()

    @Test("an untouched export verifies, with its checkpoint")
    func clean() throws {
        let events = makeChain(payloads)
        let cp = try checkpoint(of: events, signedBy: key)
        let report = try ExportVerifier.verify(file: try write(events), checkpoint: cp, pinnedKey: key.publicKey)
        #expect(report.events == 12)
        #expect(report.headHash == events.last!.chainHash.hex)
        #expect(report.merkleRoot == cp.merkleRoot)
    }

    @Test("quotes, backslashes, newlines, tabs and non-ASCII text in a payload still verify")
    func awkwardText() throws {
        let tricky = #"{"new":{"title":"\"Child Ł\" \\ back\nslash\tand — ü 日本 😀"},"op":"INSERT","table":"reviews"}"#
        let events = makeChain([tricky, "plain", "\u{0}nul is escaped too"])
        let report = try ExportVerifier.verify(file: try write(events), checkpoint: try checkpoint(of: events, signedBy: key))
        #expect(report.events == 3)
    }

    @Test("one value changed: the first bad line is named")
    func valueChanged() throws {
        var events = makeChain(payloads)
        events[4].payload = events[4].payload.replacingOccurrences(of: "Review 5", with: "Review five")
        let p = problem { _ = try ExportVerifier.verify(file: try write(events), checkpoint: nil) }
        #expect(p?.line == 5)
        #expect(p?.message.contains("altered") == true)
    }

    @Test("a line with an extra or repeated field is refused, even when its hashes hold")
    func exactFormat() throws {
        let events = makeChain(payloads)
        var data = Data()
        for (index, event) in events.enumerated() {
            var line = try event.jsonLine()
            if index == 3 {
                // A second "payload" that a reader might show instead of the hashed one.
                line = Data(String(decoding: line, as: UTF8.self).replacingOccurrences(of: #"{"seq":4,"#, with: #"{"payload":"innocent","seq":4,"#).utf8)
            }
            data.append(line)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl")
        try data.write(to: url)
        let p = problem { _ = try ExportVerifier.verify(file: url, checkpoint: nil) }
        #expect(p?.line == 4)
        #expect(p?.message.contains("exact format") == true)
    }

    @Test("a chain that disagrees with a checkpoint recorded earlier is caught on the way")
    func recordedCheckpoints() throws {
        let events = makeChain(payloads)
        var merkle = MerkleRoot()
        for e in events.prefix(5) { merkle.append(leaf: AuditHash.content(payload: e.payload)) }
        var good = ChainVerifier(recorded: [5: (events[4].chainHash, merkle.root)])
        for e in events { try good.check(e) }
        var bad = ChainVerifier(recorded: [5: (events[4].chainHash, Data(repeating: 0, count: 32))])
        let p = problem { for e in events { try bad.check(e) } }
        #expect(p?.seq == 5)
        #expect(p?.message.contains("rewritten") == true)
    }

    @Test("one event deleted")
    func deleted() throws {
        var events = makeChain(payloads)
        events.remove(at: 6)
        let p = problem { _ = try ExportVerifier.verify(file: try write(events), checkpoint: nil) }
        #expect(p?.line == 7)
        #expect(p?.message.contains("missing") == true)
    }

    @Test("two events swapped")
    func swapped() throws {
        var events = makeChain(payloads)
        events.swapAt(2, 3)
        let p = problem { _ = try ExportVerifier.verify(file: try write(events), checkpoint: nil) }
        #expect(p?.line == 3)
    }

    @Test("the tail cut off is caught against a checkpoint")
    func truncated() throws {
        let events = makeChain(payloads)
        let cp = try checkpoint(of: events, signedBy: nil)
        // Without the checkpoint the shorter file is self-consistent…
        #expect(problem { _ = try ExportVerifier.verify(file: try write(Array(events.prefix(9))), checkpoint: nil) } == nil)
        // …with it, the cut is found.
        let p = problem { _ = try ExportVerifier.verify(file: try write(Array(events.prefix(9))), checkpoint: cp) }
        #expect(p?.message.contains("cut off") == true)
    }

    @Test("a seal time back-dated")
    func backdated() throws {
        var events = makeChain(payloads)
        events[7].sealedAt = "2025-12-31T23:59:59.000000Z"
        let p = problem { _ = try ExportVerifier.verify(file: try write(events), checkpoint: nil) }
        #expect(p?.line == 8)
    }

    @Test("seal times that go backwards are refused even when every hash was recomputed to match them")
    func sealTimesBackwardsWithHashesRecomputed() throws {
        var times = payloads.indices.map { String(format: "2026-01-02T03:04:%02d.000000Z", $0) }
        // The eighth event back-dated before the seventh; the chain is then rebuilt over the new times.
        times[7] = "2026-01-02T03:04:05.500000Z"
        let events = makeChain(payloads, sealedAt: times)
        // Each link and hash holds: the only thing wrong is the order of the seal times.
        for (earlier, later) in zip(events, events.dropFirst()) { #expect(later.prevHash == earlier.chainHash) }
        let p = problem { _ = try ExportVerifier.verify(file: try write(events), checkpoint: nil) }
        #expect(p?.line == 8)
        #expect(p?.seq == 8)
        #expect(p?.message.contains("before the previous seal (2026-01-02T03:04:06.000000Z)") == true, "\(String(describing: p))")
        // The same checks run on the database's events.
        var verifier = ChainVerifier()
        let q = problem { for event in events { try verifier.check(event) } }
        #expect(q?.seq == 8 && q?.message.contains("before the previous seal") == true, "\(String(describing: q))")
        // Equal seal times (one transaction's changes) are not backwards.
        times[7] = times[6]
        #expect(problem { _ = try ExportVerifier.verify(file: try write(makeChain(payloads, sealedAt: times)), checkpoint: nil) } == nil)
    }

    @Test("the whole chain recomputed after an edit is caught by the signed checkpoint")
    func rewritten() throws {
        let original = makeChain(payloads)
        let signed = try checkpoint(of: original, signedBy: key)
        var edited = payloads
        edited[2] = edited[2].replacingOccurrences(of: "Review 3", with: "Nothing to see")
        let forged = makeChain(edited)
        // The forged file is consistent in itself.
        #expect(problem { _ = try ExportVerifier.verify(file: try write(forged), checkpoint: nil) } == nil)
        // Against the register's signed checkpoint it is not.
        let p = problem { _ = try ExportVerifier.verify(file: try write(forged), checkpoint: signed, pinnedKey: key.publicKey) }
        #expect(p?.message.contains("rewritten") == true)
        // Nor does a new checkpoint signed with another key pass when the register's key is pinned.
        let forgedCheckpoint = try checkpoint(of: forged, signedBy: Curve25519.Signing.PrivateKey())
        let q = problem { _ = try ExportVerifier.verify(file: try write(forged), checkpoint: forgedCheckpoint, pinnedKey: key.publicKey) }
        #expect(q?.message.contains("not signed by the register's key") == true)
        // And a checkpoint whose numbers were edited after signing fails its signature.
        var tampered = signed
        tampered.createdAt = "2027-01-01T00:00:00.000000Z"
        let r = problem { _ = try ExportVerifier.verify(file: try write(original), checkpoint: tampered) }
        #expect(r?.message.contains("signature") == true)
    }
}

@Suite("RFC 6962 Merkle tree head")
struct MerkleTests {
    /// The recursive definition of RFC 6962 section 2.1, to compare the streaming one with.
    func reference(_ leaves: ArraySlice<Data>) -> Data {
        if leaves.count == 1 { return leaves.first! }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        return AuditHash.node(reference(leaves.prefix(k)), reference(leaves.dropFirst(k)))
    }

    @Test("the streaming root equals the recursive definition for 1 to 70 leaves")
    func matchesDefinition() {
        let leaves = (0..<70).map { AuditHash.content(payload: "leaf \($0)") }
        for n in 1...70 {
            var merkle = MerkleRoot()
            for leaf in leaves.prefix(n) { merkle.append(leaf: leaf) }
            #expect(merkle.root == reference(leaves.prefix(n)[...]), "n = \(n)")
        }
    }

    /// Certificate Transparency's published RFC 6962 test vectors (transparency-dev/merkle
    /// testonly/constants.go, the same as trillian's and certificate-transparency's merkle tree
    /// tests): eight leaf inputs, and the tree head of the first n of them for n = 1…8. Fixed here,
    /// not computed, so a wrong leaf or node prefix cannot agree with itself.
    static let vectorLeaves = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ]
    static let vectorRoots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    /// The vectors' leaf inputs as payloads: every byte of them is ASCII, so the payload's UTF-8 is
    /// exactly the leaf input.
    static func vectorPayloads() throws -> [String] {
        try vectorLeaves.map { hex in
            let bytes = try #require(Data(hex: hex), "\(hex)")
            return try #require(String(bytes: bytes, encoding: .ascii))
        }
    }

    @Test("the tree heads of RFC 6962's published test vectors, from 1 to 8 leaves, streamed and by the definition")
    func publishedVectors() throws {
        let leaves = try Self.vectorPayloads().map { AuditHash.content(payload: $0) }
        var merkle = MerkleRoot()
        for (n, leaf) in leaves.enumerated() {
            merkle.append(leaf: leaf)
            #expect(merkle.root.hex == Self.vectorRoots[n], "streamed, \(n + 1) leaves")
            #expect(reference(leaves.prefix(n + 1)[...]).hex == Self.vectorRoots[n], "by the definition, \(n + 1) leaves")
        }
    }

    @Test("an export of the vectors' leaves verifies to the published tree head of each size")
    func publishedVectorsThroughAnExport() throws {
        let payloads = try Self.vectorPayloads()
        for n in 1...payloads.count {
            let report = try ExportVerifier.verify(file: try write(makeChain(Array(payloads.prefix(n)))), checkpoint: nil)
            #expect(report.merkleRoot == Self.vectorRoots[n - 1], "\(n) events")
        }
    }

    @Test("the empty tree is the hash of nothing; one leaf is the leaf")
    func edges() {
        #expect(MerkleRoot().root.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var one = MerkleRoot()
        let leaf = AuditHash.content(payload: "")
        one.append(leaf: leaf)
        #expect(one.root == leaf)
        // RFC 6962 leaf of the empty string.
        #expect(leaf.hex == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    }
}
