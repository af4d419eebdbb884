import Foundation

/// One page of a list, with the cursor for the next page (nil on the last page).
///
/// Every record id is a time-ordered UUID (version 7), so lists run in id order and the cursor is
/// simply the last id shown: rows added meanwhile never shift or repeat what a reader sees.
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// Builds a page from `limit + 1` fetched rows.
    public init(fetched: [Item], limit: Int, id: (Item) -> UUID) {
        if fetched.count > limit {
            self.items = Array(fetched.prefix(limit))
            self.nextCursor = id(fetched[limit - 1]).uuidString.lowercased()
        } else {
            self.items = fetched
            self.nextCursor = nil
        }
    }

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

/// Where a list starts and how long it is.
public struct PageRequest: Sendable, Equatable {
    /// How many items a page holds when the reader does not say.
    public static let standardLimit = 50

    public var after: UUID?
    public var limit: Int

    public init(after: UUID? = nil, limit: Int = standardLimit) {
        self.after = after
        self.limit = limit
    }

    /// The id a page starts after, as a kept list binds it (`a.id > (SELECT $n::uuid)`): the cursor,
    /// or on the first page the nil UUID, all zeros, which sorts before every id.
    var afterOrFirst: UUID { after ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) }
}

extension Page {
    /// Every item of a list read page by page (for lists a page shows whole: a partner's work, a dashboard).
    public static func all(pageSize: Int = 200, _ fetch: (PageRequest) async throws -> Page<Item>) async throws -> [Item] {
        var items: [Item] = []
        var request = PageRequest(limit: pageSize)
        while true {
            let page = try await fetch(request)
            items += page.items
            guard let cursor = page.nextCursor, let after = UUID(uuidString: cursor) else { return items }
            request = PageRequest(after: after, limit: pageSize)
        }
    }
}
