import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import RegisterDomain
@testable import RegisterServer
import RegisterServices
@testable import RegisterStore
import RegisterTestSupport
import Testing

/// Stored evidence files cannot grow or change, and downloads check them as they go (issue 12,
/// point 6); downloads and uploads cannot be held open by slow clients at others' expense (point 5).
@Suite("stored files")
struct StoredFileTests {
    /// A PDF of `size` bytes, so that it spans several stored pieces (256 KiB each).
    static func pdf(_ size: Int) -> [UInt8] {
        var bytes = Array("%PDF-1.4\n".utf8)
        while bytes.count < size { bytes.append(UInt8(truncatingIfNeeded: bytes.count &* 31 &+ bytes.count >> 9)) }
        return bytes
    }

    /// Uploads `bytes` as the partner's evidence on their own assignment: (evidence id, file id).
    static func stored(_ api: APIHarness, _ world: PartnerWorld, _ bytes: [UInt8]) async throws -> (evidence: UUID, file: UUID) {
        let reply = try await api.upload(
            to: world.own.assignment, fields: ["summary": "Audit", "kind": "outcome", "effective_date": "2026-01-31"], files: [("audit.pdf", bytes)])
        try #require(reply.status == .created, "\(reply.text)")
        let file = try #require((reply.json["files"] as? [[String: Any]])?.first?["id"] as? String)
        return (UUID(uuidString: try reply.id())!, UUID(uuidString: file)!)
    }

    /// Runs `statements` as the database owner, in one transaction that says who it is; the SQLSTATE it fails with, or nil.
    static func asOwner(_ db: TestDatabase, _ statements: PostgresQuery...) async throws -> String? {
        try await TestDatabase.withClient(db.owner) { client in
            do {
                try await client.withTransaction(logger: TestDatabase.logger) { c in
                    _ = try await c.query("SELECT set_config('app.actor', 'system:test', true), set_config('app.request_id', 'owner', true)", logger: TestDatabase.logger).collect()
                    for sql in statements { _ = try await c.query(sql, logger: TestDatabase.logger).collect() }
                }
                return nil
            } catch let error as PostgresTransactionError {
                return ((error.closureError ?? error.commitError) as? PSQLError)?.serverInfo?[.sqlState]
            }
        }
    }

