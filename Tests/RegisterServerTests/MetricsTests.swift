import Foundation
import Glibc
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
@testable import RegisterServer
import RegisterServices
import RegisterStore
import RegisterTestSupport
import Testing

/// `/metrics`: who may read it, and that its series are there and move with what the server does.
/// Serialized: the request and sign-in counters are the process's own, shared by every test's server,
/// so these tests compare a scrape with the one before it rather than with fixed numbers.
@Suite("/metrics", .serialized)
struct MetricsTests {
    static let token = "metrics-token-0123456789abcdef0123456789abcdef"

    @Test("over loopback it lists requests by route pattern and status with durations, the pool, uploads, the audit head and sign-in failures, and they move")
    func seriesMove() async throws {
        try await withSignInApp(live: true) { app in
            // setup
            let before = try await app.call(.get, "/metrics")
            #expect(before.status == .ok)
            #expect(before.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            // A scrape leaves out the audit head when the database does not answer within its
            // patience, as on a machine running every suite at once: the test asks again until it is there.
            func scrapeWithHead() async throws -> String {
                var text = ""
                for _ in 0..<40 {
                    text = try await app.call(.get, "/metrics").text
                    if Scrape(text)["register_audit_head_sequence"] != nil { break }
                    try await Task.sleep(for: .milliseconds(250))
                }
                return text
            }
            let beforeText = try await scrapeWithHead()
            let review = UUID().uuidString.lowercased()
            let route = ["route": "/api/v1/reviews/{review}", "method": "GET", "status": "401"]

            // act: a record read by id (refused, not signed in), a failed and a good sign-in (both audited)
            #expect(try await app.call(.get, "/api/v1/reviews/\(review)").status == .unauthorized)
            #expect(try await app.signIn("admin@example.org", "not the password").status == .unauthorized)
            #expect(try await app.signIn("admin@example.org").status == .created)
            let after = try await scrapeWithHead()

            // check
            let scraped = Scrape(beforeText), now = Scrape(after)
            #expect(try #require(now["register_http_requests_total", route]) >= (scraped["register_http_requests_total", route] ?? 0) + 1)
            #expect(try #require(now["register_http_request_duration_seconds_count", route]) >= 1)
            #expect(try #require(now["register_http_request_duration_seconds_bucket", route.merging(["le": "+Inf"]) { $1 }]) >= 1)
            #expect(!after.contains(review), "a path's id must never become a label")
            let failures = ["reason": "bad_credentials"]
            #expect(try #require(now["register_sign_in_failures_total", failures]) >= (scraped["register_sign_in_failures_total", failures] ?? 0) + 1)
            #expect(try #require(now["register_audit_head_sequence"]) > (try #require(scraped["register_audit_head_sequence"])))
            let sealed = try #require(now["register_audit_head_sealed_timestamp_seconds"])
            #expect(abs(sealed - Date().timeIntervalSince1970) < 600)
            #expect(now["register_database_up"] == 1)
            #expect(now["register_database_connections_in_use"] == 0)
            #expect(now["register_database_connections_waiting"] == 0)
            #expect(now["register_database_connections_max"] == Double(app.db.app.poolSize))
            #expect(now["register_uploads_in_progress"] == 0)
        }
    }

