import Foundation

/// One sealed event, as stored and as exported (one JSON object a line).
public struct AuditEvent: Sendable, Equatable {
    public var seq: Int64
    /// UTC, microseconds: `2026-01-02T03:04:05.123456Z`.
    public var sealedAt: String
    public var prevHash: Data
    public var chainHash: Data
    /// The exact stored text the chain protects.
    public var payload: String

    public init(seq: Int64, sealedAt: String, prevHash: Data, chainHash: Data, payload: String) {
        self.seq = seq
        self.sealedAt = sealedAt
        self.prevHash = prevHash
        self.chainHash = chainHash
        self.payload = payload
    }
}

extension AuditEvent: Codable {
    enum CodingKeys: String, CodingKey {
        case seq
        case sealedAt = "sealed_at"
        case prevHash = "prev_hash"
        case chainHash = "chain_hash"
        case payload
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func hash(_ key: CodingKeys) throws -> Data {
            let text = try c.decode(String.self, forKey: key)
            guard text.utf8.count == 64, let data = Data(hex: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(key.stringValue) is not 64 hexadecimal digits")
            }
            return data
        }
        self.seq = try c.decode(Int64.self, forKey: .seq)
        self.sealedAt = try c.decode(String.self, forKey: .sealedAt)
        self.prevHash = try hash(.prevHash)
        self.chainHash = try hash(.chainHash)
        self.payload = try c.decode(String.self, forKey: .payload)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(sealedAt, forKey: .sealedAt)
        try c.encode(prevHash.hex, forKey: .prevHash)
        try c.encode(chainHash.hex, forKey: .chainHash)
        try c.encode(payload, forKey: .payload)
    }

    private static let stringEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// The export line, newline included, with its fields in the documented order:
    /// `{"seq":1,"sealed_at":"…","prev_hash":"…","chain_hash":"…","payload":"<exact stored text>"}`
    public func jsonLine() throws -> Data {
        var line = Data(#"{"seq":\#(seq),"sealed_at":"\#(sealedAt)","prev_hash":"\#(prevHash.hex)","chain_hash":"\#(chainHash.hex)","payload":"#.utf8)
        line.append(try Self.stringEncoder.encode(payload))
        line.append(contentsOf: Array("}\n".utf8))
        return line
    }
}
