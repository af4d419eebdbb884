import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus
import RegisterServices
import RegisterStore

/// `GET /metrics`: the Prometheus text format, for the operator's monitoring.
///
/// Answered to a client on this machine (loopback, with no proxy's forwarding header) or to one
/// that sends `Authorization: Bearer METRICS_TOKEN`; to anyone else it answers 404, as if there
/// were no such page. Requests by route and status, with their durations, come from Hummingbird's
/// `MetricsMiddleware` and sign-in failures from `AccountService`, both through swift-metrics; the
/// figures of this server (its database connections, uploads and the audit chain's head) are read
/// at each scrape.
struct MetricsController {
    let operations: OperationsService
    let token: String?

    func addRoutes(to router: Router<RegisterRequestContext>) {
        router.get("metrics") { request, context in
            guard Self.mayRead(request, peer: context.peerAddress, token: token) else { throw HTTPError(.notFound) }
            let snapshot = await operations.snapshot()
            var text = PrometheusBackend.registry.emitToString()
            text += Self.render(snapshot)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    /// The headers a reverse proxy adds: a request that carries one came from further away than
    /// the proxy on this machine, whatever its connection's address says.
    static let forwardingHeaders: [HTTPField.Name] = [.xForwardedFor, HTTPField.Name("Forwarded")!, HTTPField.Name("X-Real-IP")!]

    static func mayRead(_ request: Request, peer: String?, token: String?) -> Bool {
        if let token, let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer", sameInConstantTime(String(parts[1]), token) { return true }
        }
        guard let peer, let address = IPAddress(peer), isLoopback(address) else { return false }
        return !forwardingHeaders.contains { request.headers[$0] != nil }
    }

    static func isLoopback(_ address: IPAddress) -> Bool {
        address.bytes.count == 4 ? address.bytes[0] == 127 : address.bytes == Array(repeating: 0, count: 15) + [1]
    }

    /// Compares the SHA-256 digests of both, every byte, so the time taken tells nothing of how
    /// much of a guess was right (nor of the token's length).
    static func sameInConstantTime(_ given: String, _ expected: String) -> Bool {
        let a = Array(SHA256.hash(data: Data(given.utf8)))
        let b = Array(SHA256.hash(data: Data(expected.utf8)))
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// This server's own figures, read now.
    static func render(_ snapshot: OperationsSnapshot) -> String {
        var lines: [String] = []
        func gauge(_ name: String, _ help: String, _ value: String) {
            lines += ["# HELP \(name) \(help)", "# TYPE \(name) gauge", "\(name) \(value)"]
        }
        gauge("register_database_connections_in_use", "Database connections requests hold now.", "\(snapshot.pool.inUse)")
        gauge("register_database_connections_waiting", "Requests waiting for a database connection now.", "\(snapshot.pool.waiting)")
        gauge("register_database_connections_max", "Most database connections at once (DATABASE_POOL_SIZE).", "\(snapshot.pool.size)")
        gauge("register_uploads_in_progress", "Uploads (evidence, answers, documents) this server is receiving now.", "\(snapshot.uploadsInProgress)")
        gauge(
            "register_database_up", "1 if the database answered this scrape's read of the audit head in time, else 0.",
            snapshot.auditHead == nil ? "0" : "1")
        if let head = snapshot.auditHead {
            gauge("register_audit_head_sequence", "The audit chain's last sealed event (seq).", "\(head.seq)")
            if let sealed = Self.seconds(head.sealedAt) {
                gauge("register_audit_head_sealed_timestamp_seconds", "When the audit chain's last event was sealed (Unix time).", sealed)
            }
            gauge("register_audit_unsealed_events", "Audit events of committed changes not yet sealed into the chain.", "\(head.unsealed)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `2026-03-31T09:15:02.123456Z` (the chain's own form) as Unix seconds; nil for the genesis.
    static func seconds(_ sealedAt: String) -> String? {
        guard !sealedAt.hasPrefix("0000"), sealedAt.hasSuffix("Z") else { return nil }
        let parts = sealedAt.dropLast().split(separator: ".", maxSplits: 1)
        let formatter = ISO8601DateFormatter()
        guard let whole = formatter.date(from: parts[0] + "Z") else { return nil }
        let fraction = parts.count == 2 ? Double("0." + parts[1]) ?? 0 : 0
        return String(format: "%.6f", whole.timeIntervalSince1970 + fraction)
    }
}
