import Foundation
import NIOCore
import RegisterDomain
import Synchronization

/// How slowly an upload may arrive before the register ends it.
///
/// An upload holds one of a person's few upload places and one of the server's, and its files wait
/// in the temporary folder: a client that sends a byte now and then would keep them for ever. So
/// the register stops waiting when the next bytes take longer than `idle`, or when, after `grace`,
/// the body has come at less than `minimumBytesPerSecond` on average. Only time spent waiting on the
/// client counts: time the register itself spends writing what arrived does not.
public struct UploadPace: Sendable, Equatable {
    public var idle: Duration
    public var minimumBytesPerSecond: Int
    public var grace: Duration

    public init(idle: Duration, minimumBytesPerSecond: Int, grace: Duration) {
        self.idle = idle
        self.minimumBytesPerSecond = minimumBytesPerSecond
        self.grace = grace
    }

    /// 30 seconds without a byte, or under 8 KiB a second (64 kbit/s) after the first 30 seconds:
    /// a 25 MiB upload may take up to 53 minutes.
    public static let standard = UploadPace(idle: .seconds(30), minimumBytesPerSecond: 8 * 1024, grace: .seconds(30))

    /// Hands `body`'s pieces to `consume` one at a time, and throws `UploadTooSlow` as soon as the
    /// client falls below this pace, even while it is sending nothing at all.
    ///
    /// The body is read by a child task that passes each piece over and waits until it is consumed
    /// (so no more than one piece is in memory); a watchdog ends the hand-over when the pace fails,
    /// and the reader, cancelled, stops waiting on the client.
    public func receive<Body: AsyncSequence & Sendable>(
        _ body: Body, _ consume: (ByteBuffer) async throws -> Void
    ) async throws where Body.Element == ByteBuffer {
        let meter = PaceMeter(self)
        let (pieces, feed) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let (taken, take) = AsyncStream<Void>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var acknowledgements = taken.makeAsyncIterator()
                do {
                    var iterator = body.makeAsyncIterator()
                    while true {
                        meter.waiting()
                        guard let piece = try await iterator.next() else { break }
                        meter.received(piece.readableBytes)
                        feed.yield(piece)
                        guard await acknowledgements.next() != nil else { return }
                    }
                    meter.complete()
                    feed.finish()
                } catch {
                    meter.complete()
                    feed.finish(throwing: error)
                }
            }
            group.addTask {
                let interval = max(min(min(idle, grace) / 4, .seconds(1)), .milliseconds(10))
                while true {
                    try await Task.sleep(for: interval)
                    if let slow = meter.tooSlow() {
                        feed.finish(throwing: slow)
                        return
                    }
                }
            }
            do {
                for try await piece in pieces {
                    try await consume(piece)
                    take.yield()
                }
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }
}

/// The client sent an upload too slowly: it was ended, and nothing of it was stored.
public struct UploadTooSlow: Error, CustomStringConvertible {
    public var description: String
}

/// One upload's progress, shared by the task reading its body and the watchdog.
final class PaceMeter: Sendable {
    private let pace: UploadPace
    private struct State {
        var bytes: Int64 = 0
        /// Time spent waiting on the client for pieces already received.
        var waited: Duration = .zero
        /// When the reader began waiting for the next piece, while it waits.
        var waitingSince: ContinuousClock.Instant?
        var complete = false
    }
    private let state = Mutex(State())

    init(_ pace: UploadPace) { self.pace = pace }

    func waiting(now: ContinuousClock.Instant = .now) {
        state.withLock { $0.waitingSince = now }
    }

    func received(_ count: Int, now: ContinuousClock.Instant = .now) {
        state.withLock { s in
            s.bytes += Int64(count)
            if let since = s.waitingSince { s.waited += now - since }
            s.waitingSince = nil
        }
    }

    func complete() { state.withLock { $0.complete = true } }

    /// Why the upload must end now, or nil while it keeps its pace.
    func tooSlow(now: ContinuousClock.Instant = .now) -> UploadTooSlow? {
        state.withLock { s in
            guard !s.complete, let since = s.waitingSince else { return nil }
            let current = now - since
            if current > pace.idle {
                return UploadTooSlow(
                    description: "nothing arrived for \(Self.seconds(current)) seconds after \(s.bytes) bytes (the register waits \(Self.seconds(pace.idle)))")
            }
            let waited = s.waited + current
            guard waited > pace.grace else { return nil }
            let rate = Double(s.bytes) / Self.secondsValue(waited)
            if rate < Double(pace.minimumBytesPerSecond) {
                return UploadTooSlow(
                    description: "\(s.bytes) bytes arrived in \(Self.seconds(waited)) seconds, under the \(pace.minimumBytesPerSecond) bytes a second the register needs")
            }
            return nil
        }
    }

    private static func secondsValue(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private static func seconds(_ d: Duration) -> String { String(format: "%.0f", secondsValue(d)) }
}
