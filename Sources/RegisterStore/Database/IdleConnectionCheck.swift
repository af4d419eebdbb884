import Logging
import PostgresNIO

/// What one check of the idle connections found (`Database.checkIdleConnections`).
public struct IdleConnectionCheck: Sendable, Equatable {
    /// Connections that answered in time.
    public var answered = 0
    /// Connections that did not (or failed): closed, so that the pool opens others.
    public var closed = 0

    public init(answered: Int = 0, closed: Int = 0) {
        self.answered = answered
        self.closed = closed
    }
}

extension Database {
    /// Sends `SELECT 1` on each connection no request holds, and closes any that does not answer
    /// within `limit`, so that the pool opens another in its place.
    ///
    /// This stands in for PostgresNIO's keep-alive where the pool keeps its connections
    /// (`DatabaseSettings.keepsConnectionsOpen`): a connection idle all night is used every half
    /// minute, so a firewall between the register and its database does not drop it unseen; and one
    /// whose database went away without closing it (a host switched off, a network cut) is found
    /// here, not by a request that would wait on it for many minutes. Unlike PostgresNIO's
    /// keep-alive, it gives up on an answer after `limit`.
    ///
    /// The connections are leased one inside the other and held until all are checked, so each lease
    /// is another connection; as many as the gate has free places, each waiting a moment at most, so
    /// a request arriving meanwhile waits no longer than one `SELECT 1`. Connections requests hold are
    /// in use, and need no check.
    public func checkIdleConnections(answerWithin limit: Duration, logger: Logger) async -> IdleConnectionCheck {
        let (taken, _) = gate.usage
        return await checkNested(count: gate.size - taken, answerWithin: limit, logger: logger)
    }

    private func checkNested(count: Int, answerWithin limit: Duration, logger: Logger) async -> IdleConnectionCheck {
        guard count > 0 else { return IdleConnectionCheck() }
        do {
            return try await leased(logger: logger, patience: .milliseconds(100)) { connection in
                var found = IdleConnectionCheck()
                if await connection.answers(within: limit, logger: logger) {
                    found.answered += 1
                } else {
                    found.closed += 1
                }
                let rest = await checkNested(count: count - 1, answerWithin: limit, logger: logger)
                found.answered += rest.answered
                found.closed += rest.closed
                return found
            }
        } catch {
            // No place came free at once: a request took it, and with it a connection in use.
            return IdleConnectionCheck()
        }
    }
}

extension DatabaseConnection {
    /// Whether the connection answers `SELECT 1` within `limit`; if not, it is closed, which ends the
    /// statement still waiting for its answer.
    func answers(within limit: Duration, logger: Logger) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await run("SELECT 1", logger: logger)
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let answered = await group.next() ?? false
            if !answered {
                logger.warning("a database connection did not answer SELECT 1 in time, or failed, and was closed", metadata: ["waited": "\(limit)"])
                connection.close().whenComplete { _ in }
            }
            group.cancelAll()
            return answered
        }
    }
}
