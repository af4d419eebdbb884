import Foundation
import NIOCore
@testable import RegisterStore
import Testing

/// The pace an upload must keep (issue 12, point 5): a client that stops, or that sends a trickle,
/// is ended; time the register spends on what arrived is not held against the client.
@Suite("upload pace")
struct UploadPaceTests {
    /// A request body that yields `pieces`, each after `gap`, then ends (or, with `hang`, never ends).
    struct Trickle: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        var pieces: [ByteBuffer]
        var gap: Duration
        var hang = false

        struct AsyncIterator: AsyncIteratorProtocol {
            var rest: [ByteBuffer]
            let gap: Duration
            let hang: Bool

            mutating func next() async throws -> ByteBuffer? {
                guard !rest.isEmpty else {
                    if hang { try await Task.sleep(for: .seconds(3600)) }
                    return nil
                }
                try await Task.sleep(for: gap)
                return rest.removeFirst()
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: pieces, gap: gap, hang: hang) }
    }

    static let quick = UploadPace(idle: .milliseconds(600), minimumBytesPerSecond: 1000, grace: .milliseconds(800))

    @Test("a body that keeps its pace arrives whole, piece by piece, however long the register takes over each piece")
    func keepsPace() async throws {
        let pieces = (0..<5).map { ByteBuffer(repeating: UInt8($0), count: 4000) }
        var received: [ByteBuffer] = []
        try await Self.quick.receive(Trickle(pieces: pieces, gap: .milliseconds(50))) { piece in
            // Longer than `idle`: the register's own time is not the client's.
            try await Task.sleep(for: .milliseconds(700))
            received.append(piece)
        }
        #expect(received == pieces)
    }

    @Test("a client that stops sending is ended once `idle` has passed, not when the request would time out")
    func stops() async throws {
        let started = ContinuousClock.now
        var received = 0
        await #expect(throws: UploadTooSlow.self) {
            try await Self.quick.receive(Trickle(pieces: [ByteBuffer(repeating: 1, count: 100)], gap: .zero, hang: true)) { received += $0.readableBytes }
        }
        #expect(received == 100)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("a trickle, never idle for long, is ended once its average falls under the minimum after the grace period")
    func trickles() async throws {
        let started = ContinuousClock.now
        let drip = (0..<100).map { _ in ByteBuffer(repeating: 7, count: 10) }
        do {
            try await Self.quick.receive(Trickle(pieces: drip, gap: .milliseconds(100))) { _ in }
            Issue.record("a body of 100 bytes a second was not ended")
        } catch let slow as UploadTooSlow {
            #expect(slow.description.contains("bytes a second"))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("an error of the body or of the register ends the receiving with that error")
    func errors() async throws {
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await UploadPace.standard.receive(Trickle(pieces: [ByteBuffer(string: "x"), ByteBuffer(string: "y")], gap: .zero)) { _ in throw Refused() }
        }
    }
}
