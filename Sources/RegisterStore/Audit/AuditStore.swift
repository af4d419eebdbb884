import Foundation
import PostgresNIO
import RegisterDomain

/// Which events to list. Times are compared on the seal time (UTC text, as stored).
public struct AuditFilter: Sendable, Equatable {
    public var table: String?
    public var key: String?
    public var actor: String?
    public var sealedFrom: String?
    public var sealedBefore: String?

    public init(table: String? = nil, key: String? = nil, actor: String? = nil, sealedFrom: String? = nil, sealedBefore: String? = nil) {
        self.table = table
        self.key = key
        self.actor = actor
        self.sealedFrom = sealedFrom
        self.sealedBefore = sealedBefore
    }
}

/// The chain's head as the database holds it.
public struct AuditHead: Sendable, Equatable {
    public var seq: Int64
    public var chainHash: Data
    public var sealedAt: String
    /// Events of committed changes still waiting in the journal for their seal, and reads staged by
    /// transactions still open (none once every write's seal has run).
    public var unsealed: Int64
}

/// A stored checkpoint (hashes as bytes).
public struct StoredCheckpoint: Sendable, Equatable {
    public var seq: Int64
    public var chainHash: Data
    public var merkleRoot: Data
    public var createdAt: String
    public var publicKey: Data?
    public var signature: Data?

    public init(seq: Int64, chainHash: Data, merkleRoot: Data, createdAt: String, publicKey: Data?, signature: Data?) {
        self.seq = seq
        self.chainHash = chainHash
        self.merkleRoot = merkleRoot
        self.createdAt = createdAt
        self.publicKey = publicKey
        self.signature = signature
    }
}

/// A read the trail records: what was read (the event's table is `read:<what>`), which record or
/// report (`key`), and the facts that say which (`detail`) — never the content that was read.
public struct RecordedRead: Sendable, Equatable {
    public var what: String
    public var key: String
    public var detail: [String: JSONValue]

    public init(what: String, key: String, detail: [String: JSONValue]) {
        (self.what, self.key, self.detail) = (what, key, detail)
    }
}

/// The audit trail, read through the functions the audit owner grants (the service holds no
/// privilege on the audit tables themselves).
public struct AuditStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public func events(_ f: AuditFilter, after: Int64?, limit: Int) async throws -> [AuditEvent] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    """
                    SELECT seq, sealed_at, prev_hash, chain_hash, payload
                    FROM audit.find_events(\(f.table), \(f.key), \(f.actor), \(f.sealedFrom), \(f.sealedBefore), \(after), \(limit)::integer)
                    """, logger: database.logger), Self.event)
        }
    }

    /// Every event from the first, in pages, handed to `body` in seq order.
    public func scan(upTo last: Int64? = nil, pageSize: Int = 5000, _ body: ([AuditEvent]) async throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            var page = try await events(AuditFilter(), after: after, limit: pageSize)
            if let last { page.removeAll { $0.seq > last } }
            if page.isEmpty { return }
            try await body(page)
            after = page.last!.seq
            if let last, after >= last { return }
        }
    }

    /// The head; `patience` bounds the wait for a connection (a scrape of `/metrics` must not queue).
    public func head(patience: Duration? = nil) async throws -> AuditHead {
        try await database.read(patience: patience) { c in
            try await Rows.first(c.query("SELECT seq, chain_hash, sealed_at, unsealed FROM audit.current_head()", logger: database.logger)) {
                AuditHead(
                    seq: try $0.get("seq"), chainHash: try $0.get("chain_hash"), sealedAt: try $0.get("sealed_at"),
                    unsealed: try $0.get("unsealed"))
            }!
        }
    }

    public func addCheckpoint(_ checkpoint: StoredCheckpoint, context: WriteContext) async throws {
        try await database.write(context) { c in
            try await c.run(
                """
                SELECT audit.add_checkpoint(\(checkpoint.seq), \(checkpoint.chainHash), \(checkpoint.merkleRoot), \(checkpoint.createdAt),
                                            \(checkpoint.publicKey), \(checkpoint.signature))
                """, logger: context.logger)
        }
    }

    public func checkpoints(after: Int64?, limit: Int) async throws -> [StoredCheckpoint] {
        try await database.read { c in
            try await Rows.all(
                c.query(
                    "SELECT seq, chain_hash, merkle_root, created_at, public_key, signature FROM audit.list_checkpoints(\(after), \(limit)::integer)",
                    logger: database.logger)
            ) {
                StoredCheckpoint(
                    seq: try $0.get("seq"), chainHash: try $0.get("chain_hash"), merkleRoot: try $0.get("merkle_root"),
                    createdAt: try $0.get("created_at"), publicKey: try $0.get("public_key"), signature: try $0.get("signature"))
            }
        }
    }

    /// Records that someone looked at something (an export, an evidence file): an event of its own,
    /// staged by `audit.record_read`, journalled when this short transaction commits and sealed right
    /// after (`Database.write`), before a byte of what was read is sent.
    public func recordRead(_ what: String, key: String, detail: String? = nil, context: WriteContext) async throws {
        try await database.write(context) { c in
            try await c.run("SELECT audit.record_read(\(what), \(key), \(detail)::jsonb)", logger: context.logger)
        }
    }

    /// Records `read` the same way, its detail encoded as JSON here (never pasted into text).
    public func record(_ read: RecordedRead, context: WriteContext) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let detail = String(decoding: try encoder.encode(read.detail), as: UTF8.self)
        try await recordRead(read.what, key: read.key, detail: detail, context: context)
    }

    private static func event(_ r: PostgresRandomAccessRow) throws -> AuditEvent {
        AuditEvent(
            seq: try r.get("seq"), sealedAt: try r.get("sealed_at"), prevHash: try r.get("prev_hash"),
            chainHash: try r.get("chain_hash"), payload: try r.get("payload"))
    }
}

/// A moment to read the register at: the end of a UK calendar day, as the seal-time text it is compared with.
public struct AsAt: Sendable, Equatable {
    public let day: Day
    /// The first instant after the day, in UTC, in the seal-time format.
    public let sealedBefore: String

    public init(day: Day) {
        self.day = day
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .london
        let next = day.adding(days: 1)
        let start = calendar.date(from: DateComponents(year: next.year, month: next.month, day: next.day))!
        self.sealedBefore = AsAt.sealTimeText(start)
    }

    /// An instant in the seal-time format of the trail: UTC, microseconds, `2026-01-02T03:04:05.123456Z`.
    public static func sealTimeText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'"
        return formatter.string(from: date)
    }

    /// An exact moment (seal-time text) read as belonging to `day`.
    public init(day: Day, sealedBefore: String) {
        self.day = day
        self.sealedBefore = sealedBefore
    }
}
