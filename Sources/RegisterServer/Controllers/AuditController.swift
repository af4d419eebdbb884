import Foundation
import HTTPTypes
import Hummingbird
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore

/// The audit trail for auditors and admins: events, a streamed export, verification and checkpoints.
struct AuditController {
    let audit: AuditService

    /// An event as listed: the exported fields plus what it is about, read from its payload.
    struct ListedEvent: Encodable {
        var event: AuditEvent
        var table: String?
        var operation: String?
        var key: String?
        var actor: String?
        var requestID: String?
        /// Where the change came from, when the write said (an import's file and row).
        var context: String?

        init(_ event: AuditEvent) {
            self.event = event
            if case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(event.payload.utf8)) {
                func text(_ k: String) -> String? { if case .string(let s)? = fields[k] { return s } else { return nil } }
                (table, operation, key, actor, requestID) = (text("table"), text("op"), text("key"), text("actor"), text("request_id"))
                context = text("context")
            }
        }

        enum CodingKeys: String, CodingKey {
            case table, operation, key, actor
            case requestID = "request_id"
            case context
        }

        func encode(to encoder: any Encoder) throws {
            try event.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(table, forKey: .table)
            try c.encode(operation, forKey: .operation)
            try c.encode(key, forKey: .key)
            try c.encode(actor, forKey: .actor)
            try c.encode(requestID, forKey: .requestID)
            try c.encode(context, forKey: .context)
        }
    }

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("audit/events") { request, context in
            let q = QueryParameters(request)
            let filter = AuditFilter(
                table: try q.text("table", max: 100), key: try q.text("key", max: 200), actor: try q.text("actor", max: 200),
                sealedFrom: try q.day("from").map { AsAt(day: $0.adding(days: -1)).sealedBefore },
                sealedBefore: try q.day("to").map { AsAt(day: $0).sealedBefore })
            let limit = try q.limit()
            let events = try await audit.events(filter, after: try q.seqCursor(), limit: limit + 1, by: context.actor)
            let page = Array(events.prefix(limit))
            let next = events.count > limit ? page.last.map { String($0.seq) } : nil
            return try JSON.response(SeqPage(items: page.map(ListedEvent.init), nextCursor: next))
        }
        group.get("audit/verify") { _, context in
            try JSON.response(try await audit.verify(by: context.actor))
        }
        group.get("audit/checkpoints") { request, context in
            let q = QueryParameters(request)
            let limit = try q.limit()
            let checkpoints = try await audit.checkpoints(after: try q.seqCursor(), limit: limit + 1, by: context.actor)
            let page = Array(checkpoints.prefix(limit))
            let next = checkpoints.count > limit ? page.last.map { String($0.seq) } : nil
            return try JSON.response(SeqPage(items: page, nextCursor: next))
        }
        group.get("audit/export") { _, context in
            // The export is itself an event; the checkpoint taken now bounds what is streamed.
            let checkpoint = try await audit.beginExport(via: .api, by: context.actor)
            var headers = HTTPFields()
            headers[.contentType] = "application/jsonl; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"audit-\(checkpoint.seq).jsonl\""
            headers[HTTPField.Name("Audit-Checkpoint-Seq")!] = String(checkpoint.seq)
            headers[HTTPField.Name("Audit-Chain-Hash")!] = checkpoint.chainHash
            let logger = context.logger
            let body = ResponseBody { writer in
                // Written after the handler has returned: its reads log through the request's logger still.
                try await Database.$requestLogger.withValue(logger) {
                    try await audit.exportEvents(upTo: checkpoint.seq) { chunk in
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    /// A page of a list ordered by sequence number; the cursor is the last seq shown.
    struct SeqPage<Item: Encodable>: Encodable {
        var items: [Item]
        var nextCursor: String?
        enum CodingKeys: String, CodingKey {
            case items
            case nextCursor = "next_cursor"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(items, forKey: .items)
            try c.encode(nextCursor, forKey: .nextCursor)
        }
    }
}