    @Test("once stored, no piece of a file can be added, changed or removed, not even by the owner; a file is recorded only whole")
    func sealed() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let (evidence, file) = try await Self.stored(api, world, Self.pdf(300 * 1024))
            let refused: [PostgresQuery] = [
                "INSERT INTO files.chunks (file_id, seq, data) VALUES (\(file), 2, '\\x00'::bytea)",
                "INSERT INTO files.chunks (file_id, seq, data) VALUES (\(file), 99, '\\x00'::bytea)",
                "UPDATE files.chunks SET data = '\\x00'::bytea WHERE file_id = \(file) AND seq = 0",
                "DELETE FROM files.chunks WHERE file_id = \(file) AND seq = 1",
                "TRUNCATE files.chunks",
            ]
            for sql in refused {
                let state = try await Self.asOwner(api.db, sql)
                #expect(state == "LRA10", "\(sql.sql) was not refused by the database (\(state ?? "accepted"))")
            }
            // Nor by the service's own role, which may add pieces of files still arriving.
            let app = try await api.db.withDatabase { database in
                do {
                    try await database.read { c in
                        _ = try await c.query("INSERT INTO files.chunks (file_id, seq, data) VALUES (\(file), 2, '\\x00'::bytea)", logger: TestDatabase.logger).collect()
                    }
                    return "accepted"
                } catch {
                    return "\(String(reflecting: error))"
                }
            }
            #expect(app.contains("sealed"), "\(app)")
            // A file recorded without its pieces, or with fewer bytes than it says, is refused.
            let missing = try await Self.asOwner(
                api.db,
                """
                INSERT INTO register.evidence_files (id, evidence_id, position, name, media_type, size_bytes, sha256)
                VALUES (gen_random_uuid(), \(evidence), 2, 'empty.pdf', 'application/pdf', 10, sha256('x'::bytea))
                """)
            #expect(missing == "LRA12")
            let piece = UUID()
            let short = try await Self.asOwner(
                api.db, "INSERT INTO files.chunks (file_id, seq, data) VALUES (\(piece), 0, '\\x0102'::bytea)",
                """
                INSERT INTO register.evidence_files (id, evidence_id, position, name, media_type, size_bytes, sha256)
                VALUES (\(piece), \(evidence), 2, 'short.pdf', 'application/pdf', 3, sha256('x'::bytea))
                """)
            #expect(short == "LRA12")
            // The file still downloads whole.
            let download = try await api.call(.get, "/api/v1/evidence/\(evidence)/files/\(file)", as: .partner)
            #expect(download.status == .ok && Array(download.body) == Self.pdf(300 * 1024))
        }
    }

    @Test("a download whose stored bytes were changed behind the register's back ends with an error, never with the wrong bytes")
    func corrupted() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let bytes = Self.pdf(600 * 1024 + 7)
            let (evidence, file) = try await Self.stored(api, world, bytes)
            #expect(Array(try await api.call(.get, "/api/v1/evidence/\(evidence)/files/\(file)", as: .partner).body) == bytes)
            // The owner turns the protection off and rewrites a piece in the middle, keeping its length.
            let tampered = try await Self.asOwner(
                api.db, "UPDATE files.chunks SET data = overlay(data placing '\\xff'::bytea from 10) WHERE file_id = \(file) AND seq = 1")
            #expect(tampered == "LRA10", "the owner's plain UPDATE must still be refused")
            try await TestDatabase.withClient(api.db.owner) { client in
                try await client.withTransaction(logger: TestDatabase.logger) { c in
                    _ = try await c.query("ALTER TABLE files.chunks DISABLE TRIGGER insert_only", logger: TestDatabase.logger).collect()
                    _ = try await c.query(
                        "UPDATE files.chunks SET data = overlay(data placing '\\xff'::bytea from 10) WHERE file_id = \(file) AND seq = 1",
                        logger: TestDatabase.logger).collect()
                    _ = try await c.query("ALTER TABLE files.chunks ENABLE ALWAYS TRIGGER insert_only", logger: TestDatabase.logger).collect()
                }
            }
            // Through the API: the response's body ends with an error instead of completing.
            await #expect(throws: (any Error).self) {
                _ = try await api.call(.get, "/api/v1/evidence/\(evidence)/files/\(file)", as: .partner)
            }
            // What a client would have received before the error: less than the whole file.
            let received = try await api.db.withDatabase { database in
                let store = EvidenceStore(database: database)
                let stored = try await store.file(file, of: evidence)
                var received = 0
                do {
                    try await store.streamVerified(stored, logger: TestDatabase.logger) { received += $0.readableBytes }
                    Issue.record("the changed file streamed to its end")
                } catch let mismatch as StoredFileMismatch {
                    #expect(mismatch.problem.contains("SHA-256"))
                }
                return received
            }
            #expect(received < bytes.count)
            // Other files still download.
            let other = try await api.call(.get, "/api/v1/evidence/\(world.own.evidence)/files/\(world.own.file)", as: .partner)
            #expect(other.status == .ok && Array(other.body) == PartnerWorld.pdf)
        }
    }

    @Test("a download that waits on its client holds no database connection meanwhile")
    func downloadHoldsNoConnection() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let bytes = Self.pdf(6 * 256 * 1024 + 100)
            let (evidence, file) = try await Self.stored(api, world, bytes)
            // A pool of one connection: were the download to keep it while its client stalls, nothing else could read.
            var configuration = api.db.app.clientConfiguration
            configuration.options.maximumConnections = 1
            let client = PostgresClient(configuration: configuration, backgroundLogger: TestDatabase.logger)
            let database = Database(client: client, logger: TestDatabase.logger, poolWait: TestDatabase.patience)
            let store = EvidenceStore(database: database)
            let (stalled, stall) = AsyncStream<Void>.makeStream()
            let (resumed, resume) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask {
                    await client.run()
                    return nil
                }
                let stored = try await store.file(file, of: evidence)
                group.addTask {
                    var received: [UInt8] = []
                    var resumes = resumed.makeAsyncIterator()
                    try await store.streamVerified(stored, logger: TestDatabase.logger) { piece in
                        received += piece.readableBytesView
                        if received.count == piece.readableBytes {
                            // The client stops reading after the first piece.
                            stall.yield()
                            _ = await resumes.next()
                        }
                    }
                    return received
                }
                var waits = stalled.makeAsyncIterator()
                _ = await waits.next()
                // Meanwhile another request reads, within a second or two.
                let answered = try await withThrowingTaskGroup(of: Bool.self) { race in
                    race.addTask { try await database.read { c in try await c.query("SELECT 1", logger: TestDatabase.logger).collect() }.count == 1 }
                    race.addTask {
                        try await Task.sleep(for: .seconds(5))
                        resume.yield()  // so that the waiting read gets the connection and this test ends
                        return false
                    }
                    let first = try await race.next() ?? false
                    race.cancelAll()
                    return first
                }
                #expect(answered, "a read waited for the stalled download's connection")
                resume.yield()
                var downloaded: [UInt8]?
                while let next = try await group.next() {
                    if let next {
                        downloaded = next
                        group.cancelAll()
                    }
                }
                #expect(downloaded == bytes)
            }
        }
    }

    @Test("a person sending as many uploads as one person may is answered 429 with Retry-After; others are not held up")
    func perPerson() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let me = try await api.call(.get, "/api/v1/me", as: .partner).id()
            var held: [EvidenceUpload.PersonSlot]? = try await EvidenceUpload.PersonSlot.all(of: UUID(uuidString: me)!, in: api.registry.database)
            let before = try await api.call(.get, "/api/v1/assignments/\(world.own.assignment)/evidence", as: .partner).items.count
            let refused = try await api.upload(
                to: world.own.assignment, fields: ["summary": "Audit", "kind": "outcome", "effective_date": "2026-01-31"], files: [("a.pdf", PartnerWorld.pdf)])
            #expect(refused.status == .tooManyRequests && refused.isProblem)
            #expect(refused.json["type"] as? String == "urn:learning-register:problem:too-many-at-once")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(try await api.call(.get, "/api/v1/assignments/\(world.own.assignment)/evidence", as: .partner).items.count == before)
            // Another person is not held up by this one's uploads.
            let other = try await api.upload(
                to: world.other.assignment, as: nil, token: api.otherPartnerToken,
                fields: ["summary": "Audit", "kind": "outcome", "effective_date": "2026-01-31"], files: [("a.pdf", PartnerWorld.pdf)])
            #expect(other.status != .tooManyRequests)
            #expect(held?.count == EvidenceUpload.maxPerPerson)
            held = nil
            // The places are given back as the uploads end (a moment later: the rows are deleted
            // after them), long before they would expire.
            var later = try await api.upload(
                to: world.own.assignment, fields: ["summary": "Audit", "kind": "outcome", "effective_date": "2026-01-31"], files: [("a.pdf", PartnerWorld.pdf)])
            for _ in 0..<20 where later.status == .tooManyRequests {
                try await Task.sleep(for: .milliseconds(250))
                later = try await api.upload(
                    to: world.own.assignment, fields: ["summary": "Audit", "kind": "outcome", "effective_date": "2026-01-31"], files: [("a.pdf", PartnerWorld.pdf)])
            }
            #expect(later.status != .tooManyRequests, "the places were not given back")
        }
    }

    @Test("an upload that sends too slowly is ended with 408 and its staged files are removed; nothing is stored")
    func slowUpload() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            let pace = UploadPace(idle: .milliseconds(500), minimumBytesPerSecond: 1024, grace: .seconds(1))
            // Behind the API: the upload's temporary folder is gone once it is ended.
            let user = try await api.db.withDatabase { try #require(try await AccountStore(database: $0).credentials(email: "partner@example.org")).user }
            let context = WriteContext(actor: Principal(user: user), requestID: "slow", logger: TestDatabase.logger)
            let (body, feed) = AsyncStream<ByteBuffer>.makeStream()
            feed.yield(ByteBuffer(bytes: Self.pdf(5000)))  // and then nothing more
            let folder = try await api.db.withDatabase { database -> URL? in
                var folder: URL?
                do {
                    _ = try await EvidenceStore(database: database).submit(
                        to: UUID(uuidString: world.own.assignment)!, idempotencyKey: nil, maxBytes: 1 << 20, pace: pace, today: Day(iso: "2026-02-01")!,
                        context: context
                    ) { upload in
                        folder = upload.folder.url
                        let writer = try upload.beginFile(named: "audit.pdf")
                        try await upload.pace.receive(body) { try await writer.write($0) }
                        Issue.record("the stalled body was read to its end")
                        return EvidenceSubmission(summary: "x", kind: .output, effectiveDate: Day(iso: "2026-01-01")!)
                    }
                    Issue.record("a stalled upload was stored")
                } catch {
                    #expect(error is UploadTooSlow, "\(error)")
                }
                return folder
            }
            #expect(folder != nil && !FileManager.default.fileExists(atPath: folder!.path))
            feed.finish()
        }
        // Over HTTP, from a client that sends part of its upload and then stops.
        try await withLiveAPI(pace: UploadPace(idle: .seconds(1), minimumBytesPerSecond: 1024, grace: .seconds(2))) { port, assignment, token, count in
            let boundary = "slow-client"
            var start = "--\(boundary)\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\nAudit\r\n"
            start += "--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"audit.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
            let first = Array(start.utf8) + Self.pdf(3000)
            let head = "POST /api/v1/assignments/\(assignment)/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: 200000\r\n\r\n"
            let started = ContinuousClock.now
            let answer = try await SlowClient.send(port: port, Array(head.utf8) + first, thenWaitSeconds: 15)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(400))")
            #expect(answer.contains("upload-too-slow") && answer.contains("Nothing was stored"))
            #expect(ContinuousClock.now - started < .seconds(12), "the register kept waiting on the client")
            #expect(try await count() == 0)
        }
    }
}