    @Test("connections in use and requests waiting for one are counted while they are held")
    func poolMoves() async throws {
        try await withSignInApp({ $0.database.poolSize = 2 }, live: true) { app in
            // setup: the owner locks the table every sign-in reads first, so sign-ins hold their connections
            try await TestDatabase.withClient(app.db.owner) { owner in
                try await owner.withConnection { connection in
                    try await connection.query("BEGIN", logger: TestDatabase.logger)
                    try await connection.query("LOCK TABLE auth.sign_in_failures IN ACCESS EXCLUSIVE MODE", logger: TestDatabase.logger)
                    // act
                    let signIns = (0..<3).map { n in Task { try await app.signIn("nobody-\(n)@example.org", "wrong") } }
                    var held = Scrape("")
                    for _ in 0..<50 {
                        held = Scrape(try await app.call(.get, "/metrics").text)
                        if held["register_database_connections_in_use"] == 2 && held["register_database_connections_waiting"] ?? 0 >= 1 { break }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    try await connection.query("ROLLBACK", logger: TestDatabase.logger)
                    for signIn in signIns { _ = try await signIn.value }

                    // check
                    #expect(held["register_database_connections_in_use"] == 2)
                    #expect(held["register_database_connections_waiting"] ?? 0 >= 1)
                    #expect(held["register_database_connections_max"] == 2)
                    let free = Scrape(try await app.call(.get, "/metrics").text)
                    #expect(free["register_database_connections_in_use"] == 0)
                    #expect(free["register_database_connections_waiting"] == 0)
                }
            }
        }
    }

    @Test("an upload being received is counted, and counted out when its client goes")
    func uploadsMove() async throws {
        try await withAPI(live: true) { api in
            // setup
            let (_, assignment) = try await PartnerWorkTests.assigned(api)
            let port = try #require(api.client.port)
            #expect(Scrape(try await api.call(.get, "/metrics").text)["register_uploads_in_progress"] == 0)

            // act: an upload whose body stops half-way, so the server is still receiving it
            let boundary = "lr-metrics"
            let part = "--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\n"
            let socket = try RawSocket(port: port)
            try socket.send(
                "POST /api/v1/assignments/\(assignment)/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(api.tokens[.partner]!)\r\n"
                    + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: 100000\r\n\r\n\(part)")
            var receiving: Double?
            for _ in 0..<50 {
                receiving = Scrape(try await api.call(.get, "/metrics").text)["register_uploads_in_progress"]
                if receiving == 1 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            socket.close()
            var after: Double?
            for _ in 0..<50 {
                after = Scrape(try await api.call(.get, "/metrics").text)["register_uploads_in_progress"]
                if after == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }

            // check
            #expect(receiving == 1)
            #expect(after == 0)
        }
    }

    @Test("refused with 404 to a client that is not on loopback, or that comes through a proxy, unless it sends METRICS_TOKEN")
    func onlyLoopbackOrToken() async throws {
        // Over the router the request has no peer address: as a client on another machine.
        try await withSignInApp({ $0.metricsToken = Self.token }) { app in
            let away = try await app.call(.get, "/metrics")
            #expect(away.status == .notFound)
            #expect(!away.text.contains("register_"))
            #expect(try await app.call(.get, "/metrics", headers: [.authorization: "Bearer not-the-token"]).status == .notFound)
            #expect(try await app.call(.get, "/metrics", headers: [.authorization: "Bearer \(Self.token)x"]).status == .notFound)
            let allowed = try await app.call(.get, "/metrics", headers: [.authorization: "Bearer \(Self.token)"])
            #expect(allowed.status == .ok)
            #expect(allowed.text.contains("register_database_connections_in_use"))
        }
        try await withSignInApp(live: true) { app in
            // On loopback, but sent on by a proxy on this machine: from further away.
            let proxied = try await app.call(.get, "/metrics", headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"])
            #expect(proxied.status == .notFound)
            #expect(try await app.call(.get, "/metrics", headers: [HTTPField.Name("Forwarded")!: "for=203.0.113.9"]).status == .notFound)
            // Without a token configured, no bearer opens it.
            #expect(try await app.call(.get, "/metrics", headers: [.authorization: "Bearer \(Self.token)", HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"]).status == .notFound)
            #expect(try await app.call(.get, "/metrics").status == .ok)
        }
    }

    @Test("METRICS_TOKEN is read from the environment and must be long enough")
    func tokenSetting() throws {
        let base = ["DATABASE_URL": "postgres://u:p@localhost:5432/register"]
        #expect(try AppConfiguration.fromEnvironment(base).metricsToken == nil)
        #expect(try AppConfiguration.fromEnvironment(base.merging(["METRICS_TOKEN": Self.token]) { $1 }).metricsToken == Self.token)
        #expect(throws: AppConfiguration.Invalid.self) { try AppConfiguration.fromEnvironment(base.merging(["METRICS_TOKEN": "short"]) { $1 }) }
    }
}

/// A TCP connection to a test server on loopback, to send a request that stops half-way.
final class RawSocket {
    private let descriptor: Int32

    init(port: Int) throws {
        descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard descriptor >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EIO) }
    }

    func close() { _ = Glibc.close(descriptor) }
}

/// A scrape in the Prometheus text format, read series by series.
struct Scrape {
    private var series: [(name: String, labels: [String: String], value: Double)] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let key = line[..<space]
            guard let brace = key.firstIndex(of: "{") else {
                series.append((String(key), [:], value))
                continue
            }
            var labels: [String: String] = [:]
            for pair in key[key.index(after: brace)..<key.index(before: key.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { labels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
            }
            series.append((String(key[..<brace]), labels, value))
        }
    }

    /// The value of the series of this name whose labels include `labels`, summed over the rest.
    subscript(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = series.filter { one in one.name == name && labels.allSatisfy { key, value in one.labels[key] == value } }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }
}