/// A client on a plain socket that sends some bytes, then nothing, and reads whatever comes back
/// until the server closes the connection (or `thenWaitSeconds` pass). It runs on a thread of its
/// own, so its blocking calls take nothing from the server's tasks.
enum SlowClient {
    static func send(port: Int, _ bytes: [UInt8], thenWaitSeconds: Int) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try exchange(port: port, bytes, wait: thenWaitSeconds) })
            }
        }
    }

    struct Failed: Error { var what: String }

    private static func exchange(port: Int, _ bytes: [UInt8], wait: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(what: "socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failed(what: "connect") }
        var timeout = timeval(tv_sec: wait, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard bytes.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else { throw Failed(what: "send") }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}

/// The application listening on a real port, with the given upload pace: (port, an assignment of the
/// partner user's organisation, the partner's API token, how many pieces of evidence it has).
func withLiveAPI(
    pace: UploadPace, _ body: @Sendable @escaping (Int, String, String, @escaping @Sendable () async throws -> Int) async throws -> Void
) async throws {
    try await TestDatabase.with { db in
        let configuration = AppConfiguration(database: db.app, logLevel: "warning", uploadPace: pace)
        let app = buildApplication(configuration, logger: TestDatabase.logger)
        let (admin, partner, organisation) = try await db.withDatabase { database in
            let accounts = AccountStore(database: database)
            let write = WriteContext(actor: .system("tests"), requestID: "setup", logger: TestDatabase.logger)
            let organisation = try await PartnerStore(database: database).create(PartnerDetails(name: "Slow Police", sector: .police), context: write).id
            let admin = try await accounts.createUser(
                NewUser(email: "admin@example.org", name: "admin", role: .admin), bcrypt: APIHarness.passwordHash, context: write)
            let officer = try await accounts.createUser(
                NewUser(email: "partner@example.org", name: "partner", role: .partner, partnerID: organisation), bcrypt: APIHarness.passwordHash,
                context: write)
            return (
                try await accounts.createToken(for: admin, name: "tests", context: write).1.text,
                try await accounts.createToken(for: officer, name: "tests", context: write).1.text, organisation)
        }
        try await app.test(.live) { client in
            @Sendable func call(_ method: HTTPRequest.Method, _ path: String, _ json: String? = nil) async throws -> [String: Any] {
                try await client.execute(
                    uri: path, method: method, headers: [.authorization: "Bearer \(admin)", .contentType: "application/json"],
                    body: json.map { ByteBuffer(string: $0) }
                ) { (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body))) as? [String: Any] ?? [:] }
            }
            let board = try await call(.post, "/api/v1/boards", #"{"code":"slow","name":"Board","kind":"children_partnership"}"#)["id"] as! String
            let review = try await call(
                .post, "/api/v1/reviews", #"{"reference":"SLOW-2026-01","title":"Child S","kind":"lcspr","board_id":"\#(board)","regime":"wt2023"}"#)["id"] as! String
            let recommendation = try await call(
                .post, "/api/v1/reviews/\(review)/recommendations", #"{"number":"1","text":"Share information.","scope":"local"}"#)["id"] as! String
            let assignment = try await call(
                .post, "/api/v1/recommendations/\(recommendation)/assignments",
                #"{"partner_id":"\#(organisation.uuidString.lowercased())","role":"lead","action":"Write a protocol.","due_date":"2026-03-31"}"#)["id"] as! String
            try await body(client.port!, assignment, partner) {
                ((try await call(.get, "/api/v1/assignments/\(assignment)/evidence"))["items"] as? [Any])?.count ?? -1
            }
        }
    }
}

extension EvidenceUpload.PersonSlot {
    /// All of `person`'s places, taken at once, as uploads underway on any server would hold them.
    static func all(of person: UUID, in database: Database) async throws -> [EvidenceUpload.PersonSlot] {
        var places: [EvidenceUpload.PersonSlot] = []
        let context = WriteContext(actor: .system("tests"), requestID: UUID().uuidString, logger: TestDatabase.logger)
        for _ in 0..<EvidenceUpload.maxPerPerson { places.append(try await take(person, database: database, context: context)) }
        return places
    }
}
